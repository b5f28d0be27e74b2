/** A school offers a credential to a student's wallet (link, offer URI, QR code, optional PIN), or withdraws an offer. */
import QRCode from 'qrcode';
import { createOffer } from '../../core/oid4vci/create-offer';
import { withdrawOffer } from '../../core/oid4vci/withdraw-offer';
import * as validate from '../../core/generated/validators';
import type { CreateOfferRequest, WithdrawOfferRequest } from '../../core/requests';
import { authenticateSchool } from '../auth';
import { readJson } from '../body';
import { count } from '../metrics';
import type { RouteHandler } from './types';

export const offerRoutes: Record<string, RouteHandler> = {
  async createOffer(c, deps) {
    const { school, actor } = await authenticateSchool(c, deps);
    const body = await readJson<CreateOfferRequest>(c, validate.CreateOfferRequest, deps.config.maxBodyBytes);
    const offer = await createOffer(
      { ...deps.core, wallet: deps.wallet },
      { school, actor, credential: body.credential, txCode: body.txCode ?? false, ...(body.expiresInSeconds ? { expiresInSeconds: body.expiresInSeconds } : {}), ...(body.format ? { format: body.format } : {}) },
    );
    const [svg, png] = await Promise.all([
      QRCode.toString(offer.link, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 }),
      QRCode.toDataURL(offer.link, { errorCorrectionLevel: 'M', margin: 2, scale: 6 }),
    ]);
    count('OffersCreated');
    c.header('cache-control', 'no-store');
    return c.json({ ...offer, qrCode: { svg, png } }, 201);
  },

  async withdrawOffer(c, deps) {
    const { school, actor } = await authenticateSchool(c, deps);
    const body = await readJson<WithdrawOfferRequest>(c, validate.WithdrawOfferRequest, deps.config.maxBodyBytes);
    const withdrawn = await withdrawOffer({ ...deps.core, wallet: deps.wallet }, { school, actor, offerId: body.offerId });
    c.header('cache-control', 'no-store');
    return c.json(withdrawn, 200);
  },
};

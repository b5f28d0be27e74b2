/**
 * A school withdraws an offer it made, before any wallet redeemed it: a link sent to the wrong
 * family, a credential offered by mistake. The offer is closed and the student's data it held
 * (sealed) is deleted; its link and QR code lead nowhere from then on. Once a wallet has redeemed
 * it (exchanged its code for an access token), it is the wallet's: the credential it obtains is
 * revoked as any other.
 */
import type { CoreDeps } from '../deps';
import { AttestoError } from '../errors';
import type { SchoolRecord } from '../records';
import { isoSeconds } from '../credential/build';
import type { OfferEnd, WalletStore } from './store';

export async function withdrawOffer(deps: CoreDeps & { wallet: WalletStore }, cmd: { school: SchoolRecord; actor: string; offerId: string }) {
  const outcome = await deps.wallet.withdrawOffer(cmd.school.uai, cmd.offerId, { at: isoSeconds(deps.clock()), actor: cmd.actor });
  if (outcome.state === 'unknown') throw new AttestoError('UNKNOWN_OFFER', `no offer ${cmd.offerId} of school ${cmd.school.uai} (it may have expired)`);
  if (outcome.state === 'redeemed') {
    throw new AttestoError(
      'OFFER_REDEEMED',
      `a wallet has already redeemed this offer: its credential is or will be issued (credential.issued by wallet:offer:${cmd.offerId} in the audit); revoke it then (POST /credentials/status)`,
    );
  }
  // The event as the withdrawal was recorded, written again by a resend (audit writes are
  // idempotent): a withdrawal whose audit write failed is audited by the retry the 503 asks for.
  // An offer that could no longer be redeemed is recorded as such: the trail does not show the
  // school closing an open offer when its time or its PIN attempts had run out.
  const was: Record<string, OfferEnd> = outcome.was ? { was: outcome.was } : {};
  await deps.store.appendAudit({ uai: cmd.school.uai, at: outcome.at, action: 'offer.withdrawn', actor: outcome.actor, detail: { offer: cmd.offerId, ...was } });
  return { offerId: cmd.offerId, state: 'withdrawn' as const, ...was };
}

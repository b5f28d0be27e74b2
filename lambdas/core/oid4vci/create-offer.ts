/**
 * A school offers a credential to a student's wallet (OpenID4VCI §4, pre-authorized code flow).
 * The request is validated now, so a school learns of a mistake at once, not when the student
 * scans the code; it is then kept only sealed, until the wallet comes or the offer expires.
 */
import { nfc } from '../text';
import { timeZoneOf } from '../time-zone';
import { createHmac } from 'node:crypto';
import type { CoreDeps } from '../deps';
import { AttestoError } from '../errors';
import type { SchoolRecord } from '../records';
import type { IssueRequest } from '../requests';
import { isoSeconds } from '../credential/build';
import { assertIssuableAt, validateCredentialRequest, validityEnd } from '../use-cases/issue-credential';
import { configurationId, DEFAULT_WALLET_FORMAT, PRE_AUTHORIZED_GRANT, schoolIssuer, type WalletFormat } from './metadata';
import { lookupHash, seal } from './sealing';
import type { WalletStore } from './store';

export const PIN_ATTEMPTS = 5;
export const DEFAULT_OFFER_SECONDS = 86_400;
/** The shortest offer (the request schema's `expiresInSeconds` minimum). */
export const MIN_OFFER_SECONDS = 300;

export interface CreateOfferCommand {
  school: SchoolRecord;
  actor: string;
  credential: IssueRequest['credential'];
  txCode: boolean;
  expiresInSeconds?: number;
  /** What the wallet receives: W3C VC 1.1 JWT (default) or SD-JWT VC. */
  format?: WalletFormat;
}

export const pinMac = (secret: string, pin: string) => createHmac('sha256', secret).update(`tx_code:${pin}`).digest('base64url');

export async function createOffer(deps: CoreDeps & { wallet: WalletStore }, command: CreateOfferCommand) {
  // Checked, kept and issued as NFC text (../text.ts): normalising can lengthen text, and an offer
  // accepted as sent could fail only once a wallet has spent it.
  const cmd = { ...command, credential: nfc(command.credential) };
  const kind = validateCredentialRequest(cmd.credential, cmd.school);
  assertIssuableAt(cmd.credential, kind, deps.clock(), timeZoneOf(cmd.school));
  if ((cmd.credential.credentialSubject as { id?: unknown }).id !== undefined) {
    throw new AttestoError('VALIDATION_FAILED', 'an offered credential is bound to the wallet key: leave credentialSubject.id out', {
      errors: [{ pointer: '/credential/credentialSubject/id', message: 'set by the wallet\'s proof of possession' }],
    });
  }
  const now = deps.clock();
  const secret = deps.randomToken(32);
  const hash = lookupHash(secret);
  const pin = cmd.txCode ? String(deps.randomInt(1_000_000)).padStart(6, '0') : undefined;
  const credentialIssuer = schoolIssuer(deps.publicUrl, cmd.school.uai);
  // An offer ends when the credential's validity would: redeemed later, it would be expired when
  // issued. One that would then last less than the shortest offer is refused: too soon to redeem.
  const end = validityEnd(cmd.credential, kind, timeZoneOf(cmd.school));
  const expires = Math.min(now.getTime() + (cmd.expiresInSeconds ?? DEFAULT_OFFER_SECONDS) * 1000, end?.at ?? Infinity);
  if (end && expires - now.getTime() < MIN_OFFER_SECONDS * 1000) {
    throw new AttestoError('VALIDATION_FAILED', `the credential's validity ends in less than ${MIN_OFFER_SECONDS / 60} minutes: too soon to offer it to a wallet`, {
      errors: [{ pointer: `/credential/${end.field}`, message: `ends within ${MIN_OFFER_SECONDS / 60} minutes` }],
    });
  }
  const expiresAt = isoSeconds(new Date(expires));
  const offerId = hash.slice(0, 16);
  const configuration = configurationId(kind, cmd.format ?? DEFAULT_WALLET_FORMAT);
  await deps.wallet.putOffer({
    hash,
    offerId,
    uai: cmd.school.uai,
    credentialIssuer,
    configurationId: configuration,
    kind,
    sealed: seal(secret, 'offer', cmd.credential),
    ...(pin ? { txCodeMac: pinMac(secret, pin) } : {}),
    attemptsLeft: PIN_ATTEMPTS,
    state: 'offered',
    createdAt: isoSeconds(now),
    expiresAt,
  });
  try {
    await deps.store.appendAudit({ uai: cmd.school.uai, at: isoSeconds(now), action: 'offer.created', actor: cmd.actor, detail: { offer: offerId, kind, format: cmd.format ?? DEFAULT_WALLET_FORMAT, pin: Boolean(pin) } });
  } catch (e) {
    // An unrecorded offer is closed, its sealed data deleted: the school gets an error, never its
    // link or its id, so the offer would reach no one and wait unrecorded until it expires.
    await deps.wallet.withdrawOffer(cmd.school.uai, offerId, { at: isoSeconds(now), actor: cmd.actor }).catch(() => undefined);
    throw e;
  }

  const credentialOffer = credentialOfferObject(credentialIssuer, configuration, secret, Boolean(pin));
  const credentialOfferUri = `${deps.publicUrl}/offers/${secret}`;
  return {
    offerId,
    credentialConfigurationId: configuration,
    credentialOffer,
    credentialOfferUri,
    link: `openid-credential-offer://?credential_offer_uri=${encodeURIComponent(credentialOfferUri)}`,
    ...(pin ? { txCode: pin } : {}),
    expiresAt,
  };
}

/** The offer a wallet reads (§4.1.1): the pre-authorized code is the offer secret itself. */
export function credentialOfferObject(credentialIssuer: string, configuration: string, secret: string, pin: boolean) {
  return {
    credential_issuer: credentialIssuer,
    credential_configuration_ids: [configuration],
    grants: {
      [PRE_AUTHORIZED_GRANT]: {
        'pre-authorized_code': secret,
        ...(pin ? { tx_code: { input_mode: 'numeric', length: 6, description: 'Code à 6 chiffres remis par votre établissement / 6-digit code from your school' } } : {}),
      },
    },
  };
}

/** What GET /offers/{secret} serves, while the offer is open. */
export async function readOffer(deps: Pick<CoreDeps, 'clock'> & { wallet: WalletStore }, secret: string) {
  const offer = /^[A-Za-z0-9_-]{43}$/.test(secret) ? await deps.wallet.getOffer(lookupHash(secret)) : undefined;
  if (!offer || offer.state !== 'offered' || Date.parse(offer.expiresAt) <= deps.clock().getTime()) return undefined;
  // An offer whose PIN attempts are spent is dead: the token endpoint refuses even the right PIN.
  if (offer.txCodeMac !== undefined && offer.attemptsLeft <= 0) return undefined;
  return credentialOfferObject(offer.credentialIssuer, offer.configurationId, secret, offer.txCodeMac !== undefined);
}

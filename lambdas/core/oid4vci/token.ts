/**
 * The token endpoint (OpenID4VCI §6): a pre-authorized code (and its PIN) for an access token.
 * A code is redeemed once, ever: concurrent or replayed redemptions lose the conditional write.
 * PIN attempts are limited; the last wrong one burns the offer.
 */
import { timingSafeEqual } from 'node:crypto';
import type { CoreDeps } from '../deps';
import { isoSeconds } from '../credential/build';
import { OAuthError } from './errors';
import { PRE_AUTHORIZED_GRANT } from './metadata';
import { pinMac } from './create-offer';
import { lookupHash, seal, unseal } from './sealing';
import { grantedDetails } from './authorization-details';
import type { OfferRecord, WalletStore } from './store';
import { checkDpopProof, type DpopRequest } from './dpop';

/**
 * Five minutes: the wallet spends it at once, on one credential. Longer-lived tokens would have to
 * be sender-constrained (OpenID4VCI 1.0, Security Considerations, Protecting the Access Token: "Access Tokens with lifetimes longer than 5 minutes
 * are, in general, considered long lived").
 */
export const ACCESS_TOKEN_SECONDS = 300;

const same = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

export async function exchangePreAuthorizedCode(deps: CoreDeps & { wallet: WalletStore }, form: Record<string, string>, dpop?: DpopRequest) {
  if (form.grant_type !== PRE_AUTHORIZED_GRANT) throw new OAuthError('unsupported_grant_type', `only ${PRE_AUTHORIZED_GRANT} is supported`);
  const code = form['pre-authorized_code'];
  // Missing, it is a malformed request (RFC 6749 §5.2); present, any unknown value is an invalid grant.
  if (code === undefined || code === '') throw new OAuthError('invalid_request', 'pre-authorized_code is required');
  if (!/^[A-Za-z0-9_-]{43}$/.test(code)) throw new OAuthError('invalid_grant', 'unknown pre-authorized code');
  const hash = lookupHash(code);
  const offer = await deps.wallet.getOffer(hash);
  const now = deps.clock();
  if (!offer || offer.state !== 'offered') throw new OAuthError('invalid_grant', 'the pre-authorized code is unknown or already used');
  if (Date.parse(offer.expiresAt) <= now.getTime()) throw new OAuthError('invalid_grant', 'the offer has expired');
  // What the wallet asks for is checked before a PIN attempt is spent on it.
  const details = grantedDetails(form.authorization_details, offer);
  // A proof sent is a proof checked, before anything is spent: the token is then bound to its key.
  const jkt = dpop?.header === undefined ? undefined : await checkDpopProof(deps, dpop.header, { method: 'POST', url: dpop.url, now });

  const attemptId = deps.randomToken(12);
  if (offer.txCodeMac) {
    const pin = form.tx_code;
    // No code at all is a malformed request (OpenID4VCI 1.0 §6.3), not a guess: no attempt is spent.
    if (pin === undefined || pin === '') throw new OAuthError('invalid_request', 'this offer needs its transaction code (tx_code)');
    // Known now, told only once the attempt is paid for. A wrong PIN that spends the last attempt
    // exhausts the offer in the same write: it can never be redeemed, and its sealed data goes now.
    const right = /^[0-9]{6}$/.test(pin) && same(pinMac(code, pin), offer.txCodeMac);
    const at = isoSeconds(now);
    const left = await deps.wallet.spendPinAttempt(hash, { id: attemptId, wrong: !right, at }, offer.attemptsLeft);
    if (left === undefined) {
      // Exhausted before: its event is written again (stored once), should the first write have failed.
      if (offer.exhaustedAt) await auditExhausted(deps, offer, offer.exhaustedAt);
      throw new OAuthError('invalid_grant', 'too many wrong codes: ask your school for a new offer');
    }
    if (!right) {
      // The school's audit says so: someone holding the link guessed the PIN five times (or the
      // student mistyped it). Should that write fail, the 503 asks for a retry, which writes it (above).
      if (left === 0) await auditExhausted(deps, offer, at);
      throw new OAuthError('invalid_grant', left > 0 ? `wrong code (${left} ${left === 1 ? 'attempt' : 'attempts'} left)` : 'too many wrong codes: ask your school for a new offer');
    }
  } else if (form.tx_code !== undefined) {
    throw new OAuthError('invalid_request', 'this offer has no transaction code');
  }

  const accessToken = deps.randomToken(32);
  const tokenHash = lookupHash(accessToken);
  let redeemed: boolean;
  try {
    // The token stored, then the offer redeemed for it: true if this exchange won the offer.
    const request = unseal<unknown>(code, 'offer', offer.sealed);
    await deps.wallet.putAccessToken({
      hash: tokenHash,
      offerId: offer.offerId,
      uai: offer.uai,
      credentialIssuer: offer.credentialIssuer,
      configurationId: offer.configurationId,
      kind: offer.kind,
      ...(details ? { credentialIdentifiers: details[0]!.credential_identifiers } : {}),
      ...(jkt ? { jkt } : {}),
      sealed: seal(accessToken, 'token', request),
      used: false,
      expiresAt: isoSeconds(new Date(now.getTime() + ACCESS_TOKEN_SECONDS * 1000)),
    });
    redeemed = await deps.wallet.redeemOffer(hash, tokenHash);
  } catch (e) {
    // Our failure, not the wallet's: the attempt the right PIN paid is given back, or a student
    // retrying through an outage would burn the offer. (A redemption that went through, its
    // answer lost, is not touched: the offer is no longer open.)
    if (offer.txCodeMac) await Promise.allSettled([deps.wallet.refundPinAttempt(hash, attemptId)]);
    throw e;
  }
  // Single use: only one redemption wins; a loser's token is withdrawn before anyone sees it.
  if (!redeemed) {
    await deps.wallet.deleteAccessToken(tokenHash);
    throw new OAuthError('invalid_grant', 'the pre-authorized code is unknown or already used');
  }
  try {
    await deps.store.appendAudit({ uai: offer.uai, at: isoSeconds(now), action: 'offer.redeemed', actor: `wallet:offer:${offer.offerId}`, detail: { offer: offer.offerId } });
  } catch (e) {
    // An unrecorded redemption is undone: the wallet gets a 503 and may send the same code again,
    // instead of holding a spent offer and no token. (Should the store fail for the undo too,
    // the offer stays spent and the school offers again.)
    await Promise.allSettled([deps.wallet.deleteAccessToken(tokenHash), deps.wallet.reopenOffer(hash, tokenHash, offer.sealed, offer.txCodeMac !== undefined)]);
    throw e;
  }
  // Asked for by authorization_details, the credential is then requested by its identifier (OpenID4VCI 1.0 §6.2).
  return { access_token: accessToken, token_type: jkt ? 'DPoP' : 'Bearer', expires_in: ACCESS_TOKEN_SECONDS, ...(details ? { authorization_details: details } : {}) };
}

/** The exhaustion of an offer's PIN attempts, as recorded: the same event however often it is written. */
function auditExhausted(deps: CoreDeps, offer: Pick<OfferRecord, 'uai' | 'offerId'>, at: string) {
  return deps.store.appendAudit({ uai: offer.uai, at, action: 'offer.exhausted', actor: `wallet:offer:${offer.offerId}`, detail: { offer: offer.offerId } });
}

export const NONCE_SECONDS = 300;

/** The nonce endpoint (§7): a fresh c_nonce, valid once, for a few minutes. */
export async function newNonce(deps: CoreDeps & { wallet: WalletStore }) {
  const nonce = deps.randomToken(24);
  await deps.wallet.putNonce(lookupHash(nonce), isoSeconds(new Date(deps.clock().getTime() + NONCE_SECONDS * 1000)));
  return { c_nonce: nonce, c_nonce_expires_in: NONCE_SECONDS };
}

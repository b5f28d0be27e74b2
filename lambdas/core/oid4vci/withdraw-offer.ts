/**
 * A school withdraws an offer it made, before any wallet redeemed it: a link sent to the wrong
 * family, a credential offered by mistake. The offer is closed and the student's data it held
 * (sealed) is deleted; its link and QR code lead nowhere from then on. Once a wallet has redeemed
 * it, the credential exists: revoke it instead.
 */
import type { CoreDeps } from '../deps';
import { AttestoError } from '../errors';
import type { SchoolRecord } from '../records';
import { isoSeconds } from '../credential/build';
import type { WalletStore } from './store';

export async function withdrawOffer(deps: CoreDeps & { wallet: WalletStore }, cmd: { school: SchoolRecord; actor: string; offerId: string }) {
  const outcome = await deps.wallet.withdrawOffer(cmd.school.uai, cmd.offerId);
  if (outcome === 'unknown') throw new AttestoError('UNKNOWN_OFFER', `no offer ${cmd.offerId} of school ${cmd.school.uai} (it may have expired)`);
  if (outcome === 'redeemed') throw new AttestoError('OFFER_REDEEMED', 'a wallet has already redeemed this offer: revoke the credential instead (POST /credentials/status)');
  // Audited once, by the request that withdrew it; a resend is answered the same.
  if (outcome === 'withdrawn') {
    await deps.store.appendAudit({ uai: cmd.school.uai, at: isoSeconds(deps.clock()), action: 'offer.withdrawn', actor: cmd.actor, detail: { offer: cmd.offerId } });
  }
  return { offerId: cmd.offerId, state: 'withdrawn' as const };
}

/**
 * State of wallet delivery: offers, access tokens, nonces. All short-lived (DynamoDB TTL), all
 * keyed by the SHA-256 of their secret, every single use enforced by a conditional write.
 */
import type { CredentialKind } from '../records';

/** What makes an offer that is still `offered` unredeemable. */
export type OfferEnd = 'expired' | 'exhausted';

export interface OfferRecord {
  hash: string;
  /** Short, non-secret id for audit and support (a prefix of the hash). */
  offerId: string;
  uai: string;
  credentialIssuer: string;
  configurationId: string;
  kind: CredentialKind;
  /** The credential request, sealed under the offer secret. */
  sealed: string;
  /** HMAC of the PIN under the offer secret, when a PIN is required. */
  txCodeMac?: string;
  attemptsLeft: number;
  /** `withdrawn`: by its school, before any wallet redeemed it (its sealed data is gone). */
  state: 'offered' | 'redeemed' | 'withdrawn';
  /** The hash of the access token the offer was redeemed for. */
  redeemedBy?: string;
  /** When and by whom (a client id) the school withdrew it. */
  withdrawnAt?: string;
  withdrawnBy?: string;
  /** When a wrong PIN spent its last attempt (then it can never be redeemed). */
  exhaustedAt?: string;
  /** The id of the latest PIN attempt spent: how a write retried after its answer was lost knows it landed. */
  lastAttempt?: string;
  /** What it had become when it was withdrawn, if no longer redeemable: past its end, or its PIN attempts spent. */
  withdrawnWas?: OfferEnd;
  createdAt: string;
  expiresAt: string;
}

/** What an access token may obtain: exactly what the offer it was exchanged for names. */
export interface AccessTokenRecord extends Pick<OfferRecord, 'offerId' | 'uai' | 'credentialIssuer' | 'configurationId' | 'kind'> {
  hash: string;
  /**
   * Set when the token was granted through `authorization_details`: the credential request must
   * then name the credential by one of these (`credential_identifier`), not by its configuration.
   */
  credentialIdentifiers?: string[];
  /**
   * The RFC 7638 thumbprint of the wallet key the token is bound to (RFC 9449 §6), when the token
   * request carried a DPoP proof: the credential request must then carry a proof by that key.
   */
  jkt?: string;
  /** The credential request, re-sealed under the access token; removed once issued. */
  sealed?: string;
  used: boolean;
  expiresAt: string;
}

export interface WalletStore {
  putOffer(offer: OfferRecord): Promise<void>;
  getOffer(hash: string): Promise<OfferRecord | undefined>;
  /**
   * Spends one PIN attempt of an open offer if any is left, atomically; returns the attempts left
   * after it, or undefined when none was left (or the offer is no longer open). Every attempt pays
   * before its outcome is told, so parallel guesses cannot get more tries than the limit.
   * A `wrong` attempt that spends the last one marks the offer exhausted at `at` in the same write,
   * and drops its sealed data: it can never be redeemed, and the student's data has no reason to
   * stay until the offer expires. `attempt.id` makes the spend idempotent: a write retried after
   * its answer was lost is recognised, not counted twice. `seen`: the attempts left as last read.
   */
  spendPinAttempt(hash: string, attempt: { id: string; wrong: boolean; at: string }, seen?: number): Promise<number | undefined>;
  /**
   * Gives back the attempt `attemptId` spent, a right PIN's whose exchange then failed on our side
   * (the store unavailable), if no attempt was spent since and the offer is still open. A student
   * retrying through an outage must not burn the offer. Given back once, however often it is sent.
   */
  refundPinAttempt(hash: string, attemptId: string): Promise<void>;
  /**
   * Marks the offer redeemed for the access token `tokenHash` and drops its sealed data, if still
   * offered (or already redeemed for that same token: a retried call); false otherwise.
   */
  redeemOffer(hash: string, tokenHash: string): Promise<boolean>;
  /**
   * Undoes the redemption for `tokenHash`, whose wallet got nothing (the exchange failed after
   * it): the offer is open again, with its sealed data and, when `refundAttempt`, the PIN attempt
   * it cost. Only that redemption is undone: never one another exchange made since.
   */
  reopenOffer(hash: string, tokenHash: string, sealed: string, refundAttempt: boolean): Promise<void>;
  /**
   * Withdraws the school's offer `offerId` if still offered: it is closed, its sealed data and
   * PIN MAC dropped, and `withdrawal` recorded. Says what became of it: `withdrawn` (now or
   * before: with the withdrawal recorded first, and `was`, what it had become if it could no
   * longer be redeemed: expired, or its PIN attempts spent), `redeemed` (a wallet came first), or
   * `unknown` (not this school's, or expired and removed).
   */
  withdrawOffer(uai: string, offerId: string, withdrawal: { at: string; actor: string }): Promise<{ state: 'withdrawn'; at: string; actor: string; was?: OfferEnd } | { state: 'redeemed' } | { state: 'unknown' }>;
  putAccessToken(token: AccessTokenRecord): Promise<void>;
  getAccessToken(hash: string): Promise<AccessTokenRecord | undefined>;
  deleteAccessToken(hash: string): Promise<void>;
  /** Marks the token used and drops its sealed data, if unused; false otherwise. */
  consumeAccessToken(hash: string): Promise<boolean>;
  putNonce(hash: string, expiresAt: string): Promise<void>;
  /**
   * Deletes the nonce if it exists and has not expired at `now`; false otherwise. `now` in the
   * form of `expiresAt` (whole seconds, `Z`): the adapter compares them as text.
   */
  consumeNonce(hash: string, now: string): Promise<boolean>;
  /**
   * Records a DPoP proof (by the hash of its key thumbprint and jti) until `expiresAt`, unless it
   * is recorded and not yet expired at `now`: false then (a replay). Times as for nonces.
   */
  recordDpopProof(hash: string, expiresAt: string, now: string): Promise<boolean>;
}

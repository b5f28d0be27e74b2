/**
 * The WalletStore port on DynamoDB. Offers, access tokens and nonces expire through the table's
 * TTL attribute (and are checked for expiry on read: TTL deletion can lag by hours).
 */
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AccessTokenRecord, OfferEnd, OfferRecord, WalletStore } from '../../core/oid4vci/store';
import { AttestoError } from '../../core/errors';
import { conditionalCall } from './calls';
import { keys, TTL_ATTRIBUTE, withoutKeys } from './table';

/** Rounds of a PIN attempt's write lost to other attempts at the same offer before a 503. */
const MAX_SPEND_ROUNDS = 8;

const ttl = (iso: string) => Math.floor(Date.parse(iso) / 1000);

/**
 * Records carry `expiresAt` as an ISO time; the table's TTL attribute of the same name holds
 * epoch seconds. The ISO time is stored as `expiry`, and mapped back on read.
 */
const toItem = <T extends { expiresAt: string }>(k: { pk: string; sk: string }, r: T) => ({ ...k, ...r, expiry: r.expiresAt, [TTL_ATTRIBUTE]: ttl(r.expiresAt) });

export class DynamoWalletStore implements WalletStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** A failed condition answers `false`; the port's methods say what each one means. */
  private send<T>(fn: () => Promise<T>): Promise<T | false> {
    return conditionalCall('wallet', fn);
  }

  private async get<T>(k: { pk: string; sk: string }): Promise<T | undefined> {
    const out = await this.send(() => this.db.send(new GetCommand({ TableName: this.table, Key: k, ConsistentRead: true })));
    if (!out || !out.Item) return undefined;
    const { expiry, ...rest } = withoutKeys(out.Item);
    return { ...rest, expiresAt: expiry } as T;
  }

  async putOffer(offer: OfferRecord) {
    // The reference first: an offer the school could not withdraw must not exist, even briefly.
    await this.send(() => this.db.send(new PutCommand({ TableName: this.table, Item: toItem(keys.offerRef(offer.uai, offer.offerId), { hash: offer.hash, expiresAt: offer.expiresAt }) })));
    await this.send(() => this.db.send(new PutCommand({ TableName: this.table, Item: toItem(keys.offer(offer.hash), offer), ConditionExpression: 'attribute_not_exists(pk)' })));
  }

  async withdrawOffer(uai: string, offerId: string, withdrawal: { at: string; actor: string }) {
    const ref = await this.get<{ hash: string }>(keys.offerRef(uai, offerId));
    if (!ref) return { state: 'unknown' as const };
    // Withdrawn before (a resend, or an SDK retry whose first answer was lost): as it was recorded.
    const recorded = (offer: OfferRecord) => ({ state: 'withdrawn' as const, at: offer.withdrawnAt ?? withdrawal.at, actor: offer.withdrawnBy ?? withdrawal.actor, ...(offer.withdrawnWas ? { was: offer.withdrawnWas } : {}) });
    // A few rounds: a redemption undone meanwhile (its wallet got nothing) puts the offer back.
    for (let round = 0; round < 3; round++) {
      const offer = await this.getOffer(ref.hash);
      if (offer?.uai !== uai) return { state: 'unknown' as const };
      if (offer.state === 'withdrawn') return recorded(offer);
      // Still offered, but past its end or its PIN attempts: withdrawn all the same (its data goes
      // now, not when its TTL comes), and recorded as what it was. (A redeemed one is decided
      // below, after the write: a redemption may be undone in between.)
      // Exhausted only as a wrong PIN marked it (exhaustedAt): no attempts left may also be a right
      // PIN's exchange in flight, or one that failed after spending its attempt.
      const was: OfferEnd | undefined = offer.state !== 'offered' ? undefined : Date.parse(offer.expiresAt) <= Date.parse(withdrawal.at) ? 'expired' : offer.exhaustedAt !== undefined ? 'exhausted' : undefined;
      const out = await this.send(() =>
        this.db.send(
          new UpdateCommand({
            TableName: this.table,
            Key: keys.offer(ref.hash),
            UpdateExpression: `SET #s = :withdrawn, withdrawnAt = :at, withdrawnBy = :by${was ? ', withdrawnWas = :was' : ''} REMOVE sealed, txCodeMac`,
            // This school's, and still offered: a redemption that came first wins. And, read as still
            // redeemable, not exhausted meanwhile: it is read again, and recorded as exhausted.
            ConditionExpression: `#s = :offered AND uai = :uai${was === undefined ? ' AND attribute_not_exists(exhaustedAt)' : ''}`,
            ExpressionAttributeNames: { '#s': 'state' },
            ExpressionAttributeValues: { ':offered': 'offered', ':withdrawn': 'withdrawn', ':uai': uai, ':at': withdrawal.at, ':by': withdrawal.actor, ...(was ? { ':was': was } : {}) },
          }),
        ),
      );
      if (out !== false) return { state: 'withdrawn' as const, ...withdrawal, ...(was ? { was } : {}) };
      const after = await this.getOffer(ref.hash);
      if (after?.uai !== uai) return { state: 'unknown' as const };
      if (after.state === 'withdrawn') return recorded(after);
      if (after.state === 'redeemed') return { state: 'redeemed' as const };
    }
    return { state: 'unknown' as const };
  }

  getOffer(hash: string) {
    return this.get<OfferRecord>(keys.offer(hash));
  }

  async spendPinAttempt(hash: string, attempt: { id: string; wrong: boolean; at: string }, seen?: number) {
    let left = seen;
    // Conditional on the count read, so that the write knows whether it spends the last attempt
    // (and, for a wrong PIN, exhausts the offer with it). Lost to another attempt, it reads again.
    for (let round = 0; round < MAX_SPEND_ROUNDS; round++) {
      if (left === undefined) {
        const offer = await this.getOffer(hash);
        if (!offer || offer.state !== 'offered' || offer.exhaustedAt !== undefined) return undefined;
        left = offer.attemptsLeft;
      }
      const expected: number = left;
      if (!(expected > 0)) return undefined;
      const exhausts = attempt.wrong && expected === 1;
      const out = await this.send(() =>
        this.db.send(
          new UpdateCommand({
            TableName: this.table,
            Key: keys.offer(hash),
            UpdateExpression: `SET attemptsLeft = :next, lastAttempt = :id${exhausts ? ', exhaustedAt = :at REMOVE sealed' : ''}`,
            // Only an open offer's: a guess at one withdrawn (or redeemed) meanwhile spends nothing, and exhausts nothing.
            ConditionExpression: 'attemptsLeft = :left AND #s = :offered AND attribute_not_exists(exhaustedAt)',
            ExpressionAttributeNames: { '#s': 'state' },
            ExpressionAttributeValues: { ':left': expected, ':next': expected - 1, ':id': attempt.id, ':offered': 'offered', ...(exhausts ? { ':at': attempt.at } : {}) },
          }),
        ),
      );
      if (out !== false) return expected - 1;
      const now = await this.getOffer(hash);
      // This very write, landed, its answer lost: the SDK's retry then found the count it had changed.
      if (now?.lastAttempt === attempt.id) return expected - 1;
      if (!now || now.state !== 'offered' || now.exhaustedAt !== undefined) return undefined;
      left = now.attemptsLeft;
    }
    throw new AttestoError('STORE_UNAVAILABLE', 'too many PIN attempts at once on this offer; retry', { retryAfter: 1 });
  }

  async refundPinAttempt(hash: string, attemptId: string) {
    await this.send(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.offer(hash),
          // Removing the attempt's id makes a second refund of it (a retry) fail its condition.
          UpdateExpression: 'SET attemptsLeft = attemptsLeft + :one REMOVE lastAttempt',
          // The latest attempt spent, on an offer still open (never one a wrong PIN exhausted: its data is gone).
          ConditionExpression: 'lastAttempt = :id AND #s = :offered AND attribute_not_exists(exhaustedAt)',
          ExpressionAttributeNames: { '#s': 'state' },
          ExpressionAttributeValues: { ':one': 1, ':id': attemptId, ':offered': 'offered' },
        }),
      ),
    );
  }

  async redeemOffer(hash: string, tokenHash: string) {
    const out = await this.send(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.offer(hash),
          UpdateExpression: 'SET #s = :redeemed, redeemedBy = :token REMOVE sealed',
          // Or already redeemed for this very token: the SDK's retry of an update whose reply was lost.
          ConditionExpression: '#s = :offered OR (#s = :redeemed AND redeemedBy = :token)',
          ExpressionAttributeNames: { '#s': 'state' },
          ExpressionAttributeValues: { ':offered': 'offered', ':redeemed': 'redeemed', ':token': tokenHash },
        }),
      ),
    );
    return out !== false;
  }

  async reopenOffer(hash: string, tokenHash: string, sealed: string, refundAttempt: boolean) {
    // Conditional on this redemption: a retried update (its first reply lost) after another
    // exchange has redeemed the offer again changes nothing.
    await this.send(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.offer(hash),
          UpdateExpression: `SET #s = :offered, sealed = :sealed${refundAttempt ? ', attemptsLeft = attemptsLeft + :one' : ''} REMOVE redeemedBy`,
          ConditionExpression: '#s = :redeemed AND redeemedBy = :token',
          ExpressionAttributeNames: { '#s': 'state' },
          ExpressionAttributeValues: { ':offered': 'offered', ':redeemed': 'redeemed', ':token': tokenHash, ':sealed': sealed, ...(refundAttempt ? { ':one': 1 } : {}) },
        }),
      ),
    );
  }

  async putAccessToken(token: AccessTokenRecord) {
    await this.send(() => this.db.send(new PutCommand({ TableName: this.table, Item: toItem(keys.accessToken(token.hash), token) })));
  }

  getAccessToken(hash: string) {
    return this.get<AccessTokenRecord>(keys.accessToken(hash));
  }

  async deleteAccessToken(hash: string) {
    await this.send(() => this.db.send(new DeleteCommand({ TableName: this.table, Key: keys.accessToken(hash) })));
  }

  async consumeAccessToken(hash: string) {
    const out = await this.send(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.accessToken(hash),
          UpdateExpression: 'SET used = :t REMOVE sealed',
          ConditionExpression: 'used = :f',
          ExpressionAttributeValues: { ':t': true, ':f': false },
        }),
      ),
    );
    return out !== false;
  }

  async putNonce(hash: string, expiresAt: string) {
    await this.send(() => this.db.send(new PutCommand({ TableName: this.table, Item: toItem(keys.nonce(hash), { expiresAt }) })));
  }

  async consumeNonce(hash: string, now: string) {
    const out = await this.send(() =>
      this.db.send(new DeleteCommand({ TableName: this.table, Key: keys.nonce(hash), ConditionExpression: 'attribute_exists(pk) AND expiry > :now', ExpressionAttributeValues: { ':now': now } })),
    );
    return out !== false;
  }

  async recordDpopProof(hash: string, expiresAt: string, now: string) {
    const out = await this.send(() =>
      this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: toItem(keys.dpopProof(hash), { expiresAt }),
          // One still within its window is a replay; one past it (TTL deletion lags) is not.
          ConditionExpression: 'attribute_not_exists(pk) OR expiry <= :now',
          ExpressionAttributeValues: { ':now': now },
        }),
      ),
    );
    return out !== false;
  }
}

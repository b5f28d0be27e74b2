/**
 * The WalletStore port on DynamoDB. Offers, access tokens and nonces expire through the table's
 * TTL attribute (and are checked for expiry on read: TTL deletion can lag by hours).
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { AttestoError } from '../../core/errors';
import type { AccessTokenRecord, OfferRecord, WalletStore } from '../../core/oid4vci/store';
import { TTL_ATTRIBUTE } from './table';

const key = {
  offer: (hash: string) => ({ pk: `OFFER#${hash}`, sk: 'OFFER' }),
  token: (hash: string) => ({ pk: `ATOKEN#${hash}`, sk: 'ATOKEN' }),
  nonce: (hash: string) => ({ pk: `NONCE#${hash}`, sk: 'NONCE' }),
};
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

  private async send<T>(fn: () => Promise<T>): Promise<T | false> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof ConditionalCheckFailedException) return false;
      throw new AttestoError('STORE_UNAVAILABLE', 'storage is unavailable; retry', { cause: e, retryAfter: 1 });
    }
  }

  private async get<T>(k: { pk: string; sk: string }): Promise<T | undefined> {
    const out = await this.send(() => this.db.send(new GetCommand({ TableName: this.table, Key: k, ConsistentRead: true })));
    if (!out || !out.Item) return undefined;
    const { pk: _p, sk: _s, [TTL_ATTRIBUTE]: _t, expiry, ...rest } = out.Item;
    return { ...rest, expiresAt: expiry } as T;
  }

  async putOffer(offer: OfferRecord) {
    await this.send(() => this.db.send(new PutCommand({ TableName: this.table, Item: toItem(key.offer(offer.hash), offer), ConditionExpression: 'attribute_not_exists(pk)' })));
  }

  getOffer(hash: string) {
    return this.get<OfferRecord>(key.offer(hash));
  }

  async spendPinAttempt(hash: string) {
    const out = await this.send(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: key.offer(hash),
          UpdateExpression: 'SET attemptsLeft = attemptsLeft - :one',
          ConditionExpression: 'attemptsLeft > :zero',
          ExpressionAttributeValues: { ':one': 1, ':zero': 0 },
          ReturnValues: 'UPDATED_NEW',
        }),
      ),
    );
    return out ? Number(out.Attributes?.attemptsLeft) : undefined;
  }

  async redeemOffer(hash: string) {
    const out = await this.send(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: key.offer(hash),
          UpdateExpression: 'SET #s = :redeemed REMOVE sealed',
          ConditionExpression: '#s = :offered',
          ExpressionAttributeNames: { '#s': 'state' },
          ExpressionAttributeValues: { ':offered': 'offered', ':redeemed': 'redeemed' },
        }),
      ),
    );
    return out !== false;
  }

  async reopenOffer(hash: string, sealed: string, refundAttempt: boolean) {
    await this.send(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: key.offer(hash),
          UpdateExpression: `SET #s = :offered, sealed = :sealed${refundAttempt ? ', attemptsLeft = attemptsLeft + :one' : ''}`,
          ConditionExpression: '#s = :redeemed',
          ExpressionAttributeNames: { '#s': 'state' },
          ExpressionAttributeValues: { ':offered': 'offered', ':redeemed': 'redeemed', ':sealed': sealed, ...(refundAttempt ? { ':one': 1 } : {}) },
        }),
      ),
    );
  }

  async putAccessToken(token: AccessTokenRecord) {
    await this.send(() => this.db.send(new PutCommand({ TableName: this.table, Item: toItem(key.token(token.hash), token) })));
  }

  getAccessToken(hash: string) {
    return this.get<AccessTokenRecord>(key.token(hash));
  }

  async deleteAccessToken(hash: string) {
    await this.send(() => this.db.send(new DeleteCommand({ TableName: this.table, Key: key.token(hash) })));
  }

  async consumeAccessToken(hash: string) {
    const out = await this.send(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: key.token(hash),
          UpdateExpression: 'SET used = :t REMOVE sealed',
          ConditionExpression: 'used = :f',
          ExpressionAttributeValues: { ':t': true, ':f': false },
        }),
      ),
    );
    return out !== false;
  }

  async putNonce(hash: string, expiresAt: string) {
    await this.send(() => this.db.send(new PutCommand({ TableName: this.table, Item: toItem(key.nonce(hash), { expiresAt }) })));
  }

  async consumeNonce(hash: string, now: string) {
    const out = await this.send(() =>
      this.db.send(new DeleteCommand({ TableName: this.table, Key: key.nonce(hash), ConditionExpression: 'attribute_exists(pk) AND expiry > :now', ExpressionAttributeValues: { ':now': now } })),
    );
    return out !== false;
  }
}

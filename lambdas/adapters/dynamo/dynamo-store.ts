/**
 * The Store port on DynamoDB (and on dynalite, its local stand-in). Every change is a single
 * conditional write; failures of the service become STORE_UNAVAILABLE (503, retryable), a lost
 * condition becomes a plain `false` for the core to decide on.
 */
import { BatchGetCommand, GetCommand, PutCommand, QueryCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { AttestoError } from '../../core/errors';
import { canonicalDigest } from '../../core/hash';
import {
  IDEMPOTENCY_WINDOW_SECONDS,
  type AuditEvent,
  type CredentialRecord,
  type IdempotencyRecord,
  type PublishedStatusList,
  type SchoolRecord,
  type StatusFlags,
  type PublishedListKind,
  type StatusSlot,
} from '../../core/records';
import type { AuditPage, KeyRotationStore, SchoolByClient, SchoolKeys, Store } from '../../core/store';
import { conditionalCall, storeCall } from './calls';
import { keys, TTL_ATTRIBUTE, withoutKeys } from './table';

type Item = Record<string, unknown>;

export class DynamoStore implements Store, KeyRotationStore, SchoolByClient {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  private call<T>(what: string, fn: () => Promise<T>): Promise<T> {
    return storeCall(what, fn);
  }

  /** A conditional put: true when written, false when the condition did not hold. */
  private async putIf(item: Item, condition: string, values?: Item, names?: Record<string, string>): Promise<boolean> {
    const put = new PutCommand({
      TableName: this.table,
      Item: item,
      ConditionExpression: condition,
      ...(values ? { ExpressionAttributeValues: values } : {}),
      ...(names ? { ExpressionAttributeNames: names } : {}),
    });
    return (await conditionalCall('put', () => this.db.send(put))) !== false;
  }

  /**
   * After a failed condition: whether the item shows this very write. The write may have landed
   * and only its answer been lost (the client times out at 1 s and sends it again), the retry then
   * failing the condition the first attempt's own change broke. Taken for a conflict, it would be
   * reported as one while it is in force: a key in use called unused, a school registered told it
   * exists. `ours` compares what only this write could have put there (a key just created, a
   * client just made).
   */
  private async landed(key: { pk: string; sk: string }, ours: (item: Item) => boolean): Promise<boolean> {
    const item = await this.get(key);
    return item !== undefined && ours(item);
  }

  /** Claims a client id's pointer for `uai`: true if claimed now, or by an earlier attempt of this very write. */
  private async claimClient(clientId: string, uai: string): Promise<boolean> {
    const pointer = keys.client(clientId);
    // A client id is made by Cognito for one registration or one new-client: a pointer to this school is this one's.
    return (await this.putIf({ ...pointer, uai }, 'attribute_not_exists(pk)')) || this.landed(pointer, (item) => item.uai === uai);
  }

  private async get(key: { pk: string; sk: string }): Promise<Item | undefined> {
    const out = await this.call('get', () => this.db.send(new GetCommand({ TableName: this.table, Key: key, ConsistentRead: true })));
    return out.Item;
  }

  // Schools ---------------------------------------------------------------------------------

  async createSchool(school: SchoolRecord): Promise<void> {
    // A client id names one school, for ever: its pointer is claimed before the school exists.
    // If the school cannot be created (another registration won), the pointer stays: its client
    // is deleted by the caller, and getSchoolByClientId follows a pointer only to a school that
    // names the same client. (The functions that write the table may not delete items.)
    if (school.clientId && !(await this.claimClient(school.clientId, school.uai))) {
      throw new AttestoError('SCHOOL_EXISTS', `client ${school.clientId} already belongs to a school`);
    }
    const ok =
      (await this.putIf({ ...keys.school(school.uai), ...school }, 'attribute_not_exists(pk)')) ||
      // The key was created for this registration: a school holding it is this one.
      (await this.landed(keys.school(school.uai), (item) => item.keyRef === school.keyRef && item.tokenHash === school.tokenHash));
    if (!ok) throw new AttestoError('SCHOOL_EXISTS', `school ${school.uai} is already registered`);
  }

  async getSchoolByClientId(clientId: string): Promise<SchoolRecord | undefined> {
    const pointer = await this.get(keys.client(clientId));
    const school = typeof pointer?.uai === 'string' ? await this.getSchool(pointer.uai) : undefined;
    // Both sides must agree: a stale pointer never authenticates anyone.
    return school?.clientId === clientId ? school : undefined;
  }

  async linkClient(uai: string, clientId: string): Promise<boolean> {
    if (!(await this.claimClient(clientId, uai))) {
      throw new AttestoError('SCHOOL_EXISTS', `client ${clientId} already belongs to a school`);
    }
    const linked = await conditionalCall('link client', () =>
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.school(uai),
          UpdateExpression: 'SET clientId = :c',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(clientId)',
          ExpressionAttributeValues: { ':c': clientId },
        }),
      ),
    );
    return linked !== false || this.landed(keys.school(uai), (item) => item.clientId === clientId);
  }

  async unlinkClient(uai: string, clientId: string): Promise<boolean> {
    const unlinked = await conditionalCall('unlink client', () =>
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.school(uai),
          UpdateExpression: 'REMOVE clientId',
          ConditionExpression: 'clientId = :c',
          ExpressionAttributeValues: { ':c': clientId },
        }),
      ),
    );
    // Unlinked by an earlier attempt of this write (or by another operator's at the same time): it is unlinked.
    return unlinked !== false || this.landed(keys.school(uai), (item) => item.clientId !== clientId);
  }

  async getSchool(uai: string): Promise<SchoolRecord | undefined> {
    const item = await this.get(keys.school(uai));
    return item ? (withoutKeys(item) as unknown as SchoolRecord) : undefined;
  }

  async advanceList(uai: string, from: number): Promise<number> {
    const advanced = await conditionalCall('advance list', () =>
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.school(uai),
          UpdateExpression: 'SET currentList = :next',
          ConditionExpression: 'currentList = :from',
          ExpressionAttributeValues: { ':from': from, ':next': from + 1 },
        }),
      ),
    );
    if (advanced !== false) return from + 1;
    const school = await this.getSchool(uai);
    if (!school) throw new AttestoError('UNKNOWN_SCHOOL', `school ${uai} is not registered`);
    return school.currentList;
  }

  async setTokenHash(uai: string, tokenHash: string, tokenEvents: AuditEvent[]): Promise<void> {
    await this.call('set token', () =>
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.school(uai),
          UpdateExpression: 'SET tokenHash = :h, tokenEvents = :e',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':h': tokenHash, ':e': tokenEvents },
        }),
      ),
    );
  }

  async setTimeZone(uai: string, timeZone: string): Promise<void> {
    const set = await conditionalCall('set time zone', () =>
      this.db.send(new UpdateCommand({ TableName: this.table, Key: keys.school(uai), UpdateExpression: 'SET #z = :z', ConditionExpression: 'attribute_exists(pk)', ExpressionAttributeNames: { '#z': 'timeZone' }, ExpressionAttributeValues: { ':z': timeZone } })),
    );
    if (!set) throw new AttestoError('UNKNOWN_SCHOOL', `school ${uai} is not registered`);
  }

  async replaceKeys(uai: string, expected: { kid: string; nextKid?: string }, k: SchoolKeys): Promise<boolean> {
    const replaced = await conditionalCall('replace keys', () =>
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.school(uai),
          UpdateExpression: `SET kid = :kid, keyRef = :ref, publicJwk = :jwk, previousKeys = :prev${k.rotationEvents ? ', rotationEvents = :rotations' : ''}${k.nextKey ? ', nextKey = :next' : ' REMOVE nextKey'}`,
          ConditionExpression: `kid = :expected AND ${expected.nextKid ? 'nextKey.kid = :expectedNext' : 'attribute_not_exists(nextKey)'}`,
          ExpressionAttributeValues: {
            ':kid': k.kid,
            ':ref': k.keyRef,
            ':jwk': k.publicJwk,
            ':prev': k.previousKeys ?? [],
            ':expected': expected.kid,
            ...(k.nextKey ? { ':next': k.nextKey } : {}),
            ...(k.rotationEvents ? { ':rotations': k.rotationEvents } : {}),
            ...(expected.nextKid ? { ':expectedNext': expected.nextKid } : {}),
          },
        }),
      ),
    );
    // The new key was created for this rotation: a school holding it took this very write.
    return replaced !== false || this.landed(keys.school(uai), (item) => (k.nextKey ? (item.nextKey as { keyRef?: unknown } | undefined)?.keyRef === k.nextKey.keyRef : item.keyRef === k.keyRef));
  }

  // Credentials -----------------------------------------------------------------------------

  async isSlotFree(uai: string, slot: StatusSlot): Promise<boolean> {
    return (await this.get(keys.credential(uai, slot.list, slot.index))) === undefined;
  }

  async putCredential(record: CredentialRecord): Promise<boolean> {
    return this.putIf({ ...keys.credential(record.uai, record.slot.list, record.slot.index), ...record }, 'attribute_not_exists(pk)');
  }

  async getCredential(uai: string, slot: StatusSlot): Promise<CredentialRecord | undefined> {
    const item = await this.get(keys.credential(uai, slot.list, slot.index));
    return item ? (withoutKeys(item) as unknown as CredentialRecord) : undefined;
  }

  // Status ----------------------------------------------------------------------------------

  async getFlags(uai: string, slot: StatusSlot): Promise<StatusFlags | undefined> {
    const item = await this.get(keys.flags(uai, slot.list, slot.index));
    return item ? (withoutKeys(item) as unknown as StatusFlags) : undefined;
  }

  async putFlags(uai: string, list: number, next: StatusFlags, expected: StatusFlags | undefined): Promise<boolean> {
    const item = { ...keys.flags(uai, list, next.index), ...next };
    if (!expected) return this.putIf(item, 'attribute_not_exists(pk)');
    // The change count is part of the state compared: within one second, suspended → unsuspended →
    // suspended looks the same by its flags, and a writer that read it before would count back.
    return this.putIf(
      item,
      `#u = :u AND suspended = :s AND ${expected.revokedAt === undefined ? 'attribute_not_exists(revokedAt)' : 'revokedAt = :r'} AND ${expected.changes === undefined ? 'attribute_not_exists(changes)' : 'changes = :c'}`,
      { ':u': expected.updatedAt, ':s': expected.suspended, ...(expected.revokedAt ? { ':r': expected.revokedAt } : {}), ...(expected.changes !== undefined ? { ':c': expected.changes } : {}) },
      { '#u': 'updatedAt' },
    );
  }

  async listFlags(uai: string, list: number): Promise<StatusFlags[]> {
    const out: StatusFlags[] = [];
    let start: Item | undefined;
    do {
      const page = await this.call('list flags', () =>
        this.db.send(
          new QueryCommand({
            TableName: this.table,
            KeyConditionExpression: 'pk = :pk AND begins_with(sk, :i)',
            ExpressionAttributeValues: { ':pk': keys.statusPartition(uai, list), ':i': 'I#' },
            ConsistentRead: true,
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        ),
      );
      for (const item of page.Items ?? []) out.push(withoutKeys(item) as unknown as StatusFlags);
      start = page.LastEvaluatedKey;
    } while (start);
    return out;
  }

  async bumpStatusSeq(uai: string, list: number): Promise<number> {
    const out = await this.call('bump seq', () =>
      this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.seq(uai, list),
          UpdateExpression: 'ADD seq :one',
          ExpressionAttributeValues: { ':one': 1 },
          ReturnValues: 'UPDATED_NEW',
        }),
      ),
    );
    return Number(out.Attributes?.seq ?? 0);
  }

  async getStatusSeq(uai: string, list: number): Promise<number> {
    return Number((await this.get(keys.seq(uai, list)))?.seq ?? 0);
  }

  async getPublishedList(uai: string, list: number, purpose: PublishedListKind): Promise<PublishedStatusList | undefined> {
    const item = await this.get(keys.published(uai, list, purpose));
    return item ? (withoutKeys(item) as unknown as PublishedStatusList) : undefined;
  }

  async putPublishedList(p: PublishedStatusList): Promise<boolean> {
    return this.putIf({ ...keys.published(p.uai, p.list, p.purpose), ...p }, 'attribute_not_exists(pk) OR seq < :seq', { ':seq': p.seq });
  }

  // Idempotency -----------------------------------------------------------------------------

  async getIdempotency(uai: string, key: string, orKey?: string): Promise<IdempotencyRecord | undefined> {
    if (orKey === undefined) {
      const item = await this.get(keys.idempotency(uai, key));
      return item ? (withoutKeys(item) as unknown as IdempotencyRecord) : undefined;
    }
    // One request for both: a reservation is looked up at every idempotent issuance (each item of a batch).
    const wanted = [keys.idempotency(uai, key), keys.idempotency(uai, orKey)];
    const out = await this.call('get', () => this.db.send(new BatchGetCommand({ RequestItems: { [this.table]: { Keys: wanted, ConsistentRead: true } } })));
    const found = new Map((out.Responses?.[this.table] ?? []).map((item) => [String(item.pk), item]));
    // Keys DynamoDB left unprocessed (throttled) are read one by one.
    for (const k of out.UnprocessedKeys?.[this.table]?.Keys ?? []) {
      const item = await this.get(k as { pk: string; sk: string });
      if (item) found.set(String(item.pk), item);
    }
    const item = found.get(wanted[0]!.pk) ?? found.get(wanted[1]!.pk);
    return item ? (withoutKeys(item) as unknown as IdempotencyRecord) : undefined;
  }

  async reserveIdempotency(record: IdempotencyRecord): Promise<boolean> {
    return this.putIf(this.idemItem(record), 'attribute_not_exists(pk)');
  }

  async updateIdempotency(record: IdempotencyRecord, owner: string, replacing?: 'expired'): Promise<boolean> {
    if (replacing === 'expired') return this.putIf(this.idemItem(record), '#o = :o', { ':o': owner }, { '#o': 'owner' });
    return this.putIf(this.idemItem(record), '#o = :o AND (#s = :pending OR #s = :state)', { ':o': owner, ':pending': 'pending', ':state': record.state }, { '#o': 'owner', '#s': 'state' });
  }

  private idemItem(record: IdempotencyRecord): Item {
    return { ...keys.idempotency(record.uai, record.key), ...record, [TTL_ATTRIBUTE]: Math.floor(Date.parse(record.issuedAt) / 1000) + IDEMPOTENCY_WINDOW_SECONDS };
  }

  // Audit -----------------------------------------------------------------------------------

  async appendAudit(event: AuditEvent): Promise<void> {
    const day = event.at.slice(0, 10);
    // A sort key that is the event's digest after its time and action: writing the same event
    // twice (a retried request) stores it once, while two different events of the same second
    // (two offers created by one school, two list creations) are both kept.
    const sk = `${event.at}#${event.action}#${canonicalDigest(event)}`;
    await this.call('audit', () =>
      this.db.send(new PutCommand({ TableName: this.table, Item: { pk: keys.auditPartition(event.uai, day), sk, ...event } })),
    );
  }

  async listAudit(uai: string, q: { from: string; to: string; limit: number; cursor?: string }): Promise<AuditPage> {
    const cursor = q.cursor ? decodeCursor(q.cursor) : undefined;
    const firstDay = q.from.slice(0, 10);
    const lastDay = q.to.slice(0, 10);
    // A cursor names a day of this window, as one we gave would: any other would be read day by day.
    if (cursor && (cursor.day < firstDay || cursor.day > lastDay || !isCalendarDay(cursor.day))) throw new AttestoError('VALIDATION_FAILED', 'cursor is not valid');
    if (cursor?.start && cursor.start.pk !== keys.auditPartition(uai, cursor.day)) throw new AttestoError('VALIDATION_FAILED', 'cursor is not valid');
    // And a position inside the window's keys (DynamoDB refuses a start key outside the range asked):
    // a cursor kept while `from` or `to` changed is refused as such, not answered "unavailable, retry".
    const [low, high] = [q.from, `${q.to}~`];
    if (cursor?.start && !(String(cursor.start.sk) >= low && String(cursor.start.sk) <= high)) throw new AttestoError('VALIDATION_FAILED', 'cursor is not valid for this window (give the same from and to as the request that returned it)');
    const events: AuditEvent[] = [];
    let day = cursor?.day ?? firstDay;
    let start: Item | undefined = cursor?.start;
    while (day <= lastDay) {
      const page = await this.call('list audit', () =>
        this.db.send(
          new QueryCommand({
            TableName: this.table,
            KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
            ExpressionAttributeValues: { ':pk': keys.auditPartition(uai, day), ':from': low, ':to': high },
            Limit: q.limit - events.length,
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        ),
      );
      for (const item of page.Items ?? []) events.push(withoutKeys(item) as unknown as AuditEvent);
      start = page.LastEvaluatedKey;
      if (events.length >= q.limit) {
        const next = start ? encodeCursor(day, start) : day < lastDay ? encodeCursor(nextDay(day)) : undefined;
        return { events, ...(next ? { next } : {}) };
      }
      if (!start) {
        const after = nextDay(day);
        // Days are compared as text: only four-digit years move forward (readAudit admits no others).
        if (after <= day) break;
        day = after;
      }
    }
    return { events };
  }
}

const isCalendarDay = (day: string) => !Number.isNaN(Date.parse(`${day}T00:00:00Z`)) && new Date(`${day}T00:00:00Z`).toISOString().startsWith(day);

function nextDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
}

function encodeCursor(day: string, start?: Item): string {
  return Buffer.from(JSON.stringify({ day, start })).toString('base64url');
}

/** Cursors come back from clients: anything not exactly what we issued is refused. */
function decodeCursor(cursor: string): { day: string; start?: Item } {
  try {
    const c = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof c?.day !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(c.day)) throw new Error();
    if (c.start !== undefined && (typeof c.start?.pk !== 'string' || typeof c.start?.sk !== 'string' || Object.keys(c.start).length !== 2)) throw new Error();
    return c;
  } catch {
    throw new AttestoError('VALIDATION_FAILED', 'cursor is not valid');
  }
}

/**
 * The Store port, read-only, on DynamoDB's JSON protocol over a kept-alive HTTPS connection,
 * signed with SigV4 (./sigv4.ts). For the functions that only read (verify, public documents):
 * the AWS SDK's DynamoDB client is about 550 KB of their bundle, and a bundle's size is its cold
 * start; only its small unmarshalling package (@aws-sdk/util-dynamodb) is used here. Only reads by
 * key are needed, as BatchGetItem; every write refuses, as does the IAM role of those functions.
 *
 * Reads are strongly consistent, like DynamoStore's: a revocation is visible to the next
 * verification. Reads asked for together go as one BatchGetItem: a verification names two status
 * lists, which one request brings (one signature, one connection: a cold instance opens one TLS
 * session, not two), and under load every verification of a school's credentials reads the same
 * two lists, which are then read once per round trip instead of once per request, with nothing
 * cached beyond it. A caller never shares a request sent before it asked: that one may have been
 * answered before a revocation the caller has seen completed. It waits for the next request, sent
 * when the one in flight ends.
 */
import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { AttestoError } from '../core/errors';
import type { IdempotencyRecord, PublishedStatusList, SchoolRecord, StatusFlags, PublishedListKind, StatusSlot, CredentialRecord } from '../core/records';
import type { Store } from '../core/store';
import { keys, withoutKeys } from './dynamo/table';
import { withRetries } from './retry';
import { environmentCredentials, signPost, type AwsCredentials } from './sigv4';

export interface DynamoReaderOptions {
  table: string;
  region: string;
  /** Endpoint override, e.g. dynalite's `http://127.0.0.1:port`; default the regional HTTPS endpoint. */
  endpoint?: string;
  /** Default: the execution role's credentials, which the Lambda runtime puts in the environment. */
  credentials?: () => AwsCredentials;
  /** Signing time; injected by tests. */
  clock?: () => Date;
  timeoutMs?: number;
  /** Requests per read, in all: retries of throttling, 5xx and network errors, and of keys left unprocessed (full-jitter backoff between). */
  maxAttempts?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

type Item = Record<string, unknown>;
type Raw = Record<string, AttributeValue> | undefined;
type Key = { pk: string; sk: string };
interface Pending {
  key: Key;
  answer: Promise<Raw>;
  resolve(item: Raw): void;
  reject(error: unknown): void;
}

type BatchGetOutput = {
  Responses?: Record<string, Record<string, AttributeValue>[]>;
  UnprocessedKeys?: Record<string, { Keys?: Record<string, AttributeValue>[] }>;
};

/** Each read's budget: requests, each given this long, with at most this long between two. */
export const READ_ATTEMPTS = 3;
export const READ_ATTEMPT_TIMEOUT_MS = 3000;
export const READ_MAX_BACKOFF_MS = 1000;
/** The longest a read can take before it answers STORE_UNAVAILABLE: what a function's timeout must allow per read in a row. */
export const READ_WORST_CASE_MS = READ_ATTEMPTS * READ_ATTEMPT_TIMEOUT_MS + (READ_ATTEMPTS - 1) * READ_MAX_BACKOFF_MS;

/** Keys per BatchGetItem, DynamoDB's limit. */
const BATCH_KEYS = 100;
const idOf = (key: Key) => `${key.pk}\n${key.sk}`;

const RETRYABLE_TYPES = /(ProvisionedThroughputExceeded|Throttling|RequestLimitExceeded|InternalServerError|ServiceUnavailable|LimitExceeded)/;

class DynamoHttpError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

const readOnly = (what: string) => async (..._args: unknown[]): Promise<never> => {
  throw new AttestoError('INTERNAL', `this function has read-only access to the store (${what})`);
};

export class DynamoReader implements Store {
  private readonly url: URL;
  private readonly agent: HttpAgent;
  private readonly send: typeof httpRequest;
  private readonly credentials: () => AwsCredentials;
  private readonly clock: () => Date;
  /** The reads asked for since the request in flight was sent, by item: the next request. */
  private readonly next = new Map<string, Pending>();
  /** The items a request is in flight for. */
  private readonly inFlight = new Set<string>();
  private flushing = false;

  constructor(private readonly o: DynamoReaderOptions) {
    this.url = new URL(o.endpoint ?? `https://dynamodb.${o.region}.amazonaws.com`);
    const https = this.url.protocol === 'https:';
    const agentOptions = { keepAlive: true, maxSockets: 64, noDelay: true };
    this.agent = https ? new HttpsAgent(agentOptions) : new HttpAgent(agentOptions);
    this.send = https ? httpsRequest : httpRequest;
    this.credentials = o.credentials ?? (() => environmentCredentials());
    this.clock = o.clock ?? (() => new Date());
  }

  // Reads -------------------------------------------------------------------------------------

  async getSchool(uai: string): Promise<SchoolRecord | undefined> {
    return (await this.get(keys.school(uai))) as SchoolRecord | undefined;
  }

  async getPublishedList(uai: string, list: number, purpose: PublishedListKind): Promise<PublishedStatusList | undefined> {
    return (await this.get(keys.published(uai, list, purpose))) as PublishedStatusList | undefined;
  }

  async getCredential(uai: string, slot: StatusSlot): Promise<CredentialRecord | undefined> {
    return (await this.get(keys.credential(uai, slot.list, slot.index))) as CredentialRecord | undefined;
  }

  async isSlotFree(uai: string, slot: StatusSlot): Promise<boolean> {
    return (await this.getCredential(uai, slot)) === undefined;
  }

  async getFlags(uai: string, slot: StatusSlot): Promise<StatusFlags | undefined> {
    return (await this.get(keys.flags(uai, slot.list, slot.index))) as StatusFlags | undefined;
  }

  async getStatusSeq(uai: string, list: number): Promise<number> {
    return Number((await this.get(keys.seq(uai, list)))?.seq ?? 0);
  }

  async getIdempotency(uai: string, key: string, orKey?: string): Promise<IdempotencyRecord | undefined> {
    // Asked together, so sent as one BatchGetItem.
    const [first, second] = await Promise.all([this.get(keys.idempotency(uai, key)), orKey === undefined ? undefined : this.get(keys.idempotency(uai, orKey))]);
    return (first ?? second) as IdempotencyRecord | undefined;
  }

  // Not for read-only functions: writes, and the queries only writers need --------------------

  createSchool = readOnly('createSchool');
  advanceList = readOnly('advanceList');
  setTokenHash = readOnly('setTokenHash');
  setTimeZone = readOnly('setTimeZone');
  putCredential = readOnly('putCredential');
  putFlags = readOnly('putFlags');
  listFlags = readOnly('listFlags');
  bumpStatusSeq = readOnly('bumpStatusSeq');
  putPublishedList = readOnly('putPublishedList');
  reserveIdempotency = readOnly('reserveIdempotency');
  updateIdempotency = readOnly('updateIdempotency');
  appendAudit = readOnly('appendAudit');
  listAudit = readOnly('listAudit');

  /** Closes kept-alive connections (tests, benchmarks). */
  close(): void {
    this.agent.destroy();
  }

  // BatchGetItem -------------------------------------------------------------------------------

  private async get(key: Key): Promise<Item | undefined> {
    const raw = await this.shared(key);
    if (!raw) return undefined;
    // Unmarshalled per caller: readers sharing a response never share (or mutate) one object.
    // The SDK's own unmarshalling, as DynamoStore's document client does (the table holds no
    // binary attributes, which the JSON protocol would leave in base64 here).
    return withoutKeys(unmarshall(raw));
  }

  /**
   * The item, read by a request sent after this call: joined with the reads asked for before it
   * is sent (in the same turn of the event loop; or, while a request for this item is in flight,
   * until that one ends, which it waits for).
   */
  private shared(key: Key): Promise<Raw> {
    const id = idOf(key);
    const joined = this.next.get(id);
    if (joined) return joined.answer;
    let resolve!: Pending['resolve'];
    let reject!: Pending['reject'];
    const answer = new Promise<Raw>((yes, no) => ((resolve = yes), (reject = no)));
    this.next.set(id, { key, answer, resolve, reject });
    // Sent once this turn has asked for its other reads.
    if (!this.flushing) {
      this.flushing = true;
      queueMicrotask(() => this.flush());
    }
    return answer;
  }

  /**
   * Sends the reads asked for so far, but those of an item already in flight: they wait for its
   * answer, and go with the next request (one request per item per round trip under load). An
   * item in flight holds back only itself: a slow or frozen request (a Lambda instance frozen
   * while one was retrying) delays no other school's reads.
   */
  private flush(): void {
    this.flushing = false;
    const batch: Pending[] = [];
    for (const [id, p] of this.next) {
      if (this.inFlight.has(id)) continue;
      batch.push(p);
      this.next.delete(id);
      this.inFlight.add(id);
    }
    for (let i = 0; i < batch.length; i += BATCH_KEYS) {
      const chunk = batch.slice(i, i + BATCH_KEYS);
      void this.batchGet(chunk).finally(() => {
        for (const p of chunk) this.inFlight.delete(idOf(p.key));
        if (this.next.size > 0) this.flush();
      });
    }
  }

  /**
   * One BatchGetItem, and again for the keys DynamoDB left unprocessed (throttled, or past its
   * 16 MB a response): within one budget of `maxAttempts` requests in all, whatever made them
   * fail, with full-jitter backoff between (./retry.ts). Every pending read is answered: its item,
   * undefined when there is none, or STORE_UNAVAILABLE.
   */
  private async batchGet(chunk: Pending[]): Promise<void> {
    const waiting = new Map(chunk.map((p) => [idOf(p.key), p]));
    const attempt = async () => {
      const Keys = [...waiting.values()].map(({ key }) => ({ pk: { S: key.pk }, sk: { S: key.sk } }));
      const out = (await this.call('BatchGetItem', JSON.stringify({ RequestItems: { [this.o.table]: { Keys, ConsistentRead: true } } }))) as BatchGetOutput;
      for (const item of out.Responses?.[this.o.table] ?? []) {
        const id = idOf({ pk: String(item.pk?.S), sk: String(item.sk?.S) });
        waiting.get(id)?.resolve(item);
        waiting.delete(id);
      }
      const unprocessed = new Set((out.UnprocessedKeys?.[this.o.table]?.Keys ?? []).map((k) => idOf({ pk: String(k.pk?.S), sk: String(k.sk?.S) })));
      // Neither returned nor left unprocessed: there is no such item.
      for (const [id, p] of waiting) {
        if (unprocessed.has(id)) continue;
        p.resolve(undefined);
        waiting.delete(id);
      }
      if (waiting.size > 0) throw new DynamoHttpError(`DynamoDB left ${waiting.size} of the keys unprocessed`, true);
    };
    try {
      await withRetries(attempt, {
        maxAttempts: this.o.maxAttempts ?? READ_ATTEMPTS,
        baseDelayMs: 50,
        maxDelayMs: READ_MAX_BACKOFF_MS,
        retryable: (e) => !(e instanceof DynamoHttpError) || e.retryable,
        giveUp: (e) => new AttestoError('STORE_UNAVAILABLE', 'storage is unavailable (BatchGetItem); retry', { cause: e, retryAfter: 1 }),
        sleep: this.o.sleep,
        random: this.o.random,
      });
    } catch (e) {
      for (const p of waiting.values()) p.reject(e);
    }
  }

  /** One signed request; a failure says whether another attempt may succeed. */
  private call(operation: string, body: string): Promise<unknown> {
    const headers = signPost({
      credentials: this.credentials(),
      region: this.o.region,
      service: 'dynamodb',
      host: this.url.host,
      headers: { 'content-type': 'application/x-amz-json-1.0', 'x-amz-target': `DynamoDB_20120810.${operation}` },
      body,
      now: this.clock(),
    });
    return new Promise((resolve, reject) => {
      const req = this.send(
        {
          protocol: this.url.protocol,
          hostname: this.url.hostname,
          port: this.url.port || undefined,
          method: 'POST',
          path: '/',
          agent: this.agent,
          headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const status = res.statusCode ?? 0;
            if (status === 200) {
              try {
                return resolve(JSON.parse(text));
              } catch {
                return reject(new DynamoHttpError('DynamoDB answered with invalid JSON', true));
              }
            }
            let type = '';
            try {
              type = String(JSON.parse(text).__type ?? '');
            } catch {
              // A proxy or load balancer error page: keep the status only.
            }
            reject(new DynamoHttpError(`DynamoDB ${operation}: HTTP ${status} ${type.split('#').pop() ?? ''}`, status >= 500 || RETRYABLE_TYPES.test(type)));
          });
        },
      );
      req.setTimeout(this.o.timeoutMs ?? READ_ATTEMPT_TIMEOUT_MS, () => req.destroy(new Error(`DynamoDB ${operation} timed out`)));
      req.on('error', reject);
      req.end(body);
    });
  }
}

/** The reader a configuration names: the regional endpoint, or the local home's dynalite. */
export function dynamoReaderFor(config: { tableName: string; region: string; dynamoEndpoint?: string; dynamoAccessKeyId?: string }): DynamoReader {
  return new DynamoReader({
    table: config.tableName,
    region: config.region,
    ...(config.dynamoEndpoint ? { endpoint: config.dynamoEndpoint, credentials: () => ({ accessKeyId: config.dynamoAccessKeyId ?? 'local', secretAccessKey: 'local' }) } : {}),
  });
}

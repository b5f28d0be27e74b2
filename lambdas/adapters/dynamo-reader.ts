/**
 * The Store port, read-only, on DynamoDB's JSON protocol over a kept-alive HTTPS connection,
 * signed with SigV4 (./sigv4.ts). For the functions that only read (verify, public documents):
 * the AWS SDK's DynamoDB client is about 550 KB of their bundle, and a bundle's size is its cold
 * start; only its small unmarshalling package (@aws-sdk/util-dynamodb) is used here. Only GetItem
 * is needed; every write refuses, as does the IAM role of those functions.
 *
 * Reads are strongly consistent, like DynamoStore's: a revocation is visible to the next
 * verification. Identical reads asked for together share one request: under load, every
 * verification of a school's credentials reads the same two status lists, and they are read
 * once per round trip instead of once per request, with nothing cached beyond it. A caller never
 * shares a request sent before it asked: that one may have been answered before a revocation the
 * caller has seen completed. It waits for the next request, sent when the one in flight ends.
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
  /** Attempts per read, for throttling, 5xx and network errors (full-jitter backoff between). */
  maxAttempts?: number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

type Item = Record<string, unknown>;
type Raw = Record<string, AttributeValue> | undefined;

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
  /** Per item: the request in flight, and the next one, which callers join until it is sent. */
  private readonly reads = new Map<string, { sent?: Promise<Raw>; open?: Promise<Raw> }>();

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

  async getIdempotency(uai: string, key: string): Promise<IdempotencyRecord | undefined> {
    return (await this.get(keys.idempotency(uai, key))) as IdempotencyRecord | undefined;
  }

  // Not for read-only functions: writes, and the queries only writers need --------------------

  createSchool = readOnly('createSchool');
  advanceList = readOnly('advanceList');
  setTokenHash = readOnly('setTokenHash');
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

  // GetItem -----------------------------------------------------------------------------------

  private async get(key: { pk: string; sk: string }): Promise<Item | undefined> {
    const raw = await this.shared(key);
    if (!raw) return undefined;
    // Unmarshalled per caller: readers sharing a response never share (or mutate) one object.
    // The SDK's own unmarshalling, as DynamoStore's document client does (the table holds no
    // binary attributes, which the JSON protocol would leave in base64 here).
    return withoutKeys(unmarshall(raw));
  }

  /**
   * The item, read by a request sent after this call: joined with the calls made before it is
   * sent (in the same turn of the event loop, or while an earlier request for the item is in
   * flight, which it waits for).
   */
  private shared(key: { pk: string; sk: string }): Promise<Raw> {
    const id = `${key.pk}\n${key.sk}`;
    let reads = this.reads.get(id);
    if (!reads) this.reads.set(id, (reads = {}));
    if (reads.open) return reads.open;
    const r = reads;
    const ignore = () => undefined;
    const open: Promise<Raw> = (r.sent ?? Promise.resolve()).then(ignore, ignore).then(() => {
      // Sent now: later callers wait for the next request.
      if (r.open === open) r.open = undefined;
      const sent = this.getItem(key).finally(() => {
        if (r.sent !== sent) return;
        r.sent = undefined;
        if (!r.open) this.reads.delete(id);
      });
      r.sent = sent;
      return sent;
    });
    r.open = open;
    return open;
  }

  private async getItem(key: { pk: string; sk: string }): Promise<Raw> {
    const body = JSON.stringify({ TableName: this.o.table, Key: { pk: { S: key.pk }, sk: { S: key.sk } }, ConsistentRead: true });
    const out = (await this.call('GetItem', body)) as { Item?: Record<string, AttributeValue> };
    return out.Item;
  }

  private call(operation: string, body: string): Promise<unknown> {
    return withRetries(() => this.post(operation, body), {
      maxAttempts: this.o.maxAttempts ?? 3,
      baseDelayMs: 50,
      maxDelayMs: 1000,
      retryable: (e) => !(e instanceof DynamoHttpError) || e.retryable,
      giveUp: (e) => new AttestoError('STORE_UNAVAILABLE', `storage is unavailable (${operation}); retry`, { cause: e, retryAfter: 1 }),
      sleep: this.o.sleep,
      random: this.o.random,
    });
  }

  private post(operation: string, body: string): Promise<unknown> {
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
      req.setTimeout(this.o.timeoutMs ?? 3000, () => req.destroy(new Error(`DynamoDB ${operation} timed out`)));
      req.on('error', reject);
      req.end(body);
    });
  }
}

/** The reader a configuration names: the regional endpoint, or the local home's dynalite. */
export function dynamoReaderFor(config: { tableName: string; region: string; dynamoEndpoint?: string }): DynamoReader {
  return new DynamoReader({
    table: config.tableName,
    region: config.region,
    ...(config.dynamoEndpoint ? { endpoint: config.dynamoEndpoint, credentials: () => ({ accessKeyId: 'local', secretAccessKey: 'local' }) } : {}),
  });
}

/**
 * Proof that a request came through attesto's CloudFront distribution, and so through its WAF:
 * CloudFront adds a secret header to every request it sends the API (`x-attesto-origin`), and the
 * gateway's authorizers let a request through only with it. An HTTP API cannot have a WAF of its
 * own, and its default `execute-api` address stays reachable from the internet; without this, a
 * client calling that address directly would skip the WAF's per-IP limits and CloudFront's cache.
 *
 * Two values are accepted, the current and the previous one, so that the secret can be rotated
 * without refusing the requests of edges still sending the old one. The authorizers read them
 * from Secrets Manager at run time (kept 5 minutes), not from their configuration: CloudFront
 * takes the current value at deploy time, and a deployment that updated CloudFront alone must not
 * leave the authorizers knowing only an older one. Used by the gateway's two authorizers
 * (../handlers/origin-authorizer.ts, ../handlers/school-authorizer.ts); of the application it
 * imports only the SigV4 signer.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { environmentCredentials, signPost, type AwsCredentials } from '../adapters/sigv4';

/** The header CloudFront adds (lower case: API Gateway HTTP APIs pass header names so). */
export const ORIGIN_HEADER = 'x-attesto-origin';

/** Shortest secret accepted: a guessable one would prove nothing. */
const MIN_SECRET_LENGTH = 32;

/** The secrets to accept, from the secret's `{current, previous}`. */
export function originSecrets(value: { current?: unknown; previous?: unknown }): string[] {
  const { current, previous } = value;
  if (typeof current !== 'string' || current.length < MIN_SECRET_LENGTH) throw new Error(`the origin secret's "current" must be at least ${MIN_SECRET_LENGTH} characters`);
  // The previous value, kept while a rotation reaches every edge; anything shorter means none
  // (the secret starts with an empty one).
  return typeof previous === 'string' && previous.length >= MIN_SECRET_LENGTH ? [current, previous] : [current];
}

export interface SecretSourceOptions {
  /** The secret's ARN. */
  secretId: string;
  region: string;
  /** Default: the regional endpoint; a loopback server in tests. */
  endpoint?: string;
  /** Default: the execution role's credentials, from the environment. */
  credentials?: () => AwsCredentials;
  now?: () => number;
  /** How long values read are used before they are read again. Default 5 minutes. */
  maxAgeMs?: number;
  /** Told of every failed read (a message without the secret). */
  onFailure?: (error: Error) => void;
}

/** After a failed read, how long the values read before are used before trying again. */
const RETRY_AFTER_FAILURE_MS = 30_000;

/**
 * The secrets, read with GetSecretValue and kept `maxAgeMs`. A read that fails keeps the values
 * read before (a rotation can wait, requests cannot), and is reported to `onFailure`; with none
 * yet, it throws, and the authorizer fails (the gateway's 500, which its error alarm reports)
 * rather than refusing everyone. A failure is not tried again for a second: every request of a
 * cold instance would otherwise wait on Secrets Manager.
 */
export function secretsManagerSource(o: SecretSourceOptions): () => Promise<string[]> {
  const now = o.now ?? Date.now;
  const maxAge = o.maxAgeMs ?? 300_000;
  const url = new URL(o.endpoint ?? `https://secretsmanager.${o.region}.amazonaws.com/`);
  let kept: { until: number; secrets: string[] } | undefined;
  let reading: Promise<string[]> | undefined;
  const read = async (): Promise<string[]> => {
    const body = JSON.stringify({ SecretId: o.secretId });
    const headers = signPost({
      credentials: (o.credentials ?? environmentCredentials)(),
      region: o.region,
      service: 'secretsmanager',
      host: url.host,
      headers: { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': 'secretsmanager.GetSecretValue' },
      body,
      now: new Date(now()),
    });
    const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(2000) });
    if (!res.ok) throw new Error(`Secrets Manager answered ${res.status}`);
    const { SecretString } = (await res.json()) as { SecretString?: string };
    let value: { current?: unknown; previous?: unknown };
    try {
      value = JSON.parse(SecretString ?? '') as typeof value;
    } catch {
      // Not the parser's message: it quotes the start of the text, which is the secret.
      throw new Error('the origin secret is not JSON {"current", "previous"}');
    }
    return originSecrets(value);
  };
  let failed: { until: number; error: Error } | undefined;
  return async () => {
    if (kept && now() < kept.until) return kept.secrets;
    if (!kept && failed && now() < failed.until) throw failed.error;
    reading ??= read()
      .then(
        (secrets) => (kept = { until: now() + maxAge, secrets }).secrets,
        (e: unknown) => {
          const error = e instanceof Error ? e : new Error(String(e));
          o.onFailure?.(error);
          if (!kept) {
            failed = { until: now() + 1000, error };
            throw error;
          }
          kept = { until: now() + RETRY_AFTER_FAILURE_MS, secrets: kept.secrets };
          return kept.secrets;
        },
      )
      .finally(() => (reading = undefined));
    return reading;
  };
}

/** The source the stack configures: the secret named by ATTESTO_ORIGIN_SECRET_ARN. */
export function originSecretsFromEnvironment(env: Record<string, string | undefined>, onFailure?: (error: Error) => void): () => Promise<string[]> {
  const secretId = env.ATTESTO_ORIGIN_SECRET_ARN;
  const region = env.AWS_REGION;
  if (!secretId || !region) throw new Error('ATTESTO_ORIGIN_SECRET_ARN and AWS_REGION must be set');
  return secretsManagerSource({ secretId, region, ...(onFailure ? { onFailure } : {}) });
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/** Does the header hold one of the secrets? Compared in constant time (as digests: any length). */
export function throughOrigin(header: string | undefined, secrets: readonly string[]): boolean {
  if (header === undefined || header === '') return false;
  const presented = digest(header);
  let match = false;
  for (const secret of secrets) match = timingSafeEqual(presented, digest(secret)) || match;
  return match;
}

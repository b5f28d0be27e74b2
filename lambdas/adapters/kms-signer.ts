/**
 * Signing with AWS KMS (ECC_NIST_P256 keys, SIGN_VERIFY). KMS returns ECDSA signatures DER-encoded
 * (ASN.1 SEQUENCE of two INTEGERs); JWS wants the fixed 64-byte r‖s form (RFC 7518 §3.4).
 *
 * Quota: ECC `Sign` requests are limited per account and region (300/s by default, shared by every
 * school). A throttled or transiently failing Sign is retried here, with capped exponential backoff
 * and full jitter (https://aws.amazon.com/builders-library/timeouts-retries-and-backoff-with-jitter/),
 * so concurrent issuers spread out instead of retrying in step. Attempts the SDK client already
 * made count towards the same budget, whatever the client's own retry settings. What still fails
 * becomes SIGNER_UNAVAILABLE (503 with Retry-After). Signing has no side effect and a credential is
 * committed only after it is signed, so a retry can never duplicate or half-write a credential.
 * A refusal no retry mends (a disabled or deleted key) is not retried: SIGNING_KEY_UNUSABLE.
 */
import { AWS_CLIENT_TIMEOUTS, CREATE_CALL } from './aws-timeouts';
import {
  CreateKeyCommand,
  GetPublicKeyCommand,
  KMSClient,
  SignCommand,
  type Tag,
} from '@aws-sdk/client-kms';
import { createHash, createPublicKey } from 'node:crypto';
import ecdsaSigFormatter from 'ecdsa-sig-formatter';
import type { JWK } from 'jose';
import { AttestoError } from '../core/errors';
import type { KeyManager, Signer } from '../core/ports';
import { KEY_SCHOOL_TAG } from './kms-tags';
import { withRetries } from './retry';

export interface KmsRetryOptions {
  /** Sign attempts in all, the SDK client's own included. Default 6. */
  maxAttempts?: number;
  /** First backoff ceiling, ms; doubles each attempt. Default 50. */
  baseDelayMs?: number;
  /** Largest backoff ceiling, ms. Default 1000. */
  maxDelayMs?: number;
}

export interface KmsSignerOptions {
  /** Tags added to every key a school gets (the UAI tag is always added). */
  tags?: Tag[];
  /** Key policy document (JSON) for new keys; KMS default when absent. */
  keyPolicy?: string;
  retry?: KmsRetryOptions;
  /** How long a CreateKey may take, ms (default CREATE_CALL's); injected by tests. */
  createTimeoutMs?: number;
  /** Injected by tests: the wait between attempts, and the jitter source in [0, 1). */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/**
 * A create call is sent again only when it surely created nothing (throttled, refused, the
 * connection never made): after the request went out and no answer came back (timed out, reset),
 * the key may exist, and a second call would make another. @smithy/node-http-handler names both a
 * connection timeout and a request one `TimeoutError`; only the latter (and a reset) has a `code`.
 */
export const createRetryable = (e: unknown) => isRetryableKmsError(e) && !mayHaveCreated(e);
const mayHaveCreated = (e: unknown) => {
  const { name, code } = (e ?? {}) as SdkError;
  return (name === 'TimeoutError' && code !== undefined) || ['RequestTimeout', 'ECONNRESET', 'EPIPE'].includes(name ?? '') || ['ETIMEDOUT', 'ECONNRESET', 'EPIPE'].includes(code ?? '');
};

/**
 * KMS is eventually consistent: right after CreateKey it may answer NotFound or KMSInvalidState
 * for a moment (https://docs.aws.amazon.com/kms/latest/developerguide/accessing-kms.html#programming-eventual-consistency).
 * These are retried like throttling; still failing once the attempts are spent, the key is unusable.
 */
const NOT_YET_CONSISTENT = new Set(['NotFoundException', 'KMSInvalidStateException']);

/** Errors worth another attempt: request throttling, and KMS or network trouble that passes. */
const THROTTLING = new Set(['ThrottlingException', 'ThrottledException', 'TooManyRequestsException', 'RequestLimitExceeded', 'LimitExceededException']);
const TRANSIENT = new Set(['KMSInternalException', 'DependencyTimeoutException', 'InternalFailure', 'ServiceUnavailable', 'TimeoutError', 'RequestTimeout', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ECONNREFUSED']);

/**
 * KMS refusals that no retry mends: the school's key is disabled, scheduled for deletion, missing,
 * or not a signing key. They become SIGNING_KEY_UNUSABLE (a 500 without Retry-After, alarmed on):
 * an operator must act, and a client resending only adds to the noise. AccessDenied is not one of
 * them: a key a few minutes old is refused so while its tag reaches KMS authorization, and only the
 * process that created it knows it is new (kms-school-signer.ts); it stays a retryable 503.
 */
const KEY_UNUSABLE = new Set(['DisabledException', 'KMSInvalidStateException', 'NotFoundException', 'InvalidKeyUsageException', 'IncorrectKeyException']);

/** What a KMS failure becomes once it is not retried (any more). */
export function signerError(e: unknown): AttestoError {
  if (e instanceof AttestoError) return e;
  const name = (e as SdkError | undefined)?.name ?? '';
  if (KEY_UNUSABLE.has(name)) {
    return new AttestoError('SIGNING_KEY_UNUSABLE', `the school's signing key cannot be used (${name}): an operator must enable it, or rotate the school to a new key`, { cause: e });
  }
  return new AttestoError('SIGNER_UNAVAILABLE', 'the signing service is unavailable; retry', { cause: e, retryAfter: 1 });
}

interface SdkError {
  name?: string;
  code?: string;
  $retryable?: { throttling?: boolean };
  $metadata?: { httpStatusCode?: number; attempts?: number };
}

function isRetryableKmsError(e: unknown): boolean {
  const err = (e ?? {}) as SdkError;
  const status = err.$metadata?.httpStatusCode;
  return THROTTLING.has(err.name ?? '') || TRANSIENT.has(err.name ?? '') || NOT_YET_CONSISTENT.has(err.name ?? '') || TRANSIENT.has(err.code ?? '') || err.$retryable !== undefined || status === 429 || (status !== undefined && status >= 500);
}

export class KmsSigner implements Signer, KeyManager {
  private readonly publicKeys = new Map<string, JWK>();

  constructor(
    // Retries are made (and counted) by `send` below; the client makes one attempt per call.
    private readonly kms: KMSClient = new KMSClient({ ...AWS_CLIENT_TIMEOUTS, maxAttempts: 1 }),
    private readonly options: KmsSignerOptions = {},
  ) {}

  async sign(keyRef: string, data: Uint8Array): Promise<Uint8Array> {
    // KMS takes at most 4 KB as a RAW message; a transcript's signing input can be larger, so
    // hash here and let KMS sign the digest.
    const digest = createHash('sha256').update(data).digest();
    const out = await this.send(() => this.kms.send(new SignCommand({ KeyId: keyRef, Message: digest, MessageType: 'DIGEST', SigningAlgorithm: 'ECDSA_SHA_256' })));
    if (!out.Signature) throw new AttestoError('SIGNER_UNAVAILABLE', 'the signing service returned no signature', { retryAfter: 1 });
    return derToJose(out.Signature);
  }

  /**
   * Every KMS call (Sign, GetPublicKey, CreateKey) goes through here: throttling and transient
   * failures are retried with capped exponential backoff and full jitter, then become a 503
   * SIGNER_UNAVAILABLE with Retry-After.
   */
  private send<T>(call: () => Promise<T>, retryable: (e: unknown) => boolean = isRetryableKmsError): Promise<T> {
    const { maxAttempts = 6, baseDelayMs = 50, maxDelayMs = 1000 } = this.options.retry ?? {};
    return withRetries(call, {
      maxAttempts,
      baseDelayMs,
      maxDelayMs,
      retryable,
      attemptsIn: (e) => (e as SdkError).$metadata?.attempts ?? 1,
      giveUp: signerError,
      sleep: this.options.sleep,
      random: this.options.random,
    });
  }

  /** The key's public half as a JWK, from its SubjectPublicKeyInfo; cached (it never changes). */
  async publicJwk(keyRef: string): Promise<JWK> {
    const cached = this.publicKeys.get(keyRef);
    if (cached) return cached;
    const out = await this.send(() => this.kms.send(new GetPublicKeyCommand({ KeyId: keyRef })));
    if (!out.PublicKey || out.KeySpec !== 'ECC_NIST_P256') throw new AttestoError('SIGNER_UNAVAILABLE', `key ${keyRef} is not an ECC_NIST_P256 key`);
    const { kty, crv, x, y } = createPublicKey({ key: Buffer.from(out.PublicKey), format: 'der', type: 'spki' }).export({ format: 'jwk' });
    const jwk = { kty, crv, x, y } as JWK;
    this.publicKeys.set(keyRef, jwk);
    return jwk;
  }

  async createKey(uai: string): Promise<{ keyRef: string; publicJwk: JWK }> {
    const out = await this.send(() => this.kms.send(
      new CreateKeyCommand({
        KeySpec: 'ECC_NIST_P256',
        KeyUsage: 'SIGN_VERIFY',
        Description: `attesto signing key of school ${uai}`,
        Tags: [{ TagKey: KEY_SCHOOL_TAG, TagValue: uai }, ...(this.options.tags ?? [])],
        ...(this.options.keyPolicy ? { Policy: this.options.keyPolicy } : {}),
      }),
      { requestTimeout: this.options.createTimeoutMs ?? CREATE_CALL.requestTimeout },
    ), createRetryable);
    const keyRef = out.KeyMetadata?.Arn ?? out.KeyMetadata?.KeyId;
    if (!keyRef) throw new AttestoError('SIGNER_UNAVAILABLE', 'KMS created no key');
    return { keyRef, publicJwk: await this.publicJwk(keyRef) };
  }
}

/** DER ECDSA signature → 64-byte r‖s. */
export function derToJose(der: Uint8Array): Uint8Array {
  return Buffer.from(ecdsaSigFormatter.derToJose(Buffer.from(der), 'ES256'), 'base64url');
}

/**
 * Signing with AWS KMS through a session scoped to one school (attribute-based access control).
 *
 * The function's own role cannot sign. For a request authenticated for school A, `forSchool(A)`
 * assumes the school signer role with the session tag `uai = A`; IAM lets that session sign only
 * with keys tagged `attesto:uai = A` (lib/constructs/school-signing.ts). So even code handed
 * school B's key reference gets AccessDenied from KMS, never a signature: isolation between
 * schools does not rest on application code alone.
 *
 * Sessions are cached per school for 15 minutes (and never past their expiry), so a burst of
 * issuance costs one STS call, not one per credential.
 *
 * @example
 *   const signers = new KmsSchoolSigner({ roleArn: process.env.ATTESTO_SCHOOL_SIGNER_ROLE_ARN! });
 *   const signer = signers.forSchool(school.uai);   // after authenticating the request for that school
 *   await issueCredential({ ...deps.core, signer }, …);
 */
import { AWS_CLIENT_TIMEOUTS, CREATE_CALL } from './aws-timeouts';
import { withRetries } from './retry';
import { CreateKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { LRUCache } from 'lru-cache';
import type { JWK } from 'jose';
import { AttestoError } from '../core/errors';
import type { KeyManager, Signer } from '../core/ports';
import { isValidUai } from '../core/uai';
import { KmsSigner, createRetryable, signerError } from './kms-signer';
import { KEY_SCHOOL_TAG, SESSION_SCHOOL_TAG } from './kms-tags';
import { schoolKeyPolicy } from './kms-key-policy';


export interface SessionCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}

/** A signer bound to one school, and the public half of that school's key. */
export interface SchoolSigner extends Signer {
  readonly uai: string;
  publicJwk(keyRef: string): Promise<JWK>;
}

export interface KmsSchoolSignerOptions {
  /** The school signer role (ATTESTO_SCHOOL_SIGNER_ROLE_ARN). */
  roleArn: string;
  region?: string;
  /** STS client with the function's own credentials. */
  sts?: STSClient;
  /** KMS client with the function's own credentials: used only to create keys. */
  kms?: KMSClient;
  /** Builds the KMS client of a school session. */
  kmsFor?: (credentials: SessionCredentials) => KMSClient;
  /** How long a session is reused. Default 15 minutes (sessions last at most an hour). */
  sessionTtlMs?: number;
  /** How long to wait, in total from the key's creation, for a new key's tag to reach KMS authorization. Default 20 s. */
  tagPropagationMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
}

const SESSION_SECONDS = 3600;
const RENEW_BEFORE_EXPIRY_MS = 60_000;
/** Keys younger than this may still be unknown to ABAC: AccessDenied on them is retried. */
const FRESH_KEY_MS = 5 * 60_000;

interface Session {
  signer: KmsSigner;
  renewAt: number;
}

/** What KMS may answer about a key minutes old: its tag not yet authorizing, the key not yet everywhere. */
const NOT_YET_USABLE = new Set(['AccessDeniedException', 'NotFoundException', 'KMSInvalidStateException']);
const isNotYetUsable = (e: unknown): boolean => {
  const err = (e instanceof AttestoError ? e.cause : e) as { name?: string } | undefined;
  return NOT_YET_USABLE.has(err?.name ?? '');
};

export class KmsSchoolSigner implements KeyManager {
  private readonly sts: STSClient;
  private readonly kms: KMSClient;
  private readonly kmsFor: (credentials: SessionCredentials) => KMSClient;
  private readonly sessions: LRUCache<string, Session>;
  private readonly opening = new Map<string, Promise<Session>>();
  /** Keys this process created recently (key ref → creation time). */
  private readonly freshKeys = new Map<string, number>();
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: KmsSchoolSignerOptions) {
    const region = options.region ? { region: options.region } : {};
    this.sts = options.sts ?? new STSClient({ ...region, ...AWS_CLIENT_TIMEOUTS, maxAttempts: 3 });
    // Creates keys only: one SDK attempt, as a create sent again after a slow answer makes a second
    // key; createKey retries what surely created nothing (throttling) itself.
    this.kms = options.kms ?? new KMSClient({ ...region, ...AWS_CLIENT_TIMEOUTS, maxAttempts: 1 });
    // One attempt per call: KmsSigner retries throttled and transient signing calls itself, with
    // its own budget (kms-signer.ts).
    this.kmsFor = options.kmsFor ?? ((credentials) => new KMSClient({ ...region, ...AWS_CLIENT_TIMEOUTS, credentials, maxAttempts: 1 }));
    this.sessions = new LRUCache({ max: 1000 });
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** The signer for requests authenticated for `uai`. Throws for anything that is not a UAI. */
  forSchool(uai: string): SchoolSigner {
    if (!isValidUai(uai)) throw new AttestoError('INTERNAL', 'a signing session needs a valid UAI');
    return {
      uai,
      sign: (keyRef, data) => this.withSession(uai, keyRef, (s) => s.sign(keyRef, data)),
      publicJwk: (keyRef) => this.withSession(uai, keyRef, (s) => s.publicJwk(keyRef)),
    };
  }

  /**
   * Creates the school's key with the function's own rights (allowed only for P-256 signing keys
   * tagged with a school), under a key policy that lets only the school's sessions sign, then
   * reads its public half through the school's session.
   */
  async createKey(uai: string): Promise<{ keyRef: string; publicJwk: JWK }> {
    const school = this.forSchool(uai);
    // Throttling is retried; a create whose answer never came is not (see createRetryable).
    const out = await withRetries(
      () =>
        this.kms.send(
          new CreateKeyCommand({
            KeySpec: 'ECC_NIST_P256',
            KeyUsage: 'SIGN_VERIFY',
            Description: `attesto signing key of school ${uai}`,
            Tags: [{ TagKey: KEY_SCHOOL_TAG, TagValue: uai }],
            // Only this school's signing sessions may sign with it, whatever IAM allows (./kms-key-policy.ts).
            Policy: schoolKeyPolicy({ signerRoleArn: this.options.roleArn, uai }),
            // KMS's lockout check asks whether the caller could later change this policy, and
            // this role may not (kms:PutKeyPolicy is denied to every function role), so the check
            // would refuse every key. The policy leaves the key to the account's administrators,
            // as KMS's default one does: nothing is locked out.
            BypassPolicyLockoutSafetyCheck: true,
          }),
          CREATE_CALL,
        ),
      {
        maxAttempts: 3,
        baseDelayMs: 100,
        maxDelayMs: 1000,
        retryable: createRetryable,
        giveUp: (e) => new AttestoError('SIGNER_UNAVAILABLE', 'the key service is unavailable; retry (if it timed out, a key may have been created: look for it by its tag before registering again)', { cause: e, retryAfter: 1 }),
        sleep: this.sleep,
      },
    );
    const keyRef = out.KeyMetadata?.Arn;
    if (!keyRef) throw new AttestoError('SIGNER_UNAVAILABLE', 'KMS created no key');
    this.freshKeys.set(keyRef, this.now());
    return { keyRef, publicJwk: await school.publicJwk(keyRef) };
  }

  /**
   * Runs a KMS call in the school's session. A key created moments ago may not be signable yet
   * (KMS authorizes on tags with a short propagation delay): for such keys, AccessDenied is
   * retried with backoff; for any other key it is final.
   */
  private async withSession<T>(uai: string, keyRef: string, call: (signer: KmsSigner) => Promise<T>): Promise<T> {
    const budget = this.options.tagPropagationMs ?? 20_000;
    for (let delay = 250; ; delay *= 2) {
      const session = await this.session(uai);
      try {
        return await call(session.signer);
      } catch (e) {
        const created = this.freshKeys.get(keyRef);
        const fresh = created !== undefined && this.now() - created < FRESH_KEY_MS;
        if (!fresh || !isNotYetUsable(e)) throw signerError(e);
        // The key is new: its refusal is the tag on its way, which a later attempt will find there.
        // One budget from the key's creation, shared by every call that waits for it (its public
        // key, then the first lists' signatures): a registration must end within the function's 29 s.
        if (this.now() + delay - created > budget) throw new AttestoError('SIGNER_UNAVAILABLE', "the school's new key is not authorized yet; retry", { cause: e, retryAfter: 1 });
        await this.sleep(delay);
      }
    }
  }

  private async session(uai: string): Promise<Session> {
    const cached = this.sessions.get(uai);
    if (cached && this.now() < cached.renewAt) return cached;
    // Concurrent requests of one school share one AssumeRole call.
    let pending = this.opening.get(uai);
    if (!pending) {
      pending = this.openSession(uai).finally(() => this.opening.delete(uai));
      this.opening.set(uai, pending);
    }
    return pending;
  }

  private async openSession(uai: string): Promise<Session> {
    let out;
    try {
      out = await this.sts.send(
        new AssumeRoleCommand({
          RoleArn: this.options.roleArn,
          // The session name shows in CloudTrail next to every kms:Sign made with it.
          RoleSessionName: `school-${uai}`,
          Tags: [{ Key: SESSION_SCHOOL_TAG, Value: uai }],
          DurationSeconds: SESSION_SECONDS,
        }),
      );
    } catch (e) {
      throw new AttestoError('SIGNER_UNAVAILABLE', 'the signing service is unavailable; retry', { cause: e, retryAfter: 1 });
    }
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration) {
      throw new AttestoError('SIGNER_UNAVAILABLE', 'STS returned no credentials', { retryAfter: 1 });
    }
    const credentials: SessionCredentials = { accessKeyId: c.AccessKeyId, secretAccessKey: c.SecretAccessKey, sessionToken: c.SessionToken, expiration: c.Expiration };
    const renewAt = Math.min(this.now() + (this.options.sessionTtlMs ?? 15 * 60_000), c.Expiration.getTime() - RENEW_BEFORE_EXPIRY_MS);
    const session = { signer: new KmsSigner(this.kmsFor(credentials)), renewAt };
    this.sessions.set(uai, session);
    return session;
  }
}

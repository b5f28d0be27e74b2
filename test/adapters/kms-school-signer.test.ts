/**
 * The school-scoped KMS signer. STS and KMS are mocked; the KMS stand-in behind each session
 * applies the rule the signer role's IAM policy applies on AWS (sign only with keys whose
 * `attesto:uai` tag equals the session's `uai` tag), so these tests show the adapter opens the
 * right session for the right school. That IAM itself enforces the rule is asserted on the
 * synthesized policy in test/infra.
 */
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { CreateKeyCommand, GetPublicKeyCommand, KMSClient, KMSServiceException, SignCommand } from '@aws-sdk/client-kms';
import { mockClient } from 'aws-sdk-client-mock';
import { compactVerify, importJWK } from 'jose';
import { beforeEach, describe, expect, it } from 'vitest';
import { KmsSchoolSigner, type SessionCredentials } from '../../lambdas/adapters/kms-school-signer';
import { AttestoError } from '../../lambdas/core/errors';
import { fakeKms } from '../helpers/fake-kms';
import { evaluate } from '../infra/iam-eval';

const ROLE_ARN = 'arn:aws:iam::111122223333:role/attesto-school-signer';
const SCHOOL_A = '0751234J';
const SCHOOL_B = '0330003Z';
const T0 = Date.UTC(2026, 10, 2, 8, 0, 0);

const accessDenied = () => new KMSServiceException({ name: 'AccessDeniedException', $fault: 'client', message: 'not authorized', $metadata: { httpStatusCode: 400 } });

/** Prepare: STS handing out numbered credentials, a KMS with real keys, a clock. */
function setup(options: { tagVisibleAfterMs?: number; signVisibleAfterMs?: number; createFailures?: Error[]; roleSignsAnyKey?: boolean } = {}) {
  const kms = fakeKms();
  const sts = new STSClient({ region: 'eu-west-3', credentials: { accessKeyId: 'fn', secretAccessKey: 'fn' } });
  const stsMock = mockClient(sts);
  let issued = 0;
  let clock = T0;
  // Which school each session credential was issued for, as STS records the session tag.
  const sessionSchool = new Map<string, string>();
  stsMock.on(AssumeRoleCommand).callsFake((input) => {
    issued += 1;
    const accessKeyId = `ASIA${issued}`;
    sessionSchool.set(accessKeyId, input.Tags.find((t: { Key: string }) => t.Key === 'uai').Value);
    return { Credentials: { AccessKeyId: accessKeyId, SecretAccessKey: 's', SessionToken: `session-${issued}`, Expiration: new Date(clock + 3600_000) } };
  });

  // The function's own KMS client: creates keys in the stand-in and notes when.
  const keyCreatedAt = new Map<string, number>();
  const creates = { calls: 0 };
  const ownKms = new KMSClient({ region: 'eu-west-3', credentials: { accessKeyId: 'fn', secretAccessKey: 'fn' }, maxAttempts: 1 });
  mockClient(ownKms)
    .on(CreateKeyCommand)
    .callsFake(async (input) => {
      creates.calls++;
      const failure = options.createFailures?.shift();
      if (failure) throw failure;
      const out = await kms.client.send(new CreateKeyCommand(input));
      keyCreatedAt.set(out.KeyMetadata!.Arn!, clock);
      return out;
    });

  const sessionsOpened: SessionCredentials[] = [];
  const kmsFor = (credentials: SessionCredentials) => {
    sessionsOpened.push(credentials);
    const client = new KMSClient({ region: 'eu-west-3', credentials, maxAttempts: 1 });
    const mock = mockClient(client);
    // The signer role's policy: the key's attesto:uai tag must equal the session's uai tag
    // (unless `roleSignsAnyKey` plays a role policy broadened by mistake); then the key's own
    // policy, whose explicit deny no IAM policy overrides.
    const authorize = (keyId: string, action: string) => {
      const key = kms.keys.get(keyId);
      // KMS is eventually consistent host by host: a tag one call saw, the next may not see yet.
      const visibleAfter = (action === 'kms:Sign' ? options.signVisibleAfterMs : undefined) ?? options.tagVisibleAfterMs ?? 0;
      const propagated = clock - (keyCreatedAt.get(keyId) ?? -Infinity) >= visibleAfter;
      if ((!options.roleSignsAnyKey && key?.tags['attesto:uai'] !== sessionSchool.get(credentials.accessKeyId)) || !propagated) throw accessDenied();
      const session = { 'aws:PrincipalArn': ROLE_ARN, 'aws:PrincipalTag/uai': sessionSchool.get(credentials.accessKeyId) };
      if (key?.policy && evaluate(key.policy.Statement, { action, resource: () => true, context: session }) === 'explicitly denied') throw accessDenied();
    };
    mock.on(SignCommand).callsFake(async (input) => {
      authorize(input.KeyId, 'kms:Sign');
      return kms.client.send(new SignCommand(input));
    });
    mock.on(GetPublicKeyCommand).callsFake(async (input) => {
      authorize(input.KeyId, 'kms:GetPublicKey');
      return kms.client.send(new GetPublicKeyCommand(input));
    });
    return client;
  };

  const sleeps: number[] = [];
  const signers = new KmsSchoolSigner({
    roleArn: ROLE_ARN,
    sts,
    kms: ownKms,
    kmsFor,
    now: () => clock,
    sleep: async (ms) => {
      sleeps.push(ms);
      clock += ms;
    },
  });
  return { kms, stsMock, signers, sessionsOpened, sleeps, creates, advance: (ms: number) => (clock += ms) };
}

/** A key for a school, created directly in the stand-in (as an earlier registration would have). */
async function existingKey(kms: ReturnType<typeof fakeKms>, uai: string) {
  const out = await kms.client.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY', Tags: [{ TagKey: 'attesto:uai', TagValue: uai }] }));
  return out.KeyMetadata!.Arn!;
}

describe('KMS school signer', () => {
  let env: ReturnType<typeof setup>;
  beforeEach(() => {
    env = setup();
  });

  it('signs through a session tagged with the school the request is for, and the signature verifies', async () => {
    const keyRef = await existingKey(env.kms, SCHOOL_A);
    const signer = env.signers.forSchool(SCHOOL_A);
    const jws = `${Buffer.from('{"alg":"ES256"}').toString('base64url')}.${Buffer.from('hello').toString('base64url')}`;

    const signature = await signer.sign(keyRef, new TextEncoder().encode(jws));

    expect(env.stsMock.commandCalls(AssumeRoleCommand)[0]!.args[0].input).toEqual({
      RoleArn: ROLE_ARN,
      RoleSessionName: `school-${SCHOOL_A}`,
      Tags: [{ Key: 'uai', Value: SCHOOL_A }],
      DurationSeconds: 3600,
    });
    const publicJwk = await signer.publicJwk(keyRef);
    const { payload } = await compactVerify(`${jws}.${Buffer.from(signature).toString('base64url')}`, await importJWK(publicJwk, 'ES256'));
    expect(new TextDecoder().decode(payload)).toBe('hello');
  });

  it("never signs with another school's key: a session for school A asking for B's key gets SIGNER_UNAVAILABLE", async () => {
    const keyOfB = await existingKey(env.kms, SCHOOL_B);

    const error = await env.signers.forSchool(SCHOOL_A).sign(keyOfB, new Uint8Array([1])).catch((e) => e);

    expect(error).toBeInstanceOf(AttestoError);
    expect(error).toMatchObject({ code: 'SIGNER_UNAVAILABLE', status: 503 });
    expect(error.cause).toMatchObject({ name: 'AccessDeniedException' });
    // An old key's AccessDenied is final: no waiting for a tag to propagate.
    expect(env.sleeps).toEqual([]);
  });

  it('keeps one session per school, each with its own credentials', async () => {
    const [keyA, keyB] = [await existingKey(env.kms, SCHOOL_A), await existingKey(env.kms, SCHOOL_B)];

    await env.signers.forSchool(SCHOOL_A).sign(keyA, new Uint8Array([1]));
    await env.signers.forSchool(SCHOOL_B).sign(keyB, new Uint8Array([2]));
    await env.signers.forSchool(SCHOOL_A).sign(keyA, new Uint8Array([3]));

    const tags = env.stsMock.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input.Tags);
    expect(tags).toEqual([[{ Key: 'uai', Value: SCHOOL_A }], [{ Key: 'uai', Value: SCHOOL_B }]]);
    expect(new Set(env.sessionsOpened.map((c) => c.accessKeyId)).size).toBe(2);
  });

  it('reuses a school session for 15 minutes, then opens a new one', async () => {
    const keyRef = await existingKey(env.kms, SCHOOL_A);
    const signer = env.signers.forSchool(SCHOOL_A);

    await signer.sign(keyRef, new Uint8Array([1]));
    env.advance(14 * 60_000);
    await signer.sign(keyRef, new Uint8Array([2]));
    expect(env.stsMock.commandCalls(AssumeRoleCommand)).toHaveLength(1);

    env.advance(2 * 60_000);
    await signer.sign(keyRef, new Uint8Array([3]));
    expect(env.stsMock.commandCalls(AssumeRoleCommand)).toHaveLength(2);
  });

  it('opens one session for concurrent requests of the same school', async () => {
    const keyRef = await existingKey(env.kms, SCHOOL_A);
    const signer = env.signers.forSchool(SCHOOL_A);

    await Promise.all([1, 2, 3, 4].map((n) => signer.sign(keyRef, new Uint8Array([n]))));

    expect(env.stsMock.commandCalls(AssumeRoleCommand)).toHaveLength(1);
  });

  it('refuses to open a session for anything but a valid UAI, without calling STS', () => {
    for (const notAUai of ['', '0751234A', '0751234j', '*', '0751234J,0330003Z']) {
      expect(() => env.signers.forSchool(notAUai)).toThrow(AttestoError);
    }
    expect(env.stsMock.commandCalls(AssumeRoleCommand)).toHaveLength(0);
  });

  it('reports an STS failure as SIGNER_UNAVAILABLE (503, retryable)', async () => {
    env.stsMock.on(AssumeRoleCommand).rejects(new Error('STS is down'));

    const error = await env.signers.forSchool(SCHOOL_A).sign('arn:aws:kms:eu-west-3:111122223333:key/1', new Uint8Array([1])).catch((e) => e);

    expect(error).toMatchObject({ code: 'SIGNER_UNAVAILABLE', status: 503, retryAfter: 1 });
  });
});

describe('KMS school signer: creating a school key', () => {
  it("creates a P-256 signing key tagged with the school, with the function's own client", async () => {
    const env = setup();

    const { keyRef, publicJwk } = await env.signers.createKey(SCHOOL_A);

    const create = env.kms.mock.commandCalls(CreateKeyCommand)[0]!.args[0].input;
    expect(create).toMatchObject({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY', Tags: [{ TagKey: 'attesto:uai', TagValue: SCHOOL_A }] });
    expect(create).not.toHaveProperty('Origin');
    expect(create).not.toHaveProperty('MultiRegion');
    expect(env.kms.keys.get(keyRef)!.tags['attesto:uai']).toBe(SCHOOL_A);
    expect(publicJwk).toMatchObject({ kty: 'EC', crv: 'P-256' });
    expect(publicJwk).not.toHaveProperty('d');
  });

  it("creates it under a key policy that lets only the school's signing sessions sign, and the account administer it", async () => {
    const env = setup();
    const { keyRef } = await env.signers.createKey(SCHOOL_A);
    const policy = env.kms.keys.get(keyRef)!.policy!;
    const decide = (action: string, principal: { arn: string; uai?: string }) =>
      evaluate(policy.Statement, { action, resource: () => true, context: { 'aws:PrincipalArn': principal.arn, 'aws:PrincipalTag/uai': principal.uai } });
    const admin = { arn: 'arn:aws:iam::111122223333:role/Admin' };
    expect(decide('kms:Sign', { arn: ROLE_ARN, uai: SCHOOL_A })).not.toBe('explicitly denied');
    // Another school's session, an untagged session of the signer role, an administrator, the account itself.
    expect(decide('kms:Sign', { arn: ROLE_ARN, uai: SCHOOL_B })).toBe('explicitly denied');
    expect(decide('kms:Sign', { arn: ROLE_ARN })).toBe('explicitly denied');
    expect(decide('kms:Sign', { ...admin, uai: SCHOOL_A })).toBe('explicitly denied');
    expect(decide('kms:Sign', { arn: 'arn:aws:iam::111122223333:root' })).toBe('explicitly denied');
    // The account keeps the key in hand (no lockout): administration and the public key stay with IAM.
    expect(decide('kms:PutKeyPolicy', admin)).toBe('allowed');
    expect(decide('kms:ScheduleKeyDeletion', admin)).toBe('allowed');
    expect(decide('kms:GetPublicKey', { arn: ROLE_ARN, uai: SCHOOL_B })).toBe('allowed');
    expect(policy.Statement.find((st) => st.Effect === 'Allow')!.Principal).toEqual({ AWS: 'arn:aws:iam::111122223333:root' });
    // Past KMS's lockout check, which the function's role (denied kms:PutKeyPolicy) would fail.
    expect(env.kms.mock.commandCalls(CreateKeyCommand)[0]!.args[0].input.BypassPolicyLockoutSafetyCheck).toBe(true);
  });

  it("keeps a school's key to that school even if the signer role's IAM policy let it sign with any key", async () => {
    const broadened = setup({ roleSignsAnyKey: true });
    const { keyRef: keyOfA } = await broadened.signers.createKey(SCHOOL_A);
    const digest = new Uint8Array(32);
    await expect(broadened.signers.forSchool(SCHOOL_A).sign(keyOfA, digest)).resolves.toHaveLength(64);
    // Past the minutes a new key's refusals are taken for its tag on its way: this one is final.
    broadened.advance(60 * 60_000);
    const error = await broadened.signers.forSchool(SCHOOL_B).sign(keyOfA, digest).catch((e) => e);
    expect(error).toMatchObject({ code: 'SIGNER_UNAVAILABLE' });
    expect(error.cause).toMatchObject({ name: 'AccessDeniedException' });
  });

  it('retries a throttled CreateKey, but never one whose answer did not come (the key may exist)', async () => {
    const throttled = new KMSServiceException({ name: 'ThrottlingException', $fault: 'client', message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } });
    const once = setup({ createFailures: [throttled] });
    expect((await once.signers.createKey(SCHOOL_A)).keyRef).toMatch(/^arn:aws:kms:/);
    expect(once.creates.calls).toBe(2);
    // A request timeout (sent, no answer) and a reset after sending: one attempt each, then a 503 that says so.
    for (const lost of [Object.assign(new Error('request timed out'), { name: 'TimeoutError', code: 'ETIMEDOUT' }), Object.assign(new Error('socket hang up'), { name: 'TimeoutError', code: 'ECONNRESET' })]) {
      const timedOut = setup({ createFailures: [lost] });
      await expect(timedOut.signers.createKey(SCHOOL_A)).rejects.toMatchObject({ code: 'SIGNER_UNAVAILABLE', message: expect.stringContaining('a key may have been created') });
      expect(timedOut.creates.calls).toBe(1);
    }
    // A connection that was never made sent nothing: tried again.
    const unconnected = setup({ createFailures: [Object.assign(new Error('did not establish a connection'), { name: 'TimeoutError' })] });
    await unconnected.signers.createKey(SCHOOL_A);
    expect(unconnected.creates.calls).toBe(2);
  });

  it("waits for a new key's tag to reach KMS authorization, then signs the school's first status lists", async () => {
    const env = setup({ tagVisibleAfterMs: 1500 });

    const { keyRef } = await env.signers.createKey(SCHOOL_A);
    const signature = await env.signers.forSchool(SCHOOL_A).sign(keyRef, new Uint8Array([1]));

    expect(signature).toHaveLength(64);
    expect(env.sleeps).toEqual([250, 500, 1000]);
  });

  it("waits for a new key's tag no longer in all than the budget since the key was made, however many calls wait for it", async () => {
    // GetPublicKey (during creation) sees the tag after 15 s; Sign (the first status lists) never does.
    const env = setup({ tagVisibleAfterMs: 15_000, signVisibleAfterMs: 10 * 60_000 });
    const { keyRef } = await env.signers.createKey(SCHOOL_A);
    const waitedForKey = env.sleeps.reduce((a, b) => a + b, 0);
    expect(waitedForKey).toBeGreaterThanOrEqual(15_000);

    const error = await env.signers.forSchool(SCHOOL_A).sign(keyRef, new Uint8Array([1])).catch((e) => e);

    expect(error).toMatchObject({ code: 'SIGNER_UNAVAILABLE', status: 503 });
    // One budget for the key (the operator function has 29 s for the whole registration), not one per call.
    expect(env.sleeps.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(20_000);
  });

  it('gives up with SIGNER_UNAVAILABLE when the tag takes longer than the wait budget', async () => {
    const env = setup({ tagVisibleAfterMs: 10 * 60_000 });

    const error = await env.signers.createKey(SCHOOL_A).catch((e) => e);

    expect(error).toMatchObject({ code: 'SIGNER_UNAVAILABLE', status: 503 });
    expect(env.sleeps.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(20_000);
  });
});

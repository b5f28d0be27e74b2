/**
 * The Lambda handlers as deployed on AWS, invoked with the API Gateway (HTTP API, payload 2.0)
 * events the gateway sends: schools authenticated by the OAuth2 authorizer (client id in the
 * request context), operators by IAM, signing through KMS sessions tagged with the school.
 * KMS, STS and Cognito are SDK mocks; KMS signs with real P-256 keys and, like IAM, lets a
 * session sign only with keys tagged with its own school. The store is dynalite.
 */
import { CognitoIdentityProviderClient, CreateUserPoolClientCommand, DeleteUserPoolClientCommand } from '@aws-sdk/client-cognito-identity-provider';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiGatewayEvent } from '../helpers/apigw';
import { fakeKms } from '../helpers/fake-kms';
import { issueRequest, PERSONAL_VALUES } from '../helpers/live-fixtures';
import { scanTable, startStore } from '../helpers/store';
import { evaluate } from '../infra/iam-eval';

const sessions = new Map<string, string>(); // session access key id → school (its session tag)
const SIGNER_ROLE = 'arn:aws:iam::111122223333:role/attesto/eu-west-3/Attesto/Attesto-SchoolSigningSignerRole-1A2B';
// IAM's tag rule (the signer role's policy), then the key's own policy, if it has one.
const kms = fakeKms({
  mockClass: true,
  authorize: (tags, accessKeyId, policy) =>
    sessions.get(accessKeyId) === tags['attesto:uai'] &&
    (!policy || evaluate(policy.Statement, { action: 'kms:Sign', resource: () => true, context: { 'aws:PrincipalArn': SIGNER_ROLE, 'aws:PrincipalTag/uai': sessions.get(accessKeyId) } }) !== 'explicitly denied'),
});
const sts = mockClient(STSClient);
const cognito = mockClient(CognitoIdentityProviderClient);
let env: Awaited<ReturnType<typeof startStore>>;
type Handler = (e: APIGatewayProxyEventV2) => Promise<{ statusCode?: number; body?: string; headers?: Record<string, unknown> }>;
let handlers: Record<'issuer' | 'operator' | 'verifier', Handler>;

beforeAll(async () => {
  env = await startStore();
  sts.on(AssumeRoleCommand).callsFake((input) => {
    const accessKeyId = `ASIA${sessions.size}`;
    sessions.set(accessKeyId, input.Tags.find((t: { Key: string }) => t.Key === 'uai').Value);
    return { Credentials: { AccessKeyId: accessKeyId, SecretAccessKey: 's', SessionToken: 't', Expiration: new Date(Date.now() + 3_600_000) } };
  });
  let clients = 0;
  cognito.on(CreateUserPoolClientCommand).callsFake((input) => ({ UserPoolClient: { ClientId: `client${++clients}`, ClientSecret: `secret${clients}`, ClientName: input.ClientName } }));
  cognito.on(DeleteUserPoolClientCommand).resolves({});
  Object.assign(process.env, {
    ATTESTO_PUBLIC_URL: 'https://attesto.example.fr',
    ATTESTO_SIGNER: 'kms',
    ATTESTO_TABLE: 'attesto',
    ATTESTO_DYNAMODB_ENDPOINT: env.endpoint,
    ATTESTO_DYNAMODB_ACCESS_KEY_ID: env.accessKeyId,
    ATTESTO_SCHOOL_AUTH: 'authorizer',
    ATTESTO_OPERATOR_AUTH: 'iam',
    ATTESTO_SCHOOL_SIGNER_ROLE_ARN: SIGNER_ROLE,
    ATTESTO_USER_POOL_ID: 'eu-west-3_pool',
    ATTESTO_SCHOOL_SCOPES: 'attesto/issueCredential attesto/updateStatus',
    ATTESTO_TOKEN_URL: 'https://attesto-auth.auth.eu-west-3.amazoncognito.com/oauth2/token',
    AWS_REGION: 'eu-west-3',
    AWS_ACCESS_KEY_ID: 'function-role',
    AWS_SECRET_ACCESS_KEY: 'x',
    // As on AWS: metrics on, in the embedded metric format.
    POWERTOOLS_METRICS_DISABLED: 'false',
    POWERTOOLS_METRICS_NAMESPACE: 'attesto',
    POWERTOOLS_SERVICE_NAME: 'attesto-issuer',
  });
  handlers = {
    issuer: (await import('../../lambdas/handlers/issuer')).handler as Handler,
    operator: (await import('../../lambdas/handlers/operator')).handler as Handler,
    verifier: (await import('../../lambdas/handlers/verifier')).handler as Handler,
  };
});
afterAll(() => env.close());

function event(routeKey: string, body: unknown, authorizer?: Record<string, unknown>) {
  const [method, path] = routeKey.split(' ') as [string, string];
  return apiGatewayEvent({ method, path, body: JSON.stringify(body), ...(authorizer ? { authorizer } : {}) });
}
const call = async (h: Handler, e: APIGatewayProxyEventV2) => {
  const r = await h(e);
  return { status: r.statusCode, headers: r.headers ?? {}, json: r.body ? JSON.parse(r.body) : undefined };
};
const operator = { iam: { userArn: 'arn:aws:iam::111122223333:role/rectorat-operator', accountId: '111122223333' } };
const asSchool = (clientId: string) => ({ lambda: { clientId, scope: 'attesto/issueCredential' } });

describe('on AWS', () => {
  const schools: Record<string, { uai: string; clientId: string; did: string }> = {};

  it('an IAM-authenticated operator registers schools: each gets a KMS key and its own OAuth2 client, shown once', async () => {
    for (const [name, uai] of [['A', '0751234J'], ['B', '0130001F']] as const) {
      const res = await call(handlers.operator, event('POST /schools', { uai, name: `École ${name}` }, operator));
      expect(res.status).toBe(201);
      expect(res.json).toMatchObject({ uai, oauthClient: { clientSecret: expect.stringMatching(/^secret/), tokenUrl: expect.stringMatching(/oauth2\/token$/) } });
      expect(res.json.token).toBeUndefined();
      schools[name] = { uai, clientId: res.json.oauthClient.clientId, did: res.json.did };
    }
    expect(cognito.commandCalls(CreateUserPoolClientCommand)[0]!.args[0].input).toMatchObject({
      UserPoolId: 'eu-west-3_pool',
      ClientName: 'school-0751234J',
      GenerateSecret: true,
      AllowedOAuthFlows: ['client_credentials'],
      AllowedOAuthScopes: ['attesto/issueCredential', 'attesto/updateStatus'],
    });
    expect([...kms.keys.values()].map((k) => k.tags['attesto:uai'])).toEqual(['0751234J', '0130001F']);
    // Each under the school key policy: only that school's signing sessions sign with it.
    expect([...kms.keys.values()].map((k) => JSON.stringify(k.policy))).toEqual([expect.stringContaining('"aws:PrincipalTag/uai":"0751234J"'), expect.stringContaining('"aws:PrincipalTag/uai":"0130001F"')]);
  });

  it('refuses registration without an IAM identity, and removes the client of a registration that fails', async () => {
    expect((await call(handlers.operator, event('POST /schools', { uai: '0690002C', name: 'X' }))).status).toBe(401);
    const created = cognito.commandCalls(CreateUserPoolClientCommand).length;
    const again = await call(handlers.operator, event('POST /schools', { uai: '0751234J', name: 'Again' }, operator));
    expect(again.json.code).toBe('SCHOOL_EXISTS');
    expect(cognito.commandCalls(CreateUserPoolClientCommand)).toHaveLength(created); // refused before creating anything
    // Two operators register the same new school at once: one wins, the loser's client is removed.
    const race = await Promise.all([1, 2].map(() => call(handlers.operator, event('POST /schools', { uai: '0690002C', name: 'Lycée du Parc' }, operator))));
    expect(race.map((r) => r.status).sort()).toEqual([201, 409]);
    // The loser's KMS key is named, for the operator to schedule its deletion (attesto may not).
    expect(race.find((r) => r.status === 409)!.json.detail).toMatch(/^school 0690002C is already registered; the signing key created for this attempt \(arn:aws:kms:[^)]+\) signs nothing: schedule its deletion$/);
    expect(cognito.commandCalls(CreateUserPoolClientCommand)).toHaveLength(created + 2);
    expect(cognito.commandCalls(DeleteUserPoolClientCommand)).toHaveLength(1);
    const winner = race.find((r) => r.status === 201)!.json.oauthClient.clientId;
    const loser = cognito.commandCalls(DeleteUserPoolClientCommand)[0]!.args[0].input.ClientId!;
    expect(loser).not.toBe(winner);
    // The loser's client pointer is left in the table (these functions may not delete), and it
    // authenticates no one: the school it names has another client.
    expect((await call(handlers.issuer, event('POST /credentials/issue', issueRequest(), asSchool(loser)))).status).toBe(401);
    expect((await call(handlers.issuer, event('POST /credentials/issue', issueRequest(), asSchool(winner)))).status).toBe(201);
  });

  it('a school authenticated by the authorizer issues as itself, signing through a session tagged with its UAI', async () => {
    const res = await call(handlers.issuer, event('POST /credentials/issue', issueRequest(), asSchool(schools.B!.clientId)));
    expect(res.status).toBe(201);
    expect(decodeJwt(res.json.verifiableCredential).iss).toBe(schools.B!.did);
    const tags = sts.commandCalls(AssumeRoleCommand).map((c) => c.args[0].input.Tags);
    expect(tags).toContainEqual([{ Key: 'uai', Value: '0130001F' }]);
    const verified = await call(handlers.verifier, event('POST /credentials/verify', { verifiableCredential: res.json.verifiableCredential }));
    expect(verified.json).toMatchObject({ verified: true, issuer: { uai: '0130001F', name: 'École B' } });
  });

  it('emits business metrics in the embedded metric format, counts only, nothing personal', async () => {
    const lines: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    try {
      expect((await call(handlers.issuer, event('POST /credentials/issue', issueRequest(), asSchool(schools.A!.clientId)))).status).toBe(201);
    } finally {
      process.stdout.write = write;
    }
    const emf = lines.map((l) => l.trim()).filter((l) => l.includes('"_aws"')).map((l) => JSON.parse(l));
    expect(emf).toHaveLength(1);
    expect(emf[0]._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: 'attesto', Metrics: [{ Name: 'CredentialsIssued', Unit: 'Count' }] });
    expect(emf[0].CredentialsIssued).toBe(1);
    const dump = JSON.stringify(emf);
    for (const value of PERSONAL_VALUES) expect(dump).not.toContain(value);
  });

  it('refuses a request without the authorizer context or with an unknown client, even with a valid-looking API token', async () => {
    const noContext = event('POST /credentials/issue', issueRequest());
    noContext.headers.authorization = 'Bearer atst_0751234J_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
    expect((await call(handlers.issuer, noContext)).status).toBe(401);
    expect((await call(handlers.issuer, event('POST /credentials/issue', issueRequest(), asSchool('client-unknown')))).status).toBe(401);
  });

  it("an operator rotates a school's key and signs its lists again through the API, under the school key policy; a school's credentials keep verifying", async () => {
    const before = await call(handlers.issuer, event('POST /credentials/issue', issueRequest(), asSchool(schools.A!.clientId)));
    const rotated = await call(handlers.operator, event('POST /schools/0751234J/key-rotations', { mode: 'immediate' }, operator));
    expect(rotated.status).toBe(201);
    expect(rotated.json).toMatchObject({ uai: '0751234J', kid: `${schools.A!.did}#key-2`, retired: `${schools.A!.did}#key-1`, compromised: false });
    // The key KMS made last: the rotation's.
    const newKey = [...kms.keys.values()].at(-1)!;
    expect(newKey.tags['attesto:uai']).toBe('0751234J');
    expect(JSON.stringify(newKey.policy)).toContain('"aws:PrincipalTag/uai":"0751234J"');
    // The school signs with the new key at once; what the old one signed still verifies.
    const after = await call(handlers.issuer, event('POST /credentials/issue', issueRequest(), asSchool(schools.A!.clientId)));
    expect(after.status).toBe(201);
    expect(JSON.parse(Buffer.from(after.json.verifiableCredential.split('.')[0], 'base64url').toString()).kid).toBe(`${schools.A!.did}#key-2`);
    for (const vc of [before.json.verifiableCredential, after.json.verifiableCredential]) {
      expect((await call(handlers.verifier, event('POST /credentials/verify', { verifiableCredential: vc }))).json.verified).toBe(true);
    }
    const republished = await call(handlers.operator, event('POST /schools/0751234J/status-list-republications', {}, operator));
    expect(republished).toMatchObject({ status: 200, json: { uai: '0751234J', lists: 1, kid: `${schools.A!.did}#key-2` } });
    // Audited as the operator's IAM identity.
    const events = (await scanTable(env)).filter((i) => String(i.pk).startsWith('AUDIT#0751234J#') && ['key.rotated', 'status-list.republished'].includes(String(i.action)));
    expect(events.map((e) => [e.action, e.actor])).toEqual(expect.arrayContaining([['key.rotated', `operator:${operator.iam.userArn}`], ['status-list.republished', `operator:${operator.iam.userArn}`]]));
    // The school reads that an operator acted, not who: an operator's ARN often ends with a person's SSO login (an e-mail).
    const trail = await call(handlers.issuer, apiGatewayEvent({ method: 'GET', path: '/schools/0751234J/audit', authorizer: asSchool(schools.A!.clientId) }));
    expect(trail.status).toBe(200);
    const operatorEvents = trail.json.events.filter((e: { action: string }) => ['key.rotated', 'status-list.republished'].includes(e.action));
    expect(operatorEvents.map((e: { actor: string }) => e.actor)).toEqual(['operator', 'operator']);
    expect(JSON.stringify(trail.json)).not.toContain(operator.iam.userArn);

    // After a compromise: a new key at once, every previous key dropped, the lists signed again through the school's session.
    // Naming the key it replaces makes the request safe to send again (an answer lost to a timeout).
    const compromiseRequest = { mode: 'compromised', replaces: `${schools.A!.did}#key-2` };
    const compromised = await call(handlers.operator, event('POST /schools/0751234J/key-rotations', compromiseRequest, operator));
    expect(compromised).toMatchObject({ status: 201, json: { kid: `${schools.A!.did}#key-3`, compromised: true, keysInDidDocument: 1, replayed: false } });
    const keysMade = kms.keys.size;
    const sentAgain = await call(handlers.operator, event('POST /schools/0751234J/key-rotations', compromiseRequest, operator));
    expect(sentAgain).toMatchObject({ status: 201, headers: { 'idempotent-replayed': 'true' }, json: { ...compromised.json, replayed: true } });
    expect(kms.keys.size).toBe(keysMade);
    expect((await call(handlers.operator, event('POST /schools/0751234J/key-rotations', { mode: 'scheduled', replaces: `${schools.A!.did}#key-1` }, operator))).json.code).toBe('ROTATION_CONFLICT');
    expect((await call(handlers.verifier, event('POST /credentials/verify', { verifiableCredential: after.json.verifiableCredential }))).json.errors).toEqual([expect.objectContaining({ code: 'KEY_NOT_AUTHORIZED' })]);
    const fresh = await call(handlers.issuer, event('POST /credentials/issue', issueRequest(), asSchool(schools.A!.clientId)));
    // Its lists were signed with key-3 too: a credential issued now verifies, status included.
    expect((await call(handlers.verifier, event('POST /credentials/verify', { verifiableCredential: fresh.json.verifiableCredential }))).json.verified).toBe(true);

    // Operators only, a school that exists, a mode that is one; a refusal makes no key.
    const keys = kms.keys.size;
    expect((await call(handlers.operator, event('POST /schools/0751234J/key-rotations', { mode: 'immediate' }))).status).toBe(401);
    expect((await call(handlers.operator, event('POST /schools/0690099H/key-rotations', { mode: 'scheduled' }, operator))).json.code).toBe('UNKNOWN_SCHOOL');
    expect((await call(handlers.operator, event('POST /schools/0751234J/key-rotations', { mode: 'soon' }, operator))).json.code).toBe('VALIDATION_FAILED');
    expect((await call(handlers.operator, event('POST /schools/not-a-uai/status-list-republications', {}, operator))).json.code).toBe('INVALID_UAI');
    expect((await call(handlers.operator, event('POST /schools/0751234A/key-rotations', { mode: 'scheduled' }, operator))).json.code).toBe('INVALID_UAI');
    expect(kms.keys.size).toBe(keys);
  });

  it("IAM, not only application code, keeps a school's session away from another school's key", async () => {
    const { KmsSchoolSigner } = await import('../../lambdas/adapters/kms-school-signer');
    const signer = new KmsSchoolSigner({ roleArn: SIGNER_ROLE, region: 'eu-west-3' });
    const keyOfA = [...kms.keys.entries()].find(([, k]) => k.tags['attesto:uai'] === '0751234J')![0];
    // Refused by KMS (AccessDenied on the key's tag); a 503, as a new key's tag on its way is refused the same way.
    await expect(signer.forSchool('0130001F').sign(keyOfA, new Uint8Array([1]))).rejects.toMatchObject({ code: 'SIGNER_UNAVAILABLE', cause: expect.objectContaining({ name: 'AccessDeniedException' }) });
    expect((await signer.forSchool('0751234J').sign(keyOfA, new Uint8Array([1]))).length).toBe(64);
  });
});

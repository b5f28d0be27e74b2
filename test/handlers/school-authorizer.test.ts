/**
 * The gateway authorizer of school routes: it lets through exactly the requests that carry an
 * unexpired access token from attesto's user pool, granted the route's scope, and names the
 * app client; everything else is refused. Tokens are signed here with a real RSA key, as
 * Cognito signs them.
 */
import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createLocalJWKSet, createRemoteJWKSet, errors, exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { createSchoolAuthorizer } from '../../lambdas/handlers/school-authorizer';
import { ORIGIN_HEADER } from '../../lambdas/http/origin-check';
import { routeKey } from '../../lambdas/http/routes';
import { SCHOOL_ROUTES, routeScope } from '../../lambdas/http/school-scopes';
import { ROUTES } from '../../lambdas/http/routes';

const ISSUER = 'https://cognito-idp.eu-west-3.amazonaws.com/eu-west-3_AbCdEfGhI';
const CLIENT_ID = '4hq0ut6qk3example1client';
const ISSUE = SCHOOL_ROUTES.find((r) => r.operationId === 'issueCredential')!;
const AUDIT = SCHOOL_ROUTES.find((r) => r.operationId === 'readAudit')!;

let poolKey: CryptoKey;
let poolPublic: CryptoKey;
const poolPublicKey = async () => poolPublic;
let otherKey: CryptoKey;
let authorize: ReturnType<typeof createSchoolAuthorizer>;

beforeAll(async () => {
  const pool = await generateKeyPair('RS256');
  poolKey = pool.privateKey;
  poolPublic = pool.publicKey;
  otherKey = (await generateKeyPair('RS256')).privateKey;
  const jwk: JWK = { ...(await exportJWK(pool.publicKey)), kid: 'pool-key-1', alg: 'RS256', use: 'sig' };
  authorize = createSchoolAuthorizer({ issuer: ISSUER, keys: createLocalJWKSet({ keys: [jwk] }) });
});

/** An access token as Cognito issues it for the client-credentials grant. */
function cognitoAccessToken(claims: Record<string, unknown> = {}, options: { key?: CryptoKey; expiresIn?: string | number; kid?: string } = {}) {
  return new SignJWT({ token_use: 'access', client_id: CLIENT_ID, scope: SCHOOL_ROUTES.map(routeScope).join(' '), version: 2, ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? 'pool-key-1' })
    .setSubject(CLIENT_ID)
    .setIssuer(ISSUER)
    .setIssuedAt()
    .setExpirationTime(options.expiresIn ?? '1h')
    .setJti('3b1c2d4e')
    .sign(options.key ?? poolKey);
}

function request(route: { method: string; path: string }, authorization?: string): APIGatewayRequestAuthorizerEventV2 {
  return {
    version: '2.0',
    type: 'REQUEST',
    routeArn: `arn:aws:execute-api:eu-west-3:111122223333:api/$default/${route.method}${route.path}`,
    identitySource: authorization ? [authorization] : [],
    routeKey: routeKey(route as { method: 'GET' | 'POST'; path: string }),
    rawPath: route.path,
    rawQueryString: '',
    cookies: [],
    headers: authorization ? { authorization } : {},
    requestContext: {} as APIGatewayRequestAuthorizerEventV2['requestContext'],
  };
}

describe('school token authorizer', () => {
  it('covers exactly the school routes of the route table, one scope each', () => {
    expect(SCHOOL_ROUTES.map(routeKey)).toEqual(ROUTES.filter((r) => r.auth === 'school').map((r) => `${r.method} ${r.path}`));
    expect(routeScope(ISSUE)).toBe('attesto/issueCredential');
  });

  it("lets a school's access token through and names its app client", async () => {
    const result = await authorize(request(ISSUE, `Bearer ${await cognitoAccessToken()}`));
    expect(result).toEqual({ isAuthorized: true, context: { clientId: CLIENT_ID, scope: 'attesto/issueCredential' } });
  });

  it('lets a HEAD of a school GET route through as the GET, with its scope (the gateway sends it by its own route key)', async () => {
    const head = { ...AUDIT, method: 'HEAD' };
    expect(await authorize(request(head, `Bearer ${await cognitoAccessToken()}`))).toEqual({ isAuthorized: true, context: { clientId: CLIENT_ID, scope: 'attesto/readAudit' } });
    expect(await authorize(request(head, `Bearer ${await cognitoAccessToken({ scope: routeScope(ISSUE) })}`))).toEqual({ isAuthorized: false, context: {} });
  });

  it("refuses a token without the route's scope, even if it has the others", async () => {
    const onlyIssue = await cognitoAccessToken({ scope: routeScope(ISSUE) });
    expect(await authorize(request(ISSUE, `Bearer ${onlyIssue}`))).toMatchObject({ isAuthorized: true });
    expect(await authorize(request(AUDIT, `Bearer ${onlyIssue}`))).toEqual({ isAuthorized: false, context: {} });
  });

  it('refuses a scope that merely contains the route scope as a substring', async () => {
    const lookalike = await cognitoAccessToken({ scope: `${routeScope(ISSUE)}x attesto/issueCredentia` });
    expect((await authorize(request(ISSUE, `Bearer ${lookalike}`))).isAuthorized).toBe(false);
  });

  it('refuses an expired token', async () => {
    const expired = await cognitoAccessToken({}, { expiresIn: Math.floor(Date.now() / 1000) - 10 });
    expect((await authorize(request(ISSUE, `Bearer ${expired}`))).isAuthorized).toBe(false);
  });

  it('refuses a token from another issuer, or signed by a key not in the pool', async () => {
    const foreign = await new SignJWT({ token_use: 'access', client_id: CLIENT_ID, scope: routeScope(ISSUE) })
      .setProtectedHeader({ alg: 'RS256', kid: 'pool-key-1' })
      .setIssuer('https://cognito-idp.eu-west-3.amazonaws.com/eu-west-3_Another')
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(poolKey);
    expect((await authorize(request(ISSUE, `Bearer ${foreign}`))).isAuthorized).toBe(false);
    expect((await authorize(request(ISSUE, `Bearer ${await cognitoAccessToken({}, { key: otherKey })}`))).isAuthorized).toBe(false);
  });

  it('refuses an ID token (same keys, but not an access token)', async () => {
    const idToken = await cognitoAccessToken({ token_use: 'id', aud: CLIENT_ID });
    expect((await authorize(request(ISSUE, `Bearer ${idToken}`))).isAuthorized).toBe(false);
  });

  it('refuses unsigned and HMAC tokens whatever their claims', async () => {
    const header = (alg: string) => Buffer.from(JSON.stringify({ alg, kid: 'pool-key-1' })).toString('base64url');
    const payload = Buffer.from(JSON.stringify({ iss: ISSUER, token_use: 'access', client_id: CLIENT_ID, scope: routeScope(ISSUE), iat: 1, exp: 9999999999 })).toString('base64url');
    for (const token of [`${header('none')}.${payload}.`, `${header('HS256')}.${payload}.c2lnbmF0dXJl`]) {
      expect((await authorize(request(ISSUE, `Bearer ${token}`))).isAuthorized).toBe(false);
    }
  });

  it('refuses a token without a client', async () => {
    const noClient = await cognitoAccessToken({ client_id: undefined });
    expect((await authorize(request(ISSUE, `Bearer ${noClient}`))).isAuthorized).toBe(false);
  });

  it('refuses requests without a bearer token, including attesto API tokens', async () => {
    for (const authorization of [undefined, '', 'Basic dXNlcjpwYXNz', `Bearer atst_0751234J_${'a'.repeat(43)}`, `${await cognitoAccessToken()}`]) {
      expect((await authorize(request(ISSUE, authorization))).isAuthorized).toBe(false);
    }
  });

  it("fails, rather than refuses, when the pool's keys cannot be read: the gateway's 500 is retried, a 403 would be taken as final", async () => {
    const logged: unknown[] = [];
    const logger = { info: () => undefined, error: (...args: unknown[]) => void logged.push(args) } as never;
    const token = `Bearer ${await cognitoAccessToken()}`;
    for (const failure of [new errors.JWKSTimeout(), new TypeError('fetch failed'), new errors.JWKSInvalid('JSON Web Key Set malformed')]) {
      const down = createSchoolAuthorizer({ issuer: ISSUER, keys: async () => Promise.reject(failure), logger });
      await expect(down(request(ISSUE, token))).rejects.toThrow('the user pool keys are unavailable');
    }
    expect(logged).toHaveLength(3);
    expect(logged[0]).toEqual(['school token not checked: the pool keys are unavailable', expect.objectContaining({ reason: 'keys-unavailable' })]);
    // And as jose reads a remote key set: an endpoint that answers 503, or HTML, or nothing at all.
    for (const answer of ['503', 'html', 'close'] as const) {
      const server = createServer((req, res) => (answer === 'close' ? req.socket.destroy() : answer === '503' ? res.writeHead(503).end() : res.writeHead(200, { 'content-type': 'text/html' }).end('<html>maintenance</html>')));
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      try {
        const keys = createRemoteJWKSet(new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`), { timeoutDuration: 1000 });
        await expect(createSchoolAuthorizer({ issuer: ISSUER, keys, logger })(request(ISSUE, token)), answer).rejects.toThrow('the user pool keys are unavailable');
      } finally {
        server.close();
      }
    }
    expect(logged).toHaveLength(6);
    // A key set that was read, but holds no key for the token, says something about the token: refused.
    const readable = createSchoolAuthorizer({ issuer: ISSUER, keys: async () => Promise.reject(new errors.JWKSNoMatchingKey()) });
    expect((await readable(request(ISSUE, token))).isAuthorized).toBe(false);
  });

  it('refuses every route that is not a school route, whatever the token', async () => {
    const token = `Bearer ${await cognitoAccessToken()}`;
    for (const route of ROUTES.filter((r) => r.auth !== 'school')) {
      expect((await authorize(request(route, token))).isAuthorized).toBe(false);
    }
  });
});

describe('school token authorizer behind CloudFront', () => {
  const SECRET = 'k'.repeat(16) + 'V9sQ2mXr7TzLp4Wd8NcYb1Hf';
  it('lets a valid token through only with the header CloudFront adds: the API\'s own address is no way around WAF', async () => {
    const behind = createSchoolAuthorizer({ issuer: ISSUER, keys: createLocalJWKSet({ keys: [{ ...(await exportJWK(await poolPublicKey())), kid: 'pool-key-1', alg: 'RS256', use: 'sig' }] }), originSecrets: async () => [SECRET] });
    const token = `Bearer ${await cognitoAccessToken()}`;
    const direct = request(ISSUE, token);
    expect(await behind(direct)).toEqual({ isAuthorized: false, context: {} });
    expect(await behind({ ...direct, headers: { ...direct.headers, [ORIGIN_HEADER]: 'a guess' } })).toEqual({ isAuthorized: false, context: {} });
    expect(await behind({ ...direct, headers: { ...direct.headers, [ORIGIN_HEADER]: SECRET } })).toMatchObject({ isAuthorized: true, context: { clientId: CLIENT_ID } });
  });
});

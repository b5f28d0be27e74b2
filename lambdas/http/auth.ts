/**
 * Authenticating callers. Every school-scoped request acts for exactly one school.
 *
 * - `token` (local home, default): `Authorization: Bearer atst_<uai>_<secret>`. The token names
 *   its school, whose record holds the token's SHA-256; comparison is constant-time.
 * - `authorizer` (AWS): API Gateway's authorizer has verified an OAuth2 client-credentials access
 *   token and passes the client id in the request context; the store maps it to one school.
 * Operators present the operator token, or (AWS) are authenticated by IAM (SigV4) at the gateway.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Context } from 'hono';
import type { AppDeps } from '../composition';
import { AttestoError } from '../core/errors';
import type { SchoolRecord } from '../core/records';
import { canFindByClient } from '../core/store';

const TOKEN = /^atst_([0-9]{7}[A-Z])_[A-Za-z0-9_-]{20,100}$/;

function bearer(c: Context): string | undefined {
  const h = c.req.header('authorization');
  const m = h ? /^Bearer\s+(\S+)\s*$/i.exec(h) : null;
  return m?.[1];
}

const sha256 = (s: string) => createHash('sha256').update(s).digest();

function sameHash(token: string, hexHash: string): boolean {
  const expected = Buffer.from(hexHash, 'hex');
  const actual = sha256(token);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** The API Gateway request context of the Lambda event, as hono's adapter passes it. */
function gatewayAuthorizer(c: Context): Record<string, unknown> | undefined {
  const event = (c.env as { event?: { requestContext?: { authorizer?: Record<string, unknown> } } } | undefined)?.event;
  return event?.requestContext?.authorizer;
}

export async function authenticateSchool(c: Context, deps: Pick<AppDeps, 'store' | 'config'>): Promise<{ school: SchoolRecord; actor: string }> {
  if (deps.config.schoolAuth === 'authorizer') {
    const clientId = (gatewayAuthorizer(c)?.lambda as { clientId?: unknown } | undefined)?.clientId;
    const school = typeof clientId === 'string' && canFindByClient(deps.store) ? await deps.store.getSchoolByClientId(clientId) : undefined;
    if (!school) throw new AttestoError('UNAUTHORIZED', 'an OAuth2 access token of a registered school is required');
    return { school, actor: `school:${school.uai}` };
  }
  const token = bearer(c);
  if (!token) throw new AttestoError('UNAUTHORIZED', 'send the school API token as Authorization: Bearer <token>');
  const m = TOKEN.exec(token);
  const school = m ? await deps.store.getSchool(m[1]!) : undefined;
  if (!school || !sameHash(token, school.tokenHash)) throw new AttestoError('UNAUTHORIZED', 'the API token is not valid');
  return { school, actor: `school:${school.uai}` };
}

export function authenticateOperator(c: Context, config: AppDeps['config']): { actor: string } {
  if (config.operatorAuth === 'iam') {
    const userArn = (gatewayAuthorizer(c)?.iam as { userArn?: unknown } | undefined)?.userArn;
    if (typeof userArn !== 'string') throw new AttestoError('UNAUTHORIZED', 'operator routes need an IAM identity (SigV4)');
    return { actor: `operator:${userArn}` };
  }
  const token = bearer(c);
  if (!token || !config.operatorTokenSha256 || !sameHash(token, config.operatorTokenSha256)) {
    throw new AttestoError('UNAUTHORIZED', 'operator credentials are required');
  }
  return { actor: 'operator' };
}

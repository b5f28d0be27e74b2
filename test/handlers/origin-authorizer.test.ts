/**
 * The proof that a request came through CloudFront (and so through WAF): the header CloudFront
 * adds, checked against the current secret or, during a rotation, the previous one.
 */
import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createOriginAuthorizer } from '../../lambdas/handlers/origin-authorizer';
import { ORIGIN_HEADER, originSecrets, throughOrigin } from '../../lambdas/handlers/origin-check';

const CURRENT = 'c'.repeat(24) + 'Qx7RwzT2pLm9vKd4sYb8NfHe';
const PREVIOUS = 'p'.repeat(24) + 'Ak3JvQ8mWz1rTn6YcXe5LuBo';

const event = (value?: string): APIGatewayRequestAuthorizerEventV2 =>
  ({ version: '2.0', type: 'REQUEST', routeKey: 'POST /credentials/verify', identitySource: value === undefined ? [] : [value], headers: value === undefined ? {} : { [ORIGIN_HEADER]: value } }) as unknown as APIGatewayRequestAuthorizerEventV2;

describe('a request through CloudFront', () => {
  const authorize = createOriginAuthorizer([CURRENT, PREVIOUS]);

  it('is let through with the current secret, or the previous one while a rotation reaches every edge', async () => {
    expect(await authorize(event(CURRENT))).toEqual({ isAuthorized: true });
    expect(await authorize(event(PREVIOUS))).toEqual({ isAuthorized: true });
  });

  it('is refused with anything else: no header, empty, a prefix, a longer value, another case', async () => {
    for (const value of [undefined, '', CURRENT.slice(0, -1), `${CURRENT}x`, CURRENT.toUpperCase(), ` ${CURRENT}`]) {
      expect((await authorize(event(value))).isAuthorized, String(value)).toBe(false);
    }
    expect(throughOrigin(CURRENT, [])).toBe(false);
  });

  it('reads its secrets from the environment, refusing to start without a long one; a short previous value means none', () => {
    expect(originSecrets({ ATTESTO_ORIGIN_SECRET: CURRENT })).toEqual([CURRENT]);
    expect(originSecrets({ ATTESTO_ORIGIN_SECRET: CURRENT, ATTESTO_ORIGIN_SECRET_PREVIOUS: PREVIOUS })).toEqual([CURRENT, PREVIOUS]);
    expect(originSecrets({ ATTESTO_ORIGIN_SECRET: CURRENT, ATTESTO_ORIGIN_SECRET_PREVIOUS: '' })).toEqual([CURRENT]);
    expect(() => originSecrets({})).toThrow(/ATTESTO_ORIGIN_SECRET/);
    expect(() => originSecrets({ ATTESTO_ORIGIN_SECRET: 'short' })).toThrow(/at least 32/);
  });
});

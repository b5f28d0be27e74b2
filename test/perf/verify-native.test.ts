/**
 * The verifier's fast path: ES256 checked by node:crypto, the JWS decoded once, status lists
 * fetched together. Speed is measured by `npm run bench`; this checks that nothing was given up
 * for it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifySources } from '../../lambdas/adapters/verify-sources';
import { issueCredential } from '../../lambdas/core/use-cases/issue-credential';
import { decodeCompactJws, verifyEs256 } from '../../lambdas/core/verify/jws';
import { importKey } from '../../lambdas/core/verify/keys';
import type { VerifyDeps } from '../../lambdas/core/verify/ports';
import { verifyCredential } from '../../lambdas/core/verify/verify-credential';
import { coreDeps, PUBLIC_URL, schoolWithToken } from '../helpers/core';
import { issueRequest } from '../helpers/fixtures';
import { startStore } from '../helpers/store';

let env: Awaited<ReturnType<typeof startStore>>;
let deps: ReturnType<typeof coreDeps>;
let verify: VerifyDeps;
let jws: string;
let school: Awaited<ReturnType<typeof schoolWithToken>>['school'];

beforeAll(async () => {
  env = await startStore();
  deps = coreDeps(env.store);
  ({ school } = await schoolWithToken(deps, '0751234'));
  verify = verifySources({ store: env.store, publicUrl: PUBLIC_URL, clock: () => deps.now.value, maxClockSkewSeconds: 60, schoolCacheMs: 60_000 });
  jws = (await issueCredential(deps, { school, actor: 't', request: issueRequest('DiplomaCredential') })).verifiableCredential as string;
});
afterAll(() => env.close());

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const codes = (r: { errors: { code: string }[] }) => r.errors.map((e) => e.code);

describe('ES256 with node:crypto', () => {
  it('accepts exactly the 64-byte r‖s form, not the DER form of the same signature', () => {
    const { signingInput, signature } = decodeCompactJws(jws);
    const key = importKey(school.publicJwk);
    expect(verifyEs256(signingInput, signature, key)).toBe(true);
    // The same (r, s) DER-encoded, as KMS returns it: JWS forbids it (RFC 7518 §3.4).
    const r = signature.subarray(0, 32);
    const s = signature.subarray(32);
    const int = (b: Buffer) => (b[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b);
    const der = Buffer.concat([Buffer.from([0x30, int(r).length + int(s).length + 4, 0x02, int(r).length]), int(r), Buffer.from([0x02, int(s).length]), int(s)]);
    expect(verifyEs256(signingInput, der, key)).toBe(false);
    expect(verifyEs256(signingInput, signature.subarray(0, 63), key)).toBe(false);
    expect(verifyEs256(`${signingInput}x`, signature, key)).toBe(false);
  });

  it('refuses, as SIGNATURE_INVALID, a signature over a changed header', async () => {
    const [, p, s] = jws.split('.');
    const r = await verifyCredential(verify, `${b64({ alg: 'ES256', typ: 'JWT', kid: school.kid, x: 1 })}.${p}.${s}`);
    expect(codes(r)).toEqual(['SIGNATURE_INVALID']);
  });

  it('refuses critical header extensions it does not understand (RFC 7515 §4.1.11), even correctly signed', async () => {
    const [, p] = jws.split('.');
    const h = b64({ alg: 'ES256', kid: school.kid, crit: ['b64'], b64: false });
    // Signed with the school's own key, through the signer port.
    const sig = Buffer.from(await deps.signer.sign(school.keyRef, Buffer.from(`${h}.${p}`))).toString('base64url');
    expect(verifyEs256(`${h}.${p}`, Buffer.from(sig, 'base64url'), importKey(school.publicJwk))).toBe(true);
    const r = await verifyCredential(verify, `${h}.${p}.${sig}`);
    expect(r.verified).toBe(false);
    expect(codes(r)).toEqual(['MALFORMED_CREDENTIAL']);
  });

  it('refuses a key that is not a point of P-256', () => {
    expect(() => importKey({ kty: 'EC', crv: 'P-256', x: Buffer.alloc(32, 1).toString('base64url'), y: Buffer.alloc(32, 2).toString('base64url') })).toThrow(/cannot be imported/);
  });
});

describe('status lists', () => {
  it('are fetched together, not one after the other', async () => {
    let inFlight = 0;
    let most = 0;
    const fetchStatusList: VerifyDeps['fetchStatusList'] = async (url) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((r) => setTimeout(r, 20));
      inFlight--;
      return verify.fetchStatusList(url);
    };
    const r = await verifyCredential({ ...verify, fetchStatusList }, jws);
    expect(r.verified).toBe(true);
    expect(most).toBe(2);
  });

  it('still report the first failing entry, whichever list answers first', async () => {
    const fetchStatusList: VerifyDeps['fetchStatusList'] = async (url) => {
      // The revocation list (first entry) fails late; the suspension list (second) fails at once.
      if (url.includes('/revocation/')) {
        await new Promise((r) => setTimeout(r, 20));
        throw new Error('revocation list down');
      }
      return 'not a jws';
    };
    const r = await verifyCredential({ ...verify, fetchStatusList }, jws);
    expect(r.errors).toEqual([expect.objectContaining({ code: 'STATUS_UNAVAILABLE', message: expect.stringContaining('revocation list down') })]);
  });
});

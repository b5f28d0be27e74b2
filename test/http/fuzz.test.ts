/**
 * Hostile input is the normal case: seeded random requests at every route of the route table,
 * with random JSON, hostile path parameters, wrong media types, with and without a valid school
 * token. None may reach a 5xx. The seed makes any failure reproducible.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../../lambdas/http/routes';
import { issueRequest } from '../helpers/live-fixtures';
import { localHome } from '../helpers/http';
import { createHash } from 'node:crypto';
import { seeded } from '../helpers/random';

let home: Awaited<ReturnType<typeof localHome>>;
beforeAll(async () => {
  home = await localHome();
});
afterAll(() => home.server.close());

const STRINGS = ['', ' ', 'null', '0751234J', '0750001U', '..', '../..', '%00', '\u0000', '<script>', "' OR 1=1 --", '🎓', 'é'.repeat(300), 'x'.repeat(5000), 'did:web:evil', 'urn:attesto:0750001U:1:1', 'urn:attesto:0750001U:999999:99999999', 'data:application/vc+jwt,a.b.c', 'eyJhbGciOiJub25lIn0.e30.', '1e309', '-1', 'NaN', '__proto__', 'constructor'];

/** JOSE and VC claims, and the keys JavaScript reaches for when it turns a value into text. */
const JOSE_KEYS = ['alg', 'typ', 'kid', 'crit', 'vc', 'vp', 'iss', 'sub', 'nbf', 'exp', 'iat', 'holder', 'issuer', 'nonce', 'aud', 'toString', 'valueOf', 'toJSON'];

function randomValue(r: () => number, depth = 0): unknown {
  const pick = r();
  if (depth > 4 || pick < 0.3) return STRINGS[Math.floor(r() * STRINGS.length)];
  if (pick < 0.4) return [0, -1, 1.5, 1e308, Number.MAX_SAFE_INTEGER + 2, 131072][Math.floor(r() * 6)];
  if (pick < 0.45) return [true, false, null][Math.floor(r() * 3)];
  if (pick < 0.7) return Array.from({ length: Math.floor(r() * 4) }, () => randomValue(r, depth + 1));
  const keys = ['credential', 'type', 'credentialSubject', 'options', 'format', 'verifiableCredential', 'verifiablePresentation', 'credentialId', 'credentialStatus', 'statusPurpose', 'status', 'uai', 'name', 'id', 'student', 'items', 'txCode', '__proto__', 'proofs', 'jwt', ...JOSE_KEYS];
  return Object.fromEntries(Array.from({ length: Math.floor(r() * 5) }, () => [keys[Math.floor(r() * keys.length)]!, randomValue(r, depth + 1)]));
}

/** A compact JWS whose header and claims are junk JSON: reaches the verifiers' parsing, past the request schema. */
function junkJws(r: () => number): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v) ?? 'null').toString('base64url');
  // Values that break naive code: text conversion that throws, dates out of range.
  const tricky: unknown[] = [{ toString: 0 }, { valueOf: 0, toString: 0 }, [{ toString: 0 }], 1e20, -1e20, 1.7e308, 'ES256', 'vc+jwt', ['VerifiablePresentation'], { vp: 1 }];
  const value = () => (r() < 0.4 ? tricky[Math.floor(r() * tricky.length)] : randomValue(r, 2));
  const object = () => Object.fromEntries(Array.from({ length: 1 + Math.floor(r() * 6) }, () => [JOSE_KEYS[Math.floor(r() * JOSE_KEYS.length)]!, value()]));
  // A header always has an alg: the first thing a verifier reads.
  return `${b64({ alg: value(), ...object() })}.${b64(object())}.${Buffer.alloc(64, Math.floor(r() * 256)).toString('base64url')}`;
}

/**
 * An SD-JWT with junk claims and disclosures that its digests do reference (names like
 * `__proto__`, `_sd`, values that break text conversion), sometimes with a junk key binding JWT:
 * reaches disclosure processing, status and key binding.
 */
function junkSdJwt(r: () => number): string {
  const b64 = (v: unknown) => Buffer.from(JSON.stringify(v) ?? 'null').toString('base64url');
  const names: unknown[] = ['__proto__', '_sd', '...', 'student', 'iss', 'constructor', { toString: 0 }, 7];
  const disclosures = Array.from({ length: Math.floor(r() * 4) }, () =>
    b64(r() < 0.2 ? randomValue(r, 3) : r() < 0.5 ? ['salt', randomValue(r, 3)] : ['salt', names[Math.floor(r() * names.length)], randomValue(r, 3)]),
  );
  const digests = disclosures.map((d) => createHash('sha256').update(d).digest('base64url'));
  const pick = (xs: unknown[]): unknown => xs[Math.floor(r() * xs.length)];
  const claims = {
    ...(randomValue(r, 3) as object),
    iss: pick(['https://attesto.test/schools/0750001U', `${home.server.url}/schools/${home.server.demo.uai}`, { toString: 0 }, 42]),
    vct: pick([`${home.server.url}/vct/diploma`, { toString: 0 }, null]),
    status: { status_list: { idx: pick([0, -1, 1.5, 1e308, 'x']), uri: pick([`${home.server.url}/schools/${home.server.demo.uai}/status-lists/token/1`, { toString: 0 }, 'http://10.0.0.1/x']) } },
    cnf: { jwk: pick([{ kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA' }, { toString: 0 }, null]) },
    nbf: pick([1e20, -1e20, 'x', 0]),
    _sd: r() < 0.8 ? digests : pick([{ toString: 0 }, 'x', [1, digests[0]]]),
    nested: [{ '...': digests[0] ?? 'x' }, { '...': 1, other: 2 }],
  };
  const jwt = `${b64({ alg: pick(['ES256', 'none', { toString: 0 }]), typ: pick(['dc+sd-jwt', 'kb+jwt', { toString: 0 }]) })}.${b64(claims)}.${Buffer.alloc(64, 7).toString('base64url')}`;
  const kb = r() < 0.5 ? '' : `${b64({ alg: 'ES256', typ: 'kb+jwt' })}.${b64({ iat: pick([1e20, 'x', 0]), sd_hash: pick([{ toString: 0 }, 'x']), nonce: { toString: 0 }, aud: [{ toString: 0 }] })}.${Buffer.alloc(64, 1).toString('base64url')}`;
  return `${jwt}~${disclosures.map((d) => `${d}~`).join('')}${kb}`;
}

/** A structurally valid request with one part replaced by junk: reaches deeper than pure noise. */
function mutated(r: () => number): unknown {
  const base = JSON.parse(JSON.stringify(issueRequest(['EnrollmentCredential', 'TranscriptCredential', 'DiplomaCredential'][Math.floor(r() * 3)] as never)));
  const subject = base.credential.credentialSubject;
  const keys = Object.keys(subject);
  subject[keys[Math.floor(r() * keys.length)]!] = randomValue(r, 2);
  return base;
}

describe('no input reaches a 5xx', () => {
  it.each(ROUTES.map((r) => [`${r.method} ${r.path}`, r] as const))('%s', async (_name, route) => {
    // FUZZ_SEED explores other inputs locally; CI runs the fixed default.
    const r = seeded(route.path.length * 7919 + route.method.length + Number(process.env.FUZZ_SEED ?? 0));
    for (let i = 0; i < 25; i++) {
      const path = route.path.replace(/\{[a-zA-Z]+\}/g, () => encodeURIComponent(String(STRINGS[Math.floor(r() * STRINGS.length)]).slice(0, 300)) || 'x');
      const token = r() < 0.6 ? home.server.demo.token : undefined;
      const mode = r();
      const headers: Record<string, string> = { 'content-type': mode < 0.8 ? 'application/json' : mode < 0.9 ? 'application/x-www-form-urlencoded' : 'text/plain' };
      // Header values must be Latin-1 to be sent at all: junk, but sendable junk.
      if (r() < 0.2) headers['idempotency-key'] = String(STRINGS[Math.floor(r() * STRINGS.length)]).replace(/[^\x20-\x7e]/g, '?').slice(0, 200) || 'k';
      const shape = r();
      const body = route.method === 'GET' ? undefined : JSON.stringify(shape < 0.4 ? randomValue(r) : shape < 0.8 ? mutated(r) : { [r() < 0.5 ? 'verifiableCredential' : 'verifiablePresentation']: r() < 0.5 ? junkJws(r) : junkSdJwt(r) });
      const res = await home.call(route.method, path, { ...(token ? { token } : {}), headers, ...(body !== undefined ? { raw: body } : {}) });
      expect(res.status, `${route.method} ${path} ${body?.slice(0, 300)} → ${res.text.slice(0, 300)}`).toBeLessThan(500);
    }
  });

  /** Nested `depth` levels: arrays, objects, or both, around one value. */
  const nested = (depth: number, shape: 'array' | 'object' | 'mixed', leaf = '1') =>
    Array.from({ length: depth }, (_, i) => (shape === 'array' || (shape === 'mixed' && i % 2) ? ['[', ']'] : ['{"a":', '}'])).reduceRight((inner, [open, close]) => `${open}${inner}${close}`, leaf);
  const b64 = (text: string) => Buffer.from(text).toString('base64url');

  it.each(ROUTES.filter((r) => r.method === 'POST').map((r) => [r.path] as const))('POST %s: deeply nested JSON (to 20,000 levels), as the body, inside a request, inside a token', async (path) => {
    const { token } = home.server.demo;
    for (const depth of [64, 2_000, 20_000]) {
      for (const shape of ['array', 'object', 'mixed'] as const) {
        const deep = nested(depth, shape);
        const request = JSON.stringify(issueRequest()).replace('"credential":{', `"credential":{"x":${deep},`);
        const jws = `${b64('{"alg":"ES256","typ":"vc+jwt"}')}.${b64(`{"iss":"did:web:x","vc":${deep}}`)}.${'A'.repeat(86)}`;
        for (const body of [deep, request, JSON.stringify({ verifiableCredential: jws }), JSON.stringify({ verifiablePresentation: jws })]) {
          const res = await home.call('POST', path, { token, headers: { 'content-type': 'application/json' }, raw: body });
          expect(res.status, `${path} ${depth} ${shape} ${body.slice(0, 80)} → ${res.text.slice(0, 300)}`).toBeLessThan(500);
        }
      }
    }
  });
});

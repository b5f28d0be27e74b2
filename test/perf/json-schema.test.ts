/**
 * The small JSON Schema validator (lambdas/core/verify/json-schema.ts) against Ajv, configured as
 * lambdas/core/validation.ts configures it, on every schema attesto validates with: valid inputs
 * and thousands of mutations of them must get the same verdict and the same errors.
 */
import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { TSchema } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { IssueBatchRequest } from '../../lambdas/core/batch-request';
import { buildCredential } from '../../lambdas/core/credential/build';
import { KINDS } from '../../lambdas/core/kinds';
import * as requests from '../../lambdas/core/requests';
import { compileSchema } from '../../lambdas/core/verify/json-schema';
import { issueRequest, SUBJECTS, type KindName } from '../helpers/fixtures';

const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (a: Ajv) => Ajv;
const ajv = new Ajv({ allErrors: false, strict: true, strictTypes: false, allowUnionTypes: true });
addFormats(ajv);
const strip = (s: TSchema) => {
  const { $id: _id, ...rest } = s as TSchema & { $id?: string };
  return rest;
};
const shape = (errors: ErrorObject[] | null | undefined) => (errors ?? []).map(({ instancePath, keyword, params, message }) => ({ instancePath, keyword, params, message }));

const school = { uai: '0751234J', name: 'Lycée Victor Hugo', did: 'did:web:attesto.test:schools:0751234J' };
const kinds = Object.keys(KINDS) as KindName[];
const subjectOf = (kind: KindName) =>
  buildCredential({ kind: KINDS[kind], subjectInput: SUBJECTS[kind], school, slot: { list: 1, index: 7 }, format: 'vc+jwt', issuedAt: '2026-11-22T10:00:00Z', publicUrl: 'https://attesto.test' }).credential.credentialSubject;

/** Every schema attesto validates with, and valid values for it. */
const cases: [string, TSchema, unknown[]][] = [
  ...kinds.map((k): [string, TSchema, unknown[]] => [`${k} input`, KINDS[k].input, [SUBJECTS[k]]]),
  ...kinds.map((k): [string, TSchema, unknown[]] => [`${k} subject`, KINDS[k].subject, [subjectOf(k)]]),
  ['IssueRequest', requests.IssueRequest, [issueRequest('DiplomaCredential', 'vc+jwt'), { ...issueRequest('TranscriptCredential'), credential: { ...issueRequest('TranscriptCredential').credential, validFrom: '2026-09-01T00:00:00Z', '@context': ['https://www.w3.org/2018/credentials/v1'] } }]],
  ['IssueBatchRequest', IssueBatchRequest, [{ items: kinds.map((k, i) => ({ id: `row-${i}`, ...issueRequest(k) })) }]],
  ['UpdateStatusRequest', requests.UpdateStatusRequest, [{ credentialId: 'urn:attesto:0751234J:1:7', credentialStatus: [{ type: 'BitstringStatusListEntry', statusPurpose: 'revocation', status: true }] }]],
  ['VerifyRequest', requests.VerifyRequest, [{ verifiableCredential: 'a.b.c' }, { verifiableCredential: { type: 'EnvelopedVerifiableCredential', id: 'data:application/vc+jwt,a.b.c' } }, { verifiableCredential: { type: ['VerifiableCredential', 'EnvelopedVerifiableCredential'], id: 'data:application/vc+jwt,x' }, options: {} }]],
  ['RegisterSchoolRequest', requests.RegisterSchoolRequest, [{ uai: '0751234J', name: 'Lycée' }]],
];
if ('CreateOfferRequest' in requests) {
  cases.push(['CreateOfferRequest', (requests as Record<string, TSchema>).CreateOfferRequest!, [{ credential: issueRequest('DiplomaCredential').credential, txCode: true, expiresInSeconds: 3600 }]]);
}

/** Replacement values tried at every position of a valid value. */
const REPLACEMENTS: unknown[] = [
  undefined, null, 0, -1, 1.5, 9, 101, 1e9, Number.NaN, '', 'x', ' ', '😀'.repeat(100), 'é'.repeat(201), 'a'.repeat(2049), true, [], [1], ['x'], {}, { extra: 1 },
  '2026-02-30', '2026-13-01', '2027-07-04', '2026-11-22T10:00:00Z', '2026-11-22T10:00:00', '2026-11-22 10:00:00Z', 'https://example.org/a b', 'https://ok.example/x', 'mailto:a@b.c', 'not a uri',
  'did:web:example.com', 'did:x', 'RNCP35185', 'RNCP1', '2025-2026', '123456789AB', 'EnvelopedVerifiableCredential', 'data:application/vc+jwt,x', 'revocation', 'Achievement', 'Profile',
];

function* mutations(value: unknown): Generator<unknown> {
  if (Array.isArray(value)) {
    yield [];
    yield [...value, value[0]];
    for (let i = 0; i < value.length; i++) for (const m of mutations(value[i])) yield value.map((x, j) => (j === i ? m : x));
  } else if (typeof value === 'object' && value !== null) {
    yield { ...value, unexpected: 'x' };
    for (const key of Object.keys(value)) {
      const { [key]: _removed, ...rest } = value as Record<string, unknown>;
      yield rest;
      for (const m of mutations((value as Record<string, unknown>)[key])) yield { ...value, [key]: m };
    }
  }
  for (const r of REPLACEMENTS) yield r;
}

/**
 * Ajv 8 accepts an empty array for `contains` when an earlier item of an enclosing array matched
 * (its generated code does not reset the loop's result: `[{t:['R']},{t:[]}]` passes
 * `items: {properties: {t: {contains: {const: 'R'}}}}`). There the small validator is right and
 * Ajv is not; the test checks that this is the only kind of disagreement.
 */
function isAjvContainsBug(value: unknown, errors: { instancePath: string; keyword: string }[] | null): boolean {
  if (errors?.length !== 1 || errors[0]!.keyword !== 'contains') return false;
  const at = errors[0]!.instancePath.split('/').slice(1).reduce<unknown>((v, k) => (v as Record<string, unknown>)?.[k.replace(/~1/g, '/').replace(/~0/g, '~')], value);
  return Array.isArray(at) && at.length === 0;
}

describe('the small JSON Schema validator agrees with Ajv', () => {
  it.each(cases)('%s', (_name, schema, valid) => {
    const reference = ajv.compile(strip(schema));
    const ours = compileSchema(strip(schema));
    let compared = 0;
    let invalid = 0;
    let ajvBugs = 0;
    for (const base of valid) {
      expect(reference(base), 'fixture is valid for Ajv').toBe(true);
      for (const value of [base, ...mutations(base)]) {
        const expected = reference(value);
        const got = ours(value);
        const context = JSON.stringify(value)?.slice(0, 300);
        if (expected && !got && isAjvContainsBug(value, ours.errors)) {
          ajvBugs++;
          continue;
        }
        expect(got, context).toBe(expected);
        expect(shape(ours.errors), context).toEqual(expected ? [] : shape(reference.errors));
        compared++;
        if (!expected) invalid++;
      }
    }
    expect(compared).toBeGreaterThan(40);
    expect(ajvBugs).toBeLessThan(compared / 10);
    expect(invalid).toBeGreaterThan(20);
  });

  it('refuses keywords it does not implement, as Ajv strict mode does', () => {
    expect(() => compileSchema({ type: 'string', uniqueItems: true })).toThrow(/unknown keyword "uniqueItems"/);
    expect(() => compileSchema({ type: 'string', format: 'email' })).toThrow(/unknown format/);
    expect(() => compileSchema({ type: 'object', additionalProperties: { type: 'string' } })).toThrow(/boolean additionalProperties/);
  });
});

/**
 * The validators attesto runs are Ajv's own code, compiled ahead of time from core/schemas.ts.
 * The generated file must be what the generator makes of today's schemas, and every validator
 * must give exactly Ajv's run-time verdict and errors: on valid inputs and on thousands of
 * mutations of them.
 */
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { TSchema } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { generateValidatorsSource, OUTPUT } from '../../scripts/generate-validators';
import { buildCredential } from '../../lambdas/core/credential/build';
import * as generated from '../../lambdas/core/generated/validators';
import { KINDS } from '../../lambdas/core/kinds';
import { SCHEMAS, type SchemaName } from '../../lambdas/core/schemas';
import type { Validator } from '../../lambdas/core/validation';
import { issueRequest, KINDS as KIND_NAMES, SUBJECTS, type KindName } from '../helpers/fixtures';

const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (a: Ajv) => Ajv;
const ajv = new Ajv({ allErrors: false, strict: true, strictTypes: false, allowUnionTypes: true });
addFormats(ajv);
const strip = (s: TSchema) => {
  const { $id: _id, ...rest } = s as TSchema & { $id?: string };
  return rest;
};
const shape = (errors: ErrorObject[] | null | undefined) => (errors ?? []).map(({ instancePath, keyword, params, message }) => ({ instancePath, keyword, params, message }));

const school = { uai: '0751234J', name: 'Lycée Victor Hugo', did: 'did:web:attesto.test:schools:0751234J' };
const subjectOf = (kind: KindName) =>
  buildCredential({ kind: KINDS[kind], subjectInput: SUBJECTS[kind], school, slot: { list: 1, index: 7 }, format: 'vc+jwt', issuedAt: '2026-11-22T10:00:00Z', publicUrl: 'https://attesto.test' }).credential.credentialSubject;
const inputName = { EnrollmentCredential: 'EnrollmentInput', TranscriptCredential: 'TranscriptInput', DiplomaCredential: 'DiplomaInput' } as const;
const subjectName = { EnrollmentCredential: 'EnrollmentSubject', TranscriptCredential: 'TranscriptSubject', DiplomaCredential: 'DiplomaSubject' } as const;

/** Every schema, and valid values for it. */
const VALID: Record<SchemaName, unknown[]> = {
  ...(Object.fromEntries(KIND_NAMES.flatMap((k) => [[inputName[k], [SUBJECTS[k]]], [subjectName[k], [subjectOf(k)]]])) as Record<string, unknown[]>),
  IssueRequest: [issueRequest('DiplomaCredential', 'vc+jwt'), { ...issueRequest('TranscriptCredential'), credential: { ...issueRequest('TranscriptCredential').credential, validFrom: '2026-09-01T00:00:00Z', '@context': ['https://www.w3.org/2018/credentials/v1'] } }],
  IssueBatchRequest: [{ items: KIND_NAMES.map((k, i) => ({ id: `row-${i}`, ...issueRequest(k) })) }],
  UpdateStatusRequest: [{ credentialId: 'urn:attesto:0751234J:1:7', credentialStatus: [{ type: 'BitstringStatusListEntry', statusPurpose: 'revocation', status: true }] }],
  VerifyRequest: [{ verifiableCredential: 'a.b.c' }, { verifiableCredential: { type: 'EnvelopedVerifiableCredential', id: 'data:application/vc+jwt,a.b.c' } }, { verifiableCredential: { type: ['VerifiableCredential', 'EnvelopedVerifiableCredential'], id: 'data:application/vc+jwt,x' }, options: {} }],
  VerifyPresentationRequest: [
    { verifiablePresentation: 'a.b.c' },
    { verifiablePresentation: { type: 'EnvelopedVerifiablePresentation', id: 'data:application/vp+jwt,a.b.c' }, options: { challenge: 'n-0S6_WzA2Mj', domain: 'https://rh.example.fr' } },
    // The VC-API's own example, and the options of its drafts.
    { verifiablePresentation: 'a.b.c', options: { domain: 'https://rh.example.fr', challenge: 'n-1', returnPresentation: false, checks: ['proof'], expectedProofPurpose: 'authentication', proofPurpose: 'authentication' } },
  ],
  RegisterSchoolRequest: [{ uai: '0751234J', name: 'Lycée' }],
  RotateKeyRequest: [{ mode: 'scheduled' }, { mode: 'immediate' }, { mode: 'compromised' }],
  CreateOfferRequest: [{ credential: issueRequest('DiplomaCredential').credential, txCode: true, expiresInSeconds: 3600 }],
  WithdrawOfferRequest: [{ offerId: '3f2a9c0b1d-e_F67' }],
} as Record<SchemaName, unknown[]>;

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

describe('compiled validators', () => {
  it('are up to date with core/schemas.ts (run npm run generate:validators after changing a schema)', () => {
    expect(readFileSync(OUTPUT, 'utf8')).toBe(generateValidatorsSource());
  });

  it.each(Object.keys(SCHEMAS) as SchemaName[])('%s: the same verdict and errors as Ajv at run time', (name) => {
    const reference = ajv.compile(strip(SCHEMAS[name]));
    const compiled = (generated as unknown as Record<string, Validator>)[name]!;
    let compared = 0;
    let invalid = 0;
    for (const base of VALID[name]) {
      expect(reference(base), 'fixture is valid').toBe(true);
      for (const value of [base, ...mutations(base)]) {
        const context = JSON.stringify(value)?.slice(0, 300);
        expect(compiled(value), context).toBe(reference(value));
        expect(shape(compiled.errors), context).toEqual(shape(reference.errors));
        compared++;
        if (!reference(value)) invalid++;
      }
    }
    expect(compared).toBeGreaterThan(40);
    expect(invalid).toBeGreaterThan(20);
  });

  it('refuses an empty type array where the type must contain a value', () => {
    const subject = subjectOf('TranscriptCredential') as { result: { type: string[] }[] };
    const tampered = { ...subject, result: [subject.result[0], { ...subject.result[1], type: [] }] };
    expect(generated.TranscriptSubject(tampered)).toBe(false);
  });
});

/**
 * A transcript's overall outcome in Open Badges 3.0: a Result whose ResultDescription has
 * resultType Status must carry a `status` (ResultStatusType), "Required if resultType of the
 * linked ResultDescription is Status"; a Status result without one reads as Completed.
 * https://www.imsglobal.org/spec/ob/v3p0/#result
 */
import { describe, expect, it } from 'vitest';
import { buildTranscriptSubject } from '../../lambdas/core/kinds/transcript';
import type { TranscriptInput } from '../../lambdas/core/kinds/transcript.schema';
import * as validate from '../../lambdas/core/generated/validators';

const ctx = { school: { did: 'did:web:attesto.test:schools:0750001U', uai: '0750001U', name: 'Lycée du Test', timeZone: 'Europe/Paris' } };
const input = (overall: TranscriptInput['overall']): TranscriptInput => ({
  student: { givenName: 'Camille', familyName: 'Martin', birthDate: '2008-03-14' },
  academicYear: '2025-2026',
  period: { label: 'Semestre 1', startDate: '2025-09-01', endDate: '2026-01-31' },
  subjects: [{ name: 'Maths', grade: 12 }],
  ...(overall ? { overall } : {}),
});

/** The outcome's ResultDescription and Result, as a verifier pairs them. */
function outcome(overall: TranscriptInput['overall']) {
  const subject = buildTranscriptSubject(input(overall), ctx);
  const description = (subject.achievement.resultDescription as { id: string; resultType: string }[]).find((d) => d.id.endsWith(':overall-result'));
  const result = (subject.result as { resultDescription: string; value: string; status?: string }[]).find((r) => r.resultDescription === description?.id);
  return { description, result, subject };
}

describe("a transcript's overall outcome", () => {
  it.each([
    ['Admis', 'Completed'],
    ['admise', 'Completed'],
    ['  Reçue ', 'Completed'],
    ['Ajourné', 'Failed'],
    ['Non  admise', 'Failed'],
    ['REFUSÉ', 'Failed'],
  ])('"%s" is a Status result with status %s', (result, status) => {
    const { description, result: r } = outcome({ result });
    expect(description?.resultType).toBe('Status');
    expect(r).toMatchObject({ value: result, status });
  });

  it('a failed period never reads as Completed: its Status result always says Failed', () => {
    const { result } = outcome({ result: 'Ajournée' });
    expect(result?.status).toBe('Failed');
  });

  it('other text (a word that only looks like one: "Admissible") is kept as a plain Result, with no status a reader could take for Completed', () => {
    for (const text of ['Admissible', 'Admis au rattrapage', 'Passable']) {
      const { description, result } = outcome({ result: text });
      expect(description?.resultType, text).toBe('Result');
      expect(result, text).not.toHaveProperty('status');
      expect(result?.value).toBe(text);
    }
  });

  it('a status given by the school qualifies other text, and alone it is shown in words', () => {
    expect(outcome({ result: 'Admissible', status: 'Provisional' }).result).toMatchObject({ value: 'Admissible', status: 'Provisional' });
    expect(outcome({ result: 'Admis', status: 'Completed' }).result?.status).toBe('Completed');
    const alone = outcome({ status: 'Completed' });
    expect(alone.description?.resultType).toBe('Status');
    expect(alone.result).toMatchObject({ value: 'Validé', status: 'Completed' });
  });

  it('is refused when it contradicts the result\'s words: "Ajourné" shown, Completed read', async () => {
    const { validateCredentialRequest } = await import('../../lambdas/core/use-cases/issue-credential');
    const { issueRequest } = await import('../helpers/fixtures');
    const request = (overall: Record<string, unknown>) => {
      const r = issueRequest('TranscriptCredential');
      return { ...r, credential: { ...r.credential, credentialSubject: { ...r.credential.credentialSubject, overall } } } as typeof r;
    };
    for (const overall of [{ result: 'Ajourné', status: 'Completed' }, { result: 'Admise', status: 'Failed' }]) {
      expect(() => validateCredentialRequest(request(overall).credential, { did: 'did:web:attesto.test:schools:0750001U' }), JSON.stringify(overall)).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED', errors: [expect.objectContaining({ pointer: '/credential/credentialSubject/overall/status' })] }));
    }
    expect(() => validateCredentialRequest(request({ result: 'Ajourné', status: 'Failed' }).credential, { did: 'did:web:attesto.test:schools:0750001U' })).not.toThrow();
  });

  it('is accepted in requests only as one of ResultStatusType', () => {
    expect(validate.TranscriptInput(input({ status: 'Completed' }))).toBe(true);
    expect(validate.TranscriptInput(input({ status: 'Passed' as never }))).toBe(false);
  });

  it('without one, the transcript has no outcome result', () => {
    expect(outcome(undefined).description).toBeUndefined();
    expect(outcome({ average: 12 }).description).toBeUndefined();
  });
});

/**
 * The suite runs on any day: the fixtures of the tests on the real clock are issuable whatever
 * the date, as a school would issue them (its checks of dates that cannot be right, and of
 * validity over when issued, are made on the day).
 */
import { describe, expect, it } from 'vitest';
import { assertIssuableAt, validateCredentialRequest } from '../../lambdas/core/use-cases/issue-credential';
import { issueRequestOver, KINDS } from '../helpers/fixtures';
import { liveSubjects } from '../helpers/live-fixtures';

const did = 'did:web:attesto.test:schools:0751234J';

describe('the fixtures of tests on the real clock', () => {
  it('are issuable on every day of a year, a leap year included, at any hour', () => {
    const refused: string[] = [];
    for (let day = 0; day < 366 + 365; day++) {
      for (const hour of [0, 12, 23]) {
        const at = new Date(Date.UTC(2027, 0, 1 + day, hour, 30));
        const request = issueRequestOver(liveSubjects(at));
        for (const kind of KINDS) {
          try {
            const { credential } = request(kind);
            assertIssuableAt(credential, validateCredentialRequest(credential, { did }), at, 'Europe/Paris');
          } catch (e) {
            refused.push(`${at.toISOString()} ${kind}: ${(e as Error).message}`);
          }
        }
      }
    }
    expect(refused.slice(0, 5)).toEqual([]);
  });
});

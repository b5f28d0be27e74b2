/**
 * Who a school key's policy lets sign: the signer role's sessions tagged with the school. A role
 * on attesto's path (`role/attesto/<region>/<stack>/`) is matched by that path, so a role the stack
 * replaces keeps the keys made before it; any other role ARN is matched exactly.
 */
import { describe, expect, it } from 'vitest';
import { schoolKeyPolicy, signerPrincipals } from '../../lambdas/adapters/kms-key-policy';
import { evaluate } from '../infra/iam-eval';

const UAI = '0750001A';
/** May `principal`, a session tagged `uai` (null: untagged), sign with school UAI's key? */
const sign = (signerRoleArn: string, principal: string, uai: string | null = UAI) =>
  evaluate(JSON.parse(schoolKeyPolicy({ signerRoleArn, uai: UAI })).Statement, { action: 'kms:Sign', resource: () => true, context: { 'aws:PrincipalArn': principal, 'aws:PrincipalTag/uai': uai ?? undefined } });

describe('school key policy', () => {
  it("matches a signer role on attesto's path by its path: a replaced role keeps signing, another stack's does not", () => {
    const role = 'arn:aws:iam::111122223333:role/attesto/eu-west-3/Attesto/Attesto-SchoolSigningSignerRole-AAA';
    expect(signerPrincipals(role)).toBe('arn:aws:iam::111122223333:role/attesto/eu-west-3/Attesto/*');
    expect(sign(role, role)).not.toBe('explicitly denied');
    expect(sign(role, 'arn:aws:iam::111122223333:role/attesto/eu-west-3/Attesto/Attesto-SchoolSigningSignerRole-BBB')).not.toBe('explicitly denied');
    expect(sign(role, 'arn:aws:iam::111122223333:role/attesto/eu-west-3/AttestoStaging/Attesto-SchoolSigningSignerRole-AAA')).toBe('explicitly denied');
    expect(sign(role, 'arn:aws:iam::111122223333:role/Admin')).toBe('explicitly denied');
    expect(sign(role, role, '0330003Z')).toBe('explicitly denied');
    expect(sign(role, role, null)).toBe('explicitly denied');
  });

  it('matches any other role exactly: a role without a path, or on a path that is not attesto\'s', () => {
    for (const role of ['arn:aws:iam::111122223333:role/attesto-school-signer', 'arn:aws:iam::111122223333:role/service-role/school-signer', 'arn:aws:iam::111122223333:role/attesto/school-signer']) {
      expect(signerPrincipals(role), role).toBe(role);
      expect(sign(role, role), role).not.toBe('explicitly denied');
      expect(sign(role, role.replace(/[^/]+$/, 'other-role')), role).toBe('explicitly denied');
    }
  });

  it('refuses what is not a role ARN', () => {
    for (const arn of ['arn:aws:iam::111122223333:user/alice', 'arn:aws:iam::1111:role/x', 'role/x']) expect(() => schoolKeyPolicy({ signerRoleArn: arn, uai: UAI }), arn).toThrow(/not an IAM role ARN/);
  });
});

/**
 * `attesto school key-policy`: the key policy the functions give the keys they create, for keys an
 * operator made from a terminal (which get KMS's default policy).
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { schoolKeyPolicy } from '../../lambdas/adapters/kms-key-policy';

const run = promisify(execFile);
const ROLE_ARN = 'arn:aws:iam::111122223333:role/Attesto-SchoolSigningSignerRole-1A2B3C';

async function cli(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/attesto.mjs', ...args], { env: { ...process.env, ATTESTO_SIGNER: '', ATTESTO_SCHOOL_SIGNER_ROLE_ARN: '', ...env } });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const { code, stdout, stderr } = e as { code: number; stdout: string; stderr: string };
    return { code, stdout, stderr };
  }
}

describe('attesto school key-policy', () => {
  it('prints the policy of a school key: only that school signing sessions sign', async () => {
    const out = await cli(['school', 'key-policy', '--uai', '0330003Z', '--role-arn', ROLE_ARN]);
    expect(out.code).toBe(0);
    const policy = JSON.parse(out.stdout);
    expect(policy).toEqual(JSON.parse(schoolKeyPolicy({ signerRoleArn: ROLE_ARN, uai: '0330003Z' })));
    expect(JSON.stringify(policy)).toContain('"aws:PrincipalTag/uai":"0330003Z"');
    // The role may come from the environment, as the functions have it.
    const fromEnv = await cli(['school', 'key-policy', '--uai', '0330003Z'], { ATTESTO_SCHOOL_SIGNER_ROLE_ARN: ROLE_ARN });
    expect(JSON.parse(fromEnv.stdout)).toEqual(policy);
  });

  it('refuses a UAI that is none, a role ARN that is none, and a missing role', async () => {
    const badUai = await cli(['school', 'key-policy', '--uai', '0330003A', '--role-arn', ROLE_ARN]);
    expect(badUai.code).toBe(1);
    expect(JSON.parse(badUai.stderr)).toMatchObject({ code: 'INVALID_UAI' });
    const badRole = await cli(['school', 'key-policy', '--uai', '0330003Z', '--role-arn', 'arn:aws:iam::111122223333:user/alice']);
    expect(badRole.code).toBe(1);
    expect(badRole.stderr).toContain('not an IAM role ARN');
    const noRole = await cli(['school', 'key-policy', '--uai', '0330003Z']);
    expect(noRole.code).toBe(1);
    expect(JSON.parse(noRole.stderr).detail).toMatch(/^give the school signer role: --role-arn/);
    expect(badUai.stdout + badRole.stdout + noRole.stdout).toBe('');
  });
});

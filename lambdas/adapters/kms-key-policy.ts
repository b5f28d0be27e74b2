/**
 * The key policy of a school's signing key, set when KMS creates it.
 *
 * KMS's default key policy hands the key to the account's IAM policies: any principal of the
 * account given `kms:Sign` on `*` (an administrator, a CI role, a function granted too much by
 * mistake) could sign credentials as the school. This policy keeps the account in charge of the
 * key, as the default one does (nothing is locked out), but refuses `kms:Sign` to everyone except
 * a session of the school signer role tagged with this very school. Isolation between schools
 * then holds in the key itself, not only in the signer role's IAM policy
 * (lib/constructs/school-signing.ts), and an explicit deny in a key policy beats any IAM policy.
 * https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html
 */
import { SESSION_SCHOOL_TAG, SIGNER_ROLE_PATH_PREFIX } from './kms-tags';

/** `arn:<partition>:iam::<account>:role/<path/>name`, as configuration validates it. */
const ROLE_ARN = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/([\w+=,.@/-]*\/)?([\w+=,.@-]+)$/;
export const isRoleArn = (value: string) => ROLE_ARN.test(value);

/**
 * Who may sign: roles of the signer role's own path when that path is attesto's
 * (`role/attesto/<region>/<stack>/*`: a role the stack replaces keeps the keys made before it),
 * else that one role.
 */
export function signerPrincipals(signerRoleArn: string): string {
  const m = ROLE_ARN.exec(signerRoleArn);
  if (!m) throw new Error('the school signer role ARN is not an IAM role ARN');
  const path = `/${m[3] ?? ''}`;
  return path.startsWith(SIGNER_ROLE_PATH_PREFIX) && path.length > SIGNER_ROLE_PATH_PREFIX.length ? `arn:${m[1]}:iam::${m[2]}:role${path}*` : signerRoleArn;
}

export function schoolKeyPolicy(o: { signerRoleArn: string; uai: string }): string {
  const signers = signerPrincipals(o.signerRoleArn);
  const [, partition, account] = ROLE_ARN.exec(o.signerRoleArn)!;
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        // As KMS's default policy: the account's IAM policies decide everything else (GetPublicKey
        // for the signer role, key administration for operators).
        Sid: 'TheAccountAdministersTheKey',
        Effect: 'Allow',
        Principal: { AWS: `arn:${partition}:iam::${account}:root` },
        Action: 'kms:*',
        Resource: '*',
      },
      {
        // aws:PrincipalArn of an assumed-role session is its role's ARN, path included.
        Sid: 'OnlyTheSchoolSignerRoleSigns',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'kms:Sign',
        Resource: '*',
        Condition: { ArnNotLike: { 'aws:PrincipalArn': signers } },
      },
      {
        // A missing tag matches StringNotEquals too: an untagged session is refused.
        Sid: 'OnlySessionsOfThisSchoolSign',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'kms:Sign',
        Resource: '*',
        Condition: { StringNotEquals: { [`aws:PrincipalTag/${SESSION_SCHOOL_TAG}`]: o.uai } },
      },
    ],
  });
}

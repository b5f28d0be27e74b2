/**
 * The key policy of a school's signing key, set when KMS creates it.
 *
 * KMS's default key policy hands the key to the account's IAM policies: any principal of the
 * account given `kms:Sign` on `*` (an administrator, a CI role, a function granted too much by
 * mistake) could sign credentials as the school. This policy keeps the account in charge of the
 * key (so no one is locked out, and CreateKey's lockout check passes: the account may still
 * PutKeyPolicy), but refuses `kms:Sign` to everyone except a session of the school signer role
 * tagged with this very school. Isolation between schools then holds in the key itself, not only
 * in the signer role's IAM policy (lib/constructs/school-signing.ts), which the key policy does
 * not rely on. An explicit deny in a key policy cannot be overridden by any IAM policy.
 * https://docs.aws.amazon.com/kms/latest/developerguide/key-policy-overview.html
 */
import { SESSION_SCHOOL_TAG } from './kms-tags';

/** `arn:<partition>:iam::<account>:role/<path/name>`, as configuration validates it. */
const ROLE_ARN = /^arn:(aws[a-z-]*):iam::(\d{12}):role\/[\w+=,.@/-]+$/;

export function schoolKeyPolicy(o: { signerRoleArn: string; uai: string }): string {
  const m = ROLE_ARN.exec(o.signerRoleArn);
  if (!m) throw new Error('the school signer role ARN is not an IAM role ARN');
  const [, partition, account] = m;
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
        // aws:PrincipalArn of an assumed-role session is its role's ARN.
        Sid: 'OnlyTheSchoolSignerRoleSigns',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 'kms:Sign',
        Resource: '*',
        Condition: { StringNotEquals: { 'aws:PrincipalArn': o.signerRoleArn } },
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

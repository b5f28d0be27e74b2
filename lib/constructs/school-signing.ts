/**
 * Per-school signing isolation, enforced by IAM rather than by application code alone.
 *
 * Each school's key is created at registration (never a stack resource: 10,000 schools would be
 * 10,000 resources, twenty times CloudFormation's 500-per-stack limit) and tagged
 * `attesto:uai = <UAI>`. No function role may sign. To sign, a function assumes the school
 * signer role with the session tag `uai = <the school its request is authenticated for>`; that
 * role may sign only with keys whose `attesto:uai` tag equals its session's `uai` tag
 * (attribute-based access control). Code that picks up another school's key reference gets
 * AccessDenied from KMS, not a signature. What this does not stop: a signing function under an
 * attacker's control, which can open its session with any school's tag; the school a request is
 * for comes from application code (the gateway-verified client id). README, Noticed and left alone.
 */
import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { NagSuppressions } from 'cdk-nag';

// The tags the runtime sets on school keys and signing sessions, read by the conditions below.
import { KEY_SCHOOL_TAG, SESSION_SCHOOL_TAG, SIGNER_ROLE_PATH_PREFIX } from '../../lambdas/adapters/kms-tags';

/** KMS actions no application role may ever perform, whatever else gets attached to it. */
export const DENIED_TO_APP_ROLES = [
  'kms:Sign',
  'kms:ScheduleKeyDeletion',
  'kms:DisableKey',
  'kms:PutKeyPolicy',
  'kms:CreateGrant',
  'kms:UntagResource',
  'kms:ImportKeyMaterial',
  'kms:ReplicateKey',
  // Nor undo what an operator did to a key after a compromise (disabled it, scheduled its deletion).
  'kms:EnableKey',
  'kms:CancelKeyDeletion',
];

/** What a school key is: a P-256 signing key generated inside KMS (its private key never leaves it). */
export const SCHOOL_KEY_PROPERTIES = { 'kms:KeySpec': 'ECC_NIST_P256', 'kms:KeyUsage': 'SIGN_VERIFY', 'kms:KeyOrigin': 'AWS_KMS' } as const;

export class SchoolSigning extends Construct {
  /** The role signing sessions assume; its ARN goes to the signing functions. */
  readonly signerRole: iam.Role;
  private readonly keyArns: string;
  private keyCreation: iam.Policy | undefined;

  /** `signers`: the roles of the functions allowed to open a school signing session. */
  constructor(scope: Construct, id: string, props: { signers: iam.IRole[] }) {
    super(scope, id);
    this.keyArns = Stack.of(this).formatArn({ service: 'kms', resource: 'key', resourceName: '*' });

    // A session opens only with exactly one tag, `uai`, of a UAI's length (7 digits, 1 letter).
    const oneSchoolSession = {
      Null: { [`aws:RequestTag/${SESSION_SCHOOL_TAG}`]: 'false' },
      StringLike: { [`aws:RequestTag/${SESSION_SCHOOL_TAG}`]: '????????' },
      'ForAllValues:StringEquals': { 'aws:TagKeys': [SESSION_SCHOOL_TAG] },
    };
    this.signerRole = new iam.Role(this, 'SignerRole', {
      description: 'attesto: signs with the key of the one school named by the session tag uai',
      assumedBy: new iam.PrincipalWithConditions(
        new iam.SessionTagsPrincipal(new iam.CompositePrincipal(...props.signers.map((r) => new iam.ArnPrincipal(r.roleArn)))),
        oneSchoolSession,
      ),
      // Role chaining caps sessions at one hour anyway; the signer adapter renews every 15 minutes.
      maxSessionDuration: Duration.hours(1),
      // School key policies let this path sign (lambdas/adapters/kms-key-policy.ts): a role replaced
      // (a new generated name, same stack) keeps signing with the keys made before it.
      // Region and stack: a stack of the same name in another region of the account has its own path.
      path: `${SIGNER_ROLE_PATH_PREFIX}${Stack.of(this).region}/${Stack.of(this).stackName}/`,
    });

    const sameSchool = {
      StringEquals: { [`aws:ResourceTag/${KEY_SCHOOL_TAG}`]: `\${aws:PrincipalTag/${SESSION_SCHOOL_TAG}}` },
      Null: { [`aws:ResourceTag/${KEY_SCHOOL_TAG}`]: 'false', [`aws:PrincipalTag/${SESSION_SCHOOL_TAG}`]: 'false' },
    };
    this.signerRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'SignWithTheSessionSchoolKey',
        actions: ['kms:Sign'],
        resources: [this.keyArns],
        // As lambdas/adapters/kms-signer.ts signs: ES256 over a SHA-256 digest.
        conditions: { ...sameSchool, StringEquals: { ...sameSchool.StringEquals, 'kms:SigningAlgorithm': 'ECDSA_SHA_256', 'kms:MessageType': 'DIGEST' } },
      }),
    );
    this.signerRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadTheSessionSchoolPublicKey',
        actions: ['kms:GetPublicKey'],
        resources: [this.keyArns],
        conditions: sameSchool,
      }),
    );
    // Whatever gets attached to this role later, it can do these two things and nothing else.
    this.signerRole.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'NothingButSigning',
        effect: iam.Effect.DENY,
        notActions: ['kms:Sign', 'kms:GetPublicKey'],
        resources: ['*'],
      }),
    );
    NagSuppressions.addResourceSuppressions(
      this.signerRole.node.findChild('DefaultPolicy'),
      [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'School keys are created at registration, one per school, so their ARNs cannot be listed here. kms:Sign and kms:GetPublicKey apply only to keys of this account and region whose attesto:uai tag equals the session tag uai (ABAC); a session can reach one school key.',
          // Region and account are literals once known, tokens otherwise.
          appliesTo: [{ regex: '/^Resource::arn:<AWS::Partition>:kms:[a-z0-9-]+:(<AWS::AccountId>|[0-9]{12}):key\\/\\*$/' }],
        },
      ],
    );
  }

  /** Lets a function open signing sessions; the trust policy above checks the tag. */
  allowSigningSessions(role: iam.IRole): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'OpenSchoolSigningSessions',
        actions: ['sts:AssumeRole', 'sts:TagSession'],
        resources: [this.signerRole.roleArn],
        conditions: { Null: { [`aws:RequestTag/${SESSION_SCHOOL_TAG}`]: 'false' } },
      }),
    );
  }

  /**
   * Lets the registering function create school keys: P-256 signing keys generated inside KMS
   * (origin AWS_KMS: the private key cannot be exported or imported), single-region, tagged
   * with the school at creation and only with that tag.
   */
  allowKeyCreation(role: iam.IRole): void {
    if (!this.keyCreation) {
      const onlySchoolTag = {
        Null: { [`aws:RequestTag/${KEY_SCHOOL_TAG}`]: 'false' },
        'ForAllValues:StringEquals': { 'aws:TagKeys': [KEY_SCHOOL_TAG] },
      };
      this.keyCreation = new iam.Policy(this, 'KeyCreation', {
        statements: [
          new iam.PolicyStatement({
            sid: 'CreateSchoolSigningKeys',
            actions: ['kms:CreateKey'],
            // CreateKey has no resource yet; the conditions are the constraint.
            resources: ['*'],
            conditions: {
              StringEquals: SCHOOL_KEY_PROPERTIES,
              ...onlySchoolTag,
            },
          }),
          new iam.PolicyStatement({
            sid: 'NoMultiRegionSchoolKeys',
            effect: iam.Effect.DENY,
            actions: ['kms:CreateKey'],
            resources: ['*'],
            conditions: { Bool: { 'kms:MultiRegion': 'true' } },
          }),
          // CreateKey with Tags needs kms:TagResource on keys of the account and region. The
          // same permission would let this role tag an existing key, and a key tagged attesto:uai
          // is one the signer role signs with: so only a key that is what CreateKey above makes
          // (P-256, SIGN_VERIFY, generated in KMS) may be tagged, and only if it has no school
          // tag yet (NeverRetagASchoolKey). IfExists: the check made inside CreateKey is on a key
          // that does not exist yet, whose properties CreateKey's own conditions already fixed.
          new iam.PolicyStatement({
            sid: 'TagSchoolKeysAtCreation',
            actions: ['kms:TagResource'],
            resources: [this.keyArns],
            conditions: {
              ...onlySchoolTag,
              StringEqualsIfExists: SCHOOL_KEY_PROPERTIES,
            },
          }),
          // A school key's tag never changes: retagging school B's key as A's would hand it to A.
          new iam.PolicyStatement({
            sid: 'NeverRetagASchoolKey',
            effect: iam.Effect.DENY,
            actions: ['kms:TagResource'],
            resources: ['*'],
            conditions: {
              Null: { [`aws:ResourceTag/${KEY_SCHOOL_TAG}`]: 'false' },
              StringNotEquals: { [`aws:ResourceTag/${KEY_SCHOOL_TAG}`]: `\${aws:RequestTag/${KEY_SCHOOL_TAG}}` },
            },
          }),
        ],
      });
      NagSuppressions.addResourceSuppressions(this.keyCreation, [
        {
          id: 'AwsSolutions-IAM5',
          reason:
            'kms:CreateKey and the tagging done with it act on a key that does not exist yet, so no key ARN can be named (KMS requires tagging rights on every key of the account and region for CreateKey with Tags). The statements allow only non-exportable P-256 signing keys generated in KMS, single-region, carrying the attesto:uai tag and no other; only keys of that kind without a school tag can be tagged, and a school key can never be retagged.',
          appliesTo: ['Resource::*', { regex: '/^Resource::arn:<AWS::Partition>:kms:[a-z0-9-]+:(<AWS::AccountId>|[0-9]{12}):key\\/\\*$/' }],
        },
      ]);
    }
    this.keyCreation.attachToRole(role);
  }

  /** Explicit denies for every application role: no direct signing, no key administration. */
  denyKeyAdministration(role: iam.IRole, opts: { mayTagNewKeys: boolean }): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'NoDirectSigningNoKeyAdministration',
        effect: iam.Effect.DENY,
        actions: opts.mayTagNewKeys ? DENIED_TO_APP_ROLES : [...DENIED_TO_APP_ROLES, 'kms:CreateKey', 'kms:TagResource'],
        resources: ['*'],
      }),
    );
  }
}

/**
 * The single DynamoDB table (layout in lambdas/adapters/dynamo/table.ts) and the customer-managed
 * key that encrypts it. Both outlive the stack: deleting the stack never deletes credentials'
 * status, schools or the audit trail.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { NagSuppressions } from 'cdk-nag';
import { KEY_ATTRIBUTES, writesTable, type KeyPrefix, type TableAccess, type WriteAction } from '../group-access';
import { TABLE_KEYS, TTL_ATTRIBUTE } from '../../lambdas/adapters/dynamo/table';

const WRITE_SIDS: Record<WriteAction, string> = {
  'dynamodb:PutItem': 'PutItemsUnderItsKeyPrefixes',
  'dynamodb:UpdateItem': 'UpdateItemsUnderItsKeyPrefixes',
  'dynamodb:DeleteItem': 'DeleteItemsUnderItsKeyPrefixes',
};

/** `SCHOOL#` → `SCHOOL#*`: a StringLike pattern for partition keys under a prefix. */
const patterns = (prefixes: readonly KeyPrefix[]) => prefixes.map((p) => `${p}*`);

/** `SCHOOL#` → `School`, for statement ids. */
const prefixName = (prefix: KeyPrefix) => `${prefix[0]}${prefix.slice(1, -1).toLowerCase()}`;

/**
 * Every partition key the request touches starts with one of the prefixes. `dynamodb:LeadingKeys`
 * is multi-valued, hence ForAllValues; ForAllValues also holds for a request without the key, so
 * its presence is required too.
 */
const underPrefixes = (prefixes: readonly KeyPrefix[]) => ({
  'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': patterns(prefixes) },
  Null: { 'dynamodb:LeadingKeys': 'false' },
});

export class StateTable extends Construct {
  readonly table: dynamodb.Table;
  readonly key: kms.Key;

  constructor(scope: Construct, id: string) {
    super(scope, id);

    this.key = new kms.Key(this, 'Key', {
      description: 'attesto: encrypts the state table',
      alias: 'alias/attesto/state-table',
      enableKeyRotation: true,
      rotationPeriod: Duration.days(365),
      // Without its key the retained table is unreadable: the key is retained with it.
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: TABLE_KEYS.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: TABLE_KEYS.sortKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      // Idempotency reservations and other short-lived items carry it (epoch seconds).
      timeToLiveAttribute: TTL_ATTRIBUTE,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /**
   * Exactly the table actions a route group's stores call, writes only on the partition key
   * prefixes it writes (group-access.ts), and the key use DynamoDB makes on the caller's behalf
   * (only through DynamoDB, never directly). Whatever else gets attached to the role later, it
   * never deletes or rewrites an audit event, and only the registering function ever puts or
   * deletes a school or client record.
   */
  grantTo(role: iam.IRole, table: TableAccess, opts: { registersSchools: boolean }): void {
    const access = writesTable(table) ? 'write' : 'read';
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadStateTable',
        actions: [...table.read],
        resources: [this.table.tableArn],
        ...(table.readOnly ? { conditions: underPrefixes(table.readOnly) } : {}),
      }),
    );
    for (const [action, prefixes] of Object.entries(table.write ?? {}) as [WriteAction, readonly KeyPrefix[]][]) {
      if (prefixes.length === 0) continue;
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: WRITE_SIDS[action],
          actions: [action],
          resources: [this.table.tableArn],
          conditions: underPrefixes(prefixes),
        }),
      );
    }
    for (const [prefix, attributes] of Object.entries(table.updateOnly ?? {}) as [KeyPrefix, readonly string[]][]) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: `UpdateOnly${prefixName(prefix)}Attributes`,
          actions: ['dynamodb:UpdateItem'],
          resources: [this.table.tableArn],
          conditions: {
            'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': patterns([prefix]) },
            'ForAllValues:StringEquals': { 'dynamodb:Attributes': [...KEY_ATTRIBUTES, ...attributes] },
            Null: { 'dynamodb:LeadingKeys': 'false', 'dynamodb:Attributes': 'false' },
            // ALL_OLD or ALL_NEW would return the attributes the update may not touch.
            StringEqualsIfExists: { 'dynamodb:ReturnValues': ['NONE', 'UPDATED_OLD', 'UPDATED_NEW'] },
          },
        }),
      );
    }
    // Explicit denies: they hold whatever else is attached to the role later.
    const deny = (sid: string, actions: string[], prefixes: KeyPrefix[]) =>
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid,
          effect: iam.Effect.DENY,
          actions,
          resources: [this.table.tableArn],
          conditions: { 'ForAnyValue:StringLike': { 'dynamodb:LeadingKeys': patterns(prefixes) } },
        }),
      );
    // Audit events are appended (PutItem under a new sort key), never changed or removed.
    deny('AuditTrailIsAppendOnly', ['dynamodb:DeleteItem', 'dynamodb:UpdateItem', 'dynamodb:BatchWriteItem'], ['AUDIT#']);
    // A school record holds the keys its DID document publishes; a client record says which
    // school a client acts for. Either, written by another function, would let it act as a school.
    if (!opts.registersSchools) deny('NoSchoolOrClientRecords', ['dynamodb:PutItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem'], ['SCHOOL#', 'CLIENT#']);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'UseStateTableKeyThroughDynamoDB',
        actions: access === 'read' ? ['kms:Decrypt', 'kms:DescribeKey'] : ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'],
        resources: [this.key.keyArn],
        conditions: { StringEquals: { 'kms:ViaService': `dynamodb.${this.table.stack.region}.amazonaws.com` } },
      }),
    );
    if (access === 'write') {
      NagSuppressions.addResourceSuppressions(
        role.node.tryFindChild('DefaultPolicy') ?? role,
        [
          {
            id: 'AwsSolutions-IAM5',
            reason:
              'kms:GenerateDataKey* and kms:ReEncrypt* are the action families DynamoDB uses for envelope encryption with a customer-managed key; they are limited to the one table key and to calls made through DynamoDB (kms:ViaService).',
            appliesTo: ['Action::kms:GenerateDataKey*', 'Action::kms:ReEncrypt*'],
          },
        ],
      );
    }
  }
}

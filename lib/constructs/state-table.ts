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
import type { TableAction } from '../group-access';
import { TABLE_KEYS, TTL_ATTRIBUTE } from '../../lambdas/adapters/dynamo/table';

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
   * Exactly the table actions a route group's store calls, and the key use DynamoDB makes on
   * the caller's behalf (only through DynamoDB, never directly).
   */
  grantTo(role: iam.IRole, actions: readonly TableAction[], access: 'read' | 'write'): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: access === 'read' ? 'ReadStateTable' : 'ReadWriteStateTable',
        actions: [...actions],
        resources: [this.table.tableArn],
      }),
    );
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

/**
 * What wakes someone up: server errors at the API, throttling (Lambda and DynamoDB), failures
 * of the signing service, and its account-wide quota running short. Every alarm notifies one encrypted SNS topic; subscribe to it (the
 * `alarmEmail` context value does so for one address).
 *
 * KMS publishes no error metric of its own, so signing failures are counted from the functions'
 * logs: the HTTP layer logs every 5xx AttestoError as `{"message":"unavailable","code":…}`, and a
 * failed KMS (or STS) call becomes SIGNER_UNAVAILABLE, or SIGNING_KEY_UNUSABLE when the key itself
 * is refused (disabled, scheduled for deletion).
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { NagSuppressions } from 'cdk-nag';
import type { AttestoFunction } from './attesto-function';

export const METRICS_NAMESPACE = 'attesto';
/** Share of the account's KMS ECC request quota past which the operators are warned. */
export const KMS_QUOTA_ALARM_PERCENT = 80;
export const SIGNER_UNAVAILABLE_METRIC = 'SignerUnavailable';
/**
 * Matches the HTTP layer's log line for a failed signing call (lambdas/http/unexpected.ts): the
 * signing service unavailable, or a school's key unusable (disabled, scheduled for deletion).
 */
export const SIGNER_UNAVAILABLE_PATTERN = '{ $.message = "unavailable" && ($.code = "SIGNER_UNAVAILABLE" || $.code = "SIGNING_KEY_UNUSABLE") }';
export const BATCH_ITEMS_FAILED_METRIC = 'BatchItemsFailed';
/**
 * A batch answers 200 with its failed items inside, so the API's 5xx alarm never sees them: its
 * `unavailable` line per code (lambdas/http/routes/batch.ts, with `items`) is counted here, for
 * every cause on our side but signing (the SignerUnavailable alarm's) and items merely out of
 * time (`BATCH_OUT_OF_TIME`: resent, they are issued).
 */
export const BATCH_ITEMS_FAILED_PATTERN = '{ $.message = "unavailable" && $.items >= 1 && $.code != "BATCH_OUT_OF_TIME" && $.code != "SIGNER_UNAVAILABLE" && $.code != "SIGNING_KEY_UNUSABLE" }';

export const ORIGIN_REFUSED_METRIC = 'OriginRefused';
/**
 * A request that reached the API's own address with an origin header that is not CloudFront's
 * (lambdas/handlers/origin-authorizer.ts, school-authorizer.ts). Without the header the gateway
 * refuses before any authorizer runs: a line here means someone who knows the header's name is
 * calling around CloudFront and its WAF, or CloudFront sends a secret the authorizers no longer
 * accept (a rotation gone wrong: then every request is refused, while no function fails).
 */
export const ORIGIN_REFUSED_PATTERN = '{ $.message = "origin refused" || ($.message = "school token refused" && $.reason = "not-through-cloudfront") }';

/** The table operations the functions call, each alarmed on when throttled. */
export const TABLE_OPERATIONS = [
  dynamodb.Operation.GET_ITEM,
  dynamodb.Operation.BATCH_GET_ITEM,
  dynamodb.Operation.QUERY,
  dynamodb.Operation.PUT_ITEM,
  dynamodb.Operation.UPDATE_ITEM,
  dynamodb.Operation.DELETE_ITEM,
];

export interface OperationsAlarmsProps {
  api: apigwv2.HttpApi;
  /** Every function, by a short name used in alarm names. */
  functions: Record<string, AttestoFunction>;
  /** The functions that sign (their logs are searched for signing failures). */
  signing: AttestoFunction[];
  /** The authorizers that check the origin header, by name (their logs are searched for refusals). */
  originCheckers: Record<string, AttestoFunction>;
  table: dynamodb.ITable;
  alarmEmail: string | undefined;
}

export class OperationsAlarms extends Construct {
  readonly topic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: OperationsAlarmsProps) {
    super(scope, id);
    const stack = Stack.of(this);

    const key = new kms.Key(this, 'TopicKey', {
      description: 'attesto: encrypts alarm notifications',
      enableKeyRotation: true,
      // Alarm messages are transient: nothing to read once the stack is gone.
      removalPolicy: RemovalPolicy.DESTROY,
      pendingWindow: Duration.days(7),
    });
    // CloudWatch encrypts what it publishes to the topic with this key.
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );
    this.topic = new sns.Topic(this, 'Topic', { displayName: 'attesto alarms', masterKey: key, enforceSSL: true });
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: { StringEquals: { 'aws:SourceAccount': stack.account } },
      }),
    );
    if (props.alarmEmail) {
      const email = new subscriptions.EmailSubscription(props.alarmEmail);
      this.topic.addSubscription(email);
      NagSuppressions.addResourceSuppressions(this.topic.node.findChild(props.alarmEmail), [
        {
          id: 'Serverless-SNSRedrivePolicy',
          reason:
            'An alarm email SNS cannot deliver has nowhere better to go than a queue nobody reads: the alarm stays in ALARM state, visible in CloudWatch with its history, and every alarm can be read there.',
        },
      ]);
    }

    const fiveMinutes = Duration.minutes(5);
    const alarm = (id: string, description: string, metric: cloudwatch.IMetric, threshold: number) => {
      const a = new cloudwatch.Alarm(this, id, {
        alarmDescription: description,
        metric,
        threshold,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      a.addAlarmAction(new actions.SnsAction(this.topic));
      // And when it is over: the one on call learns the incident ended without opening the console.
      a.addOkAction(new actions.SnsAction(this.topic));
      this.alarms.push(a);
      return a;
    };

    alarm('Api5xx', 'attesto API answered 5xx (server errors) 5 times or more in 5 minutes', props.api.metricServerError({ period: fiveMinutes, statistic: 'Sum' }), 5);

    for (const [name, fn] of Object.entries(props.functions)) {
      alarm(`${name}Throttles`, `attesto ${name} function was throttled (concurrency exhausted)`, fn.function.metricThrottles({ period: fiveMinutes, statistic: 'Sum' }), 1);
      alarm(`${name}Errors`, `attesto ${name} function failed (crash or timeout, not an HTTP error answer)`, fn.function.metricErrors({ period: fiveMinutes, statistic: 'Sum' }), 1);
    }

    // Every operation a function calls (group-access.ts); the wallet deletes one-time items. Each
    // series exists only while that operation is throttled: filled with 0, so that one throttled
    // operation alone (the audit partition's PutItem) still adds up to a value.
    // A BatchGetItem counts in ThrottledRequests only when every key of it was throttled; keys it
    // left unprocessed (which the reader reads again) show in the table's ReadThrottleEvents.
    const throttled = {
      ...Object.fromEntries(TABLE_OPERATIONS.map((op, i) => [`t${i}`, props.table.metric('ThrottledRequests', { dimensionsMap: { TableName: props.table.tableName, Operation: op }, period: fiveMinutes, statistic: 'Sum' })])),
      reads: props.table.metric('ReadThrottleEvents', { period: fiveMinutes, statistic: 'Sum' }),
    };
    alarm(
      'TableThrottles',
      'attesto state table throttled requests',
      new cloudwatch.MathExpression({ expression: Object.keys(throttled).map((id) => `FILL(${id}, 0)`).join(' + '), usingMetrics: throttled, period: fiveMinutes, label: 'Throttled requests' }),
      1,
    );

    // The account's ECC signing quota (300 Sign/s by default, per account and region) is shared by
    // every school, and by anything else in the account: warned of at 80 % for 3 minutes running,
    // before throttling turns into 503s. KMS counts a shared quota's calls under the quota's name
    // (Sign and Verify with ECC keys: CryptographicOperationsEcc), not per API operation. Usage
    // metrics are per minute; the quota is per second.
    // https://docs.aws.amazon.com/kms/latest/developerguide/requests-per-second.html
    const signCalls = new cloudwatch.Metric({ namespace: 'AWS/Usage', metricName: 'CallCount', dimensionsMap: { Service: 'KMS', Type: 'API', Resource: 'CryptographicOperationsEcc', Class: 'None' }, statistic: 'Sum', period: Duration.minutes(1) });
    const quota = new cloudwatch.Alarm(this, 'KmsSignQuota', {
      alarmDescription: 'attesto: KMS ECC requests (Sign) above 80 % of the account ECC request quota for 3 minutes; ask for a quota increase before issuance and status changes are throttled',
      metric: new cloudwatch.MathExpression({ expression: '100 * FILL(sign, 0) / 60 / SERVICE_QUOTA(sign)', usingMetrics: { sign: signCalls }, period: Duration.minutes(1), label: '% of the KMS ECC request quota' }),
      threshold: KMS_QUOTA_ALARM_PERCENT,
      evaluationPeriods: 3,
      datapointsToAlarm: 3,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });
    quota.addAlarmAction(new actions.SnsAction(this.topic));
    quota.addOkAction(new actions.SnsAction(this.topic));
    this.alarms.push(quota);

    // Counted from the logs of every signing function: each metric, its log pattern and the value a matching line adds.
    const fromLogs: [string, string, string][] = [
      [SIGNER_UNAVAILABLE_METRIC, SIGNER_UNAVAILABLE_PATTERN, '1'],
      [BATCH_ITEMS_FAILED_METRIC, BATCH_ITEMS_FAILED_PATTERN, '$.items'],
    ];
    for (const fn of props.signing) {
      for (const [metricName, pattern, metricValue] of fromLogs) {
        new logs.MetricFilter(this, `${fn.node.id}${metricName}`, { logGroup: fn.logGroup, filterPattern: logs.FilterPattern.literal(pattern), metricNamespace: METRICS_NAMESPACE, metricName, metricValue, defaultValue: 0 });
      }
    }
    alarm(
      'BatchItemsFailed',
      'attesto batch items failed on our side (store unavailable, unexpected error), answered inside a 200: a year group is not being issued',
      new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName: BATCH_ITEMS_FAILED_METRIC, period: fiveMinutes, statistic: 'Sum' }),
      1,
    );
    for (const [name, fn] of Object.entries(props.originCheckers)) {
      new logs.MetricFilter(this, `${name}${ORIGIN_REFUSED_METRIC}`, { logGroup: fn.logGroup, filterPattern: logs.FilterPattern.literal(ORIGIN_REFUSED_PATTERN), metricNamespace: METRICS_NAMESPACE, metricName: ORIGIN_REFUSED_METRIC, metricValue: '1', defaultValue: 0 });
    }
    alarm(
      'OriginRefused',
      "attesto refused requests at the API's own address for a wrong origin header: someone calling around CloudFront and its WAF, or CloudFront's origin secret no longer accepted (then every request fails)",
      new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName: ORIGIN_REFUSED_METRIC, period: fiveMinutes, statistic: 'Sum' }),
      1,
    );
    alarm(
      'SignerUnavailable',
      'attesto could not sign (KMS or STS error): credentials and status changes are failing',
      new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName: SIGNER_UNAVAILABLE_METRIC, period: fiveMinutes, statistic: 'Sum' }),
      1,
    );
  }
}

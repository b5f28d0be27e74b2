/**
 * The attesto stack, in the data region: one function per route group of lambdas/http/routes.ts,
 * each with the rights group-access.ts gives it and nothing more; the state table; school
 * authentication; per-school signing isolation; the HTTP API behind CloudFront and WAF; alarms.
 */
import { CfnOutput, Duration, Stack, type StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { ROUTE_GROUPS, ROUTES, type RouteGroup } from '../lambdas/http/routes';
import { AttestoApi } from './constructs/attesto-api';
import { AttestoFunction } from './constructs/attesto-function';
import { IssuerDistribution } from './constructs/issuer-distribution';
import { OperationsAlarms } from './constructs/operations-alarms';
import { ORIGIN_HEADER, OriginGuard } from './constructs/origin-guard';
import { SchoolClients } from './constructs/school-clients';
import { SchoolSigning } from './constructs/school-signing';
import { StateTable } from './constructs/state-table';
import { GROUP_ACCESS } from './group-access';
import { SCHOOL_SCOPES } from '../lambdas/http/school-scopes';
import type { Settings } from './settings';

export interface AttestoStackProps extends StackProps {
  settings: Settings;
  /** ARN of the CloudFront web ACL (edge stack, us-east-1). */
  webAclArn: string;
}

/** One value per route group of the route table, typed so that none can be missing. */
const byGroup = <T>(make: (group: RouteGroup) => T): Record<RouteGroup, T> =>
  Object.fromEntries(ROUTE_GROUPS.map((g) => [g, make(g)])) as Record<RouteGroup, T>;

/** `issuer` → `Issuer`: construct ids, stable across deployments. */
const functionId = (group: RouteGroup) => `${group[0]!.toUpperCase()}${group.slice(1)}`;

const describeGroup = (group: RouteGroup) =>
  `attesto ${group}: ${ROUTES.filter((r) => r.group === group)
    .map((r) => r.operationId)
    .join(', ')}`.slice(0, 256);

/** Lambda timeouts (API Gateway waits 30 s at most). */
const TIMEOUTS: Partial<Record<string, Duration>> = {
  // Registration may wait for a new key's tag to reach KMS authorization (kms-school-signer.ts).
  operator: Duration.seconds(29),
  // A batch of 100 starts items for as long as one more can still finish before the timeout, with
  // KMS stalling (lambdas/http/routes/batch.ts: 11 s): 18 s of a 29 s function. A status change
  // signs three lists, each with Sign's retries. API Gateway's own limit is 30 s.
  issuer: Duration.seconds(29),
  // Issues through the same use case as the issuer: STS, then KMS Sign with its retries; at a
  // status list's rollover, three lists are signed before the credential.
  wallet: Duration.seconds(29),
  // The public readers read the store only, but two reads in a row (the school, then its lists),
  // each with DynamoReader's retries (READ_WORST_CASE_MS, 11 s), can outlast 20 s when DynamoDB
  // stalls: the answer must still be the function's 503 with Retry-After, not the gateway's.
  verifier: Duration.seconds(25),
  documents: Duration.seconds(25),
};

export class AttestoStack extends Stack {
  readonly functions: Record<RouteGroup, AttestoFunction>;
  readonly state: StateTable;
  readonly schoolClients: SchoolClients;
  readonly signing: SchoolSigning;
  readonly api: AttestoApi;
  readonly edge: IssuerDistribution;
  readonly operations: OperationsAlarms;
  readonly origin: OriginGuard;

  constructor(scope: Construct, id: string, props: AttestoStackProps) {
    super(scope, id, { ...props, crossRegionReferences: true });
    const { settings } = props;
    const publicUrl = `https://${settings.issuerDomain}`;

    this.state = new StateTable(this, 'State');
    this.origin = new OriginGuard(this, 'Origin');
    this.schoolClients = new SchoolClients(this, 'SchoolClients', {
      domainPrefix: settings.authDomainPrefix,
      // Unless school routes are to answer at the regional address too (settings.ts).
      ...(settings.schoolRoutesDirect ? {} : { origin: { header: ORIGIN_HEADER, environment: this.origin.environment } }),
      // A reserved issuer is of no use if the authorizer in front of it is throttled with everything else.
      ...(settings.issuerReservedConcurrency !== undefined ? { authorizerReservedConcurrency: settings.issuerReservedConcurrency } : {}),
    });

    this.functions = byGroup(
      (group) =>
        new AttestoFunction(this, functionId(group), {
          entry: `lambdas/handlers/${group}.ts`,
          description: describeGroup(group),
          serviceName: `attesto-${group}`,
          timeout: TIMEOUTS[group] ?? Duration.seconds(10),
          ...(group === 'issuer' && settings.issuerReservedConcurrency !== undefined ? { reservedConcurrency: settings.issuerReservedConcurrency } : {}),
          environment: {
            ATTESTO_PUBLIC_URL: publicUrl,
            ATTESTO_SIGNER: 'kms',
            ATTESTO_TABLE: this.state.table.tableName,
            // Schools: OAuth2 client credentials, checked by the gateway's authorizer. Operators: IAM.
            ATTESTO_SCHOOL_AUTH: 'authorizer',
            ATTESTO_OPERATOR_AUTH: 'iam',
          },
        }),
    );

    const signers = ROUTE_GROUPS.filter((g) => GROUP_ACCESS[g].signs);
    this.signing = new SchoolSigning(this, 'SchoolSigning', { signers: signers.map((g) => this.functions[g].role) });

    for (const group of ROUTE_GROUPS) {
      const access = GROUP_ACCESS[group];
      const fn = this.functions[group];
      this.state.grantTo(fn.role, access.table, { registersSchools: access.registersSchools });
      this.signing.denyKeyAdministration(fn.role, { mayTagNewKeys: access.registersSchools });
      if (access.signs) {
        this.signing.allowSigningSessions(fn.role);
        fn.function.addEnvironment('ATTESTO_SCHOOL_SIGNER_ROLE_ARN', this.signing.signerRole.roleArn);
      }
      if (access.registersSchools) {
        this.signing.allowKeyCreation(fn.role);
        this.schoolClients.allowRegistration(fn.role);
        fn.function.addEnvironment('ATTESTO_USER_POOL_ID', this.schoolClients.userPool.userPoolId);
        fn.function.addEnvironment('ATTESTO_SCHOOL_SCOPES', SCHOOL_SCOPES.join(' '));
        fn.function.addEnvironment('ATTESTO_TOKEN_URL', this.schoolClients.tokenEndpoint);
      }
    }
    // The authorizers read the pool's public keys over HTTPS, and the origin secret; nothing else.
    this.signing.denyKeyAdministration(this.schoolClients.authorizerFunction.role, { mayTagNewKeys: false });
    this.signing.denyKeyAdministration(this.origin.authorizerFunction.role, { mayTagNewKeys: false });
    if (!settings.schoolRoutesDirect) this.origin.allowChecking(this.schoolClients.authorizerFunction.role);

    this.api = new AttestoApi(this, 'Api', {
      functions: byGroup((g) => this.functions[g].function),
      schoolAuthorizer: this.schoolClients.authorizer,
      publicAuthorizer: this.origin.authorizer,
    });

    this.edge = new IssuerDistribution(this, 'IssuerDomain', {
      originDomain: this.api.originDomain,
      originHeader: { name: ORIGIN_HEADER, value: this.origin.headerValue, version: settings.originSecretVersion },
      issuerDomain: settings.issuerDomain,
      certificateArn: settings.certificateArn,
      webAclArn: props.webAclArn,
    });

    this.operations = new OperationsAlarms(this, 'Operations', {
      api: this.api.api,
      functions: { ...Object.fromEntries(ROUTE_GROUPS.map((g) => [functionId(g), this.functions[g]])), SchoolAuthorizer: this.schoolClients.authorizerFunction, OriginAuthorizer: this.origin.authorizerFunction },
      signing: signers.map((g) => this.functions[g]),
      originCheckers: { OriginAuthorizer: this.origin.authorizerFunction, SchoolAuthorizer: this.schoolClients.authorizerFunction },
      table: this.state.table,
      alarmEmail: settings.alarmEmail,
    });


    new CfnOutput(this, 'IssuerUrl', { value: publicUrl, description: 'Issuer domain: DIDs are did:web:<domain>:schools:<uai>; schools and verifiers call this URL' });
    new CfnOutput(this, 'ApiUrl', {
      value: this.api.api.apiEndpoint,
      description: `Regional API endpoint, for operators signing requests with SigV4 (the operator routes: POST /schools, /schools/{uai}/key-rotations, /schools/{uai}/status-list-republications)${
        settings.schoolRoutesDirect ? '; the school routes answer here too (schoolRoutesDirect), without the WAF: every other route answers only requests that came through CloudFront' : ' only: every other route answers only requests that came through CloudFront'
      }`,
    });
    new CfnOutput(this, 'DistributionDomainName', { value: this.edge.distribution.distributionDomainName, description: 'Point the issuer domain here (CNAME, or alias A/AAAA)' });
    new CfnOutput(this, 'TokenEndpoint', { value: this.schoolClients.tokenEndpoint, description: 'OAuth2 token endpoint for school systems (client_credentials)' });
    new CfnOutput(this, 'UserPoolId', { value: this.schoolClients.userPool.userPoolId, description: 'Cognito user pool holding one app client per school' });
    new CfnOutput(this, 'SchoolSignerRoleArn', { value: this.signing.signerRole.roleArn, description: 'Role signing sessions assume, tagged with one school' });
    new CfnOutput(this, 'OperatorPolicyArn', { value: this.api.operatorPolicy.managedPolicyArn, description: 'Attach to operator identities to allow the operator routes (register schools, rotate their keys, sign their status lists again)' });
    new CfnOutput(this, 'TableName', { value: this.state.table.tableName, description: 'DynamoDB state table (retained on teardown)' });
    new CfnOutput(this, 'AlarmTopicArn', { value: this.operations.topic.topicArn, description: 'Subscribe to receive alarms' });
  }
}

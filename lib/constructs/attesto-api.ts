/**
 * The HTTP API, built from the route table: one Lambda integration per route group, the
 * authorizer each route's `auth` calls for, throttling per route, JSON access logs without
 * addresses or user agents.
 */
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { NagSuppressions } from 'cdk-nag';
import { CORS } from '../../lambdas/http/cors';
import { methodsOf, ROUTES, routeKey, type RouteAuth, type RouteGroup } from '../../lambdas/http/routes';
import { routeThrottle, STAGE_THROTTLE } from '../route-limits';
import { LOG_RETENTION } from './attesto-function';

export interface AttestoApiProps {
  functions: Record<RouteGroup, IFunction>;
  schoolAuthorizer: apigwv2.IHttpRouteAuthorizer;
  /** For public routes: the request came through CloudFront (./origin-guard.ts). */
  publicAuthorizer: apigwv2.IHttpRouteAuthorizer;
}

/**
 * Per request: who called (a school's app client, an operator's IAM identity; public callers are
 * not identified), what happened and how long it took. No source IP, no user agent, no body.
 */
const ACCESS_LOG_FIELDS = {
  // The id the function's log lines carry (and callers get in `apigw-requestid`), and Lambda's own for its invocation.
  requestId: '$context.requestId',
  integrationRequestId: '$context.integration.requestId',
  requestTime: '$context.requestTimeEpoch',
  routeKey: '$context.routeKey',
  // The school's OAuth2 app client (its authorizer's context) and the operator's IAM ARN: the
  // trail of who called which route, which CloudTrail does not keep for API calls.
  clientId: '$context.authorizer.clientId',
  callerArn: '$context.identity.userArn',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationLatency: '$context.integrationLatency',
  integrationStatus: '$context.integrationStatus',
  integrationError: '$context.integrationErrorMessage',
  authorizerError: '$context.authorizer.error',
  authorizerStatus: '$context.authorizer.status',
};

export class AttestoApi extends Construct {
  readonly api: apigwv2.HttpApi;
  readonly stage: apigwv2.HttpStage;
  readonly accessLogs: logs.LogGroup;
  /** Attach to the IAM identities of the platform's operators: lets them call operator routes. */
  readonly operatorPolicy: iam.ManagedPolicy;

  constructor(scope: Construct, id: string, props: AttestoApiProps) {
    super(scope, id);

    this.api = new apigwv2.HttpApi(this, 'HttpApi', {
      apiName: 'attesto',
      description: 'attesto: issue and verify W3C Verifiable Credentials for schools',
      createDefaultStage: false,
      // Browser-based wallets and verifiers; preflight is answered by the gateway, before any authorizer.
      corsPreflight: {
        allowOrigins: [...CORS.allowOrigins],
        allowMethods: CORS.allowMethods.map((m) => apigwv2.CorsHttpMethod[m]),
        allowHeaders: [...CORS.allowHeaders],
        exposeHeaders: [...CORS.exposeHeaders],
        maxAge: Duration.seconds(CORS.maxAgeSeconds),
      },
    });

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: LOG_RETENTION, removalPolicy: RemovalPolicy.RETAIN });
    this.stage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: STAGE_THROTTLE,
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(this.accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });
    const cfnStage = this.stage.node.defaultChild as apigwv2.CfnStage;
    cfnStage.routeSettings = Object.fromEntries(
      ROUTES.flatMap((r) => {
        const t = routeThrottle(r);
        return methodsOf(r).map((method) => [routeKey({ method, path: r.path }), { ThrottlingRateLimit: t.rateLimit, ThrottlingBurstLimit: t.burstLimit }]);
      }),
    );

    const integrations = new Map<RouteGroup, HttpLambdaIntegration>();
    const integrationFor = (group: RouteGroup) => {
      let integration = integrations.get(group);
      if (!integration) {
        integration = new HttpLambdaIntegration(`${group}-integration`, props.functions[group], { payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0 });
        integrations.set(group, integration);
      }
      return integration;
    };
    const iamAuthorizer = new HttpIamAuthorizer();
    const authorizers: Record<RouteAuth, apigwv2.IHttpRouteAuthorizer> = {
      public: props.publicAuthorizer,
      school: props.schoolAuthorizer,
      operator: iamAuthorizer,
    };

    for (const route of ROUTES) {
      this.api.addRoutes({
        path: route.path,
        methods: methodsOf(route).map((m) => apigwv2.HttpMethod[m]),
        integration: integrationFor(route.group),
        authorizer: authorizers[route.auth],
      });
    }

    const operatorRoutes = ROUTES.filter((r) => r.auth === 'operator');
    this.operatorPolicy = new iam.ManagedPolicy(this, 'OperatorAccess', {
      description: "attesto: call the operator routes with SigV4 (register schools, rotate a school's key, sign its status lists again)",
      statements: [
        new iam.PolicyStatement({
          sid: 'InvokeOperatorRoutes',
          actions: ['execute-api:Invoke'],
          // IAM matches `{uai}` literally: a path parameter is a wildcard of one or more characters here.
          resources: operatorRoutes.map((r) => this.api.arnForExecuteApi(r.method, r.path.replace(/\{[a-zA-Z]+\}/g, '*'), this.stage.stageName)),
        }),
      ],
    });
    NagSuppressions.addResourceSuppressions(this.operatorPolicy, [
      {
        id: 'AwsSolutions-IAM5',
        reason: "The operator routes of one school (its key rotation, its lists' republication) take the school's UAI in the path: the wildcard stands for that one segment, on these routes of this API and stage only.",
        appliesTo: [{ regex: '/^Resource::arn:<AWS::Partition>:execute-api:[a-z0-9-]+:(<AWS::AccountId>|[0-9]{12}):<[A-Za-z0-9]+>\\/\\$default\\/POST\\/schools\\/\\*\\/[a-z-]+$/' }],
      },
    ]);
  }

  /** The execute-api host, CloudFront's origin. */
  get originDomain(): string {
    const stack = Stack.of(this);
    return `${this.api.apiId}.execute-api.${stack.region}.${stack.urlSuffix}`;
  }
}

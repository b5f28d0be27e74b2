/**
 * School authentication: OAuth2 client credentials (RFC 6749 §4.4) from a Cognito user pool.
 *
 * Every school gets its own confidential app client when it is registered (created by the
 * operator function, like its key: a stack resource per school would not scale), allowed the
 * school scopes only. Its system trades client id and secret for a one-hour access token at the
 * pool's token endpoint and calls the school routes with it; the gateway authorizer checks the
 * token and the route's scope, then hands the verified client id to the issuer function, which
 * serves only the school registered with that client.
 *
 * The pool has no users: no sign-up, no passwords, nothing personal.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { NagSuppressions } from 'cdk-nag';
import { RESOURCE_SERVER_ID, SCHOOL_ROUTES, scopeName } from '../../lambdas/http/school-scopes';
import { AttestoFunction } from './attesto-function';

export class SchoolClients extends Construct {
  readonly userPool: cognito.UserPool;
  readonly resourceServer: cognito.UserPoolResourceServer;
  readonly domain: cognito.UserPoolDomain;
  readonly authorizerFunction: AttestoFunction;
  readonly authorizer: HttpLambdaAuthorizer;
  /** `https://cognito-idp.<region>.amazonaws.com/<poolId>`: the `iss` of school tokens. */
  readonly issuer: string;
  /** Where school systems obtain tokens (client_credentials grant). */
  readonly tokenEndpoint: string;

  constructor(
    scope: Construct,
    id: string,
    props: {
      domainPrefix: string;
      /** Concurrency reserved for the authorizer: every school request runs it first (the issuer's reservation needs it too). */
      authorizerReservedConcurrency?: number;
      /** The origin check (./origin-guard.ts): the header's name and what the authorizer needs to check it. */
      origin?: { header: string; environment: Record<string, string> };
    },
  ) {
    super(scope, id);

    this.userPool = new cognito.UserPool(this, 'Pool', {
      userPoolName: 'attesto-school-clients',
      // Machine clients only: nobody signs up, nobody signs in with a password.
      selfSignUpEnabled: false,
      accountRecovery: cognito.AccountRecovery.NONE,
      featurePlan: cognito.FeaturePlan.LITE,
      // Set anyway, so a user added by hand could not have a weak password or skip MFA.
      passwordPolicy: { minLength: 16, requireLowercase: true, requireUppercase: true, requireDigits: true, requireSymbols: true },
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      // Schools' app clients live here, created at registration: deleting the pool would lock
      // every school out, so it survives both mistakes and stack deletion.
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    NagSuppressions.addResourceSuppressions(this.userPool, [
      {
        id: 'AwsSolutions-COG8',
        reason:
          'The Plus plan adds threat protection for user sign-ins and password checks; this pool has no users and no passwords, only school app clients (client credentials), which Plus does not protect further. Lite supports the client-credentials grant.',
      },
    ]);

    this.resourceServer = this.userPool.addResourceServer('Api', {
      identifier: RESOURCE_SERVER_ID,
      userPoolResourceServerName: 'attesto',
      scopes: SCHOOL_ROUTES.map((r) => new cognito.ResourceServerScope({ scopeName: scopeName(r), scopeDescription: r.summary.slice(0, 256) })),
    });

    this.domain = this.userPool.addDomain('TokenDomain', { cognitoDomain: { domainPrefix: props.domainPrefix } });
    this.issuer = this.userPool.userPoolProviderUrl;
    this.tokenEndpoint = `${this.domain.baseUrl()}/oauth2/token`;

    this.authorizerFunction = new AttestoFunction(this, 'Authorizer', {
      entry: 'lambdas/handlers/school-authorizer.ts',
      description: 'attesto: checks school OAuth2 access tokens at the gateway',
      serviceName: 'attesto-school-authorizer',
      memorySize: 256,
      timeout: Duration.seconds(5),
      ...(props.authorizerReservedConcurrency !== undefined ? { reservedConcurrency: props.authorizerReservedConcurrency } : {}),
      environment: { ATTESTO_TOKEN_ISSUER: this.issuer, ...(props.origin?.environment ?? {}) },
    });

    this.authorizer = new HttpLambdaAuthorizer('SchoolToken', this.authorizerFunction.function, {
      authorizerName: 'school-oauth2-token',
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      // Both required: without either, the gateway answers 401 without running the function.
      identitySource: ['$request.header.Authorization', ...(props.origin ? [`$request.header.${props.origin.header}`] : [])],
      // No caching: a cached decision would outlive the token's expiry and ignore the route's scope.
      resultsCacheTtl: Duration.seconds(0),
    });
  }

  /** Lets the registering function create (and roll back) one app client per school, in this pool only. */
  allowRegistration(role: iam.IRole): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ManageSchoolAppClients',
        actions: ['cognito-idp:CreateUserPoolClient', 'cognito-idp:DeleteUserPoolClient'],
        resources: [this.userPool.userPoolArn],
      }),
    );
  }
}

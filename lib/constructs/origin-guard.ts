/**
 * Only CloudFront may call the API: an HTTP API cannot have a WAF of its own, and its default
 * `execute-api` address stays reachable, so without this a client could skip the WAF's per-IP
 * limits and CloudFront's cache by calling that address. CloudFront adds a secret header to every
 * request it sends the API; public routes get an authorizer that checks it (cached per value, and
 * never called at all when the header is missing), and the school authorizer checks it too
 * (lambdas/http/origin-check.ts). Operators' SigV4 calls (POST /schools) keep the direct
 * address: IAM authorizes them.
 *
 * The secret lives in Secrets Manager as `{"current", "previous"}`. CloudFront takes `current`
 * through a CloudFormation dynamic reference, resolved when the distribution is deployed; the
 * authorizers read both values at run time (kept 5 minutes), so that they always know at least
 * what CloudFront sends. To rotate it: set `previous` to the current value and `current` to a new
 * one (32 characters or more), wait 5 minutes, then deploy with a new `originSecretVersion`
 * (settings.ts), which makes CloudFormation update the distribution and so read `current` again.
 * `previous` shorter than 32 characters means none.
 */
import { Duration } from 'aws-cdk-lib';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { NagSuppressions } from 'cdk-nag';
import { ORIGIN_HEADER } from '../../lambdas/http/origin-check';
import { AttestoFunction } from './attesto-function';

export { ORIGIN_HEADER };

/** How long the gateway keeps an origin authorizer's answer for one header value. */
export const ORIGIN_AUTHORIZER_CACHE = Duration.minutes(5);

export class OriginGuard extends Construct {
  readonly secret: secretsmanager.Secret;
  readonly authorizerFunction: AttestoFunction;
  /** For the public routes. */
  readonly authorizer: HttpLambdaAuthorizer;
  /** The header value CloudFront sends (a dynamic reference, resolved at deploy time). */
  readonly headerValue: string;
  /** What an authorizer needs to check the header (and `allowChecking` its role). */
  readonly environment: Record<string, string>;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.secret = new secretsmanager.Secret(this, 'Secret', {
      description: 'attesto: the header CloudFront sends the API, proving a request came through it (and its WAF)',
      generateSecretString: { secretStringTemplate: JSON.stringify({ previous: '' }), generateStringKey: 'current', passwordLength: 48, excludePunctuation: true },
    });
    NagSuppressions.addResourceSuppressions(this.secret, [
      {
        id: 'AwsSolutions-SMG4',
        reason: 'Rotated by hand (previous := current, a new current, then a deployment with a new originSecretVersion): CloudFront takes the value at deploy time, so an automatic rotation would not reach it.',
      },
    ]);
    this.headerValue = this.secret.secretValueFromJson('current').unsafeUnwrap();
    this.environment = { ATTESTO_ORIGIN_SECRET_ARN: this.secret.secretArn };

    this.authorizerFunction = new AttestoFunction(this, 'Authorizer', {
      entry: 'lambdas/handlers/origin-authorizer.ts',
      description: 'attesto: lets public routes answer only requests that came through CloudFront',
      serviceName: 'attesto-origin-authorizer',
      memorySize: 128,
      timeout: Duration.seconds(3),
      environment: this.environment,
    });
    this.allowChecking(this.authorizerFunction.role);
    this.authorizer = new HttpLambdaAuthorizer('ThroughCloudFront', this.authorizerFunction.function, {
      authorizerName: 'through-cloudfront',
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      identitySource: [`$request.header.${ORIGIN_HEADER}`],
      resultsCacheTtl: ORIGIN_AUTHORIZER_CACHE,
    });
  }

  /** Lets an authorizer read the secret's values (GetSecretValue on this secret only). */
  allowChecking(role: iam.IRole): void {
    this.secret.grantRead(role);
  }
}

/** Where registration creates each school's OAuth2 client, if the configuration names one. */
import { AWS_CLIENT_TIMEOUTS } from './adapters/aws-timeouts';
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import type { Config } from './config';
import type { SchoolClientRegistry } from './core/deps';
import { CognitoSchoolClients } from './adapters/cognito-school-clients';

export function schoolClientsFor(config: Config): SchoolClientRegistry | undefined {
  if (!config.schoolClients) return undefined;
  // In the pool's region, which its id names (`eu-west-3_AbC…`), not wherever the SDK's profile points.
  const region = /^([a-z]{2}(?:-[a-z]+)+-\d+)_/.exec(config.schoolClients.userPoolId)?.[1] ?? config.region;
  return new CognitoSchoolClients(config.schoolClients, new CognitoIdentityProviderClient({ ...AWS_CLIENT_TIMEOUTS, maxAttempts: 1, region }));
}

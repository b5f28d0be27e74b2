/** Where registration creates each school's OAuth2 client, if the configuration names one. */
import { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import type { Config } from './config';
import type { SchoolClientRegistry } from './core/deps';
import { CognitoSchoolClients } from './adapters/cognito-school-clients';

export function schoolClientsFor(config: Config): SchoolClientRegistry | undefined {
  // In the configured region (the pool's), not wherever the SDK's profile points.
  return config.schoolClients ? new CognitoSchoolClients(config.schoolClients, new CognitoIdentityProviderClient({ maxAttempts: 3, region: config.region })) : undefined;
}

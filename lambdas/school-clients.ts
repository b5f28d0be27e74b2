/** Where registration creates each school's OAuth2 client, if the configuration names one. */
import type { Config } from './config';
import type { SchoolClientRegistry } from './core/deps';
import { CognitoSchoolClients } from './adapters/cognito-school-clients';

export function schoolClientsFor(config: Config): SchoolClientRegistry | undefined {
  return config.schoolClients ? new CognitoSchoolClients(config.schoolClients) : undefined;
}

/**
 * One OAuth2 client per school in the Cognito user pool (client credentials grant). The gateway's
 * authorizer checks the tokens and hands the function the verified client id; the store maps it
 * to exactly one school.
 */
import { AWS_CLIENT_TIMEOUTS, CREATE_CALL } from './aws-timeouts';
import {
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  DeleteUserPoolClientCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { AttestoError } from '../core/errors';
import type { SchoolClient, SchoolClientRegistry } from '../core/deps';

export interface CognitoSchoolClientsOptions {
  userPoolId: string;
  scopes: string[];
  tokenUrl?: string;
  /** Access token lifetime, minutes. Default 60. */
  accessTokenMinutes?: number;
}

export class CognitoSchoolClients implements SchoolClientRegistry {
  constructor(
    private readonly options: CognitoSchoolClientsOptions,
    // One attempt: an app client created after a slow answer and sent again would be a second client.
    private readonly cognito: CognitoIdentityProviderClient = new CognitoIdentityProviderClient({ ...AWS_CLIENT_TIMEOUTS, maxAttempts: 1 }),
  ) {}

  async create(uai: string): Promise<SchoolClient> {
    let out;
    try {
      out = await this.cognito.send(
        new CreateUserPoolClientCommand({
          UserPoolId: this.options.userPoolId,
          ClientName: `school-${uai}`,
          GenerateSecret: true,
          AllowedOAuthFlows: ['client_credentials'],
          AllowedOAuthFlowsUserPoolClient: true,
          AllowedOAuthScopes: this.options.scopes,
          AccessTokenValidity: this.options.accessTokenMinutes ?? 60,
          TokenValidityUnits: { AccessToken: 'minutes' },
          ExplicitAuthFlows: [],
          EnableTokenRevocation: true,
          PreventUserExistenceErrors: 'ENABLED',
        }),
        CREATE_CALL,
      );
    } catch (e) {
      throw new AttestoError('IDENTITY_UNAVAILABLE', 'the identity service is unavailable; retry', { cause: e, retryAfter: 1 });
    }
    const client = out.UserPoolClient;
    if (!client?.ClientId || !client.ClientSecret) throw new AttestoError('IDENTITY_UNAVAILABLE', 'the identity service created no client secret');
    return { clientId: client.ClientId, clientSecret: client.ClientSecret, scopes: this.options.scopes, ...(this.options.tokenUrl ? { tokenUrl: this.options.tokenUrl } : {}) };
  }

  async remove(clientId: string): Promise<void> {
    try {
      await this.cognito.send(new DeleteUserPoolClientCommand({ UserPoolId: this.options.userPoolId, ClientId: clientId }));
    } catch (e) {
      throw new AttestoError('IDENTITY_UNAVAILABLE', `client ${clientId} could not be removed; remove it by hand`, { cause: e });
    }
  }
}

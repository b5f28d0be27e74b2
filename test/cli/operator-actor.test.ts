/**
 * Who the operator CLI says acted, in the audit trail: against AWS, the identity AWS
 * authenticated, as the operator routes record it; never a name from the environment.
 */
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { describe, expect, it } from 'vitest';
import { operatorActor } from '../../lambdas/cli/operator-actor';

const sts = () => new STSClient({ region: 'eu-west-3', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });

describe('the operator CLI actor', () => {
  it('is the AWS identity that runs it, whatever $USER says', async () => {
    const client = sts();
    mockClient(client).on(GetCallerIdentityCommand).resolves({ Arn: 'arn:aws:sts::111122223333:assumed-role/RectoratOperator/marie', Account: '111122223333', UserId: 'AROA:marie' });
    expect(await operatorActor({ ATTESTO_SIGNER: 'kms', USER: 'root' }, client)).toBe('operator:arn:aws:sts::111122223333:assumed-role/RectoratOperator/marie');
  });

  it('refuses to act when AWS cannot say who runs it, rather than record a guess', async () => {
    const client = sts();
    mockClient(client).on(GetCallerIdentityCommand).rejects(new Error('The security token included in the request is expired'));
    await expect(operatorActor({ ATTESTO_SIGNER: 'kms', USER: 'root' }, client)).rejects.toThrow(/cannot tell which AWS identity runs this \(STS GetCallerIdentity: The security token included in the request is expired\)/);
  });

  it('is the local user for the local home, marked local', async () => {
    expect(await operatorActor({ USER: 'camille' })).toBe('operator:local:camille');
    expect(await operatorActor({})).toBe('operator:local:cli');
  });
});

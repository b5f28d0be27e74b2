/**
 * Who the audit trail says acted, for the operator CLI. Against AWS, the identity AWS
 * authenticated (STS GetCallerIdentity, which needs no permission): the same `operator:<ARN>` the
 * operator routes record, not `$USER`, which anyone can set. Locally, the local user.
 */
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { AWS_CLIENT_TIMEOUTS } from '../adapters/aws-timeouts';

export async function operatorActor(env: Record<string, string | undefined>, sts?: STSClient): Promise<string> {
  if (!env.ATTESTO_SIGNER) return `operator:local:${env.USER || 'cli'}`;
  let arn: string | undefined;
  try {
    const client = sts ?? new STSClient({ ...AWS_CLIENT_TIMEOUTS, region: env.AWS_REGION ?? 'eu-west-3' });
    arn = (await client.send(new GetCallerIdentityCommand({}))).Arn;
  } catch (e) {
    throw new Error(`cannot tell which AWS identity runs this (STS GetCallerIdentity: ${e instanceof Error ? e.message : 'unknown error'}): the audit trail records it`);
  }
  if (!arn) throw new Error('STS GetCallerIdentity named no identity: the audit trail records it');
  return `operator:${arn}`;
}

import { describe, expect, it } from 'vitest';
import type { CognitoIdentityProviderClient } from '@aws-sdk/client-cognito-identity-provider';
import type { KMSClient } from '@aws-sdk/client-kms';
import { ConfigError, loadConfig } from '../../lambdas/config';
import { schoolClientsFor } from '../../lambdas/school-clients';
import { signingFor } from '../../lambdas/signers';

const valid = { ATTESTO_PUBLIC_URL: 'https://attesto.example.fr/', ATTESTO_SIGNER: 'kms' };

describe('configuration is read once and validated as a whole', () => {
  it('applies documented defaults', () => {
    const c = loadConfig(valid);
    expect(c).toMatchObject({ publicUrl: 'https://attesto.example.fr', tableName: 'attesto', region: 'eu-west-3', listSize: 131_072, maxClockSkewSeconds: 60, signer: { kind: 'kms' } });
  });

  it('names every wrong variable at once', () => {
    let error: unknown;
    try {
      loadConfig({ ATTESTO_SIGNER: 'hsm', ATTESTO_STATUS_LIST_SIZE: '1000', ATTESTO_CLOCK_SKEW_SECONDS: 'soon' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    for (const name of ['ATTESTO_PUBLIC_URL', 'ATTESTO_SIGNER', 'ATTESTO_STATUS_LIST_SIZE', 'ATTESTO_CLOCK_SKEW_SECONDS']) expect(message).toContain(name);
  });

  it('requires a key folder for local signing', () => {
    expect(() => loadConfig({ ...valid, ATTESTO_SIGNER: 'local' })).toThrow(/ATTESTO_KEY_DIR/);
    expect(loadConfig({ ...valid, ATTESTO_SIGNER: 'local', ATTESTO_KEY_DIR: '/k' }).signer).toEqual({ kind: 'local', keyDir: '/k' });
    // Never in a Lambda function: school keys belong in KMS there.
    expect(() => loadConfig({ ...valid, ATTESTO_SIGNER: 'local', ATTESTO_KEY_DIR: '/tmp/k', AWS_LAMBDA_FUNCTION_NAME: 'attesto-issuer' })).toThrow(/not for a Lambda function/);
  });

  it('takes the public URL as an origin only: wallets look for its .well-known documents at the root of its host', () => {
    expect(() => loadConfig({ ...valid, ATTESTO_PUBLIC_URL: 'https://rectorat.example.fr/attesto' })).toThrow(/ATTESTO_PUBLIC_URL must be an origin, without a path \("https:\/\/rectorat.example.fr"\)/);
    // Written as DIDs and derived URLs will be: lower case, no default port, no trailing slash.
    expect(loadConfig({ ...valid, ATTESTO_PUBLIC_URL: 'https://Attestations.Example.fr:443/' }).publicUrl).toBe('https://attestations.example.fr');
    expect(() => loadConfig({ ...valid, ATTESTO_PUBLIC_URL: 'https://user:pw@attestations.example.fr' })).toThrow(/must not carry a user or password/);
  });

  it('refuses status lists smaller than the herd-privacy minimum', () => {
    expect(() => loadConfig({ ...valid, ATTESTO_STATUS_LIST_SIZE: '65536' })).toThrow(/ATTESTO_STATUS_LIST_SIZE/);
  });

  it("creates the operator's KMS keys in the configured region and Cognito clients in their pool's, not the SDK profile's", async () => {
    const profileRegion = process.env.AWS_REGION;
    process.env.AWS_REGION = 'us-east-1'; // what an operator's shell may say
    try {
      const config = loadConfig({ ...valid, ATTESTO_USER_POOL_ID: 'eu-west-3_pool', ATTESTO_SCHOOL_SCOPES: 'attesto/issue' });
      // Private fields, read here only: the clients are built inside.
      const kms = (signingFor(config).keys as unknown as { kms: KMSClient }).kms;
      const cognito = (schoolClientsFor(config) as unknown as { cognito: CognitoIdentityProviderClient }).cognito;
      expect(await kms.config.region()).toBe('eu-west-3');
      expect(await cognito.config.region()).toBe('eu-west-3');
      // A pool elsewhere in the EU is reached in its own region.
      const frankfurt = (schoolClientsFor(loadConfig({ ...valid, ATTESTO_USER_POOL_ID: 'eu-central-1_pool', ATTESTO_SCHOOL_SCOPES: 'attesto/issue' })) as unknown as { cognito: CognitoIdentityProviderClient }).cognito;
      expect(await frankfurt.config.region()).toBe('eu-central-1');
    } finally {
      if (profileRegion === undefined) delete process.env.AWS_REGION;
      else process.env.AWS_REGION = profileRegion;
    }
  });
});

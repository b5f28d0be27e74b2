import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../lambdas/config';

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
  });

  it('refuses status lists smaller than the herd-privacy minimum', () => {
    expect(() => loadConfig({ ...valid, ATTESTO_STATUS_LIST_SIZE: '65536' })).toThrow(/ATTESTO_STATUS_LIST_SIZE/);
  });
});

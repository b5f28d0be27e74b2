/**
 * The signer a configuration names. Kept apart from the composition root so that functions that
 * never sign (verify, public documents) do not bundle a KMS client at all.
 */
import type { Config } from './config';
import type { KeyManager, Signer } from './core/ports';
import { KmsSigner } from './adapters/kms-signer';
import { LocalKeys } from './adapters/local-keys';

export function signerFor(config: Config): Signer & KeyManager {
  return config.signer.kind === 'local' ? new LocalKeys(config.signer.keyDir) : new KmsSigner();
}

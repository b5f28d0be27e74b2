/**
 * The signing a configuration names. Kept apart from the composition root so that functions that
 * never sign (verify, public documents) do not bundle a KMS client at all.
 *
 * - local: P-256 keys in files (the local home).
 * - kms with ATTESTO_SCHOOL_SIGNER_ROLE_ARN (AWS): every signature goes through a KMS session
 *   tagged with the school the request was authenticated for; IAM lets it use that school's key
 *   only (adapters/kms-school-signer.ts).
 * - kms without it: the caller's own AWS rights (the operator CLI).
 */
import { AWS_CLIENT_TIMEOUTS } from './adapters/aws-timeouts';
import { KMSClient } from '@aws-sdk/client-kms';
import type { Config } from './config';
import type { KeyManager, Signer } from './core/ports';
import { KmsSchoolSigner } from './adapters/kms-school-signer';
import { KmsSigner } from './adapters/kms-signer';
import { LocalKeys } from './adapters/local-keys';
import { NO_SIGNER } from './composition';

export interface Signing {
  /** Signs for any school; NO_SIGNER where signing is scoped per school. */
  signer: Signer;
  keys: KeyManager;
  signerFor?: (uai: string) => Signer;
}

export function signingFor(config: Config): Signing {
  if (config.signer.kind === 'local') {
    const keys = new LocalKeys(config.signer.keyDir);
    return { signer: keys, keys };
  }
  if (config.schoolSignerRoleArn) {
    const sessions = new KmsSchoolSigner({ roleArn: config.schoolSignerRoleArn, region: config.region });
    return { signer: NO_SIGNER, keys: sessions, signerFor: (uai) => sessions.forSchool(uai) };
  }
  // In the configured region (Paris by default), not wherever the SDK's profile points: a
  // school's key is created, and used, where the stack keeps school data.
  const keys = new KmsSigner(new KMSClient({ ...AWS_CLIENT_TIMEOUTS, maxAttempts: 1, region: config.region }));
  return { signer: keys, keys };
}

/**
 * The environment the Lambda handlers get in the local home: the same variables as on AWS,
 * pointed at dynalite and at local keys.
 */
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync } from 'node:fs';
import { paths, readJsonFile, writePrivateJson } from './data-dir';

export interface LocalEnvInput {
  dataDir: string;
  /** The embedded store, and the access key id it accepts. */
  dynamo: { endpoint: string; accessKeyId: string };
  publicUrl: string;
}

/** The operator token of this data folder, created on first use. */
export function operatorToken(dataDir: string): string {
  const file = paths(dataDir).operator;
  const existing = readJsonFile<{ token: string }>(file);
  if (existing?.token) {
    // Whoever copied or restored the folder may have left it readable by others.
    chmodSync(file, 0o600);
    return existing.token;
  }
  const token = `atop_${randomBytes(32).toString('base64url')}`;
  writePrivateJson(file, { token });
  return token;
}

export function localEnv(i: LocalEnvInput): Record<string, string> {
  return {
    ATTESTO_PUBLIC_URL: i.publicUrl,
    ATTESTO_SIGNER: 'local',
    ATTESTO_KEY_DIR: paths(i.dataDir).keys,
    ATTESTO_DYNAMODB_ENDPOINT: i.dynamo.endpoint,
    ATTESTO_DYNAMODB_ACCESS_KEY_ID: i.dynamo.accessKeyId,
    ATTESTO_TABLE: 'attesto',
    AWS_REGION: 'eu-west-3',
    POWERTOOLS_SERVICE_NAME: 'attesto-local',
    ATTESTO_OPERATOR_TOKEN_SHA256: createHash('sha256').update(operatorToken(i.dataDir)).digest('hex'),
    // The SDK insists on credentials for the local KMS stand-in's clients too; the store gets its own, above.
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
  };
}

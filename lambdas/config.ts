/**
 * Configuration, read from the environment once at cold start and validated as a whole:
 * a bad deployment fails on its first request with a message naming every wrong variable,
 * rather than half-working.
 */
import { MAX_LIST_LENGTH, MIN_LIST_LENGTH } from './core/status/bitstring';
import { isRoleArn } from './adapters/kms-key-policy';

export interface Config {
  publicUrl: string;
  tableName: string;
  region: string;
  dynamoEndpoint?: string;
  /** With `dynamoEndpoint`: the access key id to send (the local home's store accepts only its own run's). */
  dynamoAccessKeyId?: string;
  signer: { kind: 'kms' } | { kind: 'local'; keyDir: string };
  listSize: number;
  maxBodyBytes: number;
  maxClockSkewSeconds: number;
  schoolCacheSeconds: number;
  /** SHA-256 (hex) of the operator token accepted on operator routes; none: operator routes refuse all. */
  operatorTokenSha256?: string;
  /** How schools authenticate: their API token, or the gateway's OAuth2 authorizer (client id in the request context). */
  schoolAuth: 'token' | 'authorizer';
  /** How operators authenticate: the operator token, or AWS IAM (SigV4) checked by the gateway. */
  operatorAuth: 'token' | 'iam';
  /** Role assumed, with the school as session tag, to sign with that school's KMS key only. */
  schoolSignerRoleArn?: string;
  /** Where registration creates each school's OAuth2 client (schoolAuth=authorizer). */
  schoolClients?: { userPoolId: string; scopes: string[]; tokenUrl?: string };
  logLevel: string;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** The documented variables, for the README table and error messages. */
export const ENV_DOCS: Record<string, string> = {
  ATTESTO_PUBLIC_URL: 'Base URL clients reach the service at (https on AWS). DIDs, status list and schema URLs derive from it. Required.',
  ATTESTO_TABLE: 'DynamoDB table name. Default "attesto".',
  ATTESTO_SIGNER: '"kms" (AWS KMS, one key per school) or "local" (P-256 keys in files). Required.',
  ATTESTO_KEY_DIR: 'Folder of local keys (ATTESTO_SIGNER=local). Required then.',
  ATTESTO_DYNAMODB_ENDPOINT: 'DynamoDB endpoint override (the local home points it at dynalite).',
  AWS_REGION: 'AWS region. Default "eu-west-3" (Paris).',
  ATTESTO_STATUS_LIST_SIZE: `Entries per status list; a multiple of 8, at least ${MIN_LIST_LENGTH}. Default ${MIN_LIST_LENGTH}.`,
  ATTESTO_MAX_BODY_BYTES: 'Largest accepted request body, bytes. Default 65536.',
  ATTESTO_CLOCK_SKEW_SECONDS: 'Clock difference tolerated when checking validity, 0 to 300 s. Default 60.',
  ATTESTO_SCHOOL_CACHE_SECONDS: 'How long the verifier caches a school record, 0 to 3600 s. Default 60.',
  ATTESTO_OPERATOR_TOKEN_SHA256: 'SHA-256 (hex) of the operator token for POST /schools. Unset: operator routes refuse every caller.',
  ATTESTO_SCHOOL_AUTH: '"token" (school API tokens, default) or "authorizer" (OAuth2 client credentials checked by the API Gateway authorizer; set by the AWS stack).',
  ATTESTO_OPERATOR_AUTH: '"token" (the operator token, default) or "iam" (AWS IAM, SigV4, checked by API Gateway; set by the AWS stack).',
  ATTESTO_SCHOOL_SIGNER_ROLE_ARN: 'Role assumed with the school as session tag to sign with that school\'s key only (ATTESTO_SIGNER=kms on AWS).',
  ATTESTO_USER_POOL_ID: 'Cognito user pool where registration creates each school\'s OAuth2 client.',
  ATTESTO_SCHOOL_SCOPES: 'Space-separated OAuth2 scopes given to every school client.',
  ATTESTO_TOKEN_URL: 'OAuth2 token endpoint the schools use, returned at registration.',
  POWERTOOLS_LOG_LEVEL: 'Log level (DEBUG, INFO, WARN, ERROR, SILENT). Default INFO.',
};

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env): Config {
  const problems: string[] = [];
  const str = (name: string, fallback?: string): string | undefined => {
    const v = env[name]?.trim();
    return v ? v : fallback;
  };
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = str(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${name} must be an integer from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return n;
  };

  const publicUrl = str('ATTESTO_PUBLIC_URL');
  // As written in DIDs and every URL derived: the origin, without a default port or a trailing slash.
  let publicOrigin: string | undefined;
  if (!publicUrl) problems.push(`ATTESTO_PUBLIC_URL is required: ${ENV_DOCS.ATTESTO_PUBLIC_URL}`);
  else {
    try {
      const u = new URL(publicUrl);
      if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new Error();
      publicOrigin = u.origin;
      if (u.username || u.password) problems.push('ATTESTO_PUBLIC_URL must not carry a user or password');
      if (u.search || u.hash) problems.push('ATTESTO_PUBLIC_URL must not have a query or fragment');
      // The .well-known documents (OpenID4VCI, OAuth, JWT VC issuer metadata) are looked for at the
      // host's root, whatever path the issuer has: under a path, wallets would not find them.
      else if (u.pathname !== '/') problems.push(`ATTESTO_PUBLIC_URL must be an origin, without a path ("${u.origin}"): wallets look for its .well-known documents at the host's root`);
    } catch {
      problems.push(`ATTESTO_PUBLIC_URL is not a URL: "${publicUrl}"`);
    }
  }

  const signerKind = str('ATTESTO_SIGNER');
  let signer: Config['signer'] = { kind: 'kms' };
  if (signerKind === 'local') {
    const keyDir = str('ATTESTO_KEY_DIR');
    if (!keyDir) problems.push('ATTESTO_KEY_DIR is required when ATTESTO_SIGNER=local');
    // The local signer ships in the signing functions' bundles: a changed variable must not move a
    // deployed function's school keys out of KMS into files in its own storage.
    if (str('AWS_LAMBDA_FUNCTION_NAME')) problems.push('ATTESTO_SIGNER=local is for a laptop (keys in files), not for a Lambda function: use "kms"');
    signer = { kind: 'local', keyDir: keyDir ?? '' };
  } else if (signerKind !== 'kms') {
    problems.push(`ATTESTO_SIGNER must be "kms" or "local" (got ${signerKind === undefined ? 'nothing' : `"${signerKind}"`})`);
  }

  const listSize = int('ATTESTO_STATUS_LIST_SIZE', MIN_LIST_LENGTH, MIN_LIST_LENGTH, MAX_LIST_LENGTH);
  if (listSize % 8 !== 0) problems.push('ATTESTO_STATUS_LIST_SIZE must be a multiple of 8');

  const operatorTokenSha256 = str('ATTESTO_OPERATOR_TOKEN_SHA256');
  if (operatorTokenSha256 && !/^[0-9a-f]{64}$/.test(operatorTokenSha256)) problems.push('ATTESTO_OPERATOR_TOKEN_SHA256 must be 64 lowercase hex characters');

  const schoolAuth = str('ATTESTO_SCHOOL_AUTH', 'token');
  if (schoolAuth !== 'token' && schoolAuth !== 'authorizer') problems.push(`ATTESTO_SCHOOL_AUTH must be "token" or "authorizer" (got "${schoolAuth}")`);
  const operatorAuth = str('ATTESTO_OPERATOR_AUTH', 'token');
  if (operatorAuth !== 'token' && operatorAuth !== 'iam') problems.push(`ATTESTO_OPERATOR_AUTH must be "token" or "iam" (got "${operatorAuth}")`);
  const roleArn = str('ATTESTO_SCHOOL_SIGNER_ROLE_ARN');
  if (roleArn && !isRoleArn(roleArn)) problems.push('ATTESTO_SCHOOL_SIGNER_ROLE_ARN is not an IAM role ARN');
  if (roleArn && signer.kind !== 'kms') problems.push('ATTESTO_SCHOOL_SIGNER_ROLE_ARN needs ATTESTO_SIGNER=kms');
  const userPoolId = str('ATTESTO_USER_POOL_ID');
  const scopes = (str('ATTESTO_SCHOOL_SCOPES') ?? '').split(/\s+/).filter(Boolean);
  if (userPoolId && scopes.length === 0) problems.push('ATTESTO_SCHOOL_SCOPES is required with ATTESTO_USER_POOL_ID');
  const tokenUrl = str('ATTESTO_TOKEN_URL');

  const config: Config = {
    publicUrl: publicOrigin ?? '',
    tableName: str('ATTESTO_TABLE', 'attesto')!,
    region: str('AWS_REGION', 'eu-west-3')!,
    ...(str('ATTESTO_DYNAMODB_ENDPOINT') ? { dynamoEndpoint: str('ATTESTO_DYNAMODB_ENDPOINT'), dynamoAccessKeyId: str('ATTESTO_DYNAMODB_ACCESS_KEY_ID', 'local') } : {}),
    signer,
    listSize,
    maxBodyBytes: int('ATTESTO_MAX_BODY_BYTES', 65_536, 1024, 6 * 1024 * 1024),
    maxClockSkewSeconds: int('ATTESTO_CLOCK_SKEW_SECONDS', 60, 0, 300),
    schoolCacheSeconds: int('ATTESTO_SCHOOL_CACHE_SECONDS', 60, 0, 3600),
    ...(operatorTokenSha256 ? { operatorTokenSha256 } : {}),
    schoolAuth: schoolAuth as Config['schoolAuth'],
    operatorAuth: operatorAuth as Config['operatorAuth'],
    ...(roleArn ? { schoolSignerRoleArn: roleArn } : {}),
    ...(userPoolId ? { schoolClients: { userPoolId, scopes, ...(tokenUrl ? { tokenUrl } : {}) } } : {}),
    logLevel: str('POWERTOOLS_LOG_LEVEL', 'INFO')!,
  };
  if (problems.length > 0) throw new ConfigError(`attesto configuration is invalid:\n  - ${problems.join('\n  - ')}`);
  return config;
}

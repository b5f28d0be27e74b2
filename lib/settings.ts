/**
 * The deployment's settings, read from CDK context (`cdk.json` or `-c name=value`) and checked
 * as a whole before any construct exists: a wrong value stops synth with a message naming every
 * problem, rather than deploying something half right. the README ("Deploy on AWS") explains each value.
 */

/**
 * AWS regions inside the European Union. London (eu-west-2) and Zurich (eu-central-2) are in
 * Europe but not in the EU, so they need the explicit override like any other region.
 */
export const EU_REGIONS = ['eu-west-3', 'eu-west-1', 'eu-central-1', 'eu-north-1', 'eu-south-1', 'eu-south-2'] as const;

export const DEFAULT_REGION = 'eu-west-3';

/**
 * CloudFront only accepts web ACLs and certificates from us-east-1, whatever the data region.
 * The edge stack there holds the web ACL alone: rules, no data, no logs.
 */
export const EDGE_REGION = 'us-east-1';

/** The context keys the app reads; the README ("Deploy on AWS") documents each one. */
export const CONTEXT = {
  issuerDomain: 'issuerDomain',
  certificateArn: 'certificateArn',
  region: 'region',
  allowNonEuRegion: 'allowNonEuRegion',
  account: 'account',
  authDomainPrefix: 'authDomainPrefix',
  alarmEmail: 'alarmEmail',
  issuerReservedConcurrency: 'issuerReservedConcurrency',
  schoolRoutesDirect: 'schoolRoutesDirect',
  originSecretVersion: 'originSecretVersion',
} as const;

export interface Settings {
  /** Host name the DIDs, status lists and API live under (did:web:<issuerDomain>:schools:<uai>). */
  issuerDomain: string;
  /** ACM certificate for issuerDomain, in us-east-1 (CloudFront's requirement). */
  certificateArn: string;
  /** Region holding every piece of data: table, keys, functions, logs. */
  region: string;
  /** Account to deploy to; undefined leaves the stacks account-agnostic (offline synth). */
  account: string | undefined;
  /** Prefix of the Cognito domain that serves the OAuth2 token endpoint. */
  authDomainPrefix: string;
  /** Address subscribed to the alarm topic, if any. */
  alarmEmail: string | undefined;
  /**
   * Concurrency reserved for the issuer function, if any: schools keep issuing when public traffic
   * (verification, wallets) takes the rest of the account's Lambda concurrency. It is also its cap.
   * The school authorizer, which every school request runs first, gets the same reservation.
   */
  issuerReservedConcurrency: number | undefined;
  /**
   * School routes also answer at the regional API address, without going through CloudFront: for
   * schools whose requests (personal data) must not be decrypted at an edge outside the data
   * region. They then skip WAF (the school authorizer and route throttling still apply).
   */
  schoolRoutesDirect: boolean;
  /**
   * A label of the origin secret's value CloudFront sends (lib/constructs/origin-guard.ts): a new
   * one makes the next deployment read the secret again. Change it when rotating. Default "1".
   */
  originSecretVersion: string;
}

export class SettingsError extends Error {
  override readonly name = 'SettingsError';
}

/** Reads one context value; CDK hands `-c` values over as strings, cdk.json ones as JSON. */
export type ContextReader = (key: string) => unknown;

const HOSTNAME = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const ACM_ARN = /^arn:aws:acm:([a-z0-9-]+):(\d{12}):certificate\/[0-9a-f-]{36}$/;
const REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
const ACCOUNT = /^\d{12}$/;
// Cognito domain prefixes: lowercase letters, digits and hyphens, not starting or ending with one.
const COGNITO_PREFIX = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** Largest issuerReservedConcurrency: twice it, plus Lambda's 100 unreserved, fits the default 1,000. */
export const MAX_RESERVED = 450;

/** `attesto.ac-lyon.fr` → `attesto-ac-lyon-fr`: unique per deployment, as Cognito requires per region. */
export function defaultAuthDomainPrefix(issuerDomain: string): string {
  // "aws", "amazon" and "cognito" are reserved in Cognito domain prefixes.
  const base = issuerDomain.replace(/aws|amazon|cognito/g, 'x').replace(/[^a-z0-9]+/g, '-');
  const prefix = `attesto-${base}`.slice(0, 63).replace(/-+$/, '');
  return prefix.startsWith('attesto-attesto') ? prefix.slice('attesto-'.length) : prefix;
}

/**
 * Validates the context. `env` supplies CDK_DEFAULT_ACCOUNT, which the CLI sets when credentials
 * are at hand; without it (offline synth) the stacks stay account-agnostic.
 */
export function readSettings(context: ContextReader, env: Record<string, string | undefined> = {}): Settings {
  const problems: string[] = [];
  const text = (key: string): string | undefined => {
    const v = context(key);
    if (v === undefined || v === null) return undefined;
    const s = String(v).trim();
    return s === '' ? undefined : s;
  };

  const issuerDomain = text(CONTEXT.issuerDomain)?.toLowerCase();
  if (!issuerDomain) problems.push(`${CONTEXT.issuerDomain} is required: the host name DIDs and status lists are published under (e.g. attesto.ac-lyon.fr)`);
  else if (!HOSTNAME.test(issuerDomain)) problems.push(`${CONTEXT.issuerDomain} must be a host name without scheme or path (got "${issuerDomain}")`);

  const certificateArn = text(CONTEXT.certificateArn);
  if (!certificateArn) problems.push(`${CONTEXT.certificateArn} is required: an ACM certificate for the issuer domain, in ${EDGE_REGION}`);
  else {
    const m = ACM_ARN.exec(certificateArn);
    if (!m) problems.push(`${CONTEXT.certificateArn} is not an ACM certificate ARN (got "${certificateArn}")`);
    else if (m[1] !== EDGE_REGION) problems.push(`${CONTEXT.certificateArn} must be in ${EDGE_REGION}, where CloudFront reads certificates (got ${m[1]})`);
  }

  const region = text(CONTEXT.region) ?? DEFAULT_REGION;
  const override = text(CONTEXT.allowNonEuRegion);
  if (override !== undefined && override !== 'true' && override !== 'false') {
    problems.push(`${CONTEXT.allowNonEuRegion} must be "true" or "false" (got "${override}")`);
  }
  if (!REGION.test(region)) problems.push(`${CONTEXT.region} is not an AWS region name (got "${region}")`);
  else if (!(EU_REGIONS as readonly string[]).includes(region) && override !== 'true') {
    problems.push(
      `${CONTEXT.region} ${region} is outside the European Union; school data stays in the EU ` +
        `(${EU_REGIONS.join(', ')}) unless you pass -c ${CONTEXT.allowNonEuRegion}=true after checking that your legal basis allows it`,
    );
  }

  const account = text(CONTEXT.account) ?? env.CDK_DEFAULT_ACCOUNT;
  if (account !== undefined && !ACCOUNT.test(account)) problems.push(`${CONTEXT.account} must be a 12-digit AWS account id (got "${account}")`);

  const authDomainPrefix = text(CONTEXT.authDomainPrefix) ?? (issuerDomain ? defaultAuthDomainPrefix(issuerDomain) : '');
  if (issuerDomain && (!COGNITO_PREFIX.test(authDomainPrefix) || /aws|amazon|cognito/.test(authDomainPrefix))) {
    problems.push(`${CONTEXT.authDomainPrefix} must be 1-63 lowercase letters, digits or hyphens, without "aws", "amazon" or "cognito" (got "${authDomainPrefix}")`);
  }

  const alarmEmail = text(CONTEXT.alarmEmail);
  if (alarmEmail !== undefined && !EMAIL.test(alarmEmail)) problems.push(`${CONTEXT.alarmEmail} is not an email address (got "${alarmEmail}")`);

  const reserved = text(CONTEXT.issuerReservedConcurrency);
  // Reserved twice (the issuer and the school authorizer in front of it), and Lambda keeps 100 of
  // an account's concurrency unreserved: at most 450 on the default quota of 1,000.
  if (reserved !== undefined && (!/^[0-9]+$/.test(reserved) || Number(reserved) < 1 || Number(reserved) > MAX_RESERVED)) {
    problems.push(`${CONTEXT.issuerReservedConcurrency} must be a whole number from 1 to ${MAX_RESERVED}: it is reserved for the issuer and for the school authorizer, and Lambda keeps 100 of the account's concurrency unreserved (got "${reserved}")`);
  }
  const issuerReservedConcurrency = reserved === undefined ? undefined : Number(reserved);

  const direct = text(CONTEXT.schoolRoutesDirect);
  if (direct !== undefined && direct !== 'true' && direct !== 'false') problems.push(`${CONTEXT.schoolRoutesDirect} must be "true" or "false" (got "${direct}")`);
  const schoolRoutesDirect = direct === 'true';

  const originSecretVersion = text(CONTEXT.originSecretVersion) ?? '1';
  if (!/^[A-Za-z0-9._-]{1,32}$/.test(originSecretVersion)) problems.push(`${CONTEXT.originSecretVersion} must be 1 to 32 characters of A-Z a-z 0-9 . _ - (got "${originSecretVersion}")`);

  if (problems.length > 0) throw new SettingsError(`attesto deployment settings are invalid:\n  - ${problems.join('\n  - ')}`);
  return { issuerDomain: issuerDomain!, certificateArn: certificateArn!, region, account, authDomainPrefix, alarmEmail, issuerReservedConcurrency, schoolRoutesDirect, originSecretVersion };
}

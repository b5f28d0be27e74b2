/**
 * The WAF rules in front of the issuer domain. Rate limits target the public routes, found in
 * the route table: anyone can call them, so anyone could flood them. Counting is per client IP
 * over five minutes; an IP over the limit gets 429 until its rate falls back under it.
 */
import type { CfnWebACL } from 'aws-cdk-lib/aws-wafv2';
import { ROUTES, type RouteDef } from '../lambdas/http/routes';

/** Requests per client IP per 5 minutes on every public route together. */
export const PUBLIC_RATE_LIMIT = 1000;
/** Requests per client IP per 5 minutes on public POST routes (verification): costlier to serve. */
export const PUBLIC_WRITE_RATE_LIMIT = 100;
/**
 * Requests per client IP per 5 minutes on any path, school routes and unknown paths included
 * (each school request runs the authorizer, even with a bogus token). A school's system issuing
 * one credential per call stays under it at 30 a second; a year group goes in batches of 100.
 */
export const ANY_ROUTE_RATE_LIMIT = 10_000;

export const RATE_LIMITED_BODY = 'RateLimited';

/**
 * How long a client over a limit should wait before trying again, in seconds: the limits count
 * over a sliding five minutes, and WAF re-evaluates them about every minute.
 */
export const RATE_LIMITED_RETRY_AFTER = 60;

/**
 * A 429, with Retry-After (RFC 6585 §4), and the body registered under RATE_LIMITED_BODY: a
 * problem (RFC 9457) whose members are also an OAuth error object's, so that a wallet at the
 * token, nonce and credential endpoints finds its `error` too (lib/edge-stack.ts).
 */
const RATE_LIMITED: CfnWebACL.RuleActionProperty = {
  block: { customResponse: { responseCode: 429, customResponseBodyKey: RATE_LIMITED_BODY, responseHeaders: [{ name: 'retry-after', value: String(RATE_LIMITED_RETRY_AFTER) }] } },
};

/** `/schools/{uai}/did.json` → `^/schools/[^/]+/did\.json$`: one path segment per parameter, as API Gateway matches. */
export function pathRegex(path: string): string {
  const escaped = path.split(/(\{[a-zA-Z]+\})/).map((part) => (/^\{[a-zA-Z]+\}$/.test(part) ? '[^/]+' : part.replace(/[.*+?^$()|[\]\\]/g, '\\$&')));
  return `^${escaped.join('')}$`;
}

/** WAF's limit on a regex match statement's pattern. */
export const MAX_REGEX_LENGTH = 512;

/**
 * Regexes matching the routes' paths, each at most MAX_REGEX_LENGTH long: alternatives are
 * anchored one by one (WAF regexes take no capturing groups) and packed in as few regexes as fit.
 */
export function routesRegexes(routes: readonly RouteDef[]): string[] {
  const regexes: string[] = [];
  for (const alternative of new Set(routes.map((r) => pathRegex(r.path)))) {
    const last = regexes.at(-1);
    if (last !== undefined && last.length + 1 + alternative.length <= MAX_REGEX_LENGTH) regexes[regexes.length - 1] = `${last}|${alternative}`;
    else regexes.push(alternative);
  }
  return regexes;
}

const visibility = (metricName: string): CfnWebACL.VisibilityConfigProperty => ({
  metricName,
  cloudWatchMetricsEnabled: true,
  // Sampled requests keep client IPs and headers (bearer tokens included) for three hours: off.
  sampledRequestsEnabled: false,
});

/**
 * The path as the gateway routes it, not as sent: `/credentials/verif%79` or `//credentials/verify`
 * reach the same route, and must meet the same limits.
 */
export const PATH_AS_ROUTED: CfnWebACL.TextTransformationProperty[] = [
  { priority: 0, type: 'URL_DECODE' },
  { priority: 1, type: 'NORMALIZE_PATH' },
];

function pathMatches(routes: readonly RouteDef[]): CfnWebACL.StatementProperty {
  const statements = routesRegexes(routes).map(
    (regexString): CfnWebACL.StatementProperty => ({ regexMatchStatement: { fieldToMatch: { uriPath: {} }, regexString, textTransformations: PATH_AS_ROUTED } }),
  );
  return statements.length === 1 ? statements[0]! : { orStatement: { statements } };
}

const rateLimited = (name: string, priority: number, limit: number, scopeDown: CfnWebACL.StatementProperty): CfnWebACL.RuleProperty => ({
  name,
  priority,
  statement: { rateBasedStatement: { limit, evaluationWindowSec: 300, aggregateKeyType: 'IP', scopeDownStatement: scopeDown } },
  action: RATE_LIMITED,
  visibilityConfig: visibility(name),
});

const managed = (name: string, priority: number, ruleActionOverrides?: CfnWebACL.RuleActionOverrideProperty[]): CfnWebACL.RuleProperty => ({
  name,
  priority,
  statement: { managedRuleGroupStatement: { vendorName: 'AWS', name, ...(ruleActionOverrides ? { ruleActionOverrides } : {}) } },
  overrideAction: { none: {} },
  visibilityConfig: visibility(name),
});

export function webAclRules(routes: readonly RouteDef[] = ROUTES): CfnWebACL.RuleProperty[] {
  const publicRoutes = routes.filter((r) => r.auth === 'public');
  const publicWrites = publicRoutes.filter((r) => r.method !== 'GET');
  const rules: CfnWebACL.RuleProperty[] = [managed('AWSManagedRulesAmazonIpReputationList', 0)];
  if (publicWrites.length > 0) {
    rules.push(
      rateLimited('PublicWriteRateLimit', 1, PUBLIC_WRITE_RATE_LIMIT, {
        andStatement: {
          statements: [
            { byteMatchStatement: { fieldToMatch: { method: {} }, positionalConstraint: 'EXACTLY', searchString: 'POST', textTransformations: [{ priority: 0, type: 'NONE' }] } },
            pathMatches(publicWrites),
          ],
        },
      }),
    );
  }
  rules.push(rateLimited('PublicRateLimit', 2, PUBLIC_RATE_LIMIT, pathMatches(publicRoutes)));
  rules.push(
    managed('AWSManagedRulesCommonRuleSet', 3, [
      // Credential requests (a transcript with its grades) exceed the common rule set's 8 KB body
      // limit; the functions enforce their own limit (ATTESTO_MAX_BODY_BYTES), so that rule counts only.
      { name: 'SizeRestrictions_BODY', actionToUse: { count: {} } },
      // Some HTTP clients send no User-Agent by default (.NET's HttpClient, which school systems
      // use): refusing them would lock schools out for a header that proves nothing.
      { name: 'NoUserAgent_HEADER', actionToUse: { count: {} } },
    ]),
    managed('AWSManagedRulesKnownBadInputsRuleSet', 4),
  );
  // No path is exempt from some limit: school routes, the operator's, and paths that match nothing.
  rules.push({
    name: 'AnyRouteRateLimit',
    priority: 5,
    statement: { rateBasedStatement: { limit: ANY_ROUTE_RATE_LIMIT, evaluationWindowSec: 300, aggregateKeyType: 'IP' } },
    action: RATE_LIMITED,
    visibilityConfig: visibility('AnyRouteRateLimit'),
  });
  return rules;
}

/**
 * Just enough of IAM's policy evaluation to ask a synthesized role "may it do this?": explicit
 * deny wins, then any allow, else denied. Supports the condition operators attesto's policies
 * use, and refuses (throws on) any other, so that a policy using one never passes by accident.
 *
 * Semantics, as documented by IAM (reference_policies_multi-value-conditions,
 * reference_policies_elements_condition_operators):
 * - a single-valued operator on a missing key is false, its negated form (StringNot…) true;
 * - …IfExists on a missing key is true;
 * - ForAllValues is true on a missing or empty key, ForAnyValue false;
 * - Null: 'true' when the key is missing, 'false' when present.
 */
import type { Statement } from './synth';

export type RequestContext = Record<string, string | readonly string[] | undefined>;

export interface Request {
  action: string;
  /** Which statements' Resource applies to the request. */
  resource: (statementResource: unknown) => boolean;
  context: RequestContext;
}

export type Decision = 'allowed' | 'explicitly denied' | 'not allowed';

const glob = (pattern: string) => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 's');

const BASE: Record<string, (value: string, policy: string[]) => boolean> = {
  StringEquals: (v, p) => p.includes(v),
  StringLike: (v, p) => p.some((x) => glob(x).test(v)),
  StringNotEquals: (v, p) => !p.includes(v),
  StringNotLike: (v, p) => !p.some((x) => glob(x).test(v)),
  // ARNs as IAM compares them here: whole, with wildcards (attesto's ARNs have no wildcard in their segments).
  ArnLike: (v, p) => p.some((x) => glob(x).test(v)),
  ArnNotLike: (v, p) => !p.some((x) => glob(x).test(v)),
};

function conditionHolds(operator: string, key: string, policyValue: unknown, context: RequestContext): boolean {
  const raw = context[key];
  const values = raw === undefined ? [] : typeof raw === 'string' ? [raw] : [...raw];
  // Policy variables (${aws:RequestTag/…}) take the request's value; one it lacks matches nothing.
  const policy = [policyValue]
    .flat()
    .map(String)
    .map((p) => p.replace(/\$\{([^}]+)\}/g, (_, k: string) => {
      const v = context[k];
      return typeof v === 'string' ? v : '\u0000no value\u0000';
    }));
  if (operator === 'Null') {
    if (policy.length !== 1 || !['true', 'false'].includes(policy[0]!)) throw new Error(`Null ${key}: ${policy.join(',')}`);
    return (values.length === 0) === (policy[0] === 'true');
  }
  const m = /^(?:(ForAllValues|ForAnyValue):)?(String(?:Not)?(?:Equals|Like)|Arn(?:Not)?Like)(IfExists)?$/.exec(operator);
  if (!m) throw new Error(`condition operator ${operator} is not supported by this evaluator`);
  const [, set, base, ifExists] = m;
  const test = BASE[base!]!;
  if (set === 'ForAllValues') return values.every((v) => test(v, policy));
  if (set === 'ForAnyValue') return values.some((v) => test(v, policy));
  if (values.length > 1) throw new Error(`${key} is multi-valued: ${operator} needs ForAllValues or ForAnyValue`);
  if (values.length === 0) return ifExists !== undefined || /^(String|Arn)Not/.test(base!);
  return test(values[0]!, policy);
}

const conditionsHold = (st: Statement, context: RequestContext) =>
  Object.entries(st.Condition ?? {}).every(([operator, keys]) => Object.entries(keys).every(([key, value]) => conditionHolds(operator, key, value, context)));

const actionMatches = (st: Statement, action: string) => {
  if (st.NotAction) return ![st.NotAction].flat().some((a) => glob(a).test(action));
  return [st.Action ?? []].flat().some((a) => glob(a).test(action));
};

const resourceMatches = (st: Statement, resource: Request['resource']) => {
  const resources = Array.isArray(st.Resource) ? st.Resource : [st.Resource];
  return resources.some((r) => r === '*' || resource(r));
};

export function evaluate(statements: Statement[], request: Request): Decision {
  const applicable = statements.filter((st) => actionMatches(st, request.action) && resourceMatches(st, request.resource) && conditionsHold(st, request.context));
  if (applicable.some((st) => st.Effect === 'Deny')) return 'explicitly denied';
  return applicable.some((st) => st.Effect === 'Allow') ? 'allowed' : 'not allowed';
}

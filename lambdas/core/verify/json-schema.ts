/**
 * A JSON Schema (draft-07) validator for exactly the keywords attesto's schemas use, with Ajv's
 * semantics and error objects (Ajv options: allErrors false, strict, unicode patterns and lengths,
 * ajv-formats "full" formats). A schema using any other keyword is refused when compiled, as Ajv's
 * strict mode refuses it, so a new keyword can never be silently ignored.
 *
 * Why: Ajv generates and compiles code for every schema at run time, and its compiler is about
 * 135 KB of every function bundle that validates (the verify function's cold start). The schemas
 * here are small and fixed; a few closures per keyword check them with the same results, which
 * test/perf/json-schema.test.ts compares with Ajv's on valid and mutated inputs.
 *
 * `compileSchema` returns a function shaped like Ajv's ValidateFunction: it returns whether the
 * value is valid and leaves the errors in `.errors` (instancePath, keyword, params, message).
 *
 * @example
 *   const validate = compileSchema(KINDS.DiplomaCredential.subject);
 *   if (!validate(value)) console.log(validate.errors);   // [{ instancePath: '/level/eqf', keyword: 'maximum', … }]
 */
import { fullFormats } from 'ajv-formats/dist/formats';

export interface SchemaError {
  instancePath: string;
  schemaPath: string;
  keyword: string;
  params: Record<string, unknown>;
  message: string;
}

export interface CompiledSchema {
  (value: unknown): boolean;
  errors: SchemaError[] | null;
}

type Schema = Record<string, unknown>;
/** Checks a value at a path; pushes errors and returns false on the first failure. */
type Check = (value: unknown, path: string, errors: SchemaError[]) => boolean;

const ANNOTATIONS = new Set(['$id', '$schema', '$comment', 'title', 'description', 'default', 'examples', 'readOnly', 'writeOnly', 'deprecated']);
const TYPES = new Set(['object', 'array', 'string', 'number', 'integer', 'boolean', 'null']);
const FORMATS = ['date', 'date-time', 'uri'] as const;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
/** JSON Pointer escaping of a property name (RFC 6901). */
const escape = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');
/** String length in code points, as Ajv counts it (a surrogate pair is one character). */
function ucs2length(s: string): number {
  let length = 0;
  for (let i = 0; i < s.length; i++) {
    length++;
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const next = s.charCodeAt(i + 1);
      if ((next & 0xfc00) === 0xdc00) i++;
    }
  }
  return length;
}

/** Ajv's data type checks (strictNumbers: NaN and infinities are not numbers). */
function typeOk(type: string, v: unknown): boolean {
  switch (type) {
    case 'object':
      return isObject(v);
    case 'array':
      return Array.isArray(v);
    case 'string':
      return typeof v === 'string';
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'integer':
      return typeof v === 'number' && Number.isFinite(v) && v % 1 === 0;
    case 'boolean':
      return typeof v === 'boolean';
    default:
      return v === null;
  }
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return Number.isNaN(a) && Number.isNaN(b);
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && deepEqual((a as Schema)[k], (b as Schema)[k]));
}

function formatCheck(name: string): (s: string) => boolean {
  if (!(FORMATS as readonly string[]).includes(name)) throw new Error(`unknown format "${name}"`);
  const f = (fullFormats as Record<string, unknown>)[name];
  if (f instanceof RegExp) return (s) => f.test(s);
  if (typeof f === 'function') return f as (s: string) => boolean;
  const validate = (f as { validate: RegExp | ((s: string) => boolean) }).validate;
  return validate instanceof RegExp ? (s) => validate.test(s) : validate;
}

/**
 * Compiles one schema. `composite` is Ajv's compositeRule (inside anyOf branches and contains),
 * where a type error does not end validation at once; elsewhere the first error does
 * (allErrors: false).
 */
function compile(schema: unknown, schemaPath: string, composite: boolean): Check {
  if (schema === true || (isObject(schema) && Object.keys(schema).length === 0)) return () => true;
  if (!isObject(schema)) throw new Error(`schema at ${schemaPath} is not an object`);
  for (const k of Object.keys(schema)) {
    if (!ANNOTATIONS.has(k) && !KEYWORDS.has(k)) throw new Error(`strict mode: unknown keyword "${k}" at ${schemaPath}`);
  }
  const s = schema;
  const fail = (errors: SchemaError[], path: string, keyword: string, params: Record<string, unknown>, message: string) => {
    errors.push({ instancePath: path, schemaPath: `${schemaPath}/${keyword}`, keyword, params, message });
    return false;
  };

  const types = s.type === undefined ? [] : Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
  for (const t of types) if (!TYPES.has(t)) throw new Error(`unknown type "${t}"`);
  const typeName = types.join(',');
  const typeError: Check = (_v, path, errors) => fail(errors, path, 'type', { type: typeName }, `must be ${typeName}`);

  // Keywords of no type, in Ajv's vocabulary order: const, then anyOf.
  const untyped: Check[] = [];
  if (s.const !== undefined) {
    const allowed = s.const;
    untyped.push((v, path, errors) => deepEqual(v, allowed) || fail(errors, path, 'const', { allowedValue: allowed }, 'must be equal to constant'));
  }
  if (s.anyOf !== undefined) {
    const branches = (s.anyOf as unknown[]).map((b, i) => compile(b, `${schemaPath}/anyOf/${i}`, true));
    untyped.push((v, path, errors) => {
      const before = errors.length;
      for (const branch of branches) {
        if (branch(v, path, errors)) {
          errors.length = before;
          return true;
        }
      }
      return fail(errors, path, 'anyOf', {}, 'must match a schema in anyOf');
    });
  }

  // Keywords by the type they apply to, each group in Ajv's order.
  const number: Check[] = [];
  for (const [keyword, op, cmp] of [['maximum', '<=', (a: number, b: number) => a <= b], ['minimum', '>=', (a: number, b: number) => a >= b], ['exclusiveMaximum', '<', (a: number, b: number) => a < b], ['exclusiveMinimum', '>', (a: number, b: number) => a > b]] as const) {
    const limit = s[keyword];
    if (limit !== undefined) number.push((v, path, errors) => cmp(v as number, limit as number) || fail(errors, path, keyword, { comparison: op, limit }, `must be ${op} ${limit}`));
  }

  const string: Check[] = [];
  if (s.maxLength !== undefined) {
    const limit = s.maxLength as number;
    string.push((v, path, errors) => ucs2length(v as string) <= limit || fail(errors, path, 'maxLength', { limit }, `must NOT have more than ${limit} characters`));
  }
  if (s.minLength !== undefined) {
    const limit = s.minLength as number;
    string.push((v, path, errors) => ucs2length(v as string) >= limit || fail(errors, path, 'minLength', { limit }, `must NOT have fewer than ${limit} characters`));
  }
  if (s.pattern !== undefined) {
    const pattern = s.pattern as string;
    const re = new RegExp(pattern, 'u');
    string.push((v, path, errors) => re.test(v as string) || fail(errors, path, 'pattern', { pattern }, `must match pattern "${pattern}"`));
  }
  if (s.format !== undefined) {
    const format = s.format as string;
    const ok = formatCheck(format);
    string.push((v, path, errors) => ok(v as string) || fail(errors, path, 'format', { format }, `must match format "${format}"`));
  }

  const array: Check[] = [];
  if (s.maxItems !== undefined) {
    const limit = s.maxItems as number;
    array.push((v, path, errors) => (v as unknown[]).length <= limit || fail(errors, path, 'maxItems', { limit }, `must NOT have more than ${limit} items`));
  }
  if (s.minItems !== undefined) {
    const limit = s.minItems as number;
    array.push((v, path, errors) => (v as unknown[]).length >= limit || fail(errors, path, 'minItems', { limit }, `must NOT have fewer than ${limit} items`));
  }
  if (s.items !== undefined) {
    if (Array.isArray(s.items)) throw new Error('tuple "items" is not supported');
    const item = compile(s.items, `${schemaPath}/items`, composite);
    array.push((v, path, errors) => (v as unknown[]).every((x, i) => item(x, `${path}/${i}`, errors)));
  }
  if (s.contains !== undefined) {
    const item = compile(s.contains, `${schemaPath}/contains`, true);
    array.push((v, path, errors) => {
      const before = errors.length;
      if ((v as unknown[]).some((x, i) => item(x, `${path}/${i}`, errors))) {
        errors.length = before;
        return true;
      }
      // Outside a composite rule only the contains error is reported, as Ajv does.
      if (!composite) errors.length = before;
      return fail(errors, path, 'contains', { minContains: 1 }, 'must contain at least 1 valid item(s)');
    });
  }

  const object: Check[] = [];
  if (s.required !== undefined) {
    const required = s.required as string[];
    object.push((v, path, errors) => {
      for (const p of required) {
        if ((v as Schema)[p] === undefined) return fail(errors, path, 'required', { missingProperty: p }, `must have required property '${p}'`);
      }
      return true;
    });
  }
  const properties = (s.properties ?? {}) as Record<string, unknown>;
  const names = Object.keys(properties);
  if (s.additionalProperties !== undefined && s.additionalProperties !== true) {
    if (s.additionalProperties !== false) throw new Error('only a boolean additionalProperties is supported');
    const known = new Set(names);
    object.push((v, path, errors) => {
      for (const k of Object.keys(v as Schema)) {
        if (!known.has(k)) return fail(errors, path, 'additionalProperties', { additionalProperty: k }, 'must NOT have additional properties');
      }
      return true;
    });
  }
  if (names.length) {
    const compiled = names.map((n) => [n, escape(n), compile(properties[n], `${schemaPath}/properties/${escape(n)}`, composite)] as const);
    object.push((v, path, errors) => {
      for (const [n, pointer, check] of compiled) {
        const value = (v as Schema)[n];
        if (value !== undefined && !check(value, `${path}/${pointer}`, errors)) return false;
      }
      return true;
    });
  }

  const groups = (
    [
      ['number', (v: unknown) => typeof v === 'number' && Number.isFinite(v), number],
      ['string', (v: unknown) => typeof v === 'string', string],
      ['array', Array.isArray, array],
      ['object', isObject, object],
    ] as const
  ).filter(([, , checks]) => checks.length > 0);
  // Ajv checks the type up front unless the one type has keywords of its own group; then the type
  // error comes where that group would have run.
  const upfront = types.length > 0 && !(types.length === 1 && groups.some(([t]) => t === types[0]));

  // Within a group, the first failing keyword ends the group (Ajv chains them); a type error
  // found up front still lets the keywords of no type run inside a composite rule.
  return (v, path, errors) => {
    const start = errors.length;
    if (upfront && !types.some((t) => typeOk(t, v)) && !typeError(v, path, errors) && !composite) return false;
    for (const c of untyped) if (!c(v, path, errors)) return false;
    if (errors.length !== start) return false;
    for (const [type, is, checks] of groups) {
      if (is(v)) {
        for (const c of checks) if (!c(v, path, errors)) return false;
      } else if (!upfront && types[0] === type) {
        return typeError(v, path, errors);
      }
    }
    return true;
  };
}

const KEYWORDS = new Set(['type', 'const', 'anyOf', 'maximum', 'minimum', 'exclusiveMaximum', 'exclusiveMinimum', 'maxLength', 'minLength', 'pattern', 'format', 'maxItems', 'minItems', 'items', 'contains', 'required', 'properties', 'additionalProperties']);

export function compileSchema(schema: object): CompiledSchema {
  const check = compile(schema, '#', false);
  const validate = ((value: unknown) => {
    const errors: SchemaError[] = [];
    const ok = check(value, '', errors);
    validate.errors = ok ? null : errors;
    return ok;
  }) as CompiledSchema;
  validate.errors = null;
  return validate;
}

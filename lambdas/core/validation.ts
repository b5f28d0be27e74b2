/**
 * JSON Schema validation (Ajv) for everything that crosses the boundary. Schemas are compiled
 * once per process. Ajv stops at the first error (allErrors: false): hostile input should not
 * make us enumerate every mistake.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { TSchema } from '@sinclair/typebox';
import { AttestoError, type FieldError } from './errors';

const ajv = new Ajv({ allErrors: false, strict: true, strictTypes: false, allowUnionTypes: true });
// ajv-formats ships CommonJS; under ESM interop the function can sit on `.default`.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (a: Ajv) => Ajv;
addFormats(ajv);

const compiled = new WeakMap<TSchema, ValidateFunction>();

function validatorFor(schema: TSchema): ValidateFunction {
  let v = compiled.get(schema);
  if (!v) {
    const { $id: _ignored, ...rest } = schema as TSchema & { $id?: string };
    v = ajv.compile(rest);
    compiled.set(schema, v);
  }
  return v;
}

export function toFieldErrors(errors: ErrorObject[] | null | undefined, prefix = ''): FieldError[] {
  return (errors ?? []).map((e) => ({
    pointer: `${prefix}${e.instancePath}` || '/',
    message:
      e.keyword === 'additionalProperties'
        ? `unknown property "${(e.params as { additionalProperty: string }).additionalProperty}"`
        : (e.message ?? 'is invalid'),
  }));
}

/** Field errors for `value` against `schema`, empty when it conforms. */
export function check(schema: TSchema, value: unknown, pointerPrefix = ''): FieldError[] {
  const v = validatorFor(schema);
  return v(value) ? [] : toFieldErrors(v.errors, pointerPrefix);
}

/** Validates or throws VALIDATION_FAILED with the field errors. */
export function assertValid<T>(schema: TSchema, value: unknown, what: string, pointerPrefix = ''): asserts value is T {
  const errors = check(schema, value, pointerPrefix);
  if (errors.length > 0) {
    throw new AttestoError('VALIDATION_FAILED', `${what} is not valid: ${errors[0]!.pointer} ${errors[0]!.message}`, { errors });
  }
}

/**
 * JSON Schema validation for everything that crosses the boundary, with validators Ajv compiled
 * ahead of time from core/schemas.ts (core/generated/validators.ts, `npm run generate:validators`):
 * the same checks as Ajv at run time, without a schema compiler in any bundle, and each bundle
 * carries only the validators it imports. They stop at the first error: hostile input should not
 * make us enumerate every mistake.
 */
import type { ErrorObject } from 'ajv';
import { AttestoError, type FieldError } from './errors';

/** A compiled validator (a named export of core/generated/validators.ts). */
export type Validator = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };

export function toFieldErrors(errors: ErrorObject[] | null | undefined, prefix = ''): FieldError[] {
  const list = errors ?? [];
  const out: FieldError[] = [];
  for (let i = 0; i < list.length; i++) {
    const e = list[i]!;
    const pointer = `${prefix}${e.instancePath}` || '/';
    // A choice of literal values (anyOf of consts) fails as one "must be equal to constant" per
    // choice, then "must match a schema in anyOf": said once, naming the choices.
    let j = i;
    while (list[j]?.keyword === 'const' && list[j]!.instancePath === e.instancePath) j++;
    if (j - i > 1 && list[j]?.keyword === 'anyOf' && list[j]!.instancePath === e.instancePath) {
      const allowed = list.slice(i, j).map((c) => JSON.stringify((c.params as { allowedValue: unknown }).allowedValue));
      out.push({ pointer, message: `must be one of ${allowed.join(', ')}` });
      i = j;
      continue;
    }
    out.push({
      pointer,
      message: e.keyword === 'additionalProperties' ? `unknown property "${(e.params as { additionalProperty: string }).additionalProperty}"` : (e.message ?? 'is invalid'),
    });
  }
  return out;
}

/** Field errors for `value`, empty when it conforms. */
export function check(validate: Validator, value: unknown, pointerPrefix = ''): FieldError[] {
  return validate(value) ? [] : toFieldErrors(validate.errors, pointerPrefix);
}

/** Validates or throws VALIDATION_FAILED with the field errors. */
export function assertValid<T>(validate: Validator, value: unknown, what: string, pointerPrefix = ''): asserts value is T {
  const errors = check(validate, value, pointerPrefix);
  if (errors.length > 0) {
    throw new AttestoError('VALIDATION_FAILED', `${what} is not valid: ${errors[0]!.pointer} ${errors[0]!.message}`, { errors });
  }
}

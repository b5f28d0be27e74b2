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
  return (errors ?? []).map((e) => ({
    pointer: `${prefix}${e.instancePath}` || '/',
    message:
      e.keyword === 'additionalProperties'
        ? `unknown property "${(e.params as { additionalProperty: string }).additionalProperty}"`
        : (e.message ?? 'is invalid'),
  }));
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

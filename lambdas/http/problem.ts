/**
 * RFC 9457 problem details. Every error response attesto sends has this shape, with a stable
 * `code` beside the standard members.
 */
import type { Context } from 'hono';
import { AttestoError, type ErrorCode, type FieldError } from '../core/errors';

export const PROBLEM_TYPE_BASE = 'urn:attesto:problem:';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: ErrorCode;
  errors?: FieldError[];
}

const titleOf = (code: string) => code.charAt(0) + code.slice(1).toLowerCase().replace(/_/g, ' ');

export function problemOf(err: AttestoError): Problem {
  return {
    type: `${PROBLEM_TYPE_BASE}${err.code.toLowerCase().replace(/_/g, '-')}`,
    title: titleOf(err.code),
    status: err.status,
    detail: err.message,
    code: err.code,
    ...(err.errors ? { errors: err.errors.slice(0, 20) } : {}),
  };
}

/** The headers every problem response carries (and those its status calls for). */
export function problemHeaders(err: AttestoError): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': 'application/problem+json', 'cache-control': 'no-store' };
  // Every 503 says when to come back (RFC 9110 §10.2.3), including one raised without a delay of its own.
  if (err.retryAfter !== undefined) headers['retry-after'] = String(err.retryAfter);
  else if (err.status === 503) headers['retry-after'] = '1';
  if (err.status === 401) headers['www-authenticate'] = 'Bearer realm="attesto"';
  return headers;
}

export function problemResponse(c: Context, err: AttestoError): Response {
  return c.body(JSON.stringify(problemOf(err)), err.status as 400, problemHeaders(err));
}

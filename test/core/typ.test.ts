/**
 * The JOSE `typ` header as RFC 7515 §4.1.9 reads it: a media type, "application/" implied when it
 * has no "/", compared without regard to case.
 */
import { describe, expect, it } from 'vitest';
import { typIs } from '../../lambdas/core/verify/typ';

describe('typ', () => {
  it('is the same type written short or in full, in any case', () => {
    for (const typ of ['kb+jwt', 'application/kb+jwt', 'KB+JWT', 'Application/Kb+Jwt']) expect(typIs(typ, 'kb+jwt'), typ).toBe(true);
    expect(typIs('statuslist+jwt', 'application/statuslist+jwt')).toBe(true);
    expect(typIs('JWT', 'JWT', 'vp+jwt')).toBe(true);
  });
  it('is another type under another top-level type or name, and nothing when not a string', () => {
    for (const typ of ['text/kb+jwt', 'kb+jwt2', 'application/kb+jwt/x', '', ' kb+jwt', 'application/', undefined, null, 1, ['kb+jwt'], { toString: () => 'kb+jwt' }]) {
      expect(typIs(typ, 'kb+jwt'), String(typ)).toBe(false);
    }
  });
});

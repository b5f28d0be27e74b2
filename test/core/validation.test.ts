/** Field errors as a client reads them: a pointer and a message that says what would do. */
import { describe, expect, it } from 'vitest';
import * as validate from '../../lambdas/core/generated/validators';
import { check } from '../../lambdas/core/validation';

describe('field errors', () => {
  it('names the choices of a field that must be one of a few values, once', () => {
    expect(check(validate.RotateKeyRequest, { mode: 'soon' })).toEqual([{ pointer: '/mode', message: 'must be one of "scheduled", "immediate", "compromised"' }]);
    const revoked = check(validate.UpdateStatusRequest, { credentialId: 'urn:attesto:0751234J:1:7', credentialStatus: [{ type: 'BitstringStatusListEntry', statusPurpose: 'revoked', status: true }] });
    expect(revoked[0]).toEqual({ pointer: '/credentialStatus/0/statusPurpose', message: 'must be one of "revocation", "suspension"' });
  });

  it('names an unknown property, and keeps other messages as they are', () => {
    expect(check(validate.RotateKeyRequest, { mode: 'scheduled', when: 'now' })).toEqual([{ pointer: '/', message: 'unknown property "when"' }]);
    expect(check(validate.RotateKeyRequest, {})).toEqual([{ pointer: '/', message: "must have required property 'mode'" }]);
    expect(check(validate.WithdrawOfferRequest, { offerId: 'short' })).toEqual([{ pointer: '/offerId', message: 'must match pattern "^[A-Za-z0-9_-]{16}$"' }]);
  });
});

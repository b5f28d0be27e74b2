/** Offers' sealed data (AES-256-GCM under a key only the offer link holds): opened whole or not at all. */
import { describe, expect, it } from 'vitest';
import { seal, unseal } from '../../lambdas/core/oid4vci/sealing';

const SECRET = 'offer-secret-0S6_WzA2MjAxMjM0NTY3ODkw';

describe('sealed offer data', () => {
  it('opens with its secret and purpose, and with nothing else', () => {
    const sealed = seal(SECRET, 'offer', { student: 'Zéphyrine' });
    expect(unseal(SECRET, 'offer', sealed)).toEqual({ student: 'Zéphyrine' });
    expect(() => unseal(`${SECRET}x`, 'offer', sealed)).toThrow();
    expect(() => unseal(SECRET, 'token', sealed)).toThrow();
  });

  it('refuses a shortened authentication tag, though its bytes are the right tag\'s first ones (GCM would check only those)', () => {
    const [v, iv, ct, tag] = seal(SECRET, 'offer', { student: 'Zéphyrine' }).split('.');
    for (const bytes of [4, 8, 12, 15]) {
      const short = Buffer.from(tag!, 'base64url').subarray(0, bytes).toString('base64url');
      expect(() => unseal(SECRET, 'offer', [v, iv, ct, short].join('.')), `${bytes} bytes`).toThrow();
    }
  });
});

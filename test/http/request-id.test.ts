/**
 * An operator finds a user's failing request by the id the user quotes: the `apigw-requestid`
 * response header (the local home sets it as API Gateway does), which every log line written
 * while answering carries as `requestId`, even with many requests answered at once.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { localHome } from '../helpers/http';

let home: Awaited<ReturnType<typeof localHome>>;
beforeAll(async () => {
  home = await localHome();
});
afterAll(() => home.server.close());

describe('a request id', () => {
  it('is answered in apigw-requestid and carried by every line logged for that request, however many run at once', async () => {
    const lines: { message: string; attributes: Record<string, unknown> }[] = [];
    const capture = (message: unknown, attributes: unknown) => void lines.push({ message: String(message), attributes: (attributes ?? {}) as Record<string, unknown> });
    const spies = (['info', 'warn', 'error'] as const).map((level) => vi.spyOn(Logger.prototype, level).mockImplementation(capture as never));
    try {
      const token = home.server.demo.token;
      // Verifier, issuer (a refusal), wallet and documents functions, at once.
      const replies = await Promise.all([
        ...Array.from({ length: 6 }, () => home.post('/credentials/verify', { verifiableCredential: 'not.a.credential' })),
        ...Array.from({ length: 6 }, () => home.post('/credentials/issue', { credential: {} }, { token })),
        ...Array.from({ length: 4 }, () => home.post('/nonce', {})),
        ...Array.from({ length: 4 }, () => home.get(`/schools/${home.server.demo.uai}/did.json`)),
      ]);
      const ids = replies.map((r) => r.headers.get('apigw-requestid'));
      expect(new Set(ids).size).toBe(replies.length);
      for (const [i, id] of ids.entries()) {
        const own = lines.filter((l) => l.attributes.requestId === id);
        expect(own.map((l) => l.message), `reply ${i}`).toContain('request');
        expect(own.find((l) => l.message === 'request')!.attributes.status, `reply ${i}`).toBe(replies[i]!.status);
      }
      // And no line of a request goes without it.
      expect(lines.filter((l) => l.message === 'request').every((l) => typeof l.attributes.requestId === 'string')).toBe(true);
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });
});

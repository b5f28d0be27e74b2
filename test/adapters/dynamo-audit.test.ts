import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../lambdas/core/records';
import { startStore } from '../helpers/store';

let env: Awaited<ReturnType<typeof startStore>>;
beforeAll(async () => {
  env = await startStore();
});
afterAll(() => env.close());

const day = { from: '2026-11-22T00:00:00Z', to: '2026-11-22T23:59:59Z', limit: 100 };
const offer = (id: string): AuditEvent => ({ uai: '0750001U', at: '2026-11-22T10:00:00Z', action: 'offer.created', actor: 'school:0750001U', detail: { offer: id, kind: 'DiplomaCredential', pin: true } });

describe('the audit trail in DynamoDB', () => {
  it('keeps two different events of the same school, action and second', async () => {
    await env.store.appendAudit(offer('aaaa'));
    await env.store.appendAudit(offer('bbbb'));
    const { events } = await env.store.listAudit('0750001U', day);
    expect(events.map((e) => e.detail?.offer).sort()).toEqual(['aaaa', 'bbbb']);
  });

  it('stores an event written twice (a retried request) once', async () => {
    const event: AuditEvent = { uai: '0130001U', at: '2026-11-22T11:00:00Z', action: 'status-list.created', actor: 'attesto', detail: { list: 2 } };
    await env.store.appendAudit(event);
    await env.store.appendAudit({ ...event, detail: { list: 2 } });
    await env.store.appendAudit({ ...event, detail: { list: 3 } });
    const { events } = await env.store.listAudit('0130001U', day);
    expect(events.map((e) => e.detail?.list).sort()).toEqual([2, 3]);
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../lambdas/core/records';
import { startStore } from '../helpers/store';
import { readAudit } from '../../lambdas/core/use-cases/read-audit';

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

  it('refuses a cursor whose day is not a date of the window asked (no 500, no walk through a century of days)', async () => {
    const week = { from: '2026-11-16T00:00:00Z', to: '2026-11-22T23:59:59Z', limit: 10 };
    const cursor = (c: unknown) => Buffer.from(JSON.stringify(c)).toString('base64url');
    for (const d of ['2026-00-10', '2026-02-30', '1900-01-01', '2026-11-15', '2026-11-23', '9999-12-31']) {
      await expect(env.store.listAudit('0750001U', { ...week, cursor: cursor({ day: d }) }), d).rejects.toMatchObject({ code: 'VALIDATION_FAILED', status: 400 });
    }
    // A day of the window is a cursor the store could have given.
    expect(await env.store.listAudit('0750001U', { ...week, cursor: cursor({ day: '2026-11-22' }) })).toMatchObject({ events: expect.any(Array) });
  });

  it('refuses a cursor that starts in another school\'s partition (a school reads only its own trail)', async () => {
    await env.store.appendAudit({ ...offer('cccc'), uai: '0130001U' });
    await env.store.appendAudit(offer('dddd'));
    const cursor = (pk: string) => Buffer.from(JSON.stringify({ day: '2026-11-22', start: { pk, sk: '2026-11-22T00:00:00Z' } })).toString('base64url');
    await expect(env.store.listAudit('0750001U', { ...day, cursor: cursor('AUDIT#0130001U#2026-11-22') })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', status: 400 });
    // The same cursor in its own partition is one the store could have given.
    const own = await env.store.listAudit('0750001U', { ...day, cursor: cursor('AUDIT#0750001U#2026-11-22') });
    expect(own.events.map((e) => e.detail?.offer)).toContain('dddd');
    expect(own.events.every((e) => e.uai === '0750001U')).toBe(true);
  });

  it('refuses a cursor positioned outside the window asked (kept while from or to changed): 400, not "unavailable, retry"', async () => {
    const cursor = (sk: string) => Buffer.from(JSON.stringify({ day: '2026-11-22', start: { pk: 'AUDIT#0750001U#2026-11-22', sk } })).toString('base64url');
    for (const sk of ['zzzz', '0000', '2026-11-21T23:59:59Z']) {
      await expect(env.store.listAudit('0750001U', { ...day, cursor: cursor(sk) }), sk).rejects.toMatchObject({ code: 'VALIDATION_FAILED', status: 400 });
    }
  });

  it('refuses dates it cannot read exactly, and a page size out of bounds, before reading anything', async () => {
    const deps = { store: env.store, clock: () => new Date('2026-11-22T10:00:00Z') } as unknown as Parameters<typeof readAudit>[0];
    const refused = [
      // A year past 9999 never moved the day loop forward: the request ran until the function's timeout.
      { from: '+275760-09-13', to: '+275760-09-13' },
      { from: '-000001-01-01', to: '2026-11-22' },
      { from: '2026-02-30', to: '2026-03-01' },
      { from: '2026-11-20', to: '2026-11-31' },
      { from: '2026-11-20T25:00:00Z', to: '2026-11-21' },
      { from: '20 Nov 2026', to: '2026-11-21' },
      { from: '1999-12-30', to: '2000-01-02' },
      { limit: 0 },
      { limit: 501 },
      { limit: Number.NaN },
      { limit: 2.5 },
    ];
    // Refused before the store is asked: one that would fail if it were.
    const untouched = { ...deps, store: { listAudit: () => Promise.reject(new Error('the store was read')) } } as unknown as typeof deps;
    for (const q of refused) await expect(readAudit(untouched, { uai: '0750001U', ...q }), JSON.stringify(q)).rejects.toMatchObject({ code: 'VALIDATION_FAILED', status: 400 });
    expect(await readAudit(deps, { uai: '0750001U', from: '2026-11-22T09:00:00+01:00', to: '2026-11-22', limit: 500 })).toMatchObject({ from: '2026-11-22T08:00:00Z', to: '2026-11-22T23:59:59Z' });
  });

  it('reads a date given alone as `to` as the whole of that day', async () => {
    await env.store.appendAudit({ uai: '0690001N', at: '2026-11-20T15:30:00Z', action: 'status-list.created', actor: 'attesto', detail: { list: 7 } });
    const deps = { store: env.store, clock: () => new Date('2026-11-22T10:00:00Z') } as unknown as Parameters<typeof readAudit>[0];
    expect((await readAudit(deps, { uai: '0690001N', from: '2026-11-20', to: '2026-11-20' })).events.map((e) => e.detail?.list)).toEqual([7]);
    expect((await readAudit(deps, { uai: '0690001N', from: '2026-11-20', to: '2026-11-20T15:00:00Z' })).events).toEqual([]);
  });
});

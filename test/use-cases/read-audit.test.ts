/** Reading a school's audit trail page by page: a cursor continues the window it was given for, and only that one. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../lambdas/core/records';
import { readAudit } from '../../lambdas/core/use-cases/read-audit';
import { coreDeps, uai } from '../helpers/core';
import { startStore } from '../helpers/store';

let env: Awaited<ReturnType<typeof startStore>>;
let deps: ReturnType<typeof coreDeps>;
const school = uai('0440101');
/** Three events a day from 2026-11-10 to 2026-11-19, at 08:00, 12:00 and 16:00. */
const trail: AuditEvent[] = [];

beforeAll(async () => {
  env = await startStore();
  deps = coreDeps(env.store);
  for (let day = 10; day <= 19; day++) {
    for (const hour of ['08', '12', '16']) {
      const event: AuditEvent = { uai: school, at: `2026-11-${day}T${hour}:00:00Z`, action: 'credential.issued', actor: 'school:test', credentialId: `urn:uuid:00000000-0000-4000-8000-0000000${day}${hour}0` };
      trail.push(event);
      await env.store.appendAudit(event);
    }
  }
});
afterAll(() => env.close());

const ats = (events: AuditEvent[]) => events.map((e) => e.at);
/** Every page from the first, following `next` as `follow` sends it. */
async function readAll(first: Parameters<typeof readAudit>[1], follow: (cursor: string) => Parameters<typeof readAudit>[1]) {
  const pages = [await readAudit(deps, first)];
  while (pages.at(-1)!.next) pages.push(await readAudit(deps, follow(pages.at(-1)!.next!)));
  return pages;
}

describe('paging through the audit trail', () => {
  it('reads every event of the window once, in order, whether the cursor is sent alone or with its window', async () => {
    const window = { uai: school, from: '2026-11-11', to: '2026-11-17' };
    const expected = ats(trail.filter((e) => e.at >= '2026-11-11' && e.at < '2026-11-18'));
    const alone = await readAll({ ...window, limit: 4 }, (cursor) => ({ uai: school, cursor, limit: 4 }));
    expect(ats(alone.flatMap((p) => p.events))).toEqual(expected);
    expect(alone.length).toBe(Math.ceil(expected.length / 4));
    const withWindow = await readAll({ ...window, limit: 4 }, (cursor) => ({ ...window, cursor, limit: 4 }));
    expect(ats(withWindow.flatMap((p) => p.events))).toEqual(expected);
    // Every page says the window it reads.
    for (const page of alone) expect(page).toMatchObject({ from: '2026-11-11T00:00:00Z', to: '2026-11-17T23:59:59Z' });
  });

  it('continues the window it was given for when the default window has moved with the clock meanwhile', async () => {
    deps.now.value = new Date('2026-11-19T20:00:00Z');
    const first = await readAudit(deps, { uai: school, limit: 5 });
    expect(first).toMatchObject({ from: '2026-11-12T20:00:00Z', to: '2026-11-19T20:00:00Z' });
    // Days later: the default window now starts after the position the cursor holds.
    deps.now.value = new Date('2026-11-26T09:00:00Z');
    const pages = [first];
    while (pages.at(-1)!.next) pages.push(await readAudit(deps, { uai: school, cursor: pages.at(-1)!.next!, limit: 5 }));
    expect(ats(pages.flatMap((p) => p.events))).toEqual(ats(trail.filter((e) => e.at >= '2026-11-12T20:00:00Z')));
  });

  it('refuses a cursor sent with another window (which would skip or repeat days): 400 naming the window it belongs to', async () => {
    const first = await readAudit(deps, { uai: school, from: '2026-11-10', to: '2026-11-19', limit: 2 });
    for (const other of [{ from: '2026-11-15', to: '2026-11-19' }, { from: '2026-11-10', to: '2026-11-18' }, { from: '2026-11-15' }, { to: '2026-11-18' }]) {
      await expect(readAudit(deps, { uai: school, ...other, cursor: first.next!, limit: 2 }), JSON.stringify(other)).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
        status: 400,
        message: 'this cursor continues the window from 2026-11-10T00:00:00Z to 2026-11-19T23:59:59Z: send it alone, or with that from and to',
      });
    }
    // One bound sent, the other the cursor's: the same window.
    expect(ats((await readAudit(deps, { uai: school, from: '2026-11-10', cursor: first.next!, limit: 2 })).events)).toEqual(ats(trail.slice(2, 4)));
  });

  it('refuses a cursor it did not give, and one whose window is not a window', async () => {
    const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const first = await readAudit(deps, { uai: school, from: '2026-11-10', to: '2026-11-19', limit: 2 });
    const own = JSON.parse(Buffer.from(first.next!, 'base64url').toString('utf8'));
    for (const cursor of ['x', b64(null), b64([]), b64({ ...own, extra: 1 }), b64({ ...own, from: '2026-11-10' }), b64({ ...own, to: 'tomorrow' }), b64({ ...own, at: 3 }), b64({ from: '2026-11-01T00:00:00Z', to: '2026-12-31T00:00:00Z', at: own.at })]) {
      await expect(readAudit(deps, { uai: school, cursor }), cursor).rejects.toMatchObject({ code: 'VALIDATION_FAILED', status: 400 });
    }
  });

  it('still reads on from a cursor given before cursors carried their window (sent with its window, as then)', async () => {
    const legacy = Buffer.from(JSON.stringify({ day: '2026-11-12' })).toString('base64url');
    const page = await readAudit(deps, { uai: school, from: '2026-11-10', to: '2026-11-12', cursor: legacy, limit: 10 });
    expect(ats(page.events)).toEqual(ats(trail.filter((e) => e.at.startsWith('2026-11-12'))));
  });
});

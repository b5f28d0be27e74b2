/**
 * The Store port in memory, for in-process benchmarks: it measures attesto's own work (building,
 * signing, verifying) without a database in the way. Same conditional semantics as DynamoStore
 * (every change is one check-and-set); not used by the service.
 */
import { AttestoError } from '../../lambdas/core/errors';
import type { AuditEvent, CredentialRecord, IdempotencyRecord, PublishedStatusList, SchoolRecord, StatusFlags, PublishedListKind, StatusSlot } from '../../lambdas/core/records';
import type { AuditPage, Store } from '../../lambdas/core/store';

const clone = <T>(v: T): T => structuredClone(v);

export class MemoryStore implements Store {
  readonly schools = new Map<string, SchoolRecord>();
  readonly credentials = new Map<string, CredentialRecord>();
  readonly flags = new Map<string, StatusFlags>();
  readonly seqs = new Map<string, number>();
  readonly published = new Map<string, PublishedStatusList>();
  readonly idempotency = new Map<string, IdempotencyRecord>();
  readonly audit: AuditEvent[] = [];

  async createSchool(school: SchoolRecord) {
    if (this.schools.has(school.uai)) throw new AttestoError('SCHOOL_EXISTS', `school ${school.uai} is already registered`);
    this.schools.set(school.uai, clone(school));
  }
  async getSchool(uai: string) {
    const s = this.schools.get(uai);
    return s && clone(s);
  }
  async advanceList(uai: string, from: number) {
    const s = this.schools.get(uai);
    if (!s) throw new AttestoError('UNKNOWN_SCHOOL', `school ${uai} is not registered`);
    if (s.currentList === from) s.currentList = from + 1;
    return s.currentList;
  }
  async setTokenHash(uai: string, tokenHash: string) {
    const s = this.schools.get(uai);
    if (s) s.tokenHash = tokenHash;
  }
  async setTimeZone(uai: string, timeZone: string) {
    const s = this.schools.get(uai);
    if (s) s.timeZone = timeZone;
  }
  async isSlotFree(uai: string, slot: StatusSlot) {
    return !this.credentials.has(`${uai}#${slot.list}#${slot.index}`);
  }
  async putCredential(record: CredentialRecord) {
    const k = `${record.uai}#${record.slot.list}#${record.slot.index}`;
    if (this.credentials.has(k)) return false;
    this.credentials.set(k, clone(record));
    return true;
  }
  async getCredential(uai: string, slot: StatusSlot) {
    const c = this.credentials.get(`${uai}#${slot.list}#${slot.index}`);
    return c && clone(c);
  }
  async getFlags(uai: string, slot: StatusSlot) {
    const f = this.flags.get(`${uai}#${slot.list}#${slot.index}`);
    return f && clone(f);
  }
  async putFlags(uai: string, list: number, next: StatusFlags, expected: StatusFlags | undefined) {
    const k = `${uai}#${list}#${next.index}`;
    const current = this.flags.get(k);
    const same = current === undefined ? expected === undefined : expected !== undefined && current.updatedAt === expected.updatedAt && current.suspended === expected.suspended && current.revokedAt === expected.revokedAt && current.changes === expected.changes;
    if (!same) return false;
    this.flags.set(k, clone(next));
    return true;
  }
  async listFlags(uai: string, list: number) {
    const prefix = `${uai}#${list}#`;
    return [...this.flags.entries()].filter(([k]) => k.startsWith(prefix)).map(([, v]) => clone(v));
  }
  async bumpStatusSeq(uai: string, list: number) {
    const k = `${uai}#${list}`;
    const next = (this.seqs.get(k) ?? 0) + 1;
    this.seqs.set(k, next);
    return next;
  }
  async getStatusSeq(uai: string, list: number) {
    return this.seqs.get(`${uai}#${list}`) ?? 0;
  }
  async getPublishedList(uai: string, list: number, purpose: PublishedListKind) {
    return this.published.get(`${uai}#${list}#${purpose}`);
  }
  async putPublishedList(p: PublishedStatusList) {
    const k = `${p.uai}#${p.list}#${p.purpose}`;
    const current = this.published.get(k);
    if (current && current.seq >= p.seq) return false;
    this.published.set(k, clone(p));
    return true;
  }
  async getIdempotency(uai: string, key: string, orKey?: string) {
    const r = this.idempotency.get(`${uai}#${key}`) ?? (orKey === undefined ? undefined : this.idempotency.get(`${uai}#${orKey}`));
    return r && clone(r);
  }
  async reserveIdempotency(record: IdempotencyRecord) {
    const k = `${record.uai}#${record.key}`;
    if (this.idempotency.has(k)) return false;
    this.idempotency.set(k, clone(record));
    return true;
  }
  async updateIdempotency(record: IdempotencyRecord, owner: string) {
    const k = `${record.uai}#${record.key}`;
    if (this.idempotency.get(k)?.owner !== owner) return false;
    this.idempotency.set(k, clone(record));
    return true;
  }
  async appendAudit(event: AuditEvent) {
    this.audit.push(clone(event));
  }
  async listAudit(uai: string, q: { from: string; to: string; limit: number }): Promise<AuditPage> {
    return { events: this.audit.filter((e) => e.uai === uai && e.at >= q.from && e.at <= q.to).slice(0, q.limit) };
  }
}

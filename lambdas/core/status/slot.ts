/**
 * A credential's id names the school and the status slot it owns:
 * `urn:attesto:<uai>:<list>:<index>`. A slot is given once, ever, so the id is unique, and
 * revocation finds the credential with one key lookup (no secondary index, no scan).
 * The index is random, so the id reveals nothing about issuance order (herd privacy).
 */
import type { PublishedListKind, StatusSlot } from '../records';

const ID_SHAPE = /^urn:attesto:([0-9]{7}[A-Z]):([1-9][0-9]{0,5}):(0|[1-9][0-9]{0,7})$/;

export function credentialIdFor(uai: string, slot: StatusSlot): string {
  return `urn:attesto:${uai}:${slot.list}:${slot.index}`;
}

export function parseCredentialId(id: string): { uai: string; slot: StatusSlot } | undefined {
  const m = ID_SHAPE.exec(id);
  if (!m) return undefined;
  return { uai: m[1]!, slot: { list: Number(m[2]), index: Number(m[3]) } };
}

export function statusListPath(uai: string, purpose: PublishedListKind, list: number): string {
  return `/schools/${uai}/status-lists/${purpose}/${list}`;
}

export function statusListUrl(publicUrl: string, uai: string, purpose: PublishedListKind, list: number): string {
  return `${publicUrl.replace(/\/$/, '')}${statusListPath(uai, purpose, list)}`;
}

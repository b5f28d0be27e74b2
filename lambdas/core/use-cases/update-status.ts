/**
 * Revoking, suspending and unsuspending (VC-API "Update Status"), scoped to the caller's school.
 * Revocation is final. The flag change is one conditional write (retried on a concurrent change),
 * then the list's sequence number moves on, and the list is re-published (so the change is
 * visible to every verifier that fetches the list) while the change is audited.
 */
import type { CoreDeps } from '../deps';
import { AttestoError } from '../errors';
import type { AuditAction, SchoolRecord, StatusFlags } from '../records';
import type { StatusChanges, UpdateStatusRequest, VcApiStatusChange } from '../requests';
import { isoSeconds } from '../credential/build';
import { publishStatusLists } from '../status/publish';
import { parseCredentialId, statusListUrl } from '../status/slot';

export interface StatusView {
  credentialId: string;
  revoked: boolean;
  suspended: boolean;
  revokedAt?: string;
}

const MAX_ATTEMPTS = 10;

export async function updateStatus(deps: CoreDeps, cmd: { school: SchoolRecord; actor: string; request: UpdateStatusRequest }): Promise<StatusView> {
  const { school } = cmd;
  const request = statusChanges(cmd.request);
  const parsed = parseCredentialId(request.credentialId);
  if (!parsed) throw new AttestoError('INVALID_CREDENTIAL_ID', 'credentialId is not an attesto credential id (urn:attesto:<uai>:<list>:<index>)');
  if (parsed.uai !== school.uai) throw new AttestoError('FORBIDDEN', 'this credential was issued by another school');
  // The VC-API's form may also name the entry's index and list: they must be this credential's,
  // or the client meant another credential than the one it named.
  if (!Array.isArray(cmd.request.credentialStatus)) {
    const entry = cmd.request.credentialStatus;
    const listUrl = statusListUrl(deps.publicUrl, school.uai, entry.statusPurpose, parsed.slot.list);
    // What each may be: the entry's own id, or (for the VC-API's `BitstringStatusList` type) the list's URL.
    const own = { id: [`${listUrl}#${parsed.slot.index}`, listUrl], statusListIndex: [String(parsed.slot.index)], statusListCredential: [listUrl] };
    for (const [field, allowed] of Object.entries(own)) {
      const value = entry[field as keyof typeof own];
      if (value !== undefined && !allowed.includes(value)) {
        throw new AttestoError('VALIDATION_FAILED', `credentialStatus.${field} is not ${request.credentialId}'s`, { errors: [{ pointer: `/credentialStatus/${field}`, message: 'names another credential' }] });
      }
    }
  }
  const purposes = request.credentialStatus.map((s) => s.statusPurpose);
  if (new Set(purposes).size !== purposes.length) throw new AttestoError('VALIDATION_FAILED', 'each statusPurpose may appear once');
  if (!(await deps.store.getCredential(school.uai, parsed.slot))) {
    throw new AttestoError('UNKNOWN_CREDENTIAL', `no credential ${request.credentialId} for school ${school.uai}`);
  }

  let flags: StatusFlags | undefined;
  // The flags this request replaced: their change's events may not have been written yet (its
  // request was stopped first), and the new flags no longer hold them.
  let replaced: StatusFlags | undefined;
  for (let attempt = 0; ; attempt++) {
    if (attempt === MAX_ATTEMPTS) throw new AttestoError('STORE_UNAVAILABLE', 'too many concurrent status changes; retry', { retryAfter: 1 });
    const current = await deps.store.getFlags(school.uai, parsed.slot);
    const at = isoSeconds(deps.clock());
    const next = apply(current, request, parsed.slot.index, at);
    if (next.actions.length === 0) {
      flags = current; // nothing changes: already in the asked state
      break;
    }
    flags = { ...next.flags, changes: (current?.changes ?? 0) + 1, lastChange: { at, actor: cmd.actor, actions: next.actions } };
    if (await deps.store.putFlags(school.uai, parsed.slot.list, flags, current)) {
      replaced = current;
      break;
    }
  }

  // The sequence number moves on at once, before anything else can fail: a publication (this
  // request's, its retry's, or any later change's on the list) then sees the list is behind.
  // Publish even when nothing changed: a retried request whose first attempt died between the
  // flag write and the publication is how that publication gets finished.
  await deps.store.bumpStatusSeq(school.uai, parsed.slot.list);
  // The audit events and the publication are each attempted whatever becomes of the other: a
  // failing audit write must not leave a revocation recorded but unpublished (verifiers would
  // still be told the credential is valid), nor a failing signer leave it unaudited.
  // The publication's failure first, when both fail: a signer that fails must be what is answered
  // (and alarmed on), not hidden behind the store's.
  const outcomes = await Promise.allSettled([publishStatusLists(deps, school, parsed.slot.list), audit(deps, school.uai, request.credentialId, [replaced, flags])]);
  for (const o of outcomes) if (o.status === 'rejected') throw o.reason;
  return view(request.credentialId, flags);
}

/**
 * The events of the change a request replaced and of the latest change, whether this request made
 * them or earlier ones that were stopped before writing them. Audit writes are idempotent: an
 * event already there is not doubled.
 */
async function audit(deps: CoreDeps, uai: string, credentialId: string, changes: (StatusFlags | undefined)[]): Promise<void> {
  for (const f of changes) {
    if (!f?.lastChange) continue;
    const { at, actor, actions } = f.lastChange;
    for (const action of actions) {
      await deps.store.appendAudit({ uai, at, action, actor, credentialId, ...(f.changes !== undefined ? { detail: { change: f.changes } } : {}) });
    }
  }
}

/** Either form of a status update as attesto's list of changes. (Here, not beside the schemas: TypeBox stays out of the functions.) */
function statusChanges(request: UpdateStatusRequest): StatusChanges {
  if (Array.isArray(request.credentialStatus)) return request as StatusChanges;
  const { credentialId, credentialStatus, status } = request as VcApiStatusChange;
  return { credentialId, credentialStatus: [{ type: 'BitstringStatusListEntry', statusPurpose: credentialStatus.statusPurpose, status }] };
}

function apply(current: StatusFlags | undefined, request: StatusChanges, index: number, at: string) {
  const revoked = current?.revokedAt !== undefined;
  let next: StatusFlags = current ? { ...current } : { index, suspended: false, updatedAt: at };
  const actions: AuditAction[] = [];
  for (const change of request.credentialStatus) {
    if (change.statusPurpose === 'revocation') {
      if (!change.status && revoked) throw new AttestoError('REVOCATION_IS_FINAL', 'a revoked credential cannot be reinstated');
      if (change.status && !revoked) {
        next = { ...next, revokedAt: at };
        actions.push('credential.revoked');
      }
    } else {
      if (change.status !== next.suspended) {
        // Asking for the suspension a revoked credential already has is not a change (the
        // resend of a request that revoked and suspended at once must get its lists published).
        if (revoked) throw new AttestoError('CREDENTIAL_REVOKED', 'the credential is revoked; its suspension can no longer change');
        next = { ...next, suspended: change.status };
        actions.push(change.status ? 'credential.suspended' : 'credential.unsuspended');
      }
    }
  }
  if (actions.length > 0) next.updatedAt = at;
  return { flags: next, actions };
}

function view(credentialId: string, flags: StatusFlags | undefined): StatusView {
  return {
    credentialId,
    revoked: flags?.revokedAt !== undefined,
    suspended: flags?.suspended ?? false,
    ...(flags?.revokedAt ? { revokedAt: flags.revokedAt } : {}),
  };
}

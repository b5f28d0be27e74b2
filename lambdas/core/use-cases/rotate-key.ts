/**
 * Rotating a school's signing key. Routinely, the new key is published in the school's DID
 * document at once and signs from five minutes later (`DID_DOCUMENT_MAX_AGE_SECONDS`), when every
 * cached copy of the document lists it; `immediate` switches at once instead. The previous keys
 * stay in the document: every credential already issued keeps verifying. After a compromise
 * (`compromised: true`) the new key signs at once, every previous key is dropped, so nothing they
 * signed verifies any more, and the school's status lists are re-published under the new key.
 * Either way it is audited.
 */
import type { OperatorDeps } from '../deps';
import type { KeyRotationStore, SchoolKeys, Store } from '../store';
import type { AuditEvent, SchoolRecord } from '../records';
import { AttestoError, isAttestoError } from '../errors';
import { isoSeconds } from '../credential/build';
import { invalidUai, isValidUai } from '../uai';
import { DID_DOCUMENT_MAX_AGE_SECONDS, signingKey } from '../signing-key';
import { republishHint, resignStatusLists } from './republish-status-lists';

export interface RotateKeyCommand {
  uai: string;
  actor: string;
  compromised: boolean;
  /** Routine rotation only: sign with the new key at once, before cached DID documents list it. */
  immediate?: boolean;
  /**
   * The key the operator means to replace: the one the school signs with (its kid). It makes the
   * request safe to send again: once that key is replaced, the same request answers the rotation
   * that replaced it (`replayed`) instead of rotating once more, and another request is refused.
   */
  replaces?: string;
}

export interface RotateKeyResult {
  uai: string;
  kid: string;
  retired: string;
  compromised: boolean;
  activeFrom: string;
  retiredKeyRefs: string[];
  keysInDidDocument: number;
  /** True when the rotation named by `replaces` had already been made: this is its answer again. */
  replayed: boolean;
  warnings?: string[];
}

const modeOf = (c: { compromised: boolean; immediate?: boolean }) => (c.compromised ? 'compromised' : c.immediate ? 'immediate' : 'scheduled');

/**
 * The answer of the rotation that replaced `replaces`, when it is this school's latest (from the
 * event saved with the school's keys); ROTATION_CONFLICT when that rotation was of another mode,
 * unless this one is after a compromise, which is never the same request as a routine rotation.
 */
function earlierRotation(school: SchoolRecord, cmd: RotateKeyCommand): Omit<RotateKeyResult, 'warnings'> | undefined {
  const last = (school.rotationEvents ?? []).filter((e) => e.action === 'key.rotated').at(-1);
  const d = last?.detail;
  if (!last || !d || d.previous !== cmd.replaces || (d.kid !== school.kid && d.kid !== school.nextKey?.kid)) return undefined;
  const done = modeOf({ compromised: d.compromised === true, immediate: d.compromised !== true && d.activeFrom === last.at });
  if (done !== modeOf(cmd)) {
    // A compromise found after a routine rotation is a new request: it replaces the key signing now.
    if (cmd.compromised) return undefined;
    throw new AttestoError('ROTATION_CONFLICT', `${cmd.replaces} was already replaced by ${String(d.kid)} at ${last.at}, in a ${done} rotation: read the school (its DID document) before rotating again`);
  }
  return {
    uai: school.uai,
    kid: String(d.kid),
    retired: String(d.previous),
    compromised: d.compromised === true,
    activeFrom: String(d.activeFrom),
    retiredKeyRefs: String(d.retiredKeyRefs ?? '').split(' ').filter(Boolean),
    keysInDidDocument: 1 + (school.nextKey ? 1 : 0) + (school.previousKeys?.length ?? 0),
    replayed: true,
  };
}

export async function rotateKey(deps: OperatorDeps & { store: Store & KeyRotationStore }, cmd: RotateKeyCommand): Promise<RotateKeyResult> {
  if (!isValidUai(cmd.uai)) throw invalidUai(cmd.uai);
  const school = await deps.store.getSchool(cmd.uai);
  if (!school) throw new AttestoError('UNKNOWN_SCHOOL', `school ${cmd.uai} is not registered`);
  // The saved events of earlier rotations are written now (one whose audit write failed is recorded
  // here); should the audit store still fail, they are kept, and the rotation goes on: a
  // compromise must never wait for the audit trail.
  let unrecorded = school.rotationEvents ?? [];
  try {
    for (const saved of unrecorded) await deps.store.appendAudit(saved);
    unrecorded = [];
  } catch {
    // Kept in the school record with this rotation's event, below.
  }
  const unrecordedWarning = (kid: string) => `the key.rotated audit event could not be written: ${republishHint(school.uai)}, which records it (rotating again to record it would make another key; ${kid} is the school's key now)`;
  if (cmd.replaces !== undefined) {
    // Checked before a key is made: a repeated request must not leave one more key behind.
    const earlier = earlierRotation(school, cmd);
    if (earlier) {
      // A compromised rotation may have stopped before signing the lists again (it answered 503): finish it.
      if (earlier.compromised) await resignStatusLists(deps, { ...school, nextKey: undefined });
      return { ...earlier, ...(unrecorded.length ? { warnings: [unrecordedWarning(earlier.kid)] } : {}) };
    }
    const signingNow = signingKey(school, deps.clock()).kid;
    if (signingNow !== cmd.replaces) {
      throw new AttestoError('ROTATION_CONFLICT', `${cmd.replaces} is not the key school ${school.uai} signs with (${signingNow}${school.nextKey ? `, then ${school.nextKey.kid} from ${school.nextKey.activeFrom}` : ''}): read the school (its DID document) before rotating again`);
    }
  }
  const { keyRef, publicJwk } = await deps.keys.createKey(school.uai);
  // Read once the key exists: creating it may take seconds (on AWS, until KMS authorizes its tag),
  // and a document fetched meanwhile, without the new key, is cached for the full max-age.
  const clock = deps.clock();
  const now = isoSeconds(clock);
  const known = [school.kid, ...(school.nextKey ? [school.nextKey.kid] : []), ...(school.previousKeys ?? []).map((k) => k.kid)];
  const kid = `${school.did}#key-${Math.max(...known.map((k) => Number(/#key-(\d+)$/.exec(k)?.[1] ?? 1))) + 1}`;

  // The key signing now is the one this rotation retires; a next key not yet active never
  // signed, and is retired with it (it stays listed: cached documents already show it).
  const signing = signingKey(school, clock);
  const current = signing.kid === school.kid ? { kid: school.kid, publicJwk: school.publicJwk } : { kid: school.nextKey!.kid, publicJwk: school.nextKey!.publicJwk };
  const retired = [current, ...[{ kid: school.kid, publicJwk: school.publicJwk }, ...(school.nextKey ? [school.nextKey] : [])].filter((k) => k.kid !== current.kid)];
  const previousKeys = cmd.compromised ? [] : [...retired.map((k) => ({ kid: k.kid, publicJwk: k.publicJwk, retiredAt: now })), ...(school.previousKeys ?? [])];
  // Nothing signs with these from activeFrom on (verification needs only the public keys, which
  // the DID document keeps): the operator disables them in KMS, as attesto's roles may not.
  const retiredKeyRefs = [...new Set([school.keyRef, ...(school.nextKey ? [school.nextKey.keyRef] : [])])];
  const atOnce = cmd.compromised || cmd.immediate === true;
  // Rounded up to the second: truncated, it could come before the last cached copy without the key expires.
  const activeFrom = atOnce ? now : isoSeconds(new Date(Math.ceil((clock.getTime() + DID_DOCUMENT_MAX_AGE_SECONDS * 1000) / 1000) * 1000));
  const event: AuditEvent = {
    uai: school.uai,
    at: now,
    action: 'key.rotated',
    actor: cmd.actor,
    detail: { kid, previous: current.kid, compromised: cmd.compromised, activeFrom, retiredKeyRefs: retiredKeyRefs.join(' '), ...(cmd.compromised ? { dropped: known.length } : {}) },
  };
  const rotationEvents = [...unrecorded, event].slice(-10);
  const next: SchoolKeys = atOnce
    ? { kid, keyRef, publicJwk, previousKeys, rotationEvents }
    : // Until activeFrom, the school keeps signing with the key signing now.
      { kid: current.kid, keyRef: signing.keyRef, publicJwk: current.publicJwk, previousKeys: previousKeys.filter((k) => k.kid !== current.kid), nextKey: { kid, keyRef, publicJwk, activeFrom }, rotationEvents };
  if (!(await deps.store.replaceKeys(school.uai, { kid: school.kid, ...(school.nextKey ? { nextKid: school.nextKey.kid } : {}) }, next))) {
    // Another rotation of this school landed first. Its key is the school's now: read the school
    // before rotating again. The key made for this attempt is used by nothing.
    // No Retry-After: retrying blindly would rotate once more.
    throw new AttestoError(
      'ROTATION_CONFLICT',
      `another key rotation of this school landed first: read the school (its DID document) before rotating again; the key created for this attempt (${keyRef}) is used by nothing: disable it or schedule its deletion`,
    );
  }
  const audited = deps.store
    .appendAudit(event)
    .then(
      () => undefined,
      (e: unknown) => e,
    );
  if (cmd.compromised) {
    // Lists signed by a dropped key no longer verify: sign every list again, now, even if the
    // audit write failed (the keys are replaced either way).
    try {
      await resignStatusLists(deps, { ...school, ...next, nextKey: undefined });
    } catch (e) {
      const auditFailure = await audited;
      if (auditFailure === undefined || !isAttestoError(e)) throw e;
      throw new AttestoError(e.code, `${e.message}; the key.rotated audit event could not be written either`, { cause: e, ...(e.retryAfter !== undefined ? { retryAfter: e.retryAfter } : {}) });
    }
  }
  // The rotation is done: a failed audit write is reported, not thrown, so that no client retries
  // it (another rotation would make yet another key).
  const auditFailure = await audited;
  const warnings = auditFailure === undefined ? [] : [`the key.rotated audit event could not be written (${auditFailure instanceof Error ? auditFailure.message : 'unknown error'}): ${republishHint(school.uai)}, which records it (rotating again to record it would make another key)`];
  return { uai: school.uai, kid, retired: current.kid, compromised: cmd.compromised, activeFrom, retiredKeyRefs, keysInDidDocument: 1 + previousKeys.length, replayed: false, ...(warnings.length ? { warnings } : {}) };
}

/**
 * Issuing a credential (VC-API "Issue Credential").
 *
 * The commit point is one conditional write that claims the status slot and records the
 * credential (no personal data): before it no credential exists (an idempotency reservation, or
 * a new status list's state, may already be stored), after it the credential exists.
 * A credential is signed before that write and returned only after it succeeds.
 *
 * With an Idempotency-Key, the key first reserves (id, slot, issuance time). A retry of the
 * same request rebuilds the identical credential from the request it carries again and
 * re-signs it: same id, same claims, same status entries, never a second credential, and
 * nothing personal kept to replay it. (ECDSA signatures are randomised, so the signature
 * bytes of a replay differ; the credential they secure does not.)
 */
import { DEFAULT_TIME_ZONE, timeZoneOf, UTC_Z } from '../time-zone';
import { isBlank, nfc, UNPRINTABLE } from '../text';
import { signerOf, type CoreDeps } from '../deps';
import { AttestoError } from '../errors';
import { canonicalDigest, sha256 } from '../hash';
import { KINDS, kindOf, type KindDefinition } from '../kinds';
import { idempotencyExpired, type CredentialFormat, type CredentialKind, type IdempotencyRecord, type SchoolRecord, type StatusSlot } from '../records';
import type { IssueRequest } from '../requests';
import { signingKey } from '../signing-key';
import { assertValid } from '../validation';
import { buildCredential, isoSeconds } from '../credential/build';
import { envelope, signVcJose, signVcJwt } from '../credential/jws';
import { buildSdJwtVc, confirmationKey, signSdJwtVc } from '../credential/sd-jwt-vc';
import { allocateSlot } from '../status/allocate';
import { credentialIdFor } from '../status/slot';
import { createHmac } from 'node:crypto';
import type { TranscriptInput } from '../kinds/transcript.schema';
import { DEFAULT_SCALE, outcomeOf } from '../kinds/transcript';

export interface IssueCommand {
  school: SchoolRecord;
  actor: string;
  request: IssueRequest;
  idempotencyKey?: string;
  /**
   * What makes a retry under the idempotency key the same request (by default, the whole
   * request). A wallet's credential request is the same whatever key it asks the credential to
   * be bound to: a wallet may make a new key for each attempt, and an attempt that failed must
   * not cost it the offer.
   */
  idempotentOn?: unknown;
  /**
   * The key the credential is bound to (a wallet key's thumbprint), when retries may prove another.
   * A request that completed replays only to that key: another one, racing the first with the
   * same token, must not get the credential bound to itself as well. A request that failed before
   * completing is finished for whichever key retries it.
   */
  holder?: string;
}

export interface IssueResult {
  credentialId: string;
  kind: string;
  format: CredentialFormat;
  /** The compact JWT (jwt_vc), the VC-API envelope (vc+jwt) or the SD-JWT with all its disclosures (dc+sd-jwt). */
  verifiableCredential: string | ReturnType<typeof envelope>;
  replayed: boolean;
}

/** A pending reservation older than this is taken to belong to a crashed request. */
const STALE_RESERVATION_MS = 30_000;
const MAX_COMMIT_ATTEMPTS = 4;

interface Prepared {
  kind: KindDefinition;
  format: CredentialFormat;
  requestHash: string;
  /** The request's hash as sent, before NFC: what a reservation of an earlier version holds (no salt). Worked out only for one. */
  sentHash: () => string;
}

export async function issueCredential(deps: CoreDeps, command: IssueCommand): Promise<IssueResult> {
  // Signed as NFC text (./text.ts), and idempotent on it: the same names typed either way are the same request.
  const cmd = { ...command, request: { ...command.request, credential: nfc(command.request.credential) } };
  const prepared = { ...prepare(cmd.request, cmd.school, cmd.idempotentOn), sentHash: () => canonicalDigest(command.idempotentOn ?? command.request) };
  if (!cmd.idempotencyKey) {
    assertIssuableAt(cmd.request.credential, prepared.kind.kind, deps.clock(), timeZoneOf(cmd.school));
    for (let attempt = 0; attempt < MAX_COMMIT_ATTEMPTS; attempt++) {
      const slot = await allocateSlot(deps, cmd.school);
      const issuedAt = isoSeconds(deps.clock());
      const done = await signAndCommit(deps, cmd, prepared, slot, issuedAt);
      if (done) return finish(deps, cmd, prepared, done, false, issuedAt);
    }
    throw new AttestoError('STATUS_LIST_EXHAUSTED', 'could not claim a status slot; retry', { retryAfter: 1 });
  }
  return issueIdempotent(deps, cmd, prepared, cmd.idempotencyKey);
}

function prepare(request: IssueRequest, school: SchoolRecord, idempotentOn: unknown = request): Omit<Prepared, 'sentHash'> {
  const kind = KINDS[validateCredentialRequest(request.credential, school)];
  const format = request.options?.format ?? 'jwt_vc';
  // Refused now, before a slot or an idempotency key is taken: the key an SD-JWT VC is bound to.
  if (format === 'dc+sd-jwt') confirmationKey((request.credential.credentialSubject as { id?: unknown }).id);
  return { kind, format, requestHash: canonicalDigest(idempotentOn) };
}

/**
 * What a credential request must be before anything is stored or signed: one known kind, a
 * subject valid for it, coherent dates, and no other issuer than the school. Shared by issuance
 * and wallet offers (an offer refused only when the student redeems it would strand the student).
 */
export function validateCredentialRequest(credential: IssueRequest['credential'], school: Pick<SchoolRecord, 'did'>): CredentialKind {
  // VC-API clients name the issuer in the credential: the school's own DID is what the credential
  // says anyway; another would be a client that means another school, which never gets one from this one.
  const issuer = typeof credential.issuer === 'string' ? credential.issuer : credential.issuer?.id;
  if (credential.issuer !== undefined && issuer !== school.did) throw invalidField('issuer', `is not this school's DID (${school.did})`);
  const kindName = kindOf(credential.type);
  if (!kindName) {
    throw new AttestoError('UNKNOWN_KIND', `credential.type must name exactly one of ${Object.keys(KINDS).join(', ')}`);
  }
  assertValid(KINDS[kindName].validateInput, credential.credentialSubject, `credentialSubject of a ${kindName}`, '/credential/credentialSubject');
  checkCharacters(credential.credentialSubject, 'credentialSubject');
  checkDates(credential, kindName);
  return kindName;
}

const toSeconds = (ms: number) => Math.floor(ms / 1000) * 1000;

/** VALIDATION_FAILED naming a field of the credential (`validUntil`, `credentialSubject/subjects/1/code`). */
const invalidField = (field: string, message: string) =>
  new AttestoError('VALIDATION_FAILED', `${field} ${message}`, { errors: [{ pointer: `/credential/${field}`, message }] });

/**
 * What no signed text may hold (../text.ts), nor text that shows nothing ("   " as a given name).
 * Refused at issuance only: credentials already issued still verify.
 */
function checkCharacters(value: unknown, field: string): void {
  if (typeof value === 'string') {
    if (UNPRINTABLE.test(value)) throw invalidField(field, 'must not contain control, bidirectional formatting or invisible characters, nor line breaks');
    if (isBlank(value)) throw invalidField(field, 'must not be blank');
  } else if (Array.isArray(value)) value.forEach((v, i) => checkCharacters(v, `${field}/${i}`));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) checkCharacters(v, `${field}/${k}`);
}

/** 3000-01-01T00:00:00Z, in ms: no date a credential carries may reach it. */
const LATEST_DATE = Date.UTC(3000, 0, 1);

/**
 * When the credential's validity ends (an enrolment's with its endDate, on the school's clock,
 * unless validUntil is given), and which field says so.
 */
export function validityEnd(credential: IssueRequest['credential'], kind: CredentialKind, timeZone: string): { at: number; field: string } | undefined {
  const until = credential.validUntil ?? KINDS[kind].defaultValidUntil(credential.credentialSubject, timeZone);
  // At the precision a credential carries its dates (seconds: JWT NumericDate).
  return until === undefined ? undefined : { at: toSeconds(Date.parse(until)), field: credential.validUntil ? 'validUntil' : 'credentialSubject/endDate' };
}

/**
 * A credential issued at `at` must not be over already, nor end before it starts: it could never
 * verify. Checked when a credential is first issued (or offered), not when a retry replays one
 * committed earlier, whose issuance time is its first attempt's.
 */
export function assertIssuableAt(credential: IssueRequest['credential'], kind: CredentialKind, at: Date, timeZone: string): void {
  checkPlausibleAt(credential, kind, at);
  const end = validityEnd(credential, kind, timeZone);
  if (!end) return;
  const now = toSeconds(at.getTime());
  const from = credential.validFrom ? toSeconds(Date.parse(credential.validFrom)) : undefined;
  const explicit = end.field === 'validUntil';
  if (from !== undefined && end.at <= from) throw invalidField(end.field, explicit ? 'must be after validFrom' : 'must not be before validFrom: set validUntil');
  if (end.at <= now) {
    throw invalidField(end.field, explicit ? 'is in the past: the credential would be expired when issued' : 'is in the past: the attestation would be expired when issued (set validUntil to attest a past year)');
  }
}

/** The latest date it is anywhere on Earth at `at` (UTC+14): a school's "today" is never later. */
const latestToday = (at: Date) => new Date(at.getTime() + 14 * 3600_000).toISOString().slice(0, 10);
/** Older than this, a birth date is a typing error (1907 for 2007). */
const OLDEST_STUDENT_YEARS = 120;

/**
 * Dates that cannot be right on the day the credential is first issued: a student born in the
 * future or more than 120 years ago, a diploma awarded in the future, a transcript of a period not
 * begun, an enrolment or a period starting before its student was born. A signed credential cannot
 * be corrected, only revoked: a typing error is refused before it is signed.
 */
function checkPlausibleAt(credential: IssueRequest['credential'], kind: CredentialKind, at: Date): void {
  const s = credential.credentialSubject as { student: { birthDate: string }; awardDate?: string; startDate?: string; period?: { startDate: string } };
  const today = latestToday(at);
  const birth = s.student.birthDate;
  if (birth > today) throw invalidField('credentialSubject/student/birthDate', 'is in the future');
  if (Number(birth.slice(0, 4)) < at.getUTCFullYear() - OLDEST_STUDENT_YEARS) throw invalidField('credentialSubject/student/birthDate', `is more than ${OLDEST_STUDENT_YEARS} years ago`);
  if (kind === 'DiplomaCredential' && s.awardDate! > today) throw invalidField('credentialSubject/awardDate', 'is in the future: a diploma is attested once awarded');
  if (kind === 'TranscriptCredential' && s.period!.startDate > today) throw invalidField('credentialSubject/period/startDate', 'is in the future: a transcript is of a period begun');
  const start = kind === 'TranscriptCredential' ? s.period!.startDate : s.startDate;
  if (start !== undefined && start < birth) throw invalidField(`credentialSubject${kind === 'TranscriptCredential' ? '/period' : ''}/startDate`, "must not be before the student's birthDate");
}

function checkDates(credential: IssueRequest['credential'], kind: CredentialKind) {
  const { validFrom, validUntil, credentialSubject: s } = credential as IssueRequest['credential'] & { credentialSubject: Record<string, unknown> };
  // What the schema's date-time format accepts and a JavaScript Date cannot hold (a leap second,
  // 23:59:60, which RFC 3339 allows; an offset without minutes): refused here, rather than
  // failing when the credential is built.
  for (const [field, value] of [['validFrom', validFrom], ['validUntil', validUntil]] as const) {
    if (value !== undefined && Number.isNaN(Date.parse(value))) throw invalidField(field, 'must be a date-time a credential can carry (no leap second, a full offset such as Z or +02:00)');
  }
  if (validFrom && validUntil && Date.parse(validUntil) <= Date.parse(validFrom)) throw invalidField('validUntil', 'must be after validFrom');
  // Every date a credential carries before the year 3000: a JWT's NumericDate can go further, but
  // did-jwt-vc refuses a time of 10^11 seconds or more (year 5138), which would be a 500 at signing.
  // In the default zone: a bound this far off moves by a few hours at most in another.
  const end = validityEnd(credential, kind, DEFAULT_TIME_ZONE);
  for (const [field, at] of [['validFrom', validFrom ? toSeconds(Date.parse(validFrom)) : undefined], [end?.field ?? 'validUntil', end?.at]] as const) {
    if (at !== undefined && at >= LATEST_DATE) throw invalidField(field, 'must be before 3000-01-01');
  }
  if (kind === 'TranscriptCredential') checkTranscript(s as unknown as TranscriptInput);
  const period = kind === 'TranscriptCredential' ? (s.period as { startDate: string; endDate: string }) : kind === 'EnrollmentCredential' ? (s as { startDate: string; endDate: string }) : undefined;
  if (period && period.endDate < period.startDate) {
    throw new AttestoError('VALIDATION_FAILED', 'endDate must not be before startDate', { errors: [{ pointer: '/credential/credentialSubject', message: 'endDate is before startDate' }] });
  }
  // An academic year is two consecutive years (2026-2027), or one (2026-2026: the calendar school
  // years of New Caledonia or Wallis-et-Futuna). An enrolment falls within it (its end is the
  // attestation's end of validity); a transcript's period within a year either side (a two-year
  // cycle). A typed 2062 for 2026 is refused.
  const year = s.academicYear as string | undefined;
  if (year !== undefined && period) {
    const [first, second] = year.split('-').map(Number) as [number, number];
    if (second !== first + 1 && second !== first) throw invalidField('credentialSubject/academicYear', `must be two consecutive years (${first}-${first + 1}), or one year (${first}-${first})`);
    const transcript = kind === 'TranscriptCredential';
    const [from, to] = transcript ? [first - 1, second + 1] : [first, second];
    for (const [name, date] of [['startDate', period.startDate], ['endDate', period.endDate]] as const) {
      const y = Number(date.slice(0, 4));
      if (y < from || y > to) throw invalidField(`${transcript ? 'credentialSubject/period' : 'credentialSubject'}/${name}`, `must be ${transcript ? 'near' : 'in'} the academic year ${year} (${from} to ${to})`);
    }
  }
  const student = s.student as { birthDate: string };
  if (kind === 'DiplomaCredential' && (s.awardDate as string) < student.birthDate) throw invalidField('credentialSubject/awardDate', "must not be before the student's birthDate");
}

/**
 * What a transcript's schema cannot say: each subject's code names one subject (a verifier finds a
 * grade's subject by it), every scale runs upwards, and every grade, and the average, is on its scale.
 */
function checkTranscript(t: TranscriptInput): void {
  const field = (path: string, message: string) => invalidField(`credentialSubject${path}`, message);
  const scale = t.scale ?? DEFAULT_SCALE;
  if (scale.min >= scale.max) throw field('/scale', 'must run upwards (min below max)');
  const codes = new Set<string>();
  t.subjects.forEach((s, i) => {
    if (s.code !== undefined) {
      if (codes.has(s.code)) throw field(`/subjects/${i}/code`, `is the code of another subject ("${s.code}")`);
      codes.add(s.code);
    }
    const own = s.scale ?? scale;
    if (own.min >= own.max) throw field(`/subjects/${i}/scale`, 'must run upwards (min below max)');
    if (s.grade < own.min || s.grade > own.max) throw field(`/subjects/${i}/grade`, `must be on its scale (${own.min} to ${own.max})`);
  });
  const average = t.overall?.average;
  if (average !== undefined && (average < scale.min || average > scale.max)) throw field('/overall/average', `must be on the transcript's scale (${scale.min} to ${scale.max})`);
  // "Ajourné" shown to the student, Completed read by a machine: one credential saying two things.
  const { result, status } = t.overall ?? {};
  const worded = result === undefined ? undefined : outcomeOf(result);
  if (status !== undefined && worded !== undefined && worded !== status) throw field('/overall/status', `says ${status}, and the result "${result}" says ${worded}`);
}

interface Signed {
  credentialId: string;
  jws: string;
  slot: StatusSlot;
}

async function sign(deps: CoreDeps, cmd: IssueCommand, p: Prepared, slot: StatusSlot, issuedAt: string) {
  const { school, request } = cmd;
  const input = {
    kind: p.kind,
    subjectInput: request.credential.credentialSubject,
    school,
    slot,
    issuedAt,
    ...(request.credential.validFrom ? { validFrom: request.credential.validFrom } : {}),
    ...(request.credential.validUntil ? { validUntil: request.credential.validUntil } : {}),
    publicUrl: deps.publicUrl,
  };
  const key = { signer: signerOf(deps, school.uai), did: school.did, ...signingKey(school, deps.clock()) };
  if (p.format === 'dc+sd-jwt') {
    const built = buildSdJwtVc(input);
    return { built, jws: await signSdJwtVc(built, key, deps.randomToken) };
  }
  const built = buildCredential({ ...input, format: p.format });
  const jws = p.format === 'vc+jwt' ? await signVcJose(built.credential, key) : await signVcJwt(built.credential, key);
  return { built, jws };
}

/**
 * Signs, then claims the slot; undefined when another credential already holds the slot. `tag`
 * marks a commit made under an idempotency reservation (commitTag), so that a later attempt of the
 * same reservation recognises it.
 */
async function signAndCommit(deps: CoreDeps, cmd: IssueCommand, p: Prepared, slot: StatusSlot, issuedAt: string, tag?: string): Promise<Signed | undefined> {
  const { built, jws } = await sign(deps, cmd, p, slot, issuedAt);
  const commitId = deps.randomToken(12);
  const claimed = await deps.store.putCredential({
    uai: cmd.school.uai,
    credentialId: built.id,
    slot,
    kind: p.kind.kind,
    format: p.format,
    issuedAt,
    validFrom: built.validFrom,
    ...(built.validUntil ? { validUntil: built.validUntil } : {}),
    issuedBy: cmd.actor,
    ...(tag ? { idempotencyKeyDigest: tag } : {}),
    commitId,
  });
  const signed = { credentialId: built.id, jws, slot };
  if (claimed) return signed;
  // The slot is taken. It is ours if this very write landed and only its answer was lost, or if
  // an earlier attempt of this very idempotent request committed it (and then died): only a
  // request holding the key's reservation commits under it, and the key is bound to one request
  // (its hash), so that credential is this one. An identical request without the key never shares it.
  const existing = await deps.store.getCredential(cmd.school.uai, slot);
  if (existing?.commitId === commitId) return signed;
  if (tag === undefined || cmd.idempotencyKey === undefined || !existing) return undefined;
  return existing.idempotencyKeyDigest === tag || existing.idempotencyKey === cmd.idempotencyKey ? signed : undefined;
}

/**
 * Where a key's reservation is stored: a digest, never the key itself, which a school may have
 * made of something personal (a batch row id that is a student's INE). `~` is in no key, so a
 * digest is never taken for a key stored as itself by an earlier version.
 */
export const reservationKey = (key: string) => `~${sha256(key)}`;

/**
 * The mark a reservation's commit leaves on the credential record, which is kept as long as the
 * credential: keyed by the reservation's own random salt, which expires with the reservation, so
 * that it tells nothing of the key once the 24 hours are over (a plain digest of an INE-shaped
 * key could be reversed by trying them all). Reservations of an earlier version have no salt.
 */
const commitTag = (reservation: IdempotencyRecord, key: string) => (reservation.salt ? createHmac('sha256', reservation.salt).update(key).digest('base64url') : sha256(key));

/**
 * Audits the issuance, then answers. A replay writes the same event again: audit writes are
 * idempotent (the same event is stored once), so the retry of a request that was stopped between
 * its commit and its audit event is what records it.
 */
async function finish(deps: CoreDeps, cmd: IssueCommand, p: Prepared, s: Signed, replayed: boolean, issuedAt: string): Promise<IssueResult> {
  await auditIssued(deps, cmd, p, s.credentialId, issuedAt);
  return {
    credentialId: s.credentialId,
    kind: p.kind.kind,
    format: p.format,
    verifiableCredential: p.format === 'vc+jwt' ? envelope(s.jws) : s.jws,
    replayed,
  };
}

/** The issuance's audit event, the same however often it is written (and so stored once). */
function auditIssued(deps: CoreDeps, cmd: IssueCommand, p: Prepared, credentialId: string, issuedAt: string) {
  return deps.store.appendAudit({
    uai: cmd.school.uai,
    at: issuedAt,
    action: 'credential.issued',
    actor: cmd.actor,
    credentialId,
    detail: { kind: p.kind.kind, format: p.format },
  });
}

async function issueIdempotent(deps: CoreDeps, cmd: IssueCommand, p: Prepared, rawKey: string): Promise<IssueResult> {
  const uai = cmd.school.uai;
  const key = reservationKey(rawKey);
  // A reservation an earlier version stored under the key itself is honoured until its 24 hours end.
  // (Asked for with the other, in one request; it can go once no such reservation can be live, a day after deploying this.)
  let record = await deps.store.getIdempotency(uai, key, rawKey);
  // Past its 24 hours a key is free again, though its record may still be stored: it is replaced,
  // unless a request is working on it right now (a takeover keeps the first attempt's issuedAt).
  const now = deps.clock();
  const live = record?.state === 'pending' && now.getTime() - Date.parse(record.reservedAt) < STALE_RESERVATION_MS;
  const expired = record && !live && idempotencyExpired(record, now) ? record : undefined;
  if (expired) record = undefined;
  if (!record) {
    assertIssuableAt(cmd.request.credential, p.kind.kind, deps.clock(), timeZoneOf(cmd.school));
    const slot = await allocateSlot(deps, cmd.school);
    const fresh: IdempotencyRecord = {
      uai,
      key,
      requestHash: p.requestHash,
      state: 'pending',
      owner: deps.randomToken(16),
      reservedAt: deps.clock().toISOString(),
      credentialId: credentialIdFor(uai, slot),
      slot,
      issuedAt: isoSeconds(deps.clock()),
      actor: cmd.actor,
      salt: deps.randomToken(16),
      timeZone: timeZoneOf(cmd.school),
    };
    // An expired reservation of an earlier version (under the key itself) is left to its TTL: this one goes under the digest.
    const replaces = expired?.key === key ? expired : undefined;
    if (await (replaces ? deps.store.updateIdempotency(fresh, replaces.owner, 'expired') : deps.store.reserveIdempotency(fresh))) return completeReservation(deps, cmd, p, fresh);
    record = await deps.store.getIdempotency(uai, key);
    // Our own reservation, whose answer was lost (the SDK's retry then found the key taken).
    if (record?.owner === fresh.owner) return completeReservation(deps, cmd, p, record);
    if (!record) throw new AttestoError('IDEMPOTENCY_IN_PROGRESS', 'the idempotency key is being used; retry', { retryAfter: 1 });
  }
  // Past its 24 hours but held by a live request: whatever this one asks, it waits for that one.
  if (live && idempotencyExpired(record, now)) {
    throw new AttestoError('IDEMPOTENCY_IN_PROGRESS', 'a request with this Idempotency-Key is in progress; retry', { retryAfter: 1 });
  }
  // A reservation of an earlier version hashed the request as sent, before NFC.
  if (record.requestHash !== p.requestHash && !(record.salt === undefined && record.requestHash === p.sentHash())) {
    throw new AttestoError('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used for a different request');
  }
  // Its credential is rebuilt in the zone it was first built in: the school's as it was then
  // (it may have changed since), or UTC (`Z`) for a version before schools had zones. The same
  // credential, as a replay promises.
  const builtIn = record.salt === undefined ? UTC_Z : record.timeZone;
  if (builtIn !== undefined) cmd = { ...cmd, school: { ...cmd.school, timeZone: builtIn } };
  if (record.state === 'complete') {
    if (cmd.holder !== undefined && record.holderDigest !== canonicalDigest(cmd.holder)) {
      // Not for this key. But the first attempt's answer may have been lost before its audit
      // event was written, and a wallet that makes a key per attempt never comes back with that
      // one: the credential it made is recorded now, so that the school can see (and revoke) it.
      await auditIssued(deps, { ...cmd, actor: record.actor ?? cmd.actor }, p, record.credentialId, record.issuedAt);
      throw new AttestoError('IDEMPOTENCY_KEY_REUSED', 'this request was completed for another key');
    }
    const { built, jws } = await sign(deps, cmd, p, record.slot, record.issuedAt);
    // The event as the first attempt wrote it (or would have), so that it is stored once.
    return finish(deps, { ...cmd, actor: record.actor ?? cmd.actor }, p, { credentialId: built.id, jws, slot: record.slot }, true, record.issuedAt);
  }
  const age = deps.clock().getTime() - Date.parse(record.reservedAt);
  if (age < STALE_RESERVATION_MS) {
    throw new AttestoError('IDEMPOTENCY_IN_PROGRESS', 'a request with this Idempotency-Key is in progress; retry', { retryAfter: 1 });
  }
  // Not marked complete: unless its first attempt committed it (and died before saying so), its
  // credential is issued now, by this request, and must not be over already (a first attempt at
  // 23:59 refused by a throttled signer, retried after midnight). A committed one is finished.
  const existing = await deps.store.getCredential(uai, record.slot);
  const committed = existing !== undefined && (existing.idempotencyKeyDigest === commitTag(record, rawKey) || existing.idempotencyKey === rawKey);
  if (!committed) assertIssuableAt(cmd.request.credential, p.kind.kind, deps.clock(), timeZoneOf(cmd.school));
  const takeover: IdempotencyRecord = { ...record, owner: deps.randomToken(16), reservedAt: deps.clock().toISOString() };
  if (!(await deps.store.updateIdempotency(takeover, record.owner))) {
    throw new AttestoError('IDEMPOTENCY_IN_PROGRESS', 'a request with this Idempotency-Key is in progress; retry', { retryAfter: 1 });
  }
  return completeReservation(deps, cmd, p, takeover);
}

/**
 * Finishes a reserved issuance. If it fails (the signer is throttled, the store unavailable), the
 * reservation is released at once, so the client's retry (503 says when) takes it over instead of
 * waiting for it to go stale.
 */
async function completeReservation(deps: CoreDeps, cmd: IssueCommand, p: Prepared, reservation: IdempotencyRecord): Promise<IssueResult> {
  const owner = { current: reservation };
  try {
    return await commitReservation(deps, cmd, p, owner);
  } catch (e) {
    // A completed reservation (only its audit event or answer failed) stays complete: the retry
    // replays it and writes the event. Releasing it would turn it back into a pending one.
    if (owner.current.state !== 'complete') {
      const released: IdempotencyRecord = { ...owner.current, reservedAt: new Date(0).toISOString() };
      await deps.store.updateIdempotency(released, owner.current.owner).catch(() => undefined);
    }
    throw e;
  }
}

async function commitReservation(deps: CoreDeps, request: IssueCommand, p: Prepared, owner: { current: IdempotencyRecord }): Promise<IssueResult> {
  // Recorded and audited as the reservation says: a takeover by another client of the school is the same request.
  const cmd = { ...request, actor: owner.current.actor ?? request.actor };
  let current = owner.current;
  for (let attempt = 0; attempt < MAX_COMMIT_ATTEMPTS; attempt++) {
    const done = await signAndCommit(deps, cmd, p, current.slot, current.issuedAt, commitTag(current, request.idempotencyKey!));
    if (done) {
      const complete: IdempotencyRecord = { ...current, state: 'complete', ...(cmd.holder !== undefined ? { holderDigest: canonicalDigest(cmd.holder) } : {}) };
      if (!(await deps.store.updateIdempotency(complete, current.owner))) {
        throw new AttestoError('IDEMPOTENCY_IN_PROGRESS', 'the idempotent request was taken over; retry', { retryAfter: 1 });
      }
      owner.current = complete;
      return finish(deps, cmd, p, done, false, current.issuedAt);
    }
    // Another credential won the slot between reservation and commit: move the reservation. The
    // owner token changes with it, so a takeover decided on the record as it was (a request that
    // took this one for dead) cannot write the old slot back.
    const slot = await allocateSlot(deps, cmd.school);
    const moved: IdempotencyRecord = { ...current, slot, credentialId: credentialIdFor(cmd.school.uai, slot), owner: deps.randomToken(16) };
    if (!(await deps.store.updateIdempotency(moved, current.owner))) {
      throw new AttestoError('IDEMPOTENCY_IN_PROGRESS', 'the idempotent request was taken over; retry', { retryAfter: 1 });
    }
    current = moved;
    owner.current = moved;
  }
  throw new AttestoError('STATUS_LIST_EXHAUSTED', 'could not claim a status slot; retry', { retryAfter: 1 });
}

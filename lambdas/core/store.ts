/**
 * Storage port. Every method that changes state is one conditional write (DynamoDB-style),
 * so a failure never leaves a half-made change behind.
 */
import type {
  AuditEvent,
  CredentialRecord,
  IdempotencyRecord,
  PublishedStatusList,
  SchoolRecord,
  StatusFlags,
  PublishedListKind,
  StatusSlot,
} from './records';

export interface AuditPage {
  events: AuditEvent[];
  next?: string;
}

export interface Store {
  // Schools
  /** Fails with SCHOOL_EXISTS when the UAI is taken. */
  createSchool(school: SchoolRecord): Promise<void>;
  getSchool(uai: string): Promise<SchoolRecord | undefined>;
  /** Moves the school to list `from + 1` if it is still on `from`; returns the list now current. */
  advanceList(uai: string, from: number): Promise<number>;
  /** Replaces the school's token hash and, in the same write, its saved token events. */
  setTokenHash(uai: string, tokenHash: string, tokenEvents: AuditEvent[]): Promise<void>;
  /** Sets a registered school's time zone (UNKNOWN_SCHOOL when there is no such school). */
  setTimeZone(uai: string, timeZone: string): Promise<void>;

  // Credentials
  isSlotFree(uai: string, slot: StatusSlot): Promise<boolean>;
  /** Claims the slot and records the credential in one conditional write; false if the slot is taken. */
  putCredential(record: CredentialRecord): Promise<boolean>;
  getCredential(uai: string, slot: StatusSlot): Promise<CredentialRecord | undefined>;

  // Status
  getFlags(uai: string, slot: StatusSlot): Promise<StatusFlags | undefined>;
  /**
   * Sets a flag if the slot is in `expected` state. Returns false when the condition failed
   * (a concurrent change won); the caller re-reads and decides.
   */
  putFlags(uai: string, list: number, next: StatusFlags, expected: StatusFlags | undefined): Promise<boolean>;
  /** Every slot of a list whose flags were ever set (strongly consistent). */
  listFlags(uai: string, list: number): Promise<StatusFlags[]>;
  /** Increments and returns the list's status sequence number. */
  bumpStatusSeq(uai: string, list: number): Promise<number>;
  getStatusSeq(uai: string, list: number): Promise<number>;
  getPublishedList(uai: string, list: number, purpose: PublishedListKind): Promise<PublishedStatusList | undefined>;
  /** Stores the list unless one built from a newer (or equal) sequence number is there already. */
  putPublishedList(published: PublishedStatusList): Promise<boolean>;

  // Idempotency
  /**
   * The reservation under `key`, or else under `orKey` (one of an earlier version, under the key
   * itself): both asked in one request where the store can.
   */
  getIdempotency(uai: string, key: string, orKey?: string): Promise<IdempotencyRecord | undefined>;
  /** Creates the reservation; false if the key already has one. */
  reserveIdempotency(record: IdempotencyRecord): Promise<boolean>;
  /**
   * Replaces the record if its owner is still `owner` and it is still pending (or already in the
   * state written: the retry of a write whose answer was lost); false otherwise. A completed
   * reservation is never taken back to pending by a takeover decided on it while it was pending.
   * `expired`: the record replaced is past its 24 hours, whatever its state.
   */
  updateIdempotency(record: IdempotencyRecord, owner: string, replacing?: 'expired'): Promise<boolean>;

  // Audit
  appendAudit(event: AuditEvent): Promise<void>;
  listAudit(uai: string, query: { from: string; to: string; limit: number; cursor?: string }): Promise<AuditPage>;
}

export type SchoolKeys = Pick<SchoolRecord, 'kid' | 'keyRef' | 'publicJwk' | 'previousKeys' | 'nextKey' | 'rotationEvents'>;

/** Key rotation: an operator capability only, kept apart from what request handlers need. */
export interface KeyRotationStore {
  /**
   * Replaces the school's keys if its current and next keys are still the expected ones (no
   * other rotation came in between); false otherwise. No `nextKey` removes the next key.
   */
  replaceKeys(uai: string, expected: { kid: string; nextKid?: string }, keys: SchoolKeys): Promise<boolean>;
}

export const canRotateKeys = (store: Store): store is Store & KeyRotationStore =>
  typeof (store as Partial<KeyRotationStore>).replaceKeys === 'function';

/** Finding a school by its OAuth2 client id (schools authenticated by the gateway's authorizer). */
export interface SchoolByClient {
  getSchoolByClientId(clientId: string): Promise<SchoolRecord | undefined>;
  /**
   * Makes `clientId` the school's OAuth2 client (its pointer, then the school's side), if the
   * school has none; false otherwise. A client of another school is SCHOOL_EXISTS.
   */
  linkClient(uai: string, clientId: string): Promise<boolean>;
  /** Drops `clientId` from the school, if it is still the school's: its tokens authenticate no one from then on. */
  unlinkClient(uai: string, clientId: string): Promise<boolean>;
}

export const canFindByClient = (store: Store): store is Store & SchoolByClient =>
  typeof (store as Partial<SchoolByClient>).getSchoolByClientId === 'function';

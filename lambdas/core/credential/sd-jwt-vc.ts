/**
 * SD-JWT VC (draft-ietf-oauth-sd-jwt-vc, `typ: dc+sd-jwt`): the same credential as the W3C
 * forms, laid out as the claims of an SD-JWT (RFC 9901) whose holder chooses what to show.
 *
 * What is always visible: what SD-JWT VC forbids hiding (`iss`, `nbf`, `exp`, `cnf`, `vct`,
 * `status`, §2.2.2) and `iat`. Everything about the student and their achievement is selectively
 * disclosable, and so is each field of `student`: a diploma can be shown with the holder's name
 * and without their birth date (data minimisation, the very thing schools are asked for).
 *
 * `iss` is the school's Credential Issuer identifier (an HTTPS URL); its keys are published as
 * JWT VC Issuer Metadata (§4), the key discovery SD-JWT VC defines. Status is the Token Status
 * List of the same slot (status/token-status-list.ts).
 */
import { timeZoneOf } from '../time-zone';
import { createHash } from 'node:crypto';
import { SDJwtInstance } from '@sd-jwt/core';
import { AttestoError } from '../errors';
import type { JWK } from 'jose';
import { p256JwkOfDidKey, publicJwkOfDidJwk } from '../key-dids';
import { importKey } from '../verify/keys';
import type { KindDefinition } from '../kinds';
import type { SchoolRecord, StatusSlot } from '../records';
import { schoolIssuer } from '../did-web';
import { credentialIdFor, statusListUrl } from '../status/slot';
import type { BuiltCredential } from './build';
import { isoSeconds } from './build';
import { ALG, didJwtSigner, type SigningKey } from './jws';
import { vctOf } from './vct';

const SD_JWT_VC_TYP = 'dc+sd-jwt';


export interface SdJwtVcInput {
  kind: KindDefinition;
  subjectInput: unknown;
  school: Pick<SchoolRecord, 'uai' | 'name' | 'did' | 'timeZone'>;
  slot: StatusSlot;
  issuedAt: string;
  validFrom?: string;
  validUntil?: string;
  publicUrl: string;
}

export interface BuiltSdJwtVc extends BuiltCredential {
  /** Which claims are selectively disclosable (@sd-jwt/core's disclosure frame). */
  frame: Record<string, unknown>;
}

const seconds = (iso: string) => Math.floor(Date.parse(iso) / 1000);

/**
 * Decoy digests (RFC 9901 §4.2.5) pad every credential to the same number of digests: 12 at the
 * top level, 4 in `student`, whatever the kind and whichever optional facts it holds. Without
 * them, the count alone would tell a verifier what the holder withheld: that a diploma has a
 * mention, or a student an INE.
 */
const TOP_LEVEL_DIGESTS = 12;
const STUDENT_DIGESTS = 4;
const decoys = (claims: number, padTo: number) => Math.max(0, padTo - claims);

/**
 * The key a credential is bound to (`cnf`, RFC 7800), from the holder DID a school or a wallet
 * gave as `credentialSubject.id`. Only DIDs that are keys can be: a key binding JWT is checked
 * against this very key.
 */
export function confirmationKey(holder: unknown): JWK | undefined {
  if (holder === undefined) return undefined;
  try {
    const jwk = typeof holder !== 'string' ? undefined : holder.startsWith('did:jwk:') ? publicJwkOfDidJwk(holder.split('#')[0]!) : holder.startsWith('did:key:') ? p256JwkOfDidKey(holder.split('#')[0]!) : undefined;
    // A public P-256 point (ES256, the only algorithm a key binding JWT is checked with: the
    // verifier's own import decides), and nothing else of what the DID held: `cnf` is always visible.
    if (jwk) {
      importKey(jwk);
      // In the DID's own member order: for a did:jwk of just these members (as wallets make them),
      // the did:jwk of `cnf.jwk` is the wallet's DID again.
      return Object.fromEntries(Object.entries(jwk).filter(([k]) => k === 'kty' || k === 'crv' || k === 'x' || k === 'y')) as JWK;
    }
  } catch {
    // Falls through to the refusal below.
  }
  throw new AttestoError('VALIDATION_FAILED', 'a dc+sd-jwt credential is bound to a key: credentialSubject.id must be the did:jwk or did:key of a P-256 public key', {
    errors: [{ pointer: '/credential/credentialSubject/id', message: 'must be the did:jwk or did:key of a P-256 public key for dc+sd-jwt' }],
  });
}

/** Deterministic, like buildCredential: the same inputs give the same claims (salts come at signing). */
export function buildSdJwtVc(input: SdJwtVcInput): BuiltSdJwtVc {
  const { kind, school, slot, publicUrl } = input;
  const base = publicUrl.replace(/\/$/, '');
  const validFrom = isoSeconds(input.validFrom ?? input.issuedAt);
  const until = input.validUntil ?? kind.defaultValidUntil(input.subjectInput, timeZoneOf(school));
  const validUntil = until ? isoSeconds(until) : undefined;
  // Not Open Badges: no OB `identifier` (the holder is `cnf`, the name a disclosure of `student`).
  const { id: holder, type: _type, identifier: _identifier, ...subject } = kind.buildSubject(input.subjectInput, { school: { did: school.did, uai: school.uai, name: school.name, timeZone: timeZoneOf(school) } });
  const cnf = confirmationKey(holder);
  // `name` is the holder's full name among JWT claims (IANA registry, OpenID Connect), which
  // wallets and OpenID4VP verifiers read as such: the credential's own name goes as `title`.
  const { name, ...extra } = kind.extraClaims(input.subjectInput, timeZoneOf(school));
  const disclosable: Record<string, unknown> = { ...(name !== undefined ? { title: name } : {}), ...extra, ...subject };
  const credential: Record<string, unknown> = {
    iss: schoolIssuer(base, school.uai),
    iat: seconds(input.issuedAt),
    nbf: seconds(validFrom),
    ...(validUntil ? { exp: seconds(validUntil) } : {}),
    vct: vctOf(base, kind),
    ...(cnf ? { cnf: { jwk: cnf } } : {}),
    status: { status_list: { idx: slot.index, uri: statusListUrl(base, school.uai, 'token', slot.list) } },
    ...disclosable,
  };
  const student = disclosable.student;
  const frame: Record<string, unknown> = {
    _sd: Object.keys(disclosable),
    _sd_decoy: decoys(Object.keys(disclosable).length, TOP_LEVEL_DIGESTS),
    ...(student && typeof student === 'object' ? { student: { _sd: Object.keys(student), _sd_decoy: decoys(Object.keys(student).length, STUDENT_DIGESTS) } } : {}),
  };
  return { id: credentialIdFor(school.uai, slot), credential, frame, validFrom, ...(validUntil ? { validUntil } : {}) };
}

/**
 * Issues the SD-JWT with every disclosure (the holder drops what they do not want to show).
 * Salts are 128 random bits each (RFC 9901 §4.2.1), drawn from the injected source.
 */
export async function signSdJwtVc(built: BuiltSdJwtVc, key: Pick<SigningKey, 'signer' | 'keyRef' | 'kid'>, randomToken: (bytes: number) => string): Promise<string> {
  const sdjwt = new SDJwtInstance({
    signAlg: ALG,
    signer: didJwtSigner(key),
    hasher: (data: string | ArrayBuffer) => createHash('sha256').update(typeof data === 'string' ? data : new Uint8Array(data)).digest(),
    hashAlg: 'sha-256',
    saltGenerator: () => randomToken(16),
  });
  return sdjwt.issue(built.credential, built.frame as never, { header: { typ: SD_JWT_VC_TYP, kid: key.kid } });
}

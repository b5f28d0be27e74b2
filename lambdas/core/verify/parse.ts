/**
 * Reading an untrusted compact JWS into a credential, for VC 1.1 JWTs (VC-DATA-MODEL 1.1 §6.3.1)
 * and VC 2.0 `vc+jwt` (VC-JOSE-COSE). Nothing here trusts the content: it only shapes it.
 */
import { COMPACT_JWS, decodeCompactJws } from './jws';
import { VerifyFailure } from './result';
import { parseInstant } from '../instant';
import { isObject, shown } from '../json';
import { typIs } from './typ';

/** The protected header as sent: untrusted until the signature is checked. */
export type JwsHeader = Record<string, unknown> & { alg?: unknown; kid?: unknown; typ?: unknown };

export interface ParsedCredential {
  jws: string;
  header: JwsHeader;
  /** What the signature covers, and the signature (decoded once, here). */
  signingInput: string;
  signature: Buffer;
  format: 'jwt_vc' | 'vc+jwt';
  issuer: string;
  credential: Record<string, unknown>;
  validFrom?: Date;
  validUntil?: Date;
}

/**
 * Longest credential JWS read: 256 KiB. A typical attesto credential is about 4 KB, but the largest
 * the schemas allow (a transcript of 60 subjects, every text at its longest, in characters JSON
 * escapes) is about 100 KB, and whatever attesto issues, it must verify.
 */
export const MAX_JWS_LENGTH = 262_144;

/** The JWS inside a verify request: a compact JWS, or an EnvelopedVerifiableCredential. */
export function extractJws(input: unknown): string {
  if (typeof input === 'string') return input.trim();
  if (isObject(input) && typeof input.id === 'string') {
    const prefix = 'data:application/vc+jwt,';
    if (input.id.startsWith(prefix)) return input.id.slice(prefix.length);
  }
  throw new VerifyFailure('MALFORMED_CREDENTIAL', 'format', 'expected a compact JWS or an EnvelopedVerifiableCredential with a data:application/vc+jwt id');
}

function date(value: unknown, what: string): Date | undefined {
  if (value === undefined) return undefined;
  // A string is an RFC 3339 date-time with its offset (VC Data Model 2.0 §4.9, dateTimeStamp).
  const d = typeof value === 'number' ? new Date(value * 1000) : typeof value === 'string' ? parseInstant(value) : undefined;
  if (d === undefined || Number.isNaN(d.getTime())) throw new VerifyFailure('MALFORMED_CREDENTIAL', 'format', `${what} is not a valid date (a date-time with its offset, such as 2027-07-04T23:59:59+02:00)`);
  return d;
}

const defined = (dates: (Date | undefined)[]) => dates.filter((d): d is Date => d !== undefined);
const latest = (dates: (Date | undefined)[]) => defined(dates).reduce<Date | undefined>((a, d) => (a === undefined || d > a ? d : a), undefined);
const earliest = (dates: (Date | undefined)[]) => defined(dates).reduce<Date | undefined>((a, d) => (a === undefined || d < a ? d : a), undefined);

function issuerId(issuer: unknown): string | undefined {
  if (typeof issuer === 'string') return issuer;
  if (isObject(issuer) && typeof issuer.id === 'string') return issuer.id;
  return undefined;
}

export function parseCredentialJws(jws: string): ParsedCredential {
  if (jws.length > MAX_JWS_LENGTH) throw new VerifyFailure('MALFORMED_CREDENTIAL', 'format', `the JWS is longer than ${MAX_JWS_LENGTH} characters`);
  if (!COMPACT_JWS.test(jws)) throw new VerifyFailure('MALFORMED_CREDENTIAL', 'format', 'not a compact JWS');
  let decoded;
  try {
    decoded = decodeCompactJws(jws);
  } catch {
    throw new VerifyFailure('MALFORMED_CREDENTIAL', 'format', 'the JWS header or payload is not valid base64url JSON');
  }
  const { header, payload, signingInput, signature } = decoded;
  // RFC 7515 §4.1.11: a recipient must refuse critical extensions it does not understand; we understand none.
  if (header.crit !== undefined) throw new VerifyFailure('MALFORMED_CREDENTIAL', 'format', 'the JWS names critical header extensions ("crit"), which are not supported');
  const jwsParts = { jws, header, signingInput, signature };

  if (isObject(payload.vc)) {
    // VC 1.1 JWT: registered claims carry issuer, id, subject and validity (§6.3.1.1).
    const vc = payload.vc;
    const iss = payload.iss;
    if (typeof iss !== 'string') throw new VerifyFailure('MALFORMED_CREDENTIAL', 'format', 'a VC JWT needs an "iss" claim');
    const declared = issuerId(vc.issuer);
    if (declared !== undefined && declared !== iss) throw new VerifyFailure('MALFORMED_CREDENTIAL', 'format', 'vc.issuer and iss disagree');
    const subject = isObject(vc.credentialSubject) ? { ...vc.credentialSubject } : vc.credentialSubject;
    // `sub` stands for credentialSubject.id (§6.3.1.1); both present, they must agree (who the credential is for).
    if (isObject(subject) && payload.sub !== undefined && subject.id !== undefined && subject.id !== payload.sub) {
      throw new VerifyFailure('MALFORMED_CREDENTIAL', 'format', 'sub and credentialSubject.id disagree');
    }
    if (isObject(subject) && typeof payload.sub === 'string' && subject.id === undefined) subject.id = payload.sub;
    // `jti` stands for the credential's id: both present, they must agree (which credential this is, and whose).
    if (payload.jti !== undefined && vc.id !== undefined && payload.jti !== vc.id) throw new VerifyFailure('MALFORMED_CREDENTIAL', 'format', 'jti and vc.id disagree');
    const credential: Record<string, unknown> = {
      ...vc,
      ...(payload.jti ? { id: payload.jti } : {}),
      issuer: isObject(vc.issuer) ? { ...vc.issuer, id: iss } : iss,
      credentialSubject: subject,
    };
    // Every window the credential states holds: the latest start and the earliest end of the
    // registered claims, the 1.1 properties and (in a 1.1 credential that names them) the 2.0 ones.
    const validFrom = latest([date(payload.nbf, 'nbf'), date(vc.issuanceDate, 'issuanceDate'), date(vc.validFrom, 'validFrom')]);
    const validUntil = earliest([date(payload.exp, 'exp'), date(vc.expirationDate, 'expirationDate'), date(vc.validUntil, 'validUntil')]);
    return { ...jwsParts, format: 'jwt_vc', issuer: iss, credential, ...(validFrom ? { validFrom } : {}), ...(validUntil ? { validUntil } : {}) };
  }

  if (Array.isArray(payload['@context']) || payload.type !== undefined) {
    // VC 2.0 secured with JOSE: the claims set is the credential (VC-JOSE-COSE §3.1.1).
    if (header.typ !== undefined && !typIs(header.typ, 'vc+jwt')) throw new VerifyFailure('MALFORMED_CREDENTIAL', 'format', `unexpected typ ${shown(header.typ)} for a VC 2.0 credential`);
    const iss = issuerId(payload.issuer);
    if (!iss) throw new VerifyFailure('MALFORMED_CREDENTIAL', 'format', 'the credential has no issuer');
    // Registered claims beside the credential (Open Badges 3.0 §8.2 puts them there) must say what it says.
    if (payload.iss !== undefined && payload.iss !== iss) throw new VerifyFailure('MALFORMED_CREDENTIAL', 'format', 'iss and issuer disagree');
    if (payload.jti !== undefined && payload.id !== undefined && payload.jti !== payload.id) throw new VerifyFailure('MALFORMED_CREDENTIAL', 'format', 'jti and id disagree');
    const subjectId = isObject(payload.credentialSubject) ? payload.credentialSubject.id : undefined;
    if (payload.sub !== undefined && subjectId !== undefined && payload.sub !== subjectId) throw new VerifyFailure('MALFORMED_CREDENTIAL', 'format', 'sub and credentialSubject.id disagree');
    const validFrom = date(payload.validFrom ?? payload.nbf, 'validFrom');
    const validUntil = date(payload.validUntil ?? payload.exp, 'validUntil');
    // Both given, the claim is the date to the second (a NumericDate): it must be that second.
    const sameSecond = (claim: unknown, property: Date | undefined) => claim === undefined || property === undefined || (typeof claim === 'number' && Math.floor(property.getTime() / 1000) === claim);
    if (payload.validFrom !== undefined && !sameSecond(payload.nbf, validFrom)) throw new VerifyFailure('MALFORMED_CREDENTIAL', 'format', 'nbf and validFrom disagree');
    if (payload.validUntil !== undefined && !sameSecond(payload.exp, validUntil)) throw new VerifyFailure('MALFORMED_CREDENTIAL', 'format', 'exp and validUntil disagree');
    return { ...jwsParts, format: 'vc+jwt', issuer: iss, credential: payload, ...(validFrom ? { validFrom } : {}), ...(validUntil ? { validUntil } : {}) };
  }
  throw new VerifyFailure('MALFORMED_CREDENTIAL', 'format', 'the JWT holds no verifiable credential');
}

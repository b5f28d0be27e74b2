/**
 * Verifying a presentation: a holder hands over credentials, signing them together for this
 * verifier (`domain`) and this request (`challenge`), so that a credential copied from someone
 * else's wallet does not pass. VC 1.1 JWT presentations (VC-DATA-MODEL 1.1 §6.3.1, the `vp` claim)
 * and VC 2.0 `vp+jwt` (VC-JOSE-COSE §3.2). The holder is a wallet key, did:jwk or did:key: the
 * keys attesto binds credentials to (OpenID4VCI). Each credential is verified as by
 * `verifyCredential`, and must be the holder's (`credentialSubject.id`). An SD-JWT VC with its key
 * binding JWT is a presentation too (./verify-sd-jwt-presentation.ts). "Not verified" is an
 * answer, never an exception.
 */
import type { JWK } from 'jose';
import { isObject, shown } from '../json';
import { COMPACT_JWS, decodeCompactJws, numericDateMs, verifyEs256 } from './jws';
import { assertionKey, importKey } from './keys';
import { extractJws, MAX_JWS_LENGTH, parseCredentialJws } from './parse';
import type { VerifyDeps } from './ports';
import { VerifyFailure, type VerificationResult } from './result';
import { verifyCredential } from './verify-credential';
import { presentationVerdict, type PresentationCheck, type PresentationErrorCode, type PresentationOptions, type PresentationResult } from './presentation-result';

export * from './presentation-result';
import { looksLikeSdJwt } from './sd-jwt';
import { verifySdJwtPresentation } from './verify-sd-jwt-presentation';
import { typIs } from './typ';

/** Most credentials read from one presentation. */
export const MAX_PRESENTED_CREDENTIALS = 10;

class PresentationFailure extends Error {
  constructor(
    readonly code: PresentationErrorCode,
    readonly check: PresentationCheck,
    message: string,
  ) {
    super(message);
  }
}

const ENVELOPED_VP = 'data:application/vp+jwt,';
/** Milliseconds of a NumericDate claim; refused outside what a Date can hold (±8.64e15 ms). */
const seconds = (value: unknown, what: string) => {
  const ms = numericDateMs(value);
  if (ms === null) throw new PresentationFailure('MALFORMED_PRESENTATION', 'format', `${what} is not a NumericDate`);
  return ms;
};

function readPresentation(input: unknown) {
  const jws = typeof input === 'string' ? input.trim() : isObject(input) && typeof input.id === 'string' && input.id.startsWith(ENVELOPED_VP) ? input.id.slice(ENVELOPED_VP.length) : undefined;
  if (jws === undefined) throw new PresentationFailure('MALFORMED_PRESENTATION', 'format', 'expected a compact JWS or an EnvelopedVerifiablePresentation with a data:application/vp+jwt id');
  if (jws.length > MAX_PRESENTED_CREDENTIALS * MAX_JWS_LENGTH + MAX_JWS_LENGTH || !COMPACT_JWS.test(jws)) throw new PresentationFailure('MALFORMED_PRESENTATION', 'format', 'not a compact JWS of a supported length');
  let decoded;
  try {
    decoded = decodeCompactJws(jws);
  } catch {
    throw new PresentationFailure('MALFORMED_PRESENTATION', 'format', 'the JWS header or payload is not valid base64url JSON');
  }
  const { header, payload } = decoded;
  if (header.alg !== 'ES256') throw new PresentationFailure('UNSUPPORTED_ALGORITHM', 'format', `alg ${shown(header.alg)} is not accepted; use ES256`);
  // vp+ld+jwt: the media type of VC-JOSE-COSE drafts some wallets were built on.
  if (header.typ !== undefined && !typIs(header.typ, 'JWT', 'vp+jwt', 'vp+ld+jwt')) throw new PresentationFailure('MALFORMED_PRESENTATION', 'format', `typ ${shown(header.typ)} is not a presentation's`);
  if (header.crit !== undefined) throw new PresentationFailure('MALFORMED_PRESENTATION', 'format', 'critical header extensions ("crit") are not supported');

  // VC 1.1: the presentation in `vp`, the holder in `iss`. VC 2.0: the claims are the presentation.
  const vp = isObject(payload.vp) ? payload.vp : payload;
  const types = Array.isArray(vp.type) ? vp.type : [vp.type];
  if (!types.includes('VerifiablePresentation')) throw new PresentationFailure('MALFORMED_PRESENTATION', 'format', 'the JWT holds no VerifiablePresentation');
  // VC 1.1 names the holder in `iss` (and may in vp.holder), VC 2.0 in `holder` (and may in `iss`): they must agree.
  const named = (v: unknown) => (typeof v === 'string' ? v : isObject(v) && typeof v.id === 'string' ? v.id : undefined);
  // A VC 2.0 presentation may name its holder in `iss` alone (a JWT claim VC-JOSE-COSE leaves to the application).
  const holder = vp === payload ? (payload.holder === undefined ? payload.iss : named(payload.holder)) : payload.iss;
  if (typeof holder !== 'string') throw new PresentationFailure('MALFORMED_PRESENTATION', 'format', 'the presentation names no holder');
  const other = vp === payload ? payload.iss : vp.holder;
  if (other !== undefined && named(other) !== holder) throw new PresentationFailure('MALFORMED_PRESENTATION', 'format', 'iss and holder disagree');
  const presented = vp.verifiableCredential === undefined ? [] : Array.isArray(vp.verifiableCredential) ? vp.verifiableCredential : [vp.verifiableCredential];
  if (presented.length > MAX_PRESENTED_CREDENTIALS) throw new PresentationFailure('MALFORMED_PRESENTATION', 'format', `at most ${MAX_PRESENTED_CREDENTIALS} credentials per presentation`);
  const aud = payload.aud === undefined ? [] : Array.isArray(payload.aud) ? payload.aud : [payload.aud];
  return {
    ...decoded,
    holder,
    presented,
    nonce: payload.nonce,
    aud,
    notBefore: seconds(payload.nbf, 'nbf'),
    issuedAt: seconds(payload.iat, 'iat'),
    expires: seconds(payload.exp, 'exp'),
  };
}

export async function verifyPresentation(deps: VerifyDeps, input: unknown, options: PresentationOptions = {}): Promise<PresentationResult> {
  if (looksLikeSdJwt(input)) return verifySdJwtPresentation(deps, input.trim(), options);
  const { passed, errors, warnings, result: answer } = presentationVerdict();
  const credentials: VerificationResult[] = [];
  let holder: string | undefined;
  let holderJwk: JWK | undefined;
  const result = () => answer(holder, credentials);
  const fail = (e: unknown) => {
    if (e instanceof PresentationFailure) errors.push({ code: e.code, check: e.check, message: e.message });
    else throw e;
  };

  let vp;
  try {
    vp = readPresentation(input);
    passed.push('format');
  } catch (e) {
    fail(e);
    return result();
  }
  // The holder's signature: its wallet key, named by the DID itself.
  try {
    if (!/^did:(jwk|key):/.test(vp.holder)) throw new PresentationFailure('HOLDER_NOT_SUPPORTED', 'signature', 'the holder must be a wallet key: did:jwk or did:key');
    let key;
    try {
      holderJwk = assertionKey(await deps.resolveDid(vp.holder), vp.header).jwk;
      key = importKey(holderJwk);
    } catch (e) {
      if (e instanceof VerifyFailure) throw new PresentationFailure('KEY_NOT_AUTHORIZED', 'signature', e.message);
      throw new PresentationFailure('HOLDER_NOT_SUPPORTED', 'signature', `cannot resolve the holder ${vp.holder.slice(0, 100)}: ${e instanceof Error ? e.message : 'unknown error'}`);
    }
    if (!verifyEs256(vp.signingInput, vp.signature, key)) throw new PresentationFailure('SIGNATURE_INVALID', 'signature', "the signature does not verify with the holder's key");
    passed.push('signature');
    // Named in the answer only now that it signed.
    holder = vp.holder;
  } catch (e) {
    fail(e);
    return result();
  }

  // For this verifier and this request: a presentation made for another cannot be replayed here.
  if (options.challenge === undefined) {
    warnings.push({ code: 'NO_CHALLENGE', message: 'no challenge was given: a copy of this presentation would verify as well' });
    passed.push('challenge');
  } else if (vp.nonce === options.challenge) passed.push('challenge');
  else errors.push({ code: 'CHALLENGE_MISMATCH', check: 'challenge', message: 'the presentation does not carry the challenge (nonce) asked for' });
  if (options.domain === undefined) {
    warnings.push({ code: 'NO_DOMAIN', message: 'no domain was given: a presentation made for another verifier would verify as well' });
    passed.push('domain');
  } else if (vp.aud.includes(options.domain)) passed.push('domain');
  else errors.push({ code: 'DOMAIN_MISMATCH', check: 'domain', message: `the presentation is not addressed (aud) to ${options.domain.slice(0, 200)}` });

  const now = deps.clock().getTime();
  const skew = deps.maxClockSkewSeconds * 1000;
  // nbf and iat each: a presentation made in the future is not valid yet, whatever its nbf says.
  const from = Math.max(vp.notBefore ?? -Infinity, vp.issuedAt ?? -Infinity);
  if (from > now + skew) errors.push({ code: 'NOT_YET_VALID', check: 'validity', message: `valid from ${new Date(from).toISOString()}` });
  else if (vp.expires !== undefined && vp.expires < now - skew) errors.push({ code: 'EXPIRED', check: 'validity', message: `expired at ${new Date(vp.expires).toISOString()}` });
  else passed.push('validity');

  // Each credential on its own, then whose it is.
  if (vp.presented.length === 0) {
    errors.push({ code: 'NO_CREDENTIALS', check: 'credentials', message: 'the presentation holds no credential' });
    return result();
  }
  // One after the other, as /credentials/verify would (which refuses any issuer but a school
  // registered here before reading anything else).
  const strangers: number[] = [];
  const sdJwts: number[] = [];
  for (const [i, presented] of vp.presented.entries()) {
    credentials.push(await verifyCredential(deps, presented));
    // Its holder is bound by its own key binding JWT (RFC 9901 §4.3), which a W3C presentation does
    // not carry: said as such, not as a credential issued to someone else.
    if (looksLikeSdJwt(presented)) sdJwts.push(i);
    else if (!(await isHolders(deps, subjectOf(presented), vp.holder, holderJwk!))) strangers.push(i);
  }
  credentials.forEach((r, i) => {
    if (!r.verified) errors.push({ code: 'CREDENTIAL_NOT_VERIFIED', check: 'credentials', credential: i, message: `credential ${i} is not verified: ${r.errors.map((e) => e.code).join(', ')}` });
  });
  if (credentials.every((r) => r.verified)) passed.push('credentials');
  for (const i of strangers) errors.push({ code: 'NOT_THE_HOLDERS', check: 'holder', credential: i, message: `credential ${i} was not issued to the holder (credentialSubject.id)` });
  for (const i of sdJwts) {
    errors.push({ code: 'SD_JWT_VC_IN_PRESENTATION', check: 'holder', credential: i, message: `credential ${i} is an SD-JWT VC: present it on its own, with its key binding JWT (RFC 9901 §4.3), as the whole verifiablePresentation` });
  }
  if (strangers.length === 0 && sdJwts.length === 0) passed.push('holder');
  return result();
}

/**
 * Whether a credential issued to `subject` is the holder's: the same DID, or a wallet DID
 * (did:jwk, did:key) of the same P-256 key. A wallet that proved possession with a `jwk` gets a
 * credential bound to the did:jwk of that key with its members in one order; the same wallet may
 * name itself with another order, extra members, or as did:key.
 */
async function isHolders(deps: VerifyDeps, subject: string | undefined, holder: string, holderJwk: JWK): Promise<boolean> {
  if (subject === undefined) return false;
  if (subject === holder) return true;
  if (!/^did:(jwk|key):/.test(subject)) return false;
  try {
    const jwk = (await deps.resolveDid(subject)).verificationMethods[0]?.publicKeyJwk;
    return jwk !== undefined && importKey(jwk).equals(importKey(holderJwk));
  } catch {
    return false;
  }
}

/** To whom a presented credential was issued (its credentialSubject.id); undefined when unreadable. */
function subjectOf(presented: unknown): string | undefined {
  try {
    const subject = parseCredentialJws(extractJws(presented)).credential.credentialSubject;
    return isObject(subject) && typeof subject.id === 'string' ? subject.id : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Verifying an SD-JWT VC (draft-ietf-oauth-sd-jwt-vc §2.4): the SD-JWT processed strictly
 * (./sd-jwt.ts), the issuer-signed JWT signed by a key of the school its `iss` names, within its
 * validity, its Token Status List saying VALID, issued by a school registered here, and a `vct`
 * naming one of attesto's kinds. The same checks and codes as for W3C credentials, and the
 * claims the holder chose to disclose.
 *
 * Only schools registered here are verified: an SD-JWT VC of any other issuer gets
 * ISSUER_NOT_REGISTERED without anything being fetched (their keys would be JWT VC Issuer
 * Metadata on a server of the token's choosing, and no other issuer passes anyway).
 */
import type { KeyObject } from 'node:crypto';
import { createHash } from 'node:crypto';
import { isObject, shown } from '../json';
import { KIND_NAMES, KIND_SLUGS } from '../kinds/names';
import { vctOf } from '../credential/vct';
import { importKey, issuerKeys, type IssuerKeys } from './keys';
import { otherSchoolNamed } from './school-claims';
import { numericDateMs, verifyEs256 } from './jws';
import type { VerifyDeps } from './ports';
import { verdict, VerifyFailure, type VerificationResult } from './result';
import { parseSdJwt, type ParsedSdJwt } from './sd-jwt';
import { checkTokenStatus } from './token-status';
import type { JWK } from 'jose';
import { typIs } from './typ';

/** Claims that must be in the issuer-signed JWT itself, never in a disclosure (SD-JWT VC §2.2.2.2). */
const ALWAYS_VISIBLE = ['iss', 'nbf', 'exp', 'cnf', 'vct', 'vct#integrity', 'status'];

/** `dc+sd-jwt`, and `vc+sd-jwt` from issuers of the drafts before -06. */
const SD_JWT_VC_TYPES = ['dc+sd-jwt', 'vc+sd-jwt'];

const date = (value: unknown, what: string) => {
  const ms = numericDateMs(value);
  if (ms === null) throw new VerifyFailure('MALFORMED_CREDENTIAL', 'format', `${what} is not a NumericDate`);
  return ms === undefined ? undefined : new Date(ms);
};

export interface SdJwtVcVerification {
  result: VerificationResult;
  /** Present once the format check passed: what the holder-binding check of a presentation needs. */
  parsed?: ParsedSdJwt;
}

export async function verifySdJwtVc(deps: VerifyDeps, input: string, o: { keyBinding: 'check' | 'caller-checks' } = { keyBinding: 'check' }): Promise<SdJwtVcVerification> {
  const { passed, errors, warnings, result, fail, drop } = verdict();

  let parsed: ParsedSdJwt;
  let iss: string;
  let validFrom: Date | undefined;
  let validUntil: Date | undefined;
  let issuedAt: Date | undefined;
  try {
    parsed = parseSdJwt(input);
    const { header, payload } = parsed.issuerJwt;
    if (header.alg !== 'ES256') throw new VerifyFailure('UNSUPPORTED_ALGORITHM', 'format', `alg ${shown(header.alg)} is not accepted; use ES256`);
    if (header.crit !== undefined) throw new VerifyFailure('MALFORMED_CREDENTIAL', 'format', 'the JWS names critical header extensions ("crit"), which are not supported');
    if (!typIs(header.typ, ...SD_JWT_VC_TYPES)) throw new VerifyFailure('MALFORMED_CREDENTIAL', 'format', `typ ${shown(header.typ)} is not dc+sd-jwt`);
    if (typeof payload.iss !== 'string') throw new VerifyFailure('MALFORMED_CREDENTIAL', 'format', 'an SD-JWT VC needs an "iss" claim');
    if (typeof payload.vct !== 'string') throw new VerifyFailure('MALFORMED_CREDENTIAL', 'format', 'an SD-JWT VC needs a "vct" claim');
    iss = payload.iss;
    // Validity claims must be visible (§2.2.2.2): only the issuer-signed JWT's own ones count.
    validFrom = date(payload.nbf, 'nbf');
    validUntil = date(payload.exp, 'exp');
    issuedAt = date(payload.iat, 'iat');
    // Claims SD-JWT VC forbids in disclosures (§2.2.2.2): a holder must not be able to add, or
    // drop, a key binding or a status by choosing disclosures.
    for (const name of ALWAYS_VISIBLE) {
      if (Object.hasOwn(parsed.claims, name) && !Object.hasOwn(payload, name)) throw new VerifyFailure('MALFORMED_CREDENTIAL', 'format', `"${name}" must not be selectively disclosable`);
    }
    passed.push('format');
  } catch (e) {
    fail(e);
    return { result: result() };
  }

  const { claims } = parsed;
  const vct = claims.vct as string;
  const base = iss.replace(/\/schools\/[^/]+$/, '');
  const kind = KIND_NAMES.find((k) => vctOf(base, { slug: KIND_SLUGS[k] }) === vct);
  const described = {
    issuer: { iss } as NonNullable<VerificationResult['issuer']>,
    credential: {
      type: [vct],
      ...(kind ? { kind } : {}),
      format: 'dc+sd-jwt' as const,
      ...(validFrom ? { validFrom: validFrom.toISOString() } : {}),
      ...(validUntil ? { validUntil: validUntil.toISOString() } : {}),
    },
  };

  const did = deps.issuerDid(iss);
  if (!did) {
    errors.push({ code: 'ISSUER_NOT_REGISTERED', check: 'issuer', message: `${iss} is not a school registered here; only their SD-JWT VCs are verified` });
    return { result: result(described), parsed };
  }
  // A school's address, of a school that is not registered (or no longer): said as such, as for a JWT credential.
  const school = await deps.findSchool(did);
  if (!school) {
    errors.push({ code: 'ISSUER_NOT_REGISTERED', check: 'issuer', message: `${iss} is not a school registered here: its credentials are not checked further` });
    return { result: result(described), parsed };
  }

  let keys: IssuerKeys;
  let key: KeyObject;
  try {
    try {
      keys = issuerKeys(deps, await deps.resolveDid(did));
    } catch (e) {
      throw new VerifyFailure('DID_RESOLUTION_FAILED', 'signature', `cannot read the keys of ${iss}: ${e instanceof Error ? e.message : 'unknown error'}`);
    }
    key = await keys.keyFor(parsed.issuerJwt.header);
    if (!verifyEs256(parsed.issuerJwt.signingInput, parsed.issuerJwt.signature, key)) {
      throw new VerifyFailure('SIGNATURE_INVALID', 'signature', "the signature does not verify with the issuer's key");
    }
    passed.push('signature');
  } catch (e) {
    fail(e);
    return { result: result(described), parsed };
  }

  const now = deps.clock().getTime();
  const skew = deps.maxClockSkewSeconds * 1000;
  if (validFrom && validFrom.getTime() > now + skew) errors.push({ code: 'NOT_YET_VALID', check: 'validity', message: `valid from ${validFrom.toISOString()}` });
  else if (issuedAt && issuedAt.getTime() > now + skew) errors.push({ code: 'NOT_YET_VALID', check: 'validity', message: `issued in the future (${issuedAt.toISOString()})` });
  else if (validUntil && validUntil.getTime() < now - skew) errors.push({ code: 'EXPIRED', check: 'validity', message: `expired at ${validUntil.toISOString()}` });
  else passed.push('validity');

  await checkTokenStatus(deps, parsed.issuerJwt.payload.status, iss, keys).then(() => passed.push('status'), fail);
  try {
    await keys.confirm(parsed.issuerJwt.header, key);
  } catch (e) {
    drop('signature');
    fail(e);
  }

  described.issuer = { iss, did, uai: school.uai, name: school.name };
  const other = otherSchoolNamed({ ids: [claims.id, claims.jti], subject: claims }, kind, { did, uai: school.uai });
  if (other) errors.push({ code: 'ISSUER_MISMATCH', check: 'issuer', message: other });
  else passed.push('issuer');

  // What the holder discloses is theirs to choose: the schema check is the type (vct).
  if (kind) passed.push('schema');
  else errors.push({ code: 'UNKNOWN_KIND', check: 'schema', message: `vct ${shown(vct)} names none of attesto's credential types` });

  // A key binding JWT, when one is added, must hold: a presentation (./verify-sd-jwt-presentation.ts)
  // checks it itself, against what its verifier asked.
  if (parsed.kb && o.keyBinding === 'check') {
    try {
      const stale = keyBindingAge(deps, checkKeyBinding(parsed).iat);
      if (stale) throw new VerifyFailure('KEY_BINDING_INVALID', 'signature', stale.message);
    } catch (e) {
      drop('signature');
      fail(e);
    }
  }

  // Genuine, but showing nothing of what the issuer made disclosable: a "verified" that says little.
  if (parsed.disclosures === 0 && Object.hasOwn(parsed.issuerJwt.payload, '_sd')) {
    warnings.push({ code: 'NOTHING_DISCLOSED', message: 'the holder disclosed none of the selectively disclosable claims' });
  }
  const { iss: _i, iat: _t, nbf: _n, exp: _e, vct: _v, cnf: _c, status: _s, ...disclosed } = claims;
  return { result: result({ ...described, ...(errors.length === 0 ? { disclosed } : {}) }), parsed };
}

/**
 * The Key Binding JWT (RFC 9901 §7.3): signed by the key the credential is bound to (`cnf.jwk`),
 * over this very presentation (`sd_hash`). Returns the holder's key and the `nonce`, `aud` and
 * `iat` it was made with, for the caller to compare with what it asked. Throws KEY_BINDING_INVALID.
 */
export function checkKeyBinding(parsed: ParsedSdJwt): { holderJwk: JWK; nonce: string; audiences: string[]; iat: number } {
  const invalid = (m: string) => new VerifyFailure('KEY_BINDING_INVALID', 'signature', m);
  const kb = parsed.kb;
  if (!kb) throw invalid('no key binding JWT: the holder did not sign this presentation');
  const bound = boundKey(parsed);
  if (!bound) throw invalid('the credential is not bound to a P-256 key (cnf.jwk)');
  if (!typIs(kb.header.typ, 'kb+jwt')) throw invalid('the key binding JWT must have typ kb+jwt');
  if (kb.header.alg !== 'ES256') throw invalid(`key binding alg ${shown(kb.header.alg)} is not accepted; use ES256`);
  if (kb.header.crit !== undefined) throw invalid('the key binding JWT names critical header extensions ("crit"), which are not supported');
  // Required by RFC 9901 §4.3: a key binding JWT is made for one verifier and one request.
  // `aud` as RFC 7519 allows it: one string, or an array of them.
  const aud = kb.payload.aud;
  const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) && aud.length > 0 && aud.every((a) => typeof a === 'string') ? (aud as string[]) : undefined;
  if (typeof kb.payload.nonce !== 'string' || !audiences) throw invalid('the key binding JWT must carry a nonce (a string) and an aud (a string or strings)');
  if (!verifyEs256(kb.signingInput, kb.signature, bound.key)) throw invalid('the key binding JWT is not signed by the key the credential is bound to');
  const expected = createHash('sha256').update(parsed.presentedSdJwt, 'ascii').digest('base64url');
  if (kb.payload.sd_hash !== expected) throw invalid('sd_hash does not match this presentation');
  const iat = kb.payload.iat;
  if (typeof iat !== 'number' || !Number.isFinite(iat)) throw invalid('the key binding JWT has no iat');
  return { holderJwk: bound.jwk, nonce: kb.payload.nonce, audiences, iat };
}

/** The P-256 key the credential is bound to (`cnf.jwk`, always visible), or undefined when it is not bound to one. */
export function boundKey(parsed: ParsedSdJwt): { jwk: JWK; key: KeyObject } | undefined {
  const cnf = parsed.issuerJwt.payload.cnf;
  if (!isObject(cnf) || !isObject(cnf.jwk)) return undefined;
  try {
    return { jwk: cnf.jwk as JWK, key: importKey(cnf.jwk as JWK) };
  } catch {
    return undefined;
  }
}

/** How old a key binding JWT may be: a presentation is made for one request, now. */
const KEY_BINDING_MAX_AGE_SECONDS = 300;

/** Whether a key binding JWT issued at `iat` was made now: undefined when it was, else why not. */
export function keyBindingAge(deps: Pick<VerifyDeps, 'clock' | 'maxClockSkewSeconds'>, iat: number): { code: 'NOT_YET_VALID' | 'EXPIRED'; message: string } | undefined {
  const now = deps.clock().getTime();
  const skew = deps.maxClockSkewSeconds * 1000;
  if (iat * 1000 > now + skew) return { code: 'NOT_YET_VALID', message: 'the key binding JWT is issued in the future' };
  if (iat * 1000 < now - KEY_BINDING_MAX_AGE_SECONDS * 1000 - skew) return { code: 'EXPIRED', message: `the key binding JWT is older than ${KEY_BINDING_MAX_AGE_SECONDS} seconds` };
  return undefined;
}

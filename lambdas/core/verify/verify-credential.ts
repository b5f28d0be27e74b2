/**
 * Verifying a credential: genuine signature by a key the issuer's DID authorises for assertions,
 * within its validity window, not revoked or suspended, issued by a registered school, and shaped
 * like its kind. Returns a result; "not verified" is an answer, never an exception.
 */
import { kindOf } from '../kinds/names';
import { SUBJECT_VALIDATORS } from '../kinds/subject-validators';
import { check } from '../validation';
import { shown } from '../json';
import { verifyEs256 } from './jws';
import { issuerKeys } from './keys';
import { otherSchoolNamed } from './school-claims';
import { extractJws, parseCredentialJws, type ParsedCredential } from './parse';
import type { VerifyDeps } from './ports';
import { verdict, VerifyFailure, type VerificationResult } from './result';
import { checkStatus } from './status';
import { looksLikeSdJwt } from './sd-jwt';
import { verifySdJwtVc } from './verify-sd-jwt-vc';

/** Only ES256 is accepted: never `none`, never HMAC (whose "key" a verifier would have to share). */
export const ALLOWED_ALGORITHMS = ['ES256'];

export async function verifyCredential(deps: VerifyDeps, input: unknown): Promise<VerificationResult> {
  if (looksLikeSdJwt(input)) return (await verifySdJwtVc(deps, input.trim())).result;
  const { passed, errors, warnings, result, fail, drop } = verdict();

  let parsed: ParsedCredential;
  try {
    parsed = parseCredentialJws(extractJws(input));
    const { alg } = parsed.header;
    if (typeof alg !== 'string' || !ALLOWED_ALGORITHMS.includes(alg)) {
      throw new VerifyFailure('UNSUPPORTED_ALGORITHM', 'format', `alg ${shown(alg)} is not accepted; use ${ALLOWED_ALGORITHMS.join(', ')}`);
    }
    passed.push('format');
  } catch (e) {
    fail(e);
    return result();
  }

  // Strings only: anything else in `type` names no kind (and may not even turn into text).
  const types = (Array.isArray(parsed.credential.type) ? parsed.credential.type : [parsed.credential.type]).filter((t): t is string => typeof t === 'string');
  const kind = kindOf(types);
  const described = {
    issuer: { did: parsed.issuer } as NonNullable<VerificationResult['issuer']>,
    credential: {
      ...(typeof parsed.credential.id === 'string' ? { id: parsed.credential.id } : {}),
      type: types,
      ...(kind ? { kind } : {}),
      format: parsed.format,
      ...(parsed.validFrom ? { validFrom: parsed.validFrom.toISOString() } : {}),
      ...(parsed.validUntil ? { validUntil: parsed.validUntil.toISOString() } : {}),
    },
  };

  // Only a school registered here can have issued a credential that passes, and its DID document
  // and status lists are read from the store. Any other issuer is refused as such before anything
  // else: nothing is ever fetched for it, so a credential cannot make the verifier call out.
  const school = await deps.findSchool(parsed.issuer);
  if (!school) {
    errors.push({ code: 'ISSUER_NOT_REGISTERED', check: 'issuer', message: `${shown(parsed.issuer)} is not a school registered here: its credentials are not checked further` });
    return result(described);
  }

  // Signature: nothing else about the credential can be trusted without it.
  let keys;
  let key;
  try {
    try {
      keys = issuerKeys(deps, await deps.resolveDid(parsed.issuer));
    } catch (e) {
      throw new VerifyFailure('DID_RESOLUTION_FAILED', 'signature', `cannot resolve issuer ${parsed.issuer}: ${e instanceof Error ? e.message : 'unknown error'}`);
    }
    key = await keys.keyFor(parsed.header);
    if (!verifyEs256(parsed.signingInput, parsed.signature, key)) {
      throw new VerifyFailure('SIGNATURE_INVALID', 'signature', 'the signature does not verify with the issuer\'s assertion key');
    }
    passed.push('signature');
  } catch (e) {
    fail(e);
    return result(described);
  }

  // Validity window, with a bounded tolerance for clock differences.
  const now = deps.clock().getTime();
  const skew = deps.maxClockSkewSeconds * 1000;
  if (parsed.validFrom && parsed.validFrom.getTime() > now + skew) {
    errors.push({ code: 'NOT_YET_VALID', check: 'validity', message: `valid from ${parsed.validFrom.toISOString()}` });
  } else if (parsed.validUntil && parsed.validUntil.getTime() < now - skew) {
    errors.push({ code: 'EXPIRED', check: 'validity', message: `expired at ${parsed.validUntil.toISOString()}` });
  } else {
    passed.push('validity');
  }

  await checkStatus(deps, parsed, keys).then(
    (w) => {
      warnings.push(...w);
      passed.push('status');
    },
    fail,
  );

  // A status list signed with a key the cached DID document did not list made the verifier read
  // the document again. A key the issuer has withdrawn since (after a compromise, attesto re-signs
  // the school's status lists at once) no longer vouches for the credential.
  try {
    await keys.confirm(parsed.header, key);
  } catch (e) {
    drop('signature');
    fail(e);
  }

  // Named only now: a forged credential is not shown with the school's name.
  described.issuer = { did: parsed.issuer, uai: school.uai, name: school.name };
  const other = otherSchoolNamed({ ids: [parsed.credential.id], subject: parsed.credential.credentialSubject }, kind, { did: parsed.issuer, uai: school.uai });
  if (other) errors.push({ code: 'ISSUER_MISMATCH', check: 'issuer', message: other });
  else passed.push('issuer');

  if (!kind) {
    errors.push({ code: 'UNKNOWN_KIND', check: 'schema', message: 'type names none of EnrollmentCredential, TranscriptCredential, DiplomaCredential' });
  } else {
    const problems = check(SUBJECT_VALIDATORS[kind], parsed.credential.credentialSubject, '/credentialSubject');
    if (problems.length === 0) passed.push('schema');
    else errors.push({ code: 'SCHEMA_INVALID', check: 'schema', message: `${problems[0]!.pointer} ${problems[0]!.message}` });
  }

  return result(described);
}

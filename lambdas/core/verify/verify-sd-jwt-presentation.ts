/**
 * An SD-JWT VC presented by its holder (RFC 9901 §7.3): the disclosures they chose, and a Key
 * Binding JWT signed with the key the credential is bound to (`cnf`), for this verifier
 * (`domain` = its `aud`) and this request (`challenge` = its `nonce`). The checks of a JWT
 * presentation (./verify-presentation.ts), read from the key binding JWT: its signature by the
 * bound key (SIGNATURE_INVALID, HOLDER_NOT_SUPPORTED when unbound), `nonce`, `aud`, and `iat` for
 * validity (at most 5 minutes old). The holder is the wallet key, named as a did:jwk; the one
 * credential (index 0) is verified as by `verifyCredential`.
 */
import type { VerifyDeps } from './ports';
import { VerifyFailure } from './result';
import { boundKey, checkKeyBinding, keyBindingAge, verifySdJwtVc } from './verify-sd-jwt-vc';
import { presentationVerdict, type PresentationOptions, type PresentationResult } from './presentation-result';

export async function verifySdJwtPresentation(deps: VerifyDeps, input: string, options: PresentationOptions): Promise<PresentationResult> {
  const { passed, errors, warnings, result: answer } = presentationVerdict();
  const { result: credential, parsed } = await verifySdJwtVc(deps, input, { keyBinding: 'caller-checks' });
  let holder: string | undefined;
  const result = () => answer(holder, [credential]);

  if (!parsed) {
    errors.push({ code: 'MALFORMED_PRESENTATION', check: 'format', message: `the SD-JWT cannot be read: ${credential.errors.map((e) => e.message).join('; ')}` });
    return result();
  }
  if (!parsed.kb) {
    errors.push({ code: 'MALFORMED_PRESENTATION', check: 'format', message: 'an SD-JWT presentation ends with a key binding JWT by the holder' });
    return result();
  }
  passed.push('format');

  if (!boundKey(parsed)) {
    errors.push({ code: 'HOLDER_NOT_SUPPORTED', check: 'signature', message: 'the credential is not bound to a P-256 key (cnf.jwk): it has no holder to check' });
    return result();
  }
  let kb;
  try {
    kb = checkKeyBinding(parsed);
  } catch (e) {
    if (!(e instanceof VerifyFailure)) throw e;
    errors.push({ code: 'SIGNATURE_INVALID', check: 'signature', message: e.message });
    return result();
  }
  passed.push('signature');
  // The wallet key, named the way attesto names wallet holders (did:jwk, as the OpenID4VCI proof).
  holder = `did:jwk:${Buffer.from(JSON.stringify(kb.holderJwk)).toString('base64url')}`;

  if (options.challenge === undefined) {
    warnings.push({ code: 'NO_CHALLENGE', message: 'no challenge was given: a copy of this presentation would verify as well' });
    passed.push('challenge');
  } else if (kb.nonce === options.challenge) passed.push('challenge');
  else errors.push({ code: 'CHALLENGE_MISMATCH', check: 'challenge', message: 'the key binding JWT does not carry the challenge (nonce) asked for' });
  if (options.domain === undefined) {
    warnings.push({ code: 'NO_DOMAIN', message: 'no domain was given: a presentation made for another verifier would verify as well' });
    passed.push('domain');
  } else if (kb.audiences.includes(options.domain)) passed.push('domain');
  else errors.push({ code: 'DOMAIN_MISMATCH', check: 'domain', message: `the key binding JWT is not addressed (aud) to ${options.domain.slice(0, 200)}` });

  const stale = keyBindingAge(deps, kb.iat);
  if (stale) errors.push({ ...stale, check: 'validity' });
  else passed.push('validity');

  if (credential.verified) passed.push('credentials');
  else errors.push({ code: 'CREDENTIAL_NOT_VERIFIED', check: 'credentials', credential: 0, message: `the credential is not verified: ${credential.errors.map((e) => e.code).join(', ')}` });
  // Signed with the key the credential is bound to: the presenter holds it.
  passed.push('holder');
  return result();
}

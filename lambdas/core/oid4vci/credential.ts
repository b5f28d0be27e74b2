/**
 * The credential endpoint (OpenID4VCI 1.0 §8): an access token and a proof of possession for a
 * credential bound to the wallet's key. Accepts the 1.0 `proofs` form and the earlier `proof`
 * form (answered in the matching response shape). Issuance goes through the same use case as
 * every credential (status entries, audit), with an idempotency key derived from the access
 * token: one token can never yield two credentials, even under concurrent requests.
 */
import type { CoreDeps } from '../deps';
import { isAttestoError } from '../errors';
import type { IssueRequest } from '../requests';
import { issueCredential } from '../use-cases/issue-credential';
import { OAuthError } from './errors';
import { configurationOf, ISSUED_AS } from './metadata';
import { verifyProof } from './proof';
import { lookupHash, unseal } from './sealing';
import type { AccessTokenRecord, WalletStore } from './store';
import { isObject } from '../json';
import { isoSeconds } from '../credential/build';
import { checkDpopProof, type DpopRequest } from './dpop';

/** How the access token was presented: its scheme (RFC 6750 Bearer, or RFC 9449 DPoP) and the request's DPoP header. */
export interface Presentation {
  scheme: 'Bearer' | 'DPoP';
  dpop?: DpopRequest;
}

function proofJwt(body: Record<string, unknown>): { jwt: unknown; legacy: boolean } {
  const { proof, proofs } = body;
  if (proof === undefined && proofs === undefined) throw new OAuthError('invalid_proof', 'a proof of possession of the wallet key (proofs) is required');
  if (proof !== undefined && proofs !== undefined) throw new OAuthError('invalid_credential_request', 'send one of proof or proofs, not both');
  if (proof !== undefined) {
    if (!isObject(proof) || proof.proof_type !== 'jwt') throw new OAuthError('invalid_proof', 'only the jwt proof type is supported');
    return { jwt: proof.jwt, legacy: true };
  }
  if (!isObject(proofs) || Object.keys(proofs).length !== 1 || !Array.isArray(proofs.jwt)) throw new OAuthError('invalid_proof', 'only the jwt proof type is supported');
  if (proofs.jwt.length !== 1) throw new OAuthError('invalid_credential_request', 'one proof per request: batch issuance is not offered');
  return { jwt: proofs.jwt[0], legacy: false };
}

/**
 * Which credential the request names, as the token was granted (OpenID4VCI 1.0 §8.2): by the
 * `credential_identifier` the token response gave, when the wallet asked for the credential with
 * `authorization_details`; otherwise by `credential_configuration_id` (or, in the earlier form,
 * `format`). The other way of naming it "MUST NOT be used".
 */
function checkRequested(body: Record<string, unknown>, token: AccessTokenRecord, granted: { format: string }) {
  const { credential_identifier: identifier, credential_configuration_id: requested } = body;
  if (token.credentialIdentifiers) {
    if (requested !== undefined) throw new OAuthError('invalid_credential_request', 'this token was granted with authorization_details: name the credential by its credential_identifier, not credential_configuration_id');
    if (identifier === undefined) throw new OAuthError('invalid_credential_request', 'credential_identifier is required: the token response named it');
    if (typeof identifier !== 'string') throw new OAuthError('invalid_credential_request', 'credential_identifier must be a string');
    if (!token.credentialIdentifiers.includes(identifier)) throw new OAuthError('unknown_credential_identifier', 'unknown credential_identifier for this token');
    return;
  }
  if (identifier !== undefined) throw new OAuthError('invalid_credential_request', 'credential_identifier is only for a token granted with authorization_details: send credential_configuration_id');
  if (requested !== undefined) {
    if (typeof requested !== 'string' || !configurationOf(requested)) throw new OAuthError('unknown_credential_configuration', 'unknown credential_configuration_id');
    if (requested !== token.configurationId) throw new OAuthError('invalid_credential_request', 'this token was granted for another credential');
  } else if (body.format !== undefined) {
    if (body.format !== granted.format) throw new OAuthError('unsupported_credential_format', `this token was granted for ${granted.format}`);
  } else {
    throw new OAuthError('invalid_credential_request', 'credential_configuration_id is required');
  }
}

/** RFC 6750 §3.1: a request with no token at all is answered with a bare challenge, naming no error. */
export const missingToken = () => new OAuthError('invalid_token', 'an access token is required (Authorization: Bearer, or DPoP with a DPoP proof)', 401, { noCredentials: true });

export async function issueToWallet(deps: CoreDeps & { wallet: WalletStore }, accessToken: string | undefined, body: unknown, presented: Presentation = { scheme: 'Bearer' }) {
  if (accessToken === undefined) throw missingToken();
  // A refused token is challenged in the scheme it came in.
  const unauthorized = (why: string) => new OAuthError('invalid_token', why, 401, { scheme: presented.scheme });
  if (!/^[A-Za-z0-9_-]{43}$/.test(accessToken)) throw unauthorized('a valid access token is required');
  const tokenHash = lookupHash(accessToken);
  const token = await deps.wallet.getAccessToken(tokenHash);
  const now = deps.clock();
  if (!token || token.used || !token.sealed || Date.parse(token.expiresAt) <= now.getTime()) {
    throw unauthorized('the access token is unknown, expired or already used');
  }
  if (token.jkt) {
    // RFC 9449 §7.2: a DPoP-bound token is never accepted as a bearer token; its proof is checked
    // before the request's body.
    if (presented.scheme !== 'DPoP') throw new OAuthError('invalid_token', 'this access token is bound to a key: send it as Authorization: DPoP, with a DPoP proof by that key', 401, { scheme: 'DPoP' });
    await checkDpopProof(deps, presented.dpop?.header, { method: 'POST', url: presented.dpop?.url ?? '', now, boundTo: { tokenHash, jkt: token.jkt } });
  } else if (presented.scheme === 'DPoP') {
    throw unauthorized('this access token is not bound to a key (its token response said Bearer): send it as Authorization: Bearer');
  }
  if (!isObject(body)) throw new OAuthError('invalid_credential_request', 'the body must be a JSON object');

  const granted = configurationOf(token.configurationId);
  if (!granted) throw unauthorized('the access token names a credential that is no longer offered');
  checkRequested(body, token, granted);
  // Encrypted responses are not offered (the issuer metadata lists no credential_response_encryption):
  // a wallet that asks for one gets an error, never the credential in the clear it did not want.
  if (body.credential_response_encryption !== undefined) throw new OAuthError('invalid_encryption_parameters', 'encrypted credential responses are not offered by this issuer (its metadata lists no credential_response_encryption)');

  const { jwt, legacy } = proofJwt(body);
  const proof = await verifyProof(jwt, { audience: token.credentialIssuer, now });
  // Compared as text with the nonce's `expiresAt`, so in the same form (whole seconds, no
  // milliseconds): "10:05:00Z" > "10:05:00.000Z", and a nonce would outlive its end by a second.
  if (!(await deps.wallet.consumeNonce(lookupHash(proof.nonce), isoSeconds(now)))) {
    throw new OAuthError('invalid_nonce', 'the c_nonce is unknown, expired or already used: get a fresh one');
  }

  const school = await deps.store.getSchool(token.uai);
  if (!school) throw unauthorized('the school of this offer no longer exists');
  const credential = unseal<IssueRequest['credential']>(accessToken, 'token', token.sealed);
  const request: IssueRequest = {
    credential: { ...credential, credentialSubject: { ...credential.credentialSubject, id: proof.holder } },
    options: { format: ISSUED_AS[granted.format] },
  };
  let issued;
  try {
    // One token, one credential: an attempt that failed before its credential was committed (the
    // signer throttled, the function stopped) is taken over by the wallet's retry, with whichever
    // key it now proves. One that completed replays only to the same key (its thumbprint, however
    // the proof names it): a second key racing the first must not get a credential too.
    const idempotentOn = { token: tokenHash, configuration: token.configurationId };
    issued = await issueCredential(deps, { school, actor: `wallet:offer:${token.offerId}`, request, idempotencyKey: `oid4vci/${tokenHash}`, idempotentOn, holder: proof.keyThumbprint });
  } catch (e) {
    // Issued already, to another key: a second request with the same token raced the first.
    // (IDEMPOTENCY_IN_PROGRESS goes through as it is, a 409 with Retry-After: another request is
    // redeeming this token, or one was stopped midway; nothing is issued yet, so the wallet retries.)
    // (Or the first attempt, with another key, made the credential and its answer was lost: the
    // credential made for that key is in the school's audit all the same.)
    if (isAttestoError(e) && e.code === 'IDEMPOTENCY_KEY_REUSED') throw unauthorized('this access token has already been used, with another key: send the request again with the key of the first attempt, or ask your school for a new offer');
    // The offer was made while the credential could still be issued, and its validity ended since:
    // no retry will change that (OpenID4VCI 1.0 §8.3.1.2: "unrecoverable").
    if (isAttestoError(e) && e.code === 'VALIDATION_FAILED' && e.errors?.some((f) => /^\/credential\/(validFrom|validUntil|credentialSubject\/endDate)$/.test(f.pointer))) throw new OAuthError('credential_request_denied', `the offered credential can no longer be issued (${e.message}): ask your school for a new offer`);
    throw e;
  }
  // Issued: drop the sealed data; the token is spent.
  await deps.wallet.consumeAccessToken(tokenHash);
  const jws = issued.verifiableCredential as string;
  return legacy ? { credential: jws, format: granted.format } : { credentials: [{ credential: jws }] };
}

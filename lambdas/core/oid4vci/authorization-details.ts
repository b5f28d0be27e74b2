/**
 * `authorization_details` (RFC 9396) of type `openid_credential` in a token request of the
 * pre-authorized code flow (OpenID4VCI 1.0 §5.1.1, §6.1, §6.2). An offer names one credential
 * configuration; a wallet may ask for it by name, and is then told the credential identifier to
 * request it by. Asking for anything else is refused, before any PIN attempt is spent.
 */
import { isObject } from '../json';
import { OAuthError } from './errors';
import type { OfferRecord } from './store';

export const OPENID_CREDENTIAL = 'openid_credential';

/** More entries than this is not a wallet asking for one offer's credential. */
const MAX_ENTRIES = 10;

export interface GrantedDetails {
  type: typeof OPENID_CREDENTIAL;
  credential_configuration_id: string;
  locations?: string[];
  /** OpenID4VCI 1.0 §6.2: the datasets the token may obtain, named in the credential request's `credential_identifier`. */
  credential_identifiers: string[];
}

const invalid = (why: string) => new OAuthError('invalid_authorization_details', why);

/**
 * The authorization details granted for `offer`, or undefined when the request has none. Each
 * entry must be `openid_credential`, name the offer's configuration, and, if it names
 * `locations`, include the offer's credential issuer (§6.1: the issuer lists an authorization
 * server, so a wallet names the issuer it means). `claims` is accepted and not acted on: the
 * credential holds what the school put in the offer, and an SD-JWT VC's holder chooses what to
 * disclose when presenting it.
 */
export function grantedDetails(raw: string | undefined, offer: Pick<OfferRecord, 'configurationId' | 'credentialIssuer' | 'offerId'>): GrantedDetails[] | undefined {
  if (raw === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw invalid('authorization_details is not JSON');
  }
  if (!Array.isArray(parsed) || parsed.length === 0 || parsed.length > MAX_ENTRIES) throw invalid(`authorization_details must be an array of 1 to ${MAX_ENTRIES} objects`);
  let locations: string[] | undefined;
  for (const entry of parsed) {
    if (!isObject(entry)) throw invalid('each authorization_details entry must be an object');
    if (entry.type !== OPENID_CREDENTIAL) throw invalid(`only authorization_details of type ${OPENID_CREDENTIAL} are supported`);
    if (typeof entry.credential_configuration_id !== 'string') throw invalid('credential_configuration_id is required in each authorization_details entry');
    if (entry.credential_configuration_id !== offer.configurationId) throw invalid(`this offer is for ${offer.configurationId} only`);
    // OpenID4VCI 1.0 §5.1.1: "a non-empty array of claims description objects" (RFC 9396 §5: a field of the wrong type is refused).
    if (entry.claims !== undefined && (!Array.isArray(entry.claims) || entry.claims.length === 0 || !entry.claims.every(isObject))) throw invalid('claims must be a non-empty array of claims description objects');
    if (entry.locations !== undefined) {
      if (!Array.isArray(entry.locations) || !entry.locations.every((l): l is string => typeof l === 'string')) throw invalid('locations must be an array of strings');
      if (!entry.locations.includes(offer.credentialIssuer)) throw invalid(`locations must name the offer's credential issuer, ${offer.credentialIssuer}`);
      locations = [offer.credentialIssuer];
    }
  }
  // However many entries named it, the offer's one credential, by its one identifier.
  return [{ type: OPENID_CREDENTIAL, credential_configuration_id: offer.configurationId, ...(locations ? { locations } : {}), credential_identifiers: [credentialIdentifier(offer)] }];
}

/** The identifier of an offer's credential: its offer id, which the school's audit shows too. */
export const credentialIdentifier = (offer: Pick<OfferRecord, 'offerId'>) => offer.offerId;

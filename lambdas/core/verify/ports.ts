import type { JWK } from 'jose';

/** What the verifier needs of a DID document: its keys, and which may assert (sign credentials). */
export interface ResolvedDid {
  did: string;
  verificationMethods: { id: string; publicKeyJwk?: JWK }[];
  /** Ids of the methods listed under `assertionMethod`. */
  assertionMethod: string[];
}

export interface VerifyDeps {
  clock: () => Date;
  /** Tolerated clock difference with the issuer, seconds. */
  maxClockSkewSeconds: number;
  /**
   * Resolves a DID; throws when it cannot be resolved. `refresh` asks for the document as it is
   * now, past any cache: the verifier asks when a JWS names a key of this DID that the document
   * it has does not list (a key rotated in since it was cached). Implementations may refuse to
   * refresh the same DID too often, and then answer from their cache.
   */
  resolveDid(did: string, options?: { refresh?: boolean }): Promise<ResolvedDid>;
  /** Fetches a status list credential (a compact JWS); throws when unreachable. */
  fetchStatusList(url: string): Promise<string>;
  /**
   * The DID of a school registered here, from its HTTPS issuer identifier (an SD-JWT VC's `iss`,
   * `<public URL>/schools/<uai>`); undefined for any other issuer.
   */
  issuerDid(iss: string): string | undefined;
  /** The registered school behind a DID, if any. */
  findSchool(did: string): Promise<{ uai: string; name: string } | undefined>;
}

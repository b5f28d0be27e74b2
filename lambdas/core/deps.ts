import type { Clock, KeyManager, RandomInt, RandomToken, Signer } from './ports';
import type { Store } from './store';

/** Everything the use cases need, injected by the composition root (or a test). */
export interface CoreDeps {
  store: Store;
  signer: Signer;
  clock: Clock;
  randomInt: RandomInt;
  randomToken: RandomToken;
  /** Base URL the service is reached at; DIDs, status list and schema URLs derive from it. */
  publicUrl: string;
  /** Entries per status list (≥ 131,072). */
  listSize: number;
  /**
   * The signer for one school, when signing rights are scoped per school (AWS: a KMS session
   * tagged with the school). Absent: `signer` signs for every school.
   */
  signerFor?: (uai: string) => Signer;
}

/** The signer to use for `uai`: always the school the request was authenticated for. */
export const signerOf = (deps: Pick<CoreDeps, 'signer' | 'signerFor'>, uai: string): Signer => deps.signerFor?.(uai) ?? deps.signer;

export interface OperatorDeps extends CoreDeps {
  keys: KeyManager;
  /** Creates each school's OAuth2 client where schools authenticate that way. */
  schoolClients?: SchoolClientRegistry;
}

/** A school's OAuth2 client credentials (client credentials grant), shown once at registration. */
export interface SchoolClient {
  clientId: string;
  clientSecret: string;
  scopes: string[];
  tokenUrl?: string;
}

export interface SchoolClientRegistry {
  create(uai: string): Promise<SchoolClient>;
  remove(clientId: string): Promise<void>;
}

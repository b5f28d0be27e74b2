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
}

export interface OperatorDeps extends CoreDeps {
  keys: KeyManager;
}

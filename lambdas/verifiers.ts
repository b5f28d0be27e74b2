/**
 * The verifier's view of the world (DID documents, status lists, schools). Kept apart from the
 * composition root so that only the functions that verify bundle it.
 */
import type { Config } from './config';
import type { Store } from './core/store';
import type { VerifyDeps } from './core/verify/ports';
import { verifySources } from './adapters/verify-sources';

export function verifierFor(config: Config, ctx: { store: Store; clock: () => Date }): VerifyDeps {
  return verifySources({
    store: ctx.store,
    publicUrl: config.publicUrl,
    clock: ctx.clock,
    maxClockSkewSeconds: config.maxClockSkewSeconds,
    schoolCacheMs: config.schoolCacheSeconds * 1000,
  });
}

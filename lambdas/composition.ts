/**
 * The composition root: the one place that turns configuration into real adapters.
 * Built once per process (Lambda cold start, local server start).
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Config } from './config';
import type { OperatorDeps, SchoolClientRegistry } from './core/deps';
import type { KeyManager, Signer } from './core/ports';
import type { Store } from './core/store';
import type { VerifyDeps } from './core/verify/ports';
import { documentClient } from './adapters/dynamo/client';
import { DynamoStore } from './adapters/dynamo/dynamo-store';
import { DynamoWalletStore } from './adapters/dynamo/wallet-store';
import type { WalletStore } from './core/oid4vci/store';
import { AttestoError } from './core/errors';

export interface AppDeps {
  config: Config;
  core: OperatorDeps;
  verify: VerifyDeps;
  store: Store;
  wallet: WalletStore;
}

/** For functions that never sign: any attempt is a wiring bug, reported as such. */
export const NO_SIGNER: Signer & KeyManager = {
  sign: async () => {
    throw new AttestoError('INTERNAL', 'this function has no signing right');
  },
  createKey: async () => {
    throw new AttestoError('INTERNAL', 'this function has no signing right');
  },
};

export interface Overrides {
  db?: DynamoDBDocumentClient;
  /** Signing (see signers.ts): a signer, a key manager, and per-school signers where scoped. */
  signing?: { signer: Signer; keys: KeyManager; signerFor?: (uai: string) => Signer };
  /** One signer and key manager for every school (tests). */
  signer?: Signer & KeyManager;
  /** Creates each school's OAuth2 client at registration (see school-clients.ts). */
  schoolClients?: SchoolClientRegistry;
  clock?: () => Date;
  /** The verifier's sources (see verifiers.ts), for the functions that verify; NO_VERIFY otherwise. */
  verifier?: (ctx: { store: Store; clock: () => Date }) => VerifyDeps;
  /**
   * The store, when not the read-write DynamoStore: the read-only functions (verify, documents)
   * pass a DynamoReader (adapters/dynamo-reader.ts), which reads without the AWS SDK.
   */
  store?: Store;
  /** The wallet store, when not DynamoDB's: the read-only functions pass NO_WALLET. */
  wallet?: WalletStore;
}

/**
 * For functions that never deliver to wallets (verify, documents): any use is a wiring bug.
 * Built as a proxy so that it refuses every method of the port, present and future.
 */
export const NO_WALLET: WalletStore = new Proxy({} as WalletStore, {
  get: (_target, method) =>
    method === 'then'
      ? undefined
      : async () => {
          throw new AttestoError('INTERNAL', `this function has no wallet store (${String(method)})`);
        },
});

/** For functions that never verify: any use is a wiring bug. */
export const NO_VERIFY: VerifyDeps = new Proxy({} as VerifyDeps, {
  get: (_target, member) =>
    member === 'then'
      ? undefined
      : () => {
          throw new AttestoError('INTERNAL', `this function has no verifier (${String(member)})`);
        },
});

export function buildDeps(config: Config, overrides: Overrides = {}): AppDeps {
  const db =
    overrides.db ??
    documentClient({
      region: config.region,
      ...(config.dynamoEndpoint
        ? { endpoint: config.dynamoEndpoint, credentials: { accessKeyId: config.dynamoAccessKeyId ?? 'local', secretAccessKey: 'local' } }
        : {}),
    });
  return composeDeps(config, { ...overrides, store: overrides.store ?? new DynamoStore(db, config.tableName), wallet: overrides.wallet ?? new DynamoWalletStore(db, config.tableName) });
}

/**
 * The same wiring over stores built elsewhere, without touching the AWS SDK: the read-only
 * functions (verify, documents) call it with a DynamoReader and NO_WALLET, so that a bundler can
 * leave the DynamoDB SDK out of their bundles (see the README, Performance).
 */
export function composeDeps(config: Config, overrides: Omit<Overrides, 'db'> & { store: Store; wallet: WalletStore }): AppDeps {
  const { store, wallet } = overrides;
  const signing = overrides.signing ?? { signer: overrides.signer ?? NO_SIGNER, keys: overrides.signer ?? NO_SIGNER };
  const clock = overrides.clock ?? (() => new Date());
  const core: OperatorDeps = {
    store,
    signer: signing.signer,
    keys: signing.keys,
    ...(signing.signerFor ? { signerFor: signing.signerFor } : {}),
    ...(overrides.schoolClients ? { schoolClients: overrides.schoolClients } : {}),
    clock,
    randomInt: (max) => randomInt(max),
    randomToken: (bytes) => randomBytes(bytes).toString('base64url'),
    publicUrl: config.publicUrl,
    listSize: config.listSize,
  };
  const verify = overrides.verifier ? overrides.verifier({ store, clock }) : NO_VERIFY;
  return { config, core, verify, store, wallet };
}

/**
 * The CLI's view of the local home: the running server's store when it is up (dynalite holds an
 * exclusive lock on its folder), otherwise the data folder opened directly.
 */
import { loadConfig } from '../config';
import { buildDeps, type AppDeps } from '../composition';
import { signingFor } from '../signers';
import { ensureTable } from '../adapters/dynamo/create-table';
import { existsSync } from 'node:fs';
import { defaultDataDir, ensureDataDir, folderPublicUrl, paths, publicOrigin, runningHome } from '../local/data-dir';
import { startDynalite } from '../local/dynalite';
import { localEnv } from '../local/local-env';

export async function openLocalDeps(): Promise<{ deps: AppDeps; close(): Promise<void> }> {
  const dataDir = defaultDataDir();
  // Run from elsewhere, the CLI would make a new, empty home there and register schools nobody serves.
  if (!existsSync(dataDir)) throw new Error(`no local home at ${dataDir}: run the command where you ran npm start, or set ATTESTO_DATA_DIR (ATTESTO_SIGNER for a deployment)`);
  ensureDataDir(dataDir);
  const asked = publicOrigin(process.env.ATTESTO_PUBLIC_URL ?? `http://127.0.0.1:${process.env.PORT ?? 3000}`);
  const running = runningHome(dataDir);
  // A home started by an earlier version does not say its store's key: its store answers no one else.
  if (running && !running.dynamo?.accessKeyId) throw new Error(`the local home running for ${dataDir} (pid ${running.pid}) is from an earlier version of attesto: stop it and start it again (npm start), then run this again`);
  const embedded = running ? undefined : await startDynalite(paths(dataDir).dynamo);
  const dynamo = running?.dynamo ?? embedded!;
  // The folder's own address (its schools' DIDs), whatever port the home runs on now, or last ran on.
  // (A running home has saved it already.)
  const publicUrl = folderPublicUrl(dataDir, asked);
  const config = loadConfig({ ...process.env, ...localEnv({ dataDir, dynamo, publicUrl }) });
  await ensureTable({ region: config.region, endpoint: dynamo.endpoint, credentials: { accessKeyId: dynamo.accessKeyId, secretAccessKey: 'local' } }, config.tableName);
  return { deps: buildDeps(config, { signing: signingFor(config) }), close: async () => embedded?.close() };
}

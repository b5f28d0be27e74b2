/**
 * The embedded DynamoDB-compatible store of the local home: dynalite, on loopback only, in a
 * worker thread of the same process (./dynalite-worker.mjs). On AWS the functions do not pay for
 * DynamoDB's own work; here the store, written in JavaScript, would otherwise take its CPU from
 * the handlers' event loop.
 */
import { randomBytes } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { ensureDataDir } from './data-dir';

export interface EmbeddedDynamo {
  endpoint: string;
  /**
   * The access key id the store accepts, made for this run: the only credential it checks (it
   * checks no signature). It stays in the process and in the data folder's runtime.json (0600).
   */
  accessKeyId: string;
  close(): Promise<void>;
}

/** Resolves with the worker's first message that `accept`s, or rejects if the worker fails or ends first. */
function reply<T>(worker: Worker, accept: (message: unknown) => T | undefined): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: unknown) => {
      const value = accept(message);
      if (value === undefined) return;
      done();
      resolve(value);
    };
    const onError = (error: Error) => (done(), reject(error));
    const onExit = (code: number) => (done(), reject(new Error(`the dynalite worker ended (exit code ${code})`)));
    const done = () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    worker.on('message', onMessage);
    worker.once('error', onError);
    worker.once('exit', onExit);
  });
}

/** Starts dynalite persisting under `path` (in memory when undefined). */
export async function startDynalite(path?: string): Promise<EmbeddedDynamo> {
  // The store's folder is the user's alone, like the rest of the data folder (dynalite would make it readable to all).
  if (path) ensureDataDir(path);
  const accessKeyId = `LOCAL${randomBytes(24).toString('hex').toUpperCase()}`;
  const worker = new Worker(new URL('./dynalite-worker.mjs', import.meta.url), { workerData: { path, accessKeyId } });
  let exited = false;
  worker.once('exit', () => (exited = true));
  // A store that dies later is said, not swallowed: every request would then fail with a 503.
  worker.on('error', (error) => process.stderr.write(`attesto: the embedded store failed: ${error.message}\n`));
  const ready = await reply(worker, (m) => (typeof m === 'object' && m !== null ? (m as { port?: number; error?: string }) : undefined)).catch(async (e: unknown) => {
    await worker.terminate();
    throw e;
  });
  if (!ready.port) {
    await worker.terminate();
    throw new Error(`dynalite did not start: ${ready.error ?? 'no port'}`);
  }
  // The local home's HTTP server keeps the process alive, not the store.
  worker.unref();
  let closed: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${ready.port}`,
    accessKeyId,
    close: () =>
      (closed ??= (async () => {
        if (exited) return;
        worker.postMessage('close');
        // A dead worker ends the wait too: closing never hangs.
        await reply(worker, (m) => (m === 'closed' ? true : undefined)).catch(() => undefined);
        await worker.terminate();
      })()),
  };
}

/**
 * The embedded DynamoDB-compatible store of the local home: dynalite, on loopback only, in a
 * worker thread of the same process (./dynalite-worker.mjs). On AWS the functions do not pay for
 * DynamoDB's own work; here the store, written in JavaScript, would otherwise take its CPU from
 * the handlers' event loop.
 */
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';

export interface EmbeddedDynamo {
  endpoint: string;
  close(): Promise<void>;
}

/** Starts dynalite persisting under `path` (in memory when undefined). */
export async function startDynalite(path?: string): Promise<EmbeddedDynamo> {
  const worker = new Worker(new URL('./dynalite-worker.mjs', import.meta.url), { workerData: { path } });
  const [ready] = (await Promise.race([once(worker, 'message'), once(worker, 'error').then(([e]) => Promise.reject(e))])) as [{ port?: number; error?: string }];
  if (!ready.port) {
    await worker.terminate();
    throw new Error(`dynalite did not start: ${ready.error ?? 'no port'}`);
  }
  // The local home's HTTP server keeps the process alive, not the store.
  worker.unref();
  let closed: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${ready.port}`,
    close: () =>
      (closed ??= (async () => {
        worker.postMessage('close');
        await once(worker, 'message');
        await worker.terminate();
      })()),
  };
}

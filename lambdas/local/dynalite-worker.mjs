// dynalite in a worker thread of the local home: the store's work runs beside the Lambda
// handlers, not on their event loop, as DynamoDB is its own service on AWS. Plain JavaScript, so
// that the thread starts under any loader (tsx for `npm start`, vitest for the tests).
import { createRequire } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';

const dynalite = createRequire(import.meta.url)('dynalite');
const server = dynalite({ ...(workerData.path ? { path: workerData.path } : {}), createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
server.once('error', (error) => parentPort.postMessage({ error: error.message }));
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));

parentPort.on('message', (message) => {
  if (message !== 'close') return;
  // dynalite's close also closes its LevelDB, which flushes it and releases its lock.
  server.close(() => parentPort.postMessage('closed'));
  server.closeAllConnections?.();
});

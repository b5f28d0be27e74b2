// dynalite in a worker thread of the local home: the store's work runs beside the Lambda
// handlers, not on their event loop, as DynamoDB is its own service on AWS. Plain JavaScript, so
// that the thread starts under any loader (tsx for `npm start`, vitest for the tests).
//
// dynalite checks no signature and answers any web origin (CORS `*`): on its own, any local user,
// or any page open in a browser, could read and rewrite the store. Only callers holding this
// run's access key id (in the data folder's runtime.json, mode 0600) get through, and nothing a
// browser sends: no Origin header, no preflight, no Host but loopback (DNS rebinding).
import { createRequire } from 'node:module';
import { timingSafeEqual } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';

const dynalite = createRequire(import.meta.url)('dynalite');
const server = dynalite({ ...(workerData.path ? { path: workerData.path } : {}), createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
const [handle] = server.listeners('request');
server.removeAllListeners('request');

const expected = Buffer.from(workerData.accessKeyId, 'utf8');
/** The access key id of a SigV4 Authorization header (`… Credential=<id>/<date>/…`), which is sent in the clear. */
const accessKeyIdOf = (authorization) => /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\//.exec(authorization ?? '')?.[1];
const isHeld = (id) => id !== undefined && Buffer.byteLength(id) === expected.length && timingSafeEqual(Buffer.from(id, 'utf8'), expected);

server.on('request', (req, res) => {
  const { port } = server.address();
  const loopback = req.headers.host === `127.0.0.1:${port}` || req.headers.host === `localhost:${port}`;
  if (req.method === 'POST' && req.headers.origin === undefined && loopback && isHeld(accessKeyIdOf(req.headers.authorization))) return handle(req, res);
  // As DynamoDB answers an unknown access key.
  const body = JSON.stringify({ __type: 'com.amazon.coral.service#UnrecognizedClientException', message: 'The security token included in the request is invalid.' });
  res.writeHead(403, { 'content-type': 'application/x-amz-json-1.0', 'content-length': Buffer.byteLength(body) });
  res.end(body);
  req.resume();
});
server.once('error', (error) => parentPort.postMessage({ error: error.message }));
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));

parentPort.on('message', (message) => {
  if (message !== 'close') return;
  // dynalite's close also closes its LevelDB, which flushes it and releases its lock.
  server.close(() => parentPort.postMessage('closed'));
  server.closeAllConnections?.();
});

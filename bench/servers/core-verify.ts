/**
 * The ceiling of any verify endpoint built on attesto's verification: a bare Node HTTP server
 * (as bench/servers/bare-verify.ts) that runs the complete verification (lambdas/core/verify:
 * signature, validity, status lists, issuer, schema) with an in-memory store, and answers with
 * its result. No Lambda event, no web framework, no database. Prints `{url, jws}` when ready:
 * the token is one this server's own world issued.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyCredential } from '../../lambdas/core/verify/verify-credential';
import { inProcessWorld } from '../lib/world';

const w = await inProcessWorld();
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', async () => {
    const { verifiableCredential } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { verifiableCredential: string };
    const result = await verifyCredential(w.verify, verifiableCredential);
    const body = JSON.stringify(result);
    res.writeHead(result.verified ? 200 : 400, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, jws: w.jws })));
process.on('SIGTERM', () => server.close(() => process.exit(0)));

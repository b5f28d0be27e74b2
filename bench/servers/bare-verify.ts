/**
 * The baseline for HTTP verification: a bare Node HTTP server that reads the same request body,
 * and checks the ES256 signature of the same token with node:crypto and a cached key. No
 * routing, no status list, no schema: the ceiling any verify endpoint on this machine is under.
 * The public key comes as a JWK in BARE_PUBLIC_JWK. Prints `{url}` when ready.
 */
import { createPublicKey, verify } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

const key = createPublicKey({ key: JSON.parse(process.env.BARE_PUBLIC_JWK ?? '{}'), format: 'jwk' });
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const { verifiableCredential: jws } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { verifiableCredential: string };
    const dot = jws.lastIndexOf('.');
    const ok = verify('sha256', Buffer.from(jws.slice(0, dot)), { key, dsaEncoding: 'ieee-p1363' }, Buffer.from(jws.slice(dot + 1), 'base64url'));
    const body = JSON.stringify({ verified: ok });
    res.writeHead(ok ? 200 : 400, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  });
});
server.listen(0, '127.0.0.1', () => console.log(JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })));
process.on('SIGTERM', () => server.close(() => process.exit(0)));

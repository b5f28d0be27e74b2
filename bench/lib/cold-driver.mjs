// Cold start of one Lambda bundle, in a fresh process: module init (import), then the first
// event (configuration, composition, app) on a path no route has, so no I/O is involved.
const t0 = performance.now();
const mod = await import(process.argv[2]);
const t1 = performance.now();
let status;
try {
  const now = new Date();
  const event = {
    version: '2.0', routeKey: '$default', rawPath: '/__cold-start', rawQueryString: '', headers: { host: 'localhost' },
    requestContext: { accountId: 'bench', apiId: 'bench', domainName: 'localhost', domainPrefix: 'localhost', http: { method: 'GET', path: '/__cold-start', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'bench' }, requestId: 'cold', routeKey: '$default', stage: '$default', time: now.toUTCString(), timeEpoch: now.getTime() },
    isBase64Encoded: false,
  };
  const out = await mod.handler(event, { getRemainingTimeInMillis: () => 10_000 });
  status = out.statusCode ?? (out.isAuthorized !== undefined ? `isAuthorized: ${out.isAuthorized}` : 'answered');
} catch (e) {
  status = `error: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`;
}
const t2 = performance.now();
process.stdout.write(JSON.stringify({ importMs: t1 - t0, firstEventMs: t2 - t1, status }));

/**
 * `npm start`: the local home on http://127.0.0.1:$PORT (default: the port its data folder was
 * first served on, 3000 for a new folder).
 */
// The environment comes first: the modules loaded below read it when they load (logger, SDK).
process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
process.env.POWERTOOLS_SERVICE_NAME ??= 'attesto-local';
// Metrics are for CloudWatch (embedded metric format); on a laptop they would only clutter the output.
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
// The local home runs on Node 20+; the SDK's notice about its future Node 22 floor is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { defaultDataDir, savedPublicUrl } = await import('./data-dir');
const { LocalHomeError, startLocalServer } = await import('./server');

const dataDir = defaultDataDir();
let server: Awaited<ReturnType<typeof startLocalServer>>;
try {
  // A folder's schools have their DIDs under the address it was first served at: by default, serve it there again.
  const folderUrl = savedPublicUrl(dataDir);
  const folderPort = folderUrl && !process.env.ATTESTO_PUBLIC_URL ? new URL(folderUrl).port : undefined;
  const port = Number(process.env.PORT ?? (folderPort || 3000));
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new LocalHomeError(`PORT must be a port number (got "${process.env.PORT}")`);
  server = await startLocalServer({
    dataDir,
    port,
    host: process.env.HOST ?? '127.0.0.1',
    ...(process.env.ATTESTO_PUBLIC_URL ? { publicUrl: process.env.ATTESTO_PUBLIC_URL } : {}),
  });
} catch (e) {
  if (!(e instanceof LocalHomeError)) throw e;
  console.error(`attesto cannot start: ${e.message}`);
  process.exit(1);
}
const { demo } = server;
console.log(`
attesto is running at ${server.url}   (data: ${dataDir})

Demo school  ${demo.name}
  UAI        ${demo.uai}
  DID        ${demo.did}
  API token  ${demo.token}
  (saved in ${dataDir}/demo-school.json, mode 0600)

Try it:
  ${demo.try.issue}

  then verify the JWT it returns (its "verifiableCredential", in place of <jwt>):
  ${demo.try.verify}

  the same as an SD-JWT VC (selective disclosure; verify it the same way):
  ${demo.try.issueSdJwt}

  and revoke it by its credentialId:
  ${demo.try.revoke}

Operate it (schools, keys, audit trail): npx attesto --help, run from this folder
  (the operator routes' token is in ${dataDir}/operator.json)
The README's walkthrough goes further: wallets (OpenID4VCI), presentations, a year group as one job.

OpenAPI: ${server.url}/openapi.json      Stop: Ctrl+C
`);

const stop = async () => {
  await server.close();
  process.exit(0);
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);

export {};

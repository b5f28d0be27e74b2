/**
 * The local home (`npm start`) for the benchmark: the same Lambda handlers behind the API Gateway
 * adapter, dynalite in memory, local keys. Prints `{url, token, did}` as one JSON line when ready.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalServer } from '../../lambdas/local/server';

process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const server = await startLocalServer({ dataDir: mkdtempSync(join(tmpdir(), 'attesto-bench-home-')), inMemory: true, port: 0, host: '127.0.0.1' });
console.log(JSON.stringify({ url: server.url, token: server.demo.token, did: server.demo.did, uai: server.demo.uai }));
process.on('SIGTERM', async () => {
  await server.close();
  process.exit(0);
});

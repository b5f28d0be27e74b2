/**
 * The local home: the exact Lambda handlers of lambdas/handlers/, behind a small HTTP server
 * that does what API Gateway does (route matching by the shared route table, payload 2.0
 * events), with dynalite as the store and local keys as the signer.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { loadConfig } from '../config';
import { buildDeps } from '../composition';
import { signingFor } from '../signers';
import { ensureTable } from '../adapters/dynamo/create-table';
import { AttestoError } from '../core/errors';
import { problemHeaders, problemOf } from '../http/problem';
import { methodsOf, ROUTES, routeKey, routeRegex, type RouteGroup } from '../http/routes';
import { CORS } from '../http/cors';
import { toApiGatewayEvent, writeResult } from './apigw-event';
import { existsSync, rmSync } from 'node:fs';
import { ensureDataDir, folderPublicUrl, LocalHomeError, paths, publicOrigin, runningHome, savedPublicUrl, writePrivateJson, type RuntimeRecord } from './data-dir';
import { ensureDemoSchool, type DemoSchool } from './demo';
import { startDynalite } from './dynalite';
import { localEnv } from './local-env';

type Handler = (event: APIGatewayProxyEventV2, context?: Context) => Promise<APIGatewayProxyStructuredResultV2>;

export interface LocalServerOptions {
  dataDir: string;
  port?: number;
  host?: string;
  /** Keep the store in memory (tests); otherwise it persists in the data folder. */
  inMemory?: boolean;
  /** Public base URL, when the server is reached through another address (default: its own). */
  publicUrl?: string;
  /** Extra environment for the handlers. */
  env?: Record<string, string>;
}

export interface LocalServer {
  url: string;
  port: number;
  dataDir: string;
  demo: DemoSchool;
  /** The embedded store and the access key id it accepts (tests read it directly). */
  dynamo: { endpoint: string; accessKeyId: string };
  close(): Promise<void>;
}

/** API Gateway's own limit for a request payload; the app applies its smaller limit itself. */
const HARD_BODY_LIMIT = 10 * 1024 * 1024;

const compiled = ROUTES.map((r) => ({ ...r, regex: routeRegex(r.path), methods: methodsOf(r) as string[] }));

/** What the local server itself refuses, in the same problem+json as the handlers' (./http/problem.ts). */
function localProblem(res: ServerResponse, err: AttestoError, extra: Record<string, string> = {}) {
  const body = JSON.stringify(problemOf(err));
  res.writeHead(err.status, { ...problemHeaders(err), 'content-length': String(Buffer.byteLength(body)), ...extra });
  res.end(body);
}

/** The whole body, or undefined past the hard limit (events rather than `for await`: this is per request). */
function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > HARD_BODY_LIMIT) {
        req.removeAllListeners('data');
        req.resume();
        resolve(undefined);
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(size > HARD_BODY_LIMIT ? undefined : chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * Whether the request has a header (name in lower case), from its raw headers: `req.headers`
 * would build an object of them all on every request, which the verify path does not need.
 */
function hasHeader(req: IncomingMessage, name: string): boolean {
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) if (raw[i]!.length === name.length && raw[i]!.toLowerCase() === name) return true;
  return false;
}

export { LocalHomeError };

export async function startLocalServer(opts: LocalServerOptions): Promise<LocalServer> {
  // Refused before anything is written: a folder saves the address it was first served at.
  const askedPublicUrl = opts.publicUrl === undefined ? undefined : publicOrigin(opts.publicUrl);
  // A folder made by a start that is then refused (its port taken) is removed: nothing is left behind.
  const madeHere = !existsSync(opts.dataDir);
  ensureDataDir(opts.dataDir);
  const files = paths(opts.dataDir);
  // The store holds a lock on its folder: a second home on it would fail deep inside dynalite.
  const other = runningHome(opts.dataDir);
  if (other && other.pid !== process.pid) {
    throw new LocalHomeError(`the data folder ${opts.dataDir} is in use by the local home at ${other.url} (pid ${other.pid}): stop it first, or start this one with another folder (ATTESTO_DATA_DIR=…)`);
  }
  const dynamo = await startDynalite(opts.inMemory ? undefined : files.dynamo);

  let handlers: Record<RouteGroup, Handler> | undefined;
  const server = createServer(async (req, res) => {
    try {
      if (!handlers) return localProblem(res, new AttestoError('STORE_UNAVAILABLE', 'attesto is starting; retry', { retryAfter: 1 }));
      // Appended, not resolved: a path starting with "//" would otherwise be read as a host. A
      // target that is no path (`*`, an absolute URL) leads nowhere.
      const target = `http://localhost${req.url ?? '/'}`;
      if (!req.url?.startsWith('/') || !URL.canParse(target)) return localProblem(res, new AttestoError('NOT_FOUND', 'the request target is not a path'));
      const url = new URL(target);
      const path = url.pathname;
      const candidates = compiled.filter((r) => r.regex.test(path));
      // CORS, as the HTTP API does it (./http/cors.ts): preflight answered here, before any handler.
      if (hasHeader(req, 'origin')) {
        res.setHeader('access-control-allow-origin', '*');
        res.setHeader('access-control-expose-headers', CORS.exposeHeaders.join(','));
        if (req.method === 'OPTIONS' && hasHeader(req, 'access-control-request-method') && candidates.length) {
          req.resume();
          res.writeHead(204, {
            'access-control-allow-methods': CORS.allowMethods.join(','),
            'access-control-allow-headers': CORS.allowHeaders.join(','),
            'access-control-max-age': String(CORS.maxAgeSeconds),
          });
          return res.end();
        }
      }
      const route = candidates.find((r) => r.methods.includes(req.method!));
      if (!route) {
        req.resume();
        if (candidates.length) return localProblem(res, new AttestoError('METHOD_NOT_ALLOWED', `${req.method} is not allowed here`), { allow: candidates.flatMap((r) => r.methods).join(', ') });
        return localProblem(res, new AttestoError('NOT_FOUND', `no route ${req.method} ${path.slice(0, 200)}`));
      }
      const body = await readBody(req);
      if (!body) return localProblem(res, new AttestoError('BODY_TOO_LARGE', 'the body is too large'), { connection: 'close' });
      let pathParameters: Record<string, string>;
      try {
        pathParameters = Object.fromEntries(Object.entries(route.regex.exec(path)?.groups ?? {}).map(([k, v]) => [k, decodeURIComponent(v)]));
      } catch {
        // Malformed percent-encoding (`/schemas/%`): nothing is there, as API Gateway would say.
        return localProblem(res, new AttestoError('NOT_FOUND', 'the path is not valid percent-encoding'));
      }
      // As the gateway sends it: a HEAD comes by its own route (Node's server then sends no body).
      const event = toApiGatewayEvent(req, body, { routeKey: routeKey({ method: req.method!, path: route.path }), pathParameters }, url);
      // As the gateway does: the request id its logs carry, for the caller to quote.
      res.setHeader('apigw-requestid', event.requestContext.requestId);
      writeResult(res, await handlers[route.group](event), req.method === 'HEAD');
    } catch {
      if (!res.headersSent) localProblem(res, new AttestoError('INTERNAL', 'an unexpected error occurred'));
      else res.destroy();
    }
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
    });
  } catch (e) {
    await dynamo.close();
    if (madeHere) rmSync(opts.dataDir, { recursive: true, force: true });
    if ((e as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      const saved = savedPublicUrl(opts.dataDir);
      throw new LocalHomeError(`port ${opts.port} is in use: stop what listens there, or start on another port (PORT=…)${saved ? ` answering as this folder's address (ATTESTO_PUBLIC_URL=${saved}), which its schools' DIDs contain` : ''}`);
    }
    throw e;
  }
  const port = (server.address() as AddressInfo).port;
  const url = `http://${opts.host ?? '127.0.0.1'}:${port}`;
  const publicUrl = askedPublicUrl ?? url;
  // The folder's schools have their DIDs under the address it was first served at: under another,
  // attesto would sign credentials its own verifier refuses (ISSUER_NOT_REGISTERED).
  const folderUrl = folderPublicUrl(opts.dataDir, publicUrl);
  if (folderUrl !== publicUrl) {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await dynamo.close();
    const folder = new URL(folderUrl);
    const here = new URL(url);
    // Where the folder's address is this machine, it can simply be served there again.
    const local = ['127.0.0.1', 'localhost', '[::1]'].includes(folder.hostname) && folder.protocol === 'http:';
    const at = [folder.port !== here.port ? `PORT=${folder.port || 80}` : '', folder.hostname !== here.hostname ? `HOST=${folder.hostname}` : ''].filter(Boolean).join(' ');
    throw new LocalHomeError(
      `the schools of ${opts.dataDir} have their DIDs under ${folderUrl}, and this home would answer as ${publicUrl}: their credentials would not verify. ${local && at ? `Start it at that address (${at}), or answer` : 'Answer'} as that address from here (ATTESTO_PUBLIC_URL=${folderUrl}), or use another data folder (ATTESTO_DATA_DIR=…)`,
    );
  }

  // The handlers read their environment at cold start, like on AWS: set it before loading them.
  Object.assign(process.env, localEnv({ dataDir: opts.dataDir, dynamo, publicUrl }), opts.env ?? {});
  const config = loadConfig(process.env);
  const deps = buildDeps(config, { signing: signingFor(config) });
  await ensureTable({ region: config.region, endpoint: dynamo.endpoint, credentials: { accessKeyId: dynamo.accessKeyId, secretAccessKey: 'local' } }, config.tableName);
  const demo = await ensureDemoSchool(deps, opts.dataDir, config.publicUrl);
  handlers = {
    issuer: (await import('../handlers/issuer')).handler,
    verifier: (await import('../handlers/verifier')).handler,
    documents: (await import('../handlers/documents')).handler,
    operator: (await import('../handlers/operator')).handler,
    wallet: (await import('../handlers/wallet')).handler,
  };
  writePrivateJson(files.runtime, { pid: process.pid, url, dynamo: { endpoint: dynamo.endpoint, accessKeyId: dynamo.accessKeyId } } satisfies RuntimeRecord);

  return {
    url,
    port,
    dataDir: opts.dataDir,
    demo,
    dynamo: { endpoint: dynamo.endpoint, accessKeyId: dynamo.accessKeyId },
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await dynamo.close();
      // Stopped: the folder is free (a later process that happens to get this pid must not look like us).
      rmSync(files.runtime, { force: true });
    },
  };
}

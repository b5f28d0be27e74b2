/**
 * Bundling a Lambda entry point exactly as lib/constructs/attesto-function.ts has the CDK do it
 * (lib/bundling.ts: esbuild, ESM, node22, module-first main fields, minified, source map, require
 * shim), for size checks and cold-start measurements.
 */
import { build } from 'esbuild';
import { statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { BUNDLING, REQUIRE_SHIM } from '../../lib/bundling';

export interface BundleInfo {
  name: string;
  file: string;
  bytes: number;
  /** The bundle contains the AWS SDK's KMS client. */
  kms: boolean;
  /** The bundle contains the AWS SDK's DynamoDB client or document client. */
  dynamoSdk: boolean;
  /** The largest packages in the bundle, bytes. */
  top: Record<string, number>;
  /** Every npm package in the bundle. */
  packages: string[];
}

export async function bundleHandler(entry: string, outDir: string): Promise<BundleInfo> {
  const name = basename(entry, '.ts');
  const file = join(outDir, `${name}.mjs`);
  const result = await build({
    entryPoints: [entry],
    outfile: file,
    bundle: true,
    platform: BUNDLING.platform,
    format: BUNDLING.format,
    target: BUNDLING.target,
    mainFields: [...BUNDLING.mainFields],
    banner: { js: REQUIRE_SHIM },
    minify: BUNDLING.minify,
    sourcemap: BUNDLING.sourceMap ? BUNDLING.sourceMapMode : false,
    sourcesContent: BUNDLING.sourcesContent,
    metafile: true,
    logLevel: 'error',
  });
  // The bundle's inputs (the source map is the other output).
  const inputs = Object.entries(result.metafile.outputs).find(([out]) => out.endsWith('.mjs'))![1].inputs;
  const packages: Record<string, number> = {};
  for (const [path, { bytesInOutput }] of Object.entries(inputs)) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
    const key = m ? m[1]! : 'attesto';
    packages[key] = (packages[key] ?? 0) + bytesInOutput;
  }
  const top = Object.fromEntries(Object.entries(packages).sort((a, b) => b[1] - a[1]).slice(0, 8));
  return {
    name,
    file,
    bytes: statSync(file).size,
    kms: Object.keys(inputs).some((p) => p.includes('node_modules/@aws-sdk/client-kms/')),
    dynamoSdk: Object.keys(inputs).some((p) => /node_modules\/@aws-sdk\/(client-dynamodb|lib-dynamodb)\//.test(p)),
    top,
    packages: Object.keys(packages).filter((p) => p !== 'attesto'),
  };
}

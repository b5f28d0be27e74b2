/**
 * Bundling a Lambda entry point exactly as lib/constructs/attesto-function.ts has the CDK do it
 * (esbuild, ESM, node22, module-first main fields, minified, require shim), for size checks and
 * cold-start measurements.
 */
import { build } from 'esbuild';
import { statSync } from 'node:fs';
import { basename, join } from 'node:path';

export const REQUIRE_SHIM = "import { createRequire as __attestoRequire } from 'node:module'; const require = __attestoRequire(import.meta.url);";

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
    platform: 'node',
    format: 'esm',
    target: 'node22',
    mainFields: ['module', 'main'],
    banner: { js: REQUIRE_SHIM },
    minify: true,
    metafile: true,
    logLevel: 'error',
  });
  const inputs = Object.values(result.metafile.outputs)[0]!.inputs;
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

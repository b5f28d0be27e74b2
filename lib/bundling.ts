/**
 * How every Lambda bundle is built, in one place: the stack (constructs/attesto-function.ts)
 * builds with it, and the benchmark and the bundle tests rebuild with it, so what they measure is
 * what deploys. No aws-cdk-lib import here: the benchmark loads this without the CDK.
 */

/** ESM bundles still contain CommonJS dependencies that call require(). */
export const REQUIRE_SHIM = "import { createRequire as __attestoRequire } from 'node:module'; const require = __attestoRequire(import.meta.url);";

export const BUNDLING = {
  format: 'esm',
  platform: 'node',
  target: 'node22',
  mainFields: ['module', 'main'],
  minify: true,
  /**
   * A .map file beside the bundle and linked from its last line (esbuild's `linked`, what the CDK's
   * `sourceMap: true` asks for), without the sources: stack traces name lambdas/ files and lines.
   */
  sourceMap: true,
  sourceMapMode: 'linked',
  sourcesContent: false,
} as const;

/** What makes Node read those maps; each function's environment sets it. */
export const FUNCTION_NODE_OPTIONS = '--enable-source-maps';

/**
 * How every Lambda bundle is built, in one place: the stack (constructs/attesto-function.ts)
 * builds with it, and the benchmark and the bundle tests rebuild with it, so what they measure is
 * what deploys. No aws-cdk-lib import here: the benchmark loads this without the CDK.
 */

/** ESM bundles still contain CommonJS dependencies that call require(). */
export const REQUIRE_SHIM = "import { createRequire as __attestoRequire } from 'node:module'; const require = __attestoRequire(import.meta.url);";

export const BUNDLING = {
  target: 'node22',
  mainFields: ['module', 'main'],
  minify: true,
  /** An external .map file, without the sources: stack traces name lambdas/ files and lines. */
  sourceMap: true,
  sourcesContent: false,
} as const;

/** What makes Node read those maps; each function's environment sets it. */
export const FUNCTION_NODE_OPTIONS = '--enable-source-maps';

/**
 * What each Lambda function carries, bundled exactly as the CDK stack bundles it. Sizes are
 * deterministic (no timing here): a function that never signs must not bundle a KMS client, and
 * no function may grow past 1 MB. Cold-start times are measured by `npm run bench`.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { bundleHandler, type BundleInfo } from '../../bench/lib/bundle';

const KB = 1024;
const bundles = new Map<string, BundleInfo>();

beforeAll(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'attesto-bundles-'));
  for (const entry of readdirSync('lambdas/handlers').filter((f) => f.endsWith('.ts'))) {
    const b = await bundleHandler(join('lambdas/handlers', entry), dir);
    bundles.set(b.name, b);
  }
}, 120_000);

const describeBundle = (b: BundleInfo) => `${b.name}: ${(b.bytes / KB).toFixed(0)} KB, largest: ${JSON.stringify(b.top)}`;

describe('Lambda bundles', () => {
  it('exist for the read-only functions and the signing ones', () => {
    for (const name of ['verifier', 'documents', 'issuer', 'operator']) expect(bundles.has(name), name).toBe(true);
  });

  it('carry no KMS client where nothing is signed (verify, public documents)', () => {
    for (const name of ['verifier', 'documents']) expect(bundles.get(name)!.kms, describeBundle(bundles.get(name)!)).toBe(false);
    // The check itself can fail: the issuer signs, so it does carry one.
    expect(bundles.get('issuer')!.kms).toBe(true);
  });

  it('are built as the stack builds them: with an external source map (the size is the code alone)', () => {
    for (const b of bundles.values()) {
      expect(existsSync(`${b.file}.map`), b.name).toBe(true);
      expect(readFileSync(b.file, 'utf8').trimEnd().endsWith(`//# sourceMappingURL=${b.name}.mjs.map`), b.name).toBe(true);
    }
  });

  it('stay under 1 MB each', () => {
    for (const b of bundles.values()) expect(b.bytes, describeBundle(b)).toBeLessThan(1_000_000);
  });

  // The read-only functions compose without the DynamoDB SDK (DynamoReader), validation runs
  // Ajv's code compiled ahead of time (no schema compiler), and only the verifier bundles the
  // verifier's sources.
  it('verify: at most 200 KB, and no AWS SDK DynamoDB client', () => {
    const v = bundles.get('verifier')!;
    expect(v.dynamoSdk, describeBundle(v)).toBe(false);
    expect(v.bytes, describeBundle(v)).toBeLessThanOrEqual(200 * KB);
  });

  // Verification is the hot path: its function answers API Gateway events directly, without the
  // web framework (and its WHATWG Request/Response round trip) the other route groups use.
  it('carry no schema authoring library where no schema is published: validators are compiled ahead of time', () => {
    // The documents function serves the JSON Schemas and the OpenAPI description, built from TypeBox.
    for (const b of bundles.values()) if (b.name !== 'documents') expect(b.packages, b.name).not.toContain('@sinclair/typebox');
    expect(bundles.get('documents')!.packages).toContain('@sinclair/typebox');
  });

  it('verify: no web framework in the hot path', () => {
    expect(bundles.get('verifier')!.packages).not.toContain('hono');
    // The check itself can fail: the other groups are Hono apps.
    expect(bundles.get('documents')!.packages).toContain('hono');
  });
});

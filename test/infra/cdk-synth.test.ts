/**
 * `npx cdk synth`, exactly as a deployer (or CI) runs it: through cdk.json and tsx, with no AWS
 * credentials, no network needed and no Docker. CDK_DOCKER points at a binary that always fails,
 * so a bundle that fell back to Docker would fail the synth.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CDK_APP_COMMAND } from './synth';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The CLI's environment: no AWS credentials, config or instance metadata to look for (the CLI asks
 * the credential chain for a default account, which would call STS, or probe 169.254.169.254),
 * no Docker, no telemetry. Nothing leaves the machine.
 */
const OFFLINE = {
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_') && !k.startsWith('CDK_'))),
  AWS_CONFIG_FILE: '/nonexistent',
  AWS_SHARED_CREDENTIALS_FILE: '/nonexistent',
  AWS_EC2_METADATA_DISABLED: 'true',
  CDK_DOCKER: '/bin/false',
  CDK_DISABLE_CLI_TELEMETRY: 'true',
};

describe('cdk synth', () => {
  it('runs the app with tsx from cdk.json', () => {
    expect(CDK_APP_COMMAND).toBe('npx tsx lib/app.ts');
  });

  it('synthesizes both stacks offline, without AWS credentials or Docker, passing cdk-nag', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'attesto-cli-'));
    const result = spawnSync('npx', ['cdk', 'synth', '--quiet', '--no-notices', '--output', outdir], { cwd: ROOT, encoding: 'utf8', timeout: 110_000, env: OFFLINE });

    expect(result.status, `${result.stdout}\n${result.stderr}`).toBe(0);
    for (const stack of ['Attesto', 'AttestoEdge']) expect(existsSync(join(outdir, `${stack}.template.json`)), stack).toBe(true);
    // Nothing reports home from a deployment either: no CDK version metadata resource in the templates
    // (cdk.json's versionReporting), as no CLI telemetry (its cli-telemetry, for runs without this environment).
    for (const stack of ['Attesto', 'AttestoEdge']) expect(readFileSync(join(outdir, `${stack}.template.json`), 'utf8'), stack).not.toContain('AWS::CDK::Metadata');
    expect(JSON.parse(readFileSync(join(ROOT, 'cdk.json'), 'utf8')).context['cli-telemetry']).toBe(false);
    // Without credentials the stacks stay account-agnostic, and the data stack sits in Paris.
    const manifest = JSON.parse(readFileSync(join(outdir, 'manifest.json'), 'utf8'));
    expect(manifest.artifacts.Attesto.environment).toBe('aws://unknown-account/eu-west-3');
    expect(manifest.artifacts.AttestoEdge.environment).toBe('aws://unknown-account/us-east-1');
    expect(`${result.stdout}${result.stderr}`).not.toMatch(/AwsSolutions-|Serverless-/);
    // cdk.json's example domain synthesizes, with a warning that it cannot be deployed.
    expect(result.stderr).toContain("issuerDomain is cdk.json's example");
  }, 120_000);

  it('refuses a non-EU region and says how to override it', () => {
    const result = spawnSync('npx', ['cdk', 'synth', '--quiet', '--no-notices', '-c', 'region=us-east-1'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 60_000,
      env: OFFLINE,
    });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toContain('us-east-1 is outside the European Union');
    expect(result.stderr).toContain('-c allowNonEuRegion=true');
  }, 70_000);
});

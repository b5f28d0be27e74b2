/**
 * `npx cdk synth` / `npx cdk deploy` entry point (see cdk.json). Needs no AWS credentials to
 * synthesize, and no Docker: bundles are built with the esbuild in node_modules.
 */
import { App } from 'aws-cdk-lib';
import { buildAttesto } from './attesto-app';
import { SettingsError } from './settings';

try {
  buildAttesto(new App());
} catch (e) {
  if (!(e instanceof SettingsError)) throw e;
  // A settings problem is the deployer's to fix: say what, without a stack trace.
  console.error(e.message);
  process.exit(1);
}

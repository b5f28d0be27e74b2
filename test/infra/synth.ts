/**
 * Synthesizes the attesto app as `cdk synth` does (cdk.json's context, then the deployer's
 * values), into a temporary cloud assembly, and reads templates, nag reports and bundles back.
 * Bundling is real (the local esbuild), so a test file synthesizes once and shares the result.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, type CfnElement, type Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { buildAttesto, type AttestoApp } from '../../lib/attesto-app';

const CDK_JSON = JSON.parse(readFileSync(new URL('../../cdk.json', import.meta.url), 'utf8')) as { app: string; context: Record<string, unknown> };

export const CLI_CONTEXT = CDK_JSON.context;
export const CDK_APP_COMMAND = CDK_JSON.app;

/** A rectorat's deployment, as it would pass it with `-c`. */
export const DEPLOYMENT = {
  issuerDomain: 'attestations.ac-lyon.fr',
  certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/11111111-2222-4333-8444-555555555555',
  account: '123456789012',
  alarmEmail: 'exploitation@ac-lyon.fr',
};

export interface Synthesized extends AttestoApp {
  outdir: string;
  template: Template;
  edgeTemplate: Template;
  /** The template as JSON (resources by logical id). */
  resources: Record<string, { Type: string; Properties?: any; Metadata?: any; DeletionPolicy?: string; UpdateReplacePolicy?: string; DependsOn?: unknown }>;
  /** Logical id of a construct's CloudFormation resource (its default child for L2s). */
  logicalId(construct: IConstruct): string;
  /** Rows of a cdk-nag report: pack × stack. */
  nagReport(pack: 'AwsSolutions' | 'Serverless', stack: Stack): Array<{ rule: string; resource: string; compliance: string; reason: string }>;
  /** Directory of the bundle behind a Lambda function resource. */
  bundleDir(functionLogicalId: string): string;
}

export function synthAttesto(context: Record<string, unknown> = {}, env: Record<string, string | undefined> = {}): Synthesized {
  const outdir = mkdtempSync(join(tmpdir(), 'attesto-cdk-'));
  // Path metadata on, as the CLI sets it: nag reports and suppressions are matched by path.
  const app = new App({ outdir, context: { 'aws:cdk:enable-path-metadata': true, ...CLI_CONTEXT, ...DEPLOYMENT, ...context } });
  const built = buildAttesto(app, env);
  app.synth();
  const template = Template.fromStack(built.main);
  const edgeTemplate = Template.fromStack(built.edge);

  const logicalId = (construct: IConstruct) => {
    const element = (construct.node.defaultChild ?? construct) as CfnElement;
    return built.main.getLogicalId(element);
  };

  const nagReport: Synthesized['nagReport'] = (pack, stack) => {
    // cdk-nag names reports <pack>-<stage path>-<stack>-NagReport.csv (the stage path is empty here).
    const file = readdirSync(outdir).find((f) => f.startsWith(`${pack}-`) && f.endsWith(`-${stack.artifactId}-NagReport.csv`));
    if (!file) throw new Error(`no ${pack} report for ${stack.artifactId} in ${outdir}`);
    const csv = readFileSync(join(outdir, file), 'utf8');
    return csv
      .trim()
      .split('\n')
      .slice(1)
      .map((line) => {
        const cells = [...line.matchAll(/"((?:[^"]|"")*)"/g)].map((m) => m[1]!.replace(/""/g, '"'));
        return { rule: cells[0]!, resource: cells[1]!, compliance: cells[2]!, reason: cells[3]! };
      });
  };

  const assets = JSON.parse(readFileSync(join(outdir, `${built.main.artifactId}.assets.json`), 'utf8')) as { files: Record<string, { source: { path: string } }> };
  const bundleDir = (functionLogicalId: string) => {
    const key: string = (template.toJSON().Resources[functionLogicalId].Properties.Code.S3Key as string).replace(/\.zip$/, '');
    return join(outdir, assets.files[key]!.source.path);
  };

  return { ...built, outdir, template, edgeTemplate, resources: template.toJSON().Resources, logicalId, nagReport, bundleDir };
}

export interface Statement {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
  Principal?: unknown;
}

/** Every statement of the policies attached to a role (inline, attached AWS::IAM::Policy, managed). */
export function statementsOf(s: Synthesized, roleLogicalId: string): Statement[] {
  const role = s.resources[roleLogicalId]!;
  const inline = (role.Properties.Policies ?? []).flatMap((p: { PolicyDocument: { Statement: Statement[] } }) => p.PolicyDocument.Statement);
  const attached = Object.values(s.resources)
    .filter((r) => (r.Type === 'AWS::IAM::Policy' || r.Type === 'AWS::IAM::ManagedPolicy') && (r.Properties.Roles ?? []).some((x: { Ref?: string }) => x.Ref === roleLogicalId))
    .flatMap((r) => r.Properties.PolicyDocument.Statement as Statement[]);
  return [...inline, ...attached];
}

export const actionsOf = (st: Statement): string[] => [st.Action ?? []].flat();

/** The actions a role's policies allow. */
export const allowedActions = (s: Synthesized, roleLogicalId: string) =>
  new Set(statementsOf(s, roleLogicalId).filter((st) => st.Effect === 'Allow').flatMap(actionsOf));

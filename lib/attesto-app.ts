/**
 * Builds the attesto CDK app from its context: the edge stack (WAF, us-east-1) and the attesto
 * stack (everything else, in the data region), checked by cdk-nag. Shared by `cdk synth`
 * (lib/app.ts) and the infrastructure tests, so both synthesize exactly the same thing.
 */
import { Tags, type App } from 'aws-cdk-lib';
import { AttestoEdgeStack } from './edge-stack';
import { AttestoStack } from './attesto-stack';
import { checkWithCdkNag } from './nag';
import { EDGE_REGION, readSettings, type Settings } from './settings';

export interface AttestoApp {
  settings: Settings;
  edge: AttestoEdgeStack;
  main: AttestoStack;
}

export function buildAttesto(app: App, env: Record<string, string | undefined> = process.env): AttestoApp {
  const settings = readSettings((key) => app.node.tryGetContext(key), env);
  const edge = new AttestoEdgeStack(app, 'AttestoEdge', { env: { account: settings.account, region: EDGE_REGION } });
  const main = new AttestoStack(app, 'Attesto', {
    env: { account: settings.account, region: settings.region },
    description: `attesto: W3C Verifiable Credentials for schools, issuer domain ${settings.issuerDomain}`,
    settings,
    webAclArn: edge.webAcl.attrArn,
  });
  Tags.of(app).add('project', 'attesto');
  checkWithCdkNag(app);
  return { settings, edge, main };
}

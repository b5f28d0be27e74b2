/**
 * Builds the attesto CDK app from its context: the edge stack (WAF, us-east-1) and the attesto
 * stack (everything else, in the data region), checked by cdk-nag. Shared by `cdk synth`
 * (lib/app.ts) and the infrastructure tests, so both synthesize exactly the same thing.
 */
import { Annotations, Tags, type App } from 'aws-cdk-lib';
import { AttestoEdgeStack } from './edge-stack';
import { AttestoStack } from './attesto-stack';
import { checkWithCdkNag } from './nag';
import { EDGE_REGION, readSettings, type Settings } from './settings';

/** The placeholder domain cdk.json ships so that `cdk synth` works without arguments. */
export const EXAMPLE_ISSUER_DOMAIN = 'attesto.example.org';

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
  if (settings.issuerDomain === EXAMPLE_ISSUER_DOMAIN) {
    // Fine for synth; a deployment would fail at CloudFront, after the edge stack is up.
    Annotations.of(main).addWarningV2(
      'attesto:exampleSettings',
      `issuerDomain is cdk.json's example (${EXAMPLE_ISSUER_DOMAIN}): deploy with -c issuerDomain=<your domain> -c certificateArn=<its us-east-1 certificate>`,
    );
  }
  Tags.of(app).add('project', 'attesto');
  checkWithCdkNag(app);
  return { settings, edge, main };
}

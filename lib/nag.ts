/**
 * cdk-nag, AwsSolutions and Serverless packs, over the whole app. Every finding is either fixed
 * or suppressed next to the resource it concerns, with the reason written out; synth (and so
 * `npm test`) fails on any other.
 */
import { Aspects, type App } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';

export function checkWithCdkNag(app: App): void {
  Aspects.of(app).add(new AwsSolutionsChecks({ verbose: true }));
  Aspects.of(app).add(new ServerlessChecks({ verbose: true }));
}

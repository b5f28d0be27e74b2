/**
 * The edge stack: the WAF web ACL CloudFront uses. AWS only accepts CloudFront web ACLs created
 * in us-east-1, so this small stack lives there whatever the data region. It holds rules and
 * CloudWatch counters only: no request is stored (sampling and logging are off).
 */
import { Stack, type StackProps } from 'aws-cdk-lib';
import * as wafv2 from 'aws-cdk-lib/aws-wafv2';
import type { Construct } from 'constructs';
import { RATE_LIMITED_BODY, webAclRules } from './web-acl-rules';

export class AttestoEdgeStack extends Stack {
  readonly webAcl: wafv2.CfnWebACL;

  constructor(scope: Construct, id: string, props: StackProps) {
    super(scope, id, { ...props, crossRegionReferences: true, description: 'attesto edge: WAF web ACL for the issuer domain (CloudFront)' });

    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      name: 'attesto-issuer-domain',
      scope: 'CLOUDFRONT',
      defaultAction: { allow: {} },
      rules: webAclRules(),
      customResponseBodies: {
        [RATE_LIMITED_BODY]: {
          contentType: 'APPLICATION_JSON',
          // One body for every route: a problem (type, title, status, detail, code) that is also an
          // OAuth error object (error, error_description), which is what wallets parse.
          content: JSON.stringify({
            type: 'urn:attesto:problem:rate-limited',
            title: 'RATE_LIMITED',
            status: 429,
            detail: 'too many requests from this address; retry in a few minutes',
            code: 'RATE_LIMITED',
            error: 'temporarily_unavailable',
            error_description: 'too many requests from this address; retry in a few minutes',
          }),
        },
      },
      visibilityConfig: { metricName: 'attesto-issuer-domain', cloudWatchMetricsEnabled: true, sampledRequestsEnabled: false },
    });
  }
}

/**
 * CloudFront in front of the API, under the issuer domain: did:web requires DID documents at
 * https://<issuer domain>/schools/<uai>/did.json, and WAF can only guard an HTTP API through
 * CloudFront. Public documents are cached for as long as the function's Cache-Control says
 * (60 s for status lists, so a revocation reaches every verifier within a minute or two);
 * everything else passes through uncached, Authorization header included.
 */
import { Duration } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import { Construct } from 'constructs';
import { NagSuppressions } from 'cdk-nag';
import { CORS } from '../../lambdas/http/cors';
import { ROUTES, type RouteDef } from '../../lambdas/http/routes';

/** `/schools/{uai}/did.json` → `/schools/*\/did.json` (CloudFront path pattern). */
export const pathPattern = (path: string) => path.replace(/\{[a-zA-Z]+\}/g, '*');

/** Routes CloudFront may cache: public reads. Their functions set Cache-Control and ETag. */
export const cacheableRoutes = (routes: readonly RouteDef[] = ROUTES) => routes.filter((r) => r.auth === 'public' && r.method === 'GET');

/** Does a CloudFront path pattern (`*` any characters, `?` one) match a route's path? */
const patternMatches = (pattern: string, path: string) =>
  new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`).test(path.replace(/\{[a-zA-Z]+\}/g, 'x'));

/**
 * Cached behaviors answer GET and HEAD only and forward no Authorization header: a route that is
 * not cacheable (a POST, or a GET needing a token) must never fall under one of their patterns.
 */
export function cachedBehaviorConflicts(routes: readonly RouteDef[] = ROUTES): string[] {
  const cached = cacheableRoutes(routes);
  const patterns = [...new Set(cached.map((r) => pathPattern(r.path)))];
  return routes
    .filter((r) => !cached.includes(r))
    .flatMap((r) => patterns.filter((p) => patternMatches(p, r.path)).map((p) => `${r.method} ${r.path} falls under the cached pattern ${p}`));
}

export interface IssuerDistributionProps {
  originDomain: string;
  /**
   * The header proving a request came through CloudFront (./origin-guard.ts). A new `version`
   * changes the distribution, so that a deployment reads the secret's current value again.
   */
  originHeader: { name: string; value: string; version: string };
  issuerDomain: string;
  certificateArn: string;
  webAclArn: string;
}

export class IssuerDistribution extends Construct {
  readonly distribution: cloudfront.Distribution;

  constructor(scope: Construct, id: string, props: IssuerDistributionProps) {
    super(scope, id);
    const conflicts = cachedBehaviorConflicts();
    if (conflicts.length > 0) throw new Error(`${this.node.path}: ${conflicts.join('; ')}`);

    const origin = new origins.HttpOrigin(props.originDomain, {
      protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
      originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
      // The gateway may take up to 30 s for the function after the authorizer's own 5 s: a batch's
      // designed 503 must reach the client, not CloudFront's 504 (60 s needs no quota increase).
      readTimeout: Duration.seconds(60),
      // Replaces any header of that name a viewer sends.
      customHeaders: { [props.originHeader.name]: props.originHeader.value },
    });

    // The origin decides (Cache-Control: public, max-age=…); without it nothing is cached.
    const documents = new cloudfront.CachePolicy(this, 'PublicDocuments', {
      comment: 'attesto public documents: TTL from the origin Cache-Control, at most one hour',
      minTtl: Duration.seconds(0),
      defaultTtl: Duration.seconds(0),
      maxTtl: Duration.hours(1),
      headerBehavior: cloudfront.CacheHeaderBehavior.none(),
      queryStringBehavior: cloudfront.CacheQueryStringBehavior.none(),
      cookieBehavior: cloudfront.CacheCookieBehavior.none(),
      enableAcceptEncodingGzip: true,
      enableAcceptEncodingBrotli: true,
    });

    // Public documents are for every verifier, browser-based ones (web wallets, universal
    // resolvers) included: CORS as on the API (lambdas/http/cors.ts), whatever the origin sent
    // (the answer may come from the cache), with the headers a page reads (ETag), and the
    // security headers of the managed SecurityHeadersPolicy.
    const publicHeaders = new cloudfront.ResponseHeadersPolicy(this, 'PublicDocumentsHeaders', {
      comment: 'attesto public documents: CORS for any origin, security headers',
      corsBehavior: {
        accessControlAllowCredentials: false,
        accessControlAllowOrigins: [...CORS.allowOrigins],
        accessControlAllowMethods: ['GET', 'HEAD', 'OPTIONS'],
        accessControlAllowHeaders: [...CORS.allowHeaders],
        accessControlExposeHeaders: [...CORS.exposeHeaders],
        accessControlMaxAge: Duration.seconds(CORS.maxAgeSeconds),
        originOverride: true,
      },
      securityHeadersBehavior: {
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.SAMEORIGIN, override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.STRICT_ORIGIN_WHEN_CROSS_ORIGIN, override: true },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(365), override: true },
        xssProtection: { protection: true, modeBlock: true, override: true },
      },
    });
    const cached: cloudfront.BehaviorOptions = {
      origin,
      // OPTIONS too: a page's GET with a header of its own is preflighted. The preflight is
      // passed on (not cached) with the headers that make it one, and the gateway answers it.
      allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD_OPTIONS,
      cachedMethods: cloudfront.CachedMethods.CACHE_GET_HEAD,
      cachePolicy: documents,
      originRequestPolicy: cloudfront.OriginRequestPolicy.CORS_S3_ORIGIN,
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
      responseHeadersPolicy: publicHeaders,
      compress: true,
    };

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      // The label first: CloudFront comments are cut at 128 characters, a long domain's end first.
      comment: `attesto (origin secret ${props.originHeader.version}) ${props.issuerDomain}`,
      domainNames: [props.issuerDomain],
      certificate: acm.Certificate.fromCertificateArn(this, 'Certificate', props.certificateArn),
      minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
      sslSupportMethod: cloudfront.SSLMethod.SNI,
      webAclId: props.webAclArn,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      enableIpv6: true,
      // North America and Europe edges: the users are European, and it is the cheapest class.
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      defaultBehavior: {
        origin,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
        cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
        // Everything but Host (API Gateway routes on its own host name); with caching disabled
        // this includes Authorization.
        originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
        // No redirect: an API client sending credentials over http must fail, not be redirected.
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
        responseHeadersPolicy: cloudfront.ResponseHeadersPolicy.SECURITY_HEADERS,
        compress: true,
      },
      additionalBehaviors: Object.fromEntries(cacheableRoutes().map((r) => [pathPattern(r.path), cached])),
    });

    NagSuppressions.addResourceSuppressions(this.distribution, [
      {
        id: 'AwsSolutions-CFR1',
        reason: 'No geo restriction: credentials are verified wherever their holders go (Erasmus, studies or work abroad), so DID documents and status lists must be reachable worldwide.',
      },
      {
        id: 'AwsSolutions-CFR3',
        reason:
          'No CloudFront access logs: they would record every client IP address (personal data) in a bucket outside the data region. Requests are accounted for by the API access logs (without addresses) and WAF metrics.',
      },
    ]);
  }
}

/**
 * Deployment settings and the region guard: school data stays in the European Union unless the
 * deployer says otherwise, explicitly; a wrong setting stops synth before anything is built,
 * naming every problem.
 */
import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { buildAttesto, EXAMPLE_ISSUER_DOMAIN } from '../../lib/attesto-app';
import { defaultAuthDomainPrefix, EU_REGIONS, readSettings, SettingsError } from '../../lib/settings';
import { CLI_CONTEXT, DEPLOYMENT, synthAttesto } from './synth';

const read = (context: Record<string, unknown>, env: Record<string, string> = {}) => readSettings((k) => ({ ...DEPLOYMENT, account: undefined, ...context })[k], env);
const problems = (context: Record<string, unknown>) => {
  try {
    read(context);
  } catch (e) {
    expect(e).toBeInstanceOf(SettingsError);
    return (e as Error).message;
  }
  throw new Error('expected the settings to be refused');
};

describe('region', () => {
  it('defaults to Paris (eu-west-3)', () => {
    expect(read({ region: undefined }).region).toBe('eu-west-3');
  });

  it('accepts every EU region', () => {
    expect(EU_REGIONS).toEqual(expect.arrayContaining(['eu-west-3', 'eu-west-1', 'eu-central-1']));
    for (const region of EU_REGIONS) expect(read({ region }).region).toBe(region);
  });

  it('refuses regions outside the EU, European ones included (London, Zurich)', () => {
    for (const region of ['us-east-1', 'eu-west-2', 'eu-central-2', 'ap-southeast-1', 'ca-central-1']) {
      expect(problems({ region })).toContain(`region ${region} is outside the European Union`);
    }
  });

  it('accepts a region outside the EU only with the explicit override, from -c or cdk.json', () => {
    expect(read({ region: 'eu-west-2', allowNonEuRegion: 'true' }).region).toBe('eu-west-2');
    expect(read({ region: 'eu-west-2', allowNonEuRegion: true }).region).toBe('eu-west-2');
    expect(problems({ region: 'eu-west-2', allowNonEuRegion: 'yes' })).toContain('allowNonEuRegion must be "true" or "false"');
    expect(problems({ region: 'eu-west-2', allowNonEuRegion: 'false' })).toContain('outside the European Union');
  });

  it('makes synth refuse a non-EU region before building anything', () => {
    const app = new App({ context: { ...CLI_CONTEXT, ...DEPLOYMENT, region: 'us-east-1' } });
    expect(() => buildAttesto(app, {})).toThrow(/us-east-1 is outside the European Union.*-c allowNonEuRegion=true/s);
    expect(app.node.children).toHaveLength(0);
  });

  it('builds in a non-EU region when told to, with the data stack there', () => {
    const app = new App({ context: { ...CLI_CONTEXT, ...DEPLOYMENT, region: 'eu-west-2', allowNonEuRegion: 'true' } });
    const { main, edge } = buildAttesto(app, {});
    expect(main.region).toBe('eu-west-2');
    expect(edge.region).toBe('us-east-1');
  });
});

describe('issuer domain, certificate, account and the rest', () => {
  it('needs the issuer domain as a bare host name', () => {
    expect(problems({ issuerDomain: undefined })).toContain('issuerDomain is required');
    for (const bad of ['https://attestations.ac-lyon.fr', 'attestations.ac-lyon.fr/api', 'localhost', 'a b.fr']) {
      expect(problems({ issuerDomain: bad })).toContain('issuerDomain must be a host name');
    }
    expect(read({ issuerDomain: 'Attestations.AC-Lyon.fr' }).issuerDomain).toBe('attestations.ac-lyon.fr');
  });

  it('needs an ACM certificate in us-east-1, where CloudFront reads it', () => {
    expect(problems({ certificateArn: undefined })).toContain('certificateArn is required');
    expect(problems({ certificateArn: 'arn:aws:acm:eu-west-3:123456789012:certificate/11111111-2222-4333-8444-555555555555' })).toContain('must be in us-east-1');
    expect(problems({ certificateArn: 'not-an-arn' })).toContain('is not an ACM certificate ARN');
  });

  it('takes the account from context, or from the CLI credentials, or stays account-agnostic', () => {
    expect(read({}).account).toBeUndefined();
    expect(read({}, { CDK_DEFAULT_ACCOUNT: '210987654321' }).account).toBe('210987654321');
    expect(read({ account: '123456789012' }, { CDK_DEFAULT_ACCOUNT: '210987654321' }).account).toBe('123456789012');
    expect(problems({ account: '1234' })).toContain('12-digit');
  });

  it('derives a Cognito domain prefix from the issuer domain, avoiding the words Cognito reserves', () => {
    expect(defaultAuthDomainPrefix('attestations.ac-lyon.fr')).toBe('attesto-attestations-ac-lyon-fr');
    expect(defaultAuthDomainPrefix('attesto.ac-lyon.fr')).toBe('attesto-ac-lyon-fr');
    expect(defaultAuthDomainPrefix('aws-school.amazonaws.example.fr')).not.toMatch(/aws|amazon|cognito/);
    expect(problems({ authDomainPrefix: 'my-cognito-domain' })).toContain('authDomainPrefix');
  });

  it('checks the alarm email when one is given', () => {
    expect(read({ alarmEmail: undefined }).alarmEmail).toBeUndefined();
    expect(problems({ alarmEmail: 'ops' })).toContain('alarmEmail is not an email address');
  });

  it('reserves concurrency for the issuer function when told to, so public traffic cannot starve issuance', () => {
    expect(read({}).issuerReservedConcurrency).toBeUndefined();
    expect(read({ issuerReservedConcurrency: '50' }).issuerReservedConcurrency).toBe(50);
    expect(read({ issuerReservedConcurrency: '450' }).issuerReservedConcurrency).toBe(450);
    for (const bad of ['0', '451', '991', 'ten', '2.5']) expect(problems({ issuerReservedConcurrency: bad }), bad).toContain('issuerReservedConcurrency');
    const reserved = (context: Record<string, unknown>) => {
      const s = synthAttesto({ 'aws:cdk:bundling-stacks': [], ...context });
      return Object.values(s.resources)
        .filter((r) => (r as { Type: string }).Type === 'AWS::Lambda::Function')
        .map((r) => (r as { Properties: { Environment?: unknown; ReservedConcurrentExecutions?: number } }).Properties)
        .filter((p) => p.ReservedConcurrentExecutions !== undefined);
    };
    expect(reserved({})).toEqual([]);
    const withReservation = reserved({ issuerReservedConcurrency: 40 });
    // The issuer, and the school authorizer every school request runs first (throttled, it would starve the issuer all the same).
    expect(withReservation).toHaveLength(2);
    expect(withReservation).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ ReservedConcurrentExecutions: 40, Environment: { Variables: expect.objectContaining({ POWERTOOLS_SERVICE_NAME: 'attesto-issuer' }) } }),
        expect.objectContaining({ ReservedConcurrentExecutions: 40, Environment: { Variables: expect.objectContaining({ POWERTOOLS_SERVICE_NAME: 'attesto-school-authorizer' }) } }),
      ]),
    );
  }, 60_000);

  it('lets school routes answer at the regional address too only when told to (TLS then ends in the data region, without WAF)', () => {
    expect(read({}).schoolRoutesDirect).toBe(false);
    expect(read({ schoolRoutesDirect: 'true' }).schoolRoutesDirect).toBe(true);
    expect(problems({ schoolRoutesDirect: 'yes' })).toContain('schoolRoutesDirect');
    expect(read({}).originSecretVersion).toBe('1');
    expect(read({ originSecretVersion: '2026-11' }).originSecretVersion).toBe('2026-11');
    expect(problems({ originSecretVersion: 'a b' })).toContain('originSecretVersion');
    const schoolAuthorizer = (context: Record<string, unknown>) => {
      const s = synthAttesto({ 'aws:cdk:bundling-stacks': [], ...context });
      const authorizers = Object.values(s.resources).filter((r) => (r as { Type: string }).Type === 'AWS::ApiGatewayV2::Authorizer').map((r) => (r as { Properties: { Name: string; IdentitySource: string[] } }).Properties);
      const fn = Object.values(s.resources).find((r) => (r as { Properties?: { Environment?: { Variables?: Record<string, unknown> } } }).Properties?.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === 'attesto-school-authorizer') as { Properties: { Environment: { Variables: Record<string, unknown> } } };
      return {
        identity: authorizers.find((a) => a.Name === 'school-oauth2-token')!.IdentitySource,
        env: fn.Properties.Environment.Variables,
        publicGuard: authorizers.some((a) => a.Name === 'through-cloudfront'),
        apiUrl: (s.template.toJSON().Outputs.ApiUrl as { Description: string }).Description,
      };
    };
    const behind = schoolAuthorizer({});
    expect(behind.identity).toEqual(['$request.header.Authorization', '$request.header.x-attesto-origin']);
    expect(behind.env).toHaveProperty('ATTESTO_ORIGIN_SECRET_ARN');
    const direct = schoolAuthorizer({ schoolRoutesDirect: 'true' });
    expect(direct.identity).toEqual(['$request.header.Authorization']);
    expect(direct.env).not.toHaveProperty('ATTESTO_ORIGIN_SECRET_ARN');
    // Public routes stay behind CloudFront either way.
    expect(direct.publicGuard).toBe(true);
    // What the regional address answers, as the output tells the operator.
    expect(behind.apiUrl).toMatch(/operator routes.*\) only: every other route/);
    expect(direct.apiUrl).toMatch(/school routes answer here too \(schoolRoutesDirect\), without the WAF/);
  }, 120_000);

  it('names every problem at once', () => {
    const message = problems({ issuerDomain: 'https://x', certificateArn: 'nope', region: 'us-west-2' });
    expect(message.split('\n  - ')).toHaveLength(4);
  });

  it('ships example values in cdk.json, so `cdk synth` works with no argument at all (cdk-synth.test.ts shows the warning)', () => {
    expect(readSettings((k) => CLI_CONTEXT[k])).toMatchObject({ issuerDomain: EXAMPLE_ISSUER_DOMAIN, region: 'eu-west-3' });
  });
});

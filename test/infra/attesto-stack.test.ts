/**
 * The AWS deployment, proven on the synthesized templates: nothing here can be deployed from a
 * test machine, so every property the deployment promises is asserted where CloudFormation will
 * read it. One synthesis (real bundling) is shared by the whole file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENV_DOCS, loadConfig } from '../../lambdas/config';
import { TABLE_KEYS, TTL_ATTRIBUTE } from '../../lambdas/adapters/dynamo/table';
import { methodsOf, ROUTE_GROUPS, ROUTES, type RouteGroup } from '../../lambdas/http/routes';
import { LAST_ITEM_MS } from '../../lambdas/http/routes/batch';
import { READ_WORST_CASE_MS } from '../../lambdas/adapters/dynamo-reader';
import { GROUP_ACCESS } from '../../lib/group-access';
import { ANY_ROUTE_RATE_LIMIT, MAX_REGEX_LENGTH, PUBLIC_RATE_LIMIT, PUBLIC_WRITE_RATE_LIMIT, routesRegexes } from '../../lib/web-acl-rules';
import { KMS_QUOTA_ALARM_PERCENT, TABLE_OPERATIONS } from '../../lib/constructs/operations-alarms';
import { ORIGIN_HEADER } from '../../lib/constructs/origin-guard';
import { CORS } from '../../lambdas/http/cors';
import { schoolKeyPolicy, signerPrincipals } from '../../lambdas/adapters/kms-key-policy';
import { evaluate } from './iam-eval';
import { actionsOf, allowedActions, CLI_CONTEXT, DEPLOYMENT, statementsOf, synthAttesto, type Statement, type Synthesized } from './synth';

let s: Synthesized;
beforeAll(() => {
  s = synthAttesto();
}, 120_000);

const fnId = (group: RouteGroup) => s.logicalId(s.main.functions[group].function);
const roleId = (group: RouteGroup) => s.logicalId(s.main.functions[group].role);
const authorizerFnId = () => s.logicalId(s.main.schoolClients.authorizerFunction.function);
const authorizerRoleId = () => s.logicalId(s.main.schoolClients.authorizerFunction.role);
const signerRoleId = () => s.logicalId(s.main.signing.signerRole);
const getAtt = (logicalId: string) => ({ 'Fn::GetAtt': [logicalId, 'Arn'] });
const tableArn = () => getAtt(s.logicalId(s.main.state.table));
const tableKeyArn = () => getAtt(s.logicalId(s.main.state.key));
/** Every function attesto deploys: one per route group, plus the gateway authorizer. */
const allFunctions = () => [...ROUTE_GROUPS.map((g) => ({ name: g, fn: fnId(g), role: roleId(g) })), { name: 'authorizer', fn: authorizerFnId(), role: authorizerRoleId() }];
const fn = (logicalId: string) => s.resources[logicalId]!.Properties;
const routeKey = (r: { method: string; path: string }) => `${r.method} ${r.path}`;
const samplePath = (path: string) => path.replace(/\{[a-zA-Z]+\}/g, '0751234J');

/** Statements without incidental ordering, keyed by Sid (the X-Ray statement CDK adds has none). */
function byStatement(statements: Statement[]) {
  return Object.fromEntries(
    statements.map((st) => [
      st.Sid ?? (actionsOf(st).every((a) => a.startsWith('xray:')) ? 'xray' : JSON.stringify(st)),
      { Effect: st.Effect, Action: [...actionsOf(st)].sort(), ...(st.NotAction ? { NotAction: [st.NotAction].flat().sort() } : {}), Resource: st.Resource, ...(st.Condition ? { Condition: st.Condition } : {}) },
    ]),
  );
}

const DENIED_KMS = ['kms:CancelKeyDeletion', 'kms:CreateGrant', 'kms:DisableKey', 'kms:EnableKey', 'kms:ImportKeyMaterial', 'kms:PutKeyPolicy', 'kms:ReplicateKey', 'kms:ScheduleKeyDeletion', 'kms:Sign', 'kms:UntagResource'];
const logsOf = (group: RouteGroup) => ({ Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: getAtt(s.logicalId(s.main.functions[group].logGroup)) });
const XRAY = { Effect: 'Allow', Action: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], Resource: '*' };
const VIA_DYNAMODB = { StringEquals: { 'kms:ViaService': 'dynamodb.eu-west-3.amazonaws.com' } };
const openSessions = () => ({ Effect: 'Allow', Action: ['sts:AssumeRole', 'sts:TagSession'], Resource: getAtt(signerRoleId()), Condition: { Null: { 'aws:RequestTag/uai': 'false' } } });
const writerKey = () => ({ Effect: 'Allow', Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'], Resource: tableKeyArn(), Condition: VIA_DYNAMODB });
const readerKey = () => ({ Effect: 'Allow', Action: ['kms:Decrypt', 'kms:DescribeKey'], Resource: tableKeyArn(), Condition: VIA_DYNAMODB });
const STORE_READS = ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query'];
/** A write allowed only on items whose partition key starts with one of the prefixes (table-access.test.ts proves the rest). */
const writeUnder = (action: string, prefixes: string[]) => ({
  Effect: 'Allow',
  Action: [action],
  Resource: tableArn(),
  Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': prefixes.map((p) => `${p}*`) }, Null: { 'dynamodb:LeadingKeys': 'false' } },
});
/** Moving a school to its next status list: `currentList` of SCHOOL# items, nothing else. */
const listRollover = () => ({
  Effect: 'Allow',
  Action: ['dynamodb:UpdateItem'],
  Resource: tableArn(),
  Condition: {
    'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['SCHOOL#*'] },
    'ForAllValues:StringEquals': { 'dynamodb:Attributes': ['pk', 'sk', 'currentList'] },
    Null: { 'dynamodb:LeadingKeys': 'false', 'dynamodb:Attributes': 'false' },
    StringEqualsIfExists: { 'dynamodb:ReturnValues': ['NONE', 'UPDATED_OLD', 'UPDATED_NEW'] },
  },
});
/** Every role: no audit event is ever updated or deleted. */
const auditAppendOnly = () => ({
  Effect: 'Deny',
  Action: ['dynamodb:BatchWriteItem', 'dynamodb:DeleteItem', 'dynamodb:UpdateItem'],
  Resource: tableArn(),
  Condition: { 'ForAnyValue:StringLike': { 'dynamodb:LeadingKeys': ['AUDIT#*'] } },
});
/** Every role but the registering one: no school or client record is ever put or deleted. */
const noSchoolOrClientRecords = () => ({
  Effect: 'Deny',
  Action: ['dynamodb:BatchWriteItem', 'dynamodb:DeleteItem', 'dynamodb:PutItem'],
  Resource: tableArn(),
  Condition: { 'ForAnyValue:StringLike': { 'dynamodb:LeadingKeys': ['SCHOOL#*', 'CLIENT#*'] } },
});
const denyKeyAdmin = (extra: string[] = []) => ({ Effect: 'Deny', Action: [...DENIED_KMS, ...extra].sort(), Resource: '*' });

describe('functions: one per route group, from the route table', () => {
  it('deploys one function per route group, each running its own handler', () => {
    for (const group of ROUTE_GROUPS) {
      expect(fn(fnId(group))).toMatchObject({ Handler: 'index.handler', Description: expect.stringContaining(`attesto ${group}:`) });
      const bundle = readFileSync(join(s.bundleDir(fnId(group)), 'index.mjs'), 'utf8');
      // The group name is baked into its entry point (lambdaHandler('<group>', …)).
      expect(bundle).toContain(`"${group}"`);
    }
    const lambdas = Object.values(s.resources).filter((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Handler === 'index.handler');
    // And the two authorizers: school tokens, and requests through CloudFront.
    expect(lambdas).toHaveLength(ROUTE_GROUPS.length + 2);
  });

  it('runs Node.js 22 or newer on ARM64', () => {
    for (const f of allFunctions()) {
      const runtime = /^nodejs(\d+)\.x$/.exec(fn(f.fn).Runtime);
      expect(Number(runtime?.[1]), f.name).toBeGreaterThanOrEqual(22);
      expect(fn(f.fn).Architectures, f.name).toEqual(['arm64']);
    }
  });

  it('ships minified ESM bundles with source maps, built here without Docker, and maps stack traces', () => {
    for (const f of allFunctions()) {
      const dir = s.bundleDir(f.fn);
      const code = readFileSync(join(dir, 'index.mjs'), 'utf8');
      expect(existsSync(join(dir, 'index.mjs.map')), f.name).toBe(true);
      // Minified: thousands of characters per line (readable esbuild output averages about 30).
      expect(code.length / code.split('\n').length, `${f.name} is minified`).toBeGreaterThan(1000);
      expect(code, `${f.name} is ESM`).toMatch(/export\s*\{[^}]*\bhandler\b/);
      expect(code, `${f.name} bundles its SDK clients`).not.toMatch(/from\s*"@aws-sdk\//);
      expect(code).toContain('//# sourceMappingURL=index.mjs.map');
      expect(fn(f.fn).Environment.Variables.NODE_OPTIONS).toBe('--enable-source-maps');
    }
  });

  it('logs to its own log group, kept between 180 and 365 days', () => {
    const groups = new Set<string>();
    for (const f of allFunctions()) {
      const logGroup = fn(f.fn).LoggingConfig.LogGroup.Ref as string;
      groups.add(logGroup);
      expect(s.resources[logGroup]!.Type).toBe('AWS::Logs::LogGroup');
      const days = s.resources[logGroup]!.Properties.RetentionInDays;
      expect(days, f.name).toBeGreaterThanOrEqual(180);
      expect(days, f.name).toBeLessThanOrEqual(365);
    }
    expect(groups.size).toBe(allFunctions().length);
  });

  it('logs structured JSON through Powertools, never the incoming event (request bodies hold personal data)', () => {
    for (const f of allFunctions()) {
      // The platform's START and REPORT lines too (SystemLogLevel INFO): duration, memory, init.
      expect(fn(f.fn).LoggingConfig).toMatchObject({ LogFormat: 'JSON', ApplicationLogLevel: 'INFO', SystemLogLevel: 'INFO' });
      expect(fn(f.fn).Environment.Variables).toMatchObject({
        POWERTOOLS_SERVICE_NAME: expect.stringMatching(/^attesto-/),
        POWERTOOLS_METRICS_NAMESPACE: 'attesto',
        POWERTOOLS_LOG_LEVEL: 'INFO',
        POWERTOOLS_LOGGER_LOG_EVENT: 'false',
        POWERTOOLS_LOGGER_SAMPLE_RATE: '0',
      });
      expect(fn(f.fn).TracingConfig).toEqual({ Mode: 'Active' });
    }
  });

  it('configures every route function as lambdas/config.ts expects, with the issuer domain as public URL', () => {
    for (const group of ROUTE_GROUPS) {
      const vars = fn(fnId(group)).Environment.Variables as Record<string, unknown>;
      // CloudFormation fills the references in; any string will do for validation.
      const resolved = (k: string) => (k === 'ATTESTO_SCHOOL_SIGNER_ROLE_ARN' ? 'arn:aws:iam::111122223333:role/attesto-school-signer' : `resolved-${k}`);
      const env = Object.fromEntries(Object.entries(vars).map(([k, v]) => [k, typeof v === 'string' ? v : resolved(k)]));
      const config = loadConfig({ ...env, AWS_REGION: 'eu-west-3' });
      expect(config).toMatchObject({ publicUrl: `https://${DEPLOYMENT.issuerDomain}`, signer: { kind: 'kms' }, schoolAuth: 'authorizer', operatorAuth: 'iam' });
      expect(config.schoolSignerRoleArn !== undefined, group).toBe(GROUP_ACCESS[group].signs);
      expect(config.schoolClients !== undefined, group).toBe(GROUP_ACCESS[group].registersSchools);
      expect(vars.ATTESTO_TABLE).toEqual({ Ref: s.logicalId(s.main.state.table) });
      for (const name of Object.keys(vars).filter((k) => k.startsWith('ATTESTO_'))) {
        const documented = name in ENV_DOCS || readFileSync(new URL('../../README.md', import.meta.url), 'utf8').includes(`\`${name}\``);
        expect(documented, `${name} is documented`).toBe(true);
      }
    }
  });

  it("ends every function before API Gateway's 30 s, and gives the issuer room to start a batch's items and finish the last one", () => {
    const timeout = (group: RouteGroup) => fn(fnId(group)).Timeout as number;
    for (const group of ROUTE_GROUPS) expect(timeout(group), group).toBeLessThan(30);
    // Items start until LAST_ITEM_MS before the timeout: at least 15 s of starting (100 items take about 1 s).
    expect(timeout('issuer') * 1000 - LAST_ITEM_MS).toBeGreaterThanOrEqual(15_000);
    // Every function that signs issues through the issuer's use case: the issuer's time.
    for (const group of ROUTE_GROUPS.filter((g) => GROUP_ACCESS[g].signs)) expect(timeout(group), group).toBe(timeout('issuer'));
    // The public readers read twice in a row (a school, then its status lists), each read with its retries.
    for (const group of ['verifier', 'documents'] as const) expect(timeout(group) * 1000, group).toBeGreaterThan(2 * READ_WORST_CASE_MS);
    // CloudFront waits for the slowest answer the gateway can give (the authorizer's time, then the function's),
    // so that the function's own answer (a batch's 503 with Retry-After) reaches the client rather than a 504.
    const authorizerTimeout = Object.values(s.resources).find((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === 'attesto-school-authorizer')!.Properties.Timeout as number;
    const origin = Object.values(s.resources).find((r) => r.Type === 'AWS::CloudFront::Distribution')!.Properties.DistributionConfig.Origins[0];
    expect(origin.CustomOriginConfig.OriginReadTimeout).toBeGreaterThanOrEqual(authorizerTimeout + Math.max(...ROUTE_GROUPS.map(timeout)) + 1);
    expect(origin.CustomOriginConfig.OriginReadTimeout).toBeLessThanOrEqual(60);
  });

  it('gives the signer role only to functions that sign, and the user pool only to the registering one', () => {
    for (const group of ROUTE_GROUPS) {
      const vars = fn(fnId(group)).Environment.Variables;
      expect('ATTESTO_SCHOOL_SIGNER_ROLE_ARN' in vars, group).toBe(GROUP_ACCESS[group].signs);
      expect('ATTESTO_USER_POOL_ID' in vars, group).toBe(GROUP_ACCESS[group].registersSchools);
    }
  });
});

describe('least privilege, on the IAM statements of each function', () => {
  it('attaches no managed policy to any function role', () => {
    for (const f of allFunctions()) expect(s.resources[f.role]!.Properties.ManagedPolicyArns, f.name).toBeUndefined();
  });

  /** BatchGetItem on school records and status lists only (table-access.test.ts checks it is all their code reads). */
  const publicReads = () => ({
    Effect: 'Allow',
    Action: ['dynamodb:BatchGetItem'],
    Resource: tableArn(),
    Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['SCHOOL#*', 'STATUS#*'] }, Null: { 'dynamodb:LeadingKeys': 'false' } },
  });

  it('verifier: reads school records and status lists (BatchGetItem, decrypting through DynamoDB), and nothing else: no kms:Sign, no write', () => {
    expect(byStatement(statementsOf(s, roleId('verifier')))).toEqual({
      WriteOwnLogs: logsOf('verifier'),
      xray: XRAY,
      ReadStateTable: publicReads(),
      AuditTrailIsAppendOnly: auditAppendOnly(),
      NoSchoolOrClientRecords: noSchoolOrClientRecords(),
      UseStateTableKeyThroughDynamoDB: readerKey(),
      NoDirectSigningNoKeyAdministration: denyKeyAdmin(['kms:CreateKey', 'kms:TagResource']),
    });
  });

  it('documents (DID documents, status lists): the same read-only rights as the verifier', () => {
    expect(byStatement(statementsOf(s, roleId('documents')))).toEqual({
      WriteOwnLogs: logsOf('documents'),
      xray: XRAY,
      ReadStateTable: publicReads(),
      AuditTrailIsAppendOnly: auditAppendOnly(),
      NoSchoolOrClientRecords: noSchoolOrClientRecords(),
      UseStateTableKeyThroughDynamoDB: readerKey(),
      NoDirectSigningNoKeyAdministration: denyKeyAdmin(['kms:CreateKey', 'kms:TagResource']),
    });
  });

  it('issuer: writes credentials, status, idempotency and audit items, moves schools to their next list, and may open school signing sessions, but cannot sign itself', () => {
    expect(byStatement(statementsOf(s, roleId('issuer')))).toEqual({
      WriteOwnLogs: logsOf('issuer'),
      xray: XRAY,
      ReadStateTable: {
        Effect: 'Allow',
        Action: STORE_READS,
        Resource: tableArn(),
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['SCHOOL#*', 'CLIENT#*', 'CRED#*', 'STATUS#*', 'IDEM#*', 'AUDIT#*'] }, Null: { 'dynamodb:LeadingKeys': 'false' } },
      },
      PutItemsUnderItsKeyPrefixes: writeUnder('dynamodb:PutItem', ['CRED#', 'STATUS#', 'IDEM#', 'AUDIT#']),
      UpdateItemsUnderItsKeyPrefixes: writeUnder('dynamodb:UpdateItem', ['STATUS#']),
      UpdateOnlySchoolAttributes: listRollover(),
      AuditTrailIsAppendOnly: auditAppendOnly(),
      NoSchoolOrClientRecords: noSchoolOrClientRecords(),
      UseStateTableKeyThroughDynamoDB: writerKey(),
      OpenSchoolSigningSessions: openSessions(),
      NoDirectSigningNoKeyAdministration: denyKeyAdmin(['kms:CreateKey', 'kms:TagResource']),
    });
  });

  it('operator: also creates school keys (constrained) and school app clients in the pool', () => {
    const statements = byStatement(statementsOf(s, roleId('operator')));
    expect(statements).toMatchObject({
      WriteOwnLogs: logsOf('operator'),
      xray: XRAY,
      ReadStateTable: { Effect: 'Allow', Action: STORE_READS, Resource: tableArn() },
      PutItemsUnderItsKeyPrefixes: writeUnder('dynamodb:PutItem', ['SCHOOL#', 'CLIENT#', 'STATUS#', 'AUDIT#']),
      UpdateItemsUnderItsKeyPrefixes: writeUnder('dynamodb:UpdateItem', ['SCHOOL#', 'STATUS#']),
      AuditTrailIsAppendOnly: auditAppendOnly(),
      UseStateTableKeyThroughDynamoDB: writerKey(),
      OpenSchoolSigningSessions: openSessions(),
      ManageSchoolAppClients: {
        Effect: 'Allow',
        Action: ['cognito-idp:CreateUserPoolClient', 'cognito-idp:DeleteUserPoolClient'],
        Resource: getAtt(s.logicalId(s.main.schoolClients.userPool)),
      },
      NoDirectSigningNoKeyAdministration: denyKeyAdmin(),
    });
    expect(Object.keys(statements).sort()).toEqual(
      [
        'AuditTrailIsAppendOnly',
        'CreateSchoolSigningKeys',
        'ManageSchoolAppClients',
        'NeverRetagASchoolKey',
        'NoDirectSigningNoKeyAdministration',
        'NoMultiRegionSchoolKeys',
        'OpenSchoolSigningSessions',
        'PutItemsUnderItsKeyPrefixes',
        'ReadStateTable',
        'TagSchoolKeysAtCreation',
        'UpdateItemsUnderItsKeyPrefixes',
        'UseStateTableKeyThroughDynamoDB',
        'WriteOwnLogs',
        'xray',
      ].sort(),
    );
  });

  it('wallet (OpenID4VCI): issues to wallets through school sessions, keeps offers, and deletes only consumed access tokens and nonces', () => {
    expect(byStatement(statementsOf(s, roleId('wallet')))).toEqual({
      WriteOwnLogs: logsOf('wallet'),
      xray: XRAY,
      // Everything but the audit trail, which it only appends to.
      ReadStateTable: {
        Effect: 'Allow',
        Action: STORE_READS,
        Resource: tableArn(),
        Condition: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['SCHOOL#*', 'CLIENT#*', 'CRED#*', 'STATUS#*', 'IDEM#*', 'OFFER#*', 'ATOKEN#*', 'NONCE#*'] }, Null: { 'dynamodb:LeadingKeys': 'false' } },
      },
      PutItemsUnderItsKeyPrefixes: writeUnder('dynamodb:PutItem', ['CRED#', 'STATUS#', 'IDEM#', 'AUDIT#', 'OFFER#', 'ATOKEN#', 'NONCE#', 'DPOP#']),
      UpdateItemsUnderItsKeyPrefixes: writeUnder('dynamodb:UpdateItem', ['OFFER#', 'ATOKEN#', 'STATUS#']),
      DeleteItemsUnderItsKeyPrefixes: writeUnder('dynamodb:DeleteItem', ['ATOKEN#', 'NONCE#']),
      UpdateOnlySchoolAttributes: listRollover(),
      AuditTrailIsAppendOnly: auditAppendOnly(),
      NoSchoolOrClientRecords: noSchoolOrClientRecords(),
      UseStateTableKeyThroughDynamoDB: writerKey(),
      OpenSchoolSigningSessions: openSessions(),
      NoDirectSigningNoKeyAdministration: denyKeyAdmin(['kms:CreateKey', 'kms:TagResource']),
    });
  });

  it('authorizer: writes its logs and reads the origin secret, nothing else (it reads the public JWKS over HTTPS)', () => {
    const statements = statementsOf(s, authorizerRoleId());
    const allowed = statements.filter((st) => st.Effect === 'Allow').flatMap(actionsOf).sort();
    expect(allowed).toEqual(['logs:CreateLogStream', 'logs:PutLogEvents', 'secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
  });

  it('gives each route group the table actions its store adapters send, and no other', () => {
    // Read from the adapters' source, not from lib/group-access.ts (which the stack is built from):
    // a command added to an adapter without its grant, or a grant nothing sends, fails here.
    const adapters = { reader: 'dynamo-reader.ts', store: 'dynamo/dynamo-store.ts', wallet: 'dynamo/wallet-store.ts' };
    const storesOf: Record<RouteGroup, (keyof typeof adapters)[]> = {
      verifier: ['reader'],
      documents: ['reader'],
      issuer: ['store'],
      operator: ['store'],
      wallet: ['store', 'wallet'],
    };
    const sentBy = (adapter: keyof typeof adapters) => {
      const source = readFileSync(new URL(`../../lambdas/adapters/${adapters[adapter]}`, import.meta.url), 'utf8');
      const sdkCommands = [...source.matchAll(/new (\w+)Command\(/g)].map((m) => ({ Get: 'GetItem', BatchGet: 'BatchGetItem', Put: 'PutItem', Update: 'UpdateItem', Delete: 'DeleteItem', Query: 'Query' })[m[1]!] ?? `unmapped ${m[1]}`);
      // The reader posts DynamoDB operations by name (PascalCase, unlike DynamoStore's log labels).
      const rawCalls = [...source.matchAll(/this\.call\('([A-Z]\w+)'/g)].map((m) => m[1]!);
      return [...sdkCommands, ...rawCalls].map((a) => `dynamodb:${a}`);
    };
    expect(sentBy('reader')).toEqual(['dynamodb:BatchGetItem']);
    for (const group of ROUTE_GROUPS) {
      const granted = [...allowedActions(s, roleId(group))].filter((a) => a.startsWith('dynamodb:')).sort();
      expect(granted, group).toEqual([...new Set(storesOf[group].flatMap(sentBy))].sort());
    }
  });

  it('allows no function role kms:Sign, and explicitly denies it to every one of them', () => {
    for (const f of allFunctions()) {
      const statements = statementsOf(s, f.role);
      expect(statements.filter((st) => st.Effect === 'Allow').flatMap(actionsOf), f.name).not.toContain('kms:Sign');
      expect(statements.filter((st) => st.Effect === 'Deny' && st.Resource === '*').flatMap(actionsOf), f.name).toEqual(expect.arrayContaining(['kms:Sign', 'kms:ScheduleKeyDeletion', 'kms:DisableKey']));
    }
  });
});

describe('per-school signing keys and isolation', () => {
  const sameSchool = { 'aws:ResourceTag/attesto:uai': '${aws:PrincipalTag/uai}' };
  const tagsPresent = { Null: { 'aws:ResourceTag/attesto:uai': 'false', 'aws:PrincipalTag/uai': 'false' } };
  const keysOfThisAccountAndRegion = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':kms:eu-west-3:123456789012:key/*']] };

  it('creates no school key in the stack: keys are made at registration (10,000 schools would break the 500-resource limit)', () => {
    const keys = Object.values(s.resources).filter((r) => r.Type === 'AWS::KMS::Key');
    for (const key of keys) expect(key.Properties.KeySpec ?? 'SYMMETRIC_DEFAULT').toBe('SYMMETRIC_DEFAULT');
    expect(Object.keys(s.resources).length).toBeLessThan(250);
  });

  it('lets a signing session sign only with keys whose attesto:uai tag equals its uai session tag (ABAC)', () => {
    expect(byStatement(statementsOf(s, signerRoleId()))).toEqual({
      SignWithTheSessionSchoolKey: {
        Effect: 'Allow',
        Action: ['kms:Sign'],
        Resource: keysOfThisAccountAndRegion,
        Condition: { StringEquals: { ...sameSchool, 'kms:SigningAlgorithm': 'ECDSA_SHA_256', 'kms:MessageType': 'DIGEST' }, ...tagsPresent },
      },
      ReadTheSessionSchoolPublicKey: { Effect: 'Allow', Action: ['kms:GetPublicKey'], Resource: keysOfThisAccountAndRegion, Condition: { StringEquals: sameSchool, ...tagsPresent } },
      // Whatever is attached to the role later, it can do nothing else.
      NothingButSigning: { Effect: 'Deny', Action: [], NotAction: ['kms:GetPublicKey', 'kms:Sign'], Resource: '*' },
    });
  });

  it('opens a signing session only for a signing function, and only with exactly one school tag of UAI length', () => {
    const trust = s.resources[signerRoleId()]!.Properties.AssumeRolePolicyDocument.Statement as Statement[];
    const signing = ROUTE_GROUPS.filter((g) => GROUP_ACCESS[g].signs);
    expect(signing).toEqual(expect.arrayContaining(['issuer', 'operator']));
    expect(signing).not.toContain('verifier');
    expect(signing).not.toContain('documents');
    expect(trust.map((st) => st.Principal).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual(
      signing.map((g) => ({ AWS: getAtt(roleId(g)) })).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    );
    for (const st of trust) {
      expect(st).toMatchObject({
        Effect: 'Allow',
        Action: ['sts:AssumeRole', 'sts:TagSession'],
        Condition: { Null: { 'aws:RequestTag/uai': 'false' }, StringLike: { 'aws:RequestTag/uai': '????????' }, 'ForAllValues:StringEquals': { 'aws:TagKeys': ['uai'] } },
      });
    }
    expect(s.resources[signerRoleId()]!.Properties.MaxSessionDuration).toBe(3600);
  });

  it("puts the signer role on the path school key policies let sign: a role the stack replaces keeps signing with the keys made before it", () => {
    const path = s.resources[signerRoleId()]!.Properties.Path as string;
    expect(path).toBe('/attesto/eu-west-3/Attesto/');
    // The ARN CloudFormation will give it, and the principals a key policy made with that ARN names.
    const arn = (name: string) => `arn:aws:iam::123456789012:role${path}${name}`;
    const principals = signerPrincipals(arn('Attesto-SchoolSigningSignerRoleABC-1X2Y3Z'));
    expect(principals).toBe('arn:aws:iam::123456789012:role/attesto/eu-west-3/Attesto/*');
    const deny = JSON.parse(schoolKeyPolicy({ signerRoleArn: arn('Attesto-SchoolSigningSignerRoleABC-1X2Y3Z'), uai: '0750001A' })).Statement;
    const sign = (principal: string) => evaluate(deny, { action: 'kms:Sign', resource: () => true, context: { 'aws:PrincipalArn': principal, 'aws:PrincipalTag/uai': '0750001A' } });
    expect(sign(arn('Attesto-SchoolSigningSignerRoleABC-9Q8R7S'))).not.toBe('explicitly denied');
    // Another stack's signer role in the same account (a staging stack, the same stack in another region) does not.
    expect(sign('arn:aws:iam::123456789012:role/attesto/eu-west-3/AttestoStaging/Attesto-SchoolSigningSignerRoleABC-1X2Y3Z')).toBe('explicitly denied');
    expect(sign('arn:aws:iam::123456789012:role/attesto/eu-central-1/Attesto/Attesto-SchoolSigningSignerRoleABC-1X2Y3Z')).toBe('explicitly denied');
  });

  it('lets only the registering function create keys: P-256, SIGN_VERIFY, generated in KMS, single-region, tagged with the school', () => {
    const creators = allFunctions().filter((f) => allowedActions(s, f.role).has('kms:CreateKey'));
    expect(creators.map((f) => f.name)).toEqual(ROUTE_GROUPS.filter((g) => GROUP_ACCESS[g].registersSchools));
    const statements = byStatement(statementsOf(s, roleId('operator')));
    const onlySchoolTag = { Null: { 'aws:RequestTag/attesto:uai': 'false' }, 'ForAllValues:StringEquals': { 'aws:TagKeys': ['attesto:uai'] } };
    expect(statements.CreateSchoolSigningKeys).toEqual({
      Effect: 'Allow',
      Action: ['kms:CreateKey'],
      Resource: '*',
      Condition: { StringEquals: { 'kms:KeySpec': 'ECC_NIST_P256', 'kms:KeyUsage': 'SIGN_VERIFY', 'kms:KeyOrigin': 'AWS_KMS' }, ...onlySchoolTag },
    });
    expect(statements.NoMultiRegionSchoolKeys).toEqual({ Effect: 'Deny', Action: ['kms:CreateKey'], Resource: '*', Condition: { Bool: { 'kms:MultiRegion': 'true' } } });
    // Tagging rights exist for CreateKey's tags; on an existing key they reach only an untagged
    // key of the kind CreateKey makes, never another application's (table-access.test.ts).
    expect(statements.TagSchoolKeysAtCreation).toEqual({
      Effect: 'Allow',
      Action: ['kms:TagResource'],
      Resource: keysOfThisAccountAndRegion,
      Condition: { ...onlySchoolTag, StringEqualsIfExists: { 'kms:KeySpec': 'ECC_NIST_P256', 'kms:KeyUsage': 'SIGN_VERIFY', 'kms:KeyOrigin': 'AWS_KMS' } },
    });
    // Retagging school B's key as A's would hand it to A's sessions.
    expect(statements.NeverRetagASchoolKey).toEqual({
      Effect: 'Deny',
      Action: ['kms:TagResource'],
      Resource: '*',
      Condition: { Null: { 'aws:ResourceTag/attesto:uai': 'false' }, StringNotEquals: { 'aws:ResourceTag/attesto:uai': '${aws:RequestTag/attesto:uai}' } },
    });
  });

});

describe('DynamoDB state table', () => {
  it('is on-demand, with point-in-time recovery, deletion protection, a customer-managed key and the TTL attribute', () => {
    s.template.hasResourceProperties('AWS::DynamoDB::Table', {
      BillingMode: 'PAY_PER_REQUEST',
      KeySchema: [
        { AttributeName: TABLE_KEYS.partitionKey, KeyType: 'HASH' },
        { AttributeName: TABLE_KEYS.sortKey, KeyType: 'RANGE' },
      ],
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
      SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: tableKeyArn() },
      TimeToLiveSpecification: { AttributeName: TTL_ATTRIBUTE, Enabled: true },
    });
    expect(TTL_ATTRIBUTE).toBe('expiresAt');
  });

  it('is retained, with its key, when the stack is deleted', () => {
    const table = s.resources[s.logicalId(s.main.state.table)]!;
    const key = s.resources[s.logicalId(s.main.state.key)]!;
    expect([table.DeletionPolicy, table.UpdateReplacePolicy]).toEqual(['Retain', 'Retain']);
    expect([key.DeletionPolicy, key.UpdateReplacePolicy]).toEqual(['Retain', 'Retain']);
    expect(key.Properties.EnableKeyRotation).toBe(true);
  });
});

describe('authentication', () => {
  const routes = () => Object.values(s.resources).filter((r) => r.Type === 'AWS::ApiGatewayV2::Route');
  const routeFor = (r: { method: string; path: string }) => routes().find((x) => x.Properties.RouteKey === routeKey(r))!.Properties;

  /** Every route key the gateway has: each route's, and a HEAD beside each GET. */
  const keysOf = (list: readonly (typeof ROUTES)[number][]) => list.flatMap((r) => methodsOf(r).map((method) => routeKey({ method, path: r.path })));

  it('deploys every route of the route table, a HEAD beside each GET, and no other', () => {
    expect(routes().map((r) => r.Properties.RouteKey).sort()).toEqual(keysOf(ROUTES).sort());
    expect(routes().map((r) => r.Properties.RouteKey)).toEqual(expect.arrayContaining(['GET /schools/{uai}/did.json', 'HEAD /schools/{uai}/did.json']));
  });

  it("sends each route to its group's function, its HEAD as its GET, behind the same authorizer", () => {
    for (const route of ROUTES.flatMap((r) => methodsOf(r).map((method) => ({ ...r, method })))) {
      const integrationId = (routeFor(route).Target['Fn::Join'][1][1] as { Ref: string }).Ref;
      const integration = s.resources[integrationId]!.Properties;
      expect(integration).toMatchObject({ IntegrationType: 'AWS_PROXY', PayloadFormatVersion: '2.0', IntegrationUri: getAtt(fnId(route.group)) });
      if (route.method === 'HEAD') {
        const get = routeFor({ ...route, method: 'GET' });
        expect([routeFor(route).AuthorizationType, routeFor(route).AuthorizerId], route.path).toEqual([get.AuthorizationType, get.AuthorizerId]);
      }
    }
  });

  it('opens verify, status lists, DID documents and the other public routes to anyone, through CloudFront only', () => {
    const originAuthorizer = s.logicalId(s.main.node.findChild('Api').node.findChild('HttpApi').node.findChild('ThroughCloudFront'));
    const guarded = routes().filter((r) => r.Properties.AuthorizerId?.Ref === originAuthorizer).map((r) => r.Properties.RouteKey);
    expect(guarded.sort()).toEqual(keysOf(ROUTES.filter((r) => r.auth === 'public')).sort());
    expect(guarded).toEqual(expect.arrayContaining(['POST /credentials/verify', 'GET /schools/{uai}/did.json', 'GET /schools/{uai}/status-lists/{purpose}/{list}']));
    // No route is left without an authorizer: the API's own address answers nobody who skipped CloudFront (and WAF).
    expect(routes().filter((r) => r.Properties.AuthorizationType === 'NONE')).toEqual([]);
    // Without the header the gateway answers 401 itself; with it, one answer per value is kept 5 minutes.
    expect(s.resources[originAuthorizer]!.Properties).toMatchObject({ AuthorizerType: 'REQUEST', EnableSimpleResponses: true, IdentitySource: [`$request.header.${ORIGIN_HEADER}`], AuthorizerResultTtlInSeconds: 300 });
    // CloudFront sends the secret's current value; the authorizers check it against the same secret.
    const secret = s.logicalId(s.main.origin.secret);
    const ref = (key: string) => ({ 'Fn::Join': ['', ['{{resolve:secretsmanager:', { Ref: secret }, `:SecretString:${key}::}}`]] });
    const origin = Object.values(s.resources).find((r) => r.Type === 'AWS::CloudFront::Distribution')!.Properties.DistributionConfig.Origins[0];
    expect(origin.OriginCustomHeaders).toEqual([{ HeaderName: ORIGIN_HEADER, HeaderValue: ref('current') }]);
    // The authorizers read the secret itself at run time (GetSecretValue on it alone), never a copy fixed at deploy time.
    for (const service of ['attesto-origin-authorizer', 'attesto-school-authorizer']) {
      const f = Object.values(s.resources).find((r) => r.Type === 'AWS::Lambda::Function' && r.Properties.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === service)!;
      expect(f.Properties.Environment.Variables, service).toMatchObject({ ATTESTO_ORIGIN_SECRET_ARN: { Ref: secret } });
      expect(JSON.stringify(f.Properties.Environment.Variables), service).not.toContain('resolve:secretsmanager');
      const role = f.Properties.Role['Fn::GetAtt'][0];
      const policies = Object.values(s.resources).filter((r) => r.Type === 'AWS::IAM::Policy' && r.Properties.Roles.some((x: { Ref: string }) => x.Ref === role));
      const reads = policies.flatMap((p) => p.Properties.PolicyDocument.Statement).filter((st: { Action: string | string[] }) => [st.Action].flat().includes('secretsmanager:GetSecretValue'));
      expect(reads.map((st: { Resource: unknown }) => st.Resource), service).toEqual([{ Ref: secret }]);
    }
    // A new originSecretVersion changes the distribution, so that a deployment reads the secret's current value again.
    expect(Object.values(s.resources).find((r) => r.Type === 'AWS::CloudFront::Distribution')!.Properties.DistributionConfig.Comment).toMatch(/^attesto \(origin secret 1\) /);
    // The value never appears in the template itself.
    expect(s.resources[secret]!.Properties.GenerateSecretString).toMatchObject({ GenerateStringKey: 'current', PasswordLength: 48 });
  });

  it('requires an operator IAM identity (SigV4) on operator routes, granted by a managed policy for operators', () => {
    const operatorRoutes = ROUTES.filter((r) => r.auth === 'operator');
    expect(operatorRoutes.length).toBeGreaterThan(0);
    for (const route of operatorRoutes) expect(routeFor(route).AuthorizationType).toBe('AWS_IAM');
    const policy = s.resources[s.logicalId(s.main.api.operatorPolicy)]!.Properties.PolicyDocument.Statement as Statement[];
    expect(policy).toHaveLength(1);
    expect(actionsOf(policy[0]!)).toEqual(['execute-api:Invoke']);
    // What an operator's request is checked against: the ARN of the request, with the school's UAI in it.
    const api = s.logicalId(s.main.api.api);
    const rendered = (r: unknown) => (r as { 'Fn::Join': [string, (string | { Ref: string })[]] })['Fn::Join'][1].map((p) => (typeof p === 'string' ? p : p.Ref === 'AWS::Partition' ? 'aws' : `<${p.Ref}>`)).join('');
    const iamGlob = (pattern: string) => new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
    const invoke = (request: string) => evaluate(policy, { action: 'execute-api:Invoke', resource: (r) => iamGlob(rendered(r)).test(`arn:aws:execute-api:eu-west-3:123456789012:<${api}>/$default/${request}`), context: {} });
    expect(invoke('POST/schools')).toBe('allowed');
    expect(invoke('POST/schools/0750001A/key-rotations')).toBe('allowed');
    expect(invoke('POST/schools/0750001A/status-list-republications')).toBe('allowed');
    // Nothing else: the school routes, or another method.
    expect(invoke('GET/schools/0750001A/audit')).toBe('not allowed');
    expect(invoke('POST/credentials/issue')).toBe('not allowed');
    expect(invoke('GET/schools')).toBe('not allowed');
  });

  it("requires a school's OAuth2 access token on school routes, checked by the gateway authorizer", () => {
    const authorizerId = s.logicalId(s.main.node.findChild('Api').node.findChild('HttpApi').node.findChild('SchoolToken'));
    for (const route of ROUTES.filter((r) => r.auth === 'school')) {
      expect(routeFor(route), routeKey(route)).toMatchObject({ AuthorizationType: 'CUSTOM', AuthorizerId: { Ref: authorizerId } });
    }
    expect(s.resources[authorizerId]!.Properties).toMatchObject({
      AuthorizerType: 'REQUEST',
      AuthorizerPayloadFormatVersion: '2.0',
      EnableSimpleResponses: true,
      // Both required (the gateway refuses a request without either), the second proving it came through CloudFront.
      IdentitySource: ['$request.header.Authorization', `$request.header.${ORIGIN_HEADER}`],
      // A cached decision would outlive the token and ignore the route's scope.
      AuthorizerResultTtlInSeconds: 0,
    });
    expect(JSON.stringify(s.resources[authorizerId]!.Properties.AuthorizerUri)).toContain(authorizerFnId());
    // The pool's issuer URL, https://cognito-idp.<region>.amazonaws.com/<pool id>: the only accepted `iss`.
    expect(fn(authorizerFnId()).Environment.Variables.ATTESTO_TOKEN_ISSUER).toEqual({ 'Fn::GetAtt': [s.logicalId(s.main.schoolClients.userPool), 'ProviderURL'] });
  });

  it('issues school tokens with OAuth2 client credentials from a user pool with no users and one scope per school route', () => {
    s.template.hasResourceProperties('AWS::Cognito::UserPool', {
      AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
      DeletionProtection: 'ACTIVE',
      MfaConfiguration: 'ON',
    });
    s.template.hasResourceProperties('AWS::Cognito::UserPoolResourceServer', {
      Identifier: 'attesto',
      Scopes: ROUTES.filter((r) => r.auth === 'school').map((r) => ({ ScopeName: r.operationId, ScopeDescription: r.summary.slice(0, 256) })),
    });
    s.template.hasResourceProperties('AWS::Cognito::UserPoolDomain', { Domain: 'attesto-attestations-ac-lyon-fr' });
    // App clients are per school and made at registration, never stack resources.
    s.template.resourceCountIs('AWS::Cognito::UserPoolClient', 0);
    const pool = s.resources[s.logicalId(s.main.schoolClients.userPool)]!;
    expect(pool.DeletionPolicy).toBe('Retain');
  });

  it('lets only the registering function manage app clients', () => {
    const managers = allFunctions().filter((f) => allowedActions(s, f.role).has('cognito-idp:CreateUserPoolClient'));
    expect(managers.map((f) => f.name)).toEqual(ROUTE_GROUPS.filter((g) => GROUP_ACCESS[g].registersSchools));
  });
});

describe('issuer domain: CloudFront, caching, WAF, throttling', () => {
  const distribution = () => Object.values(s.resources).find((r) => r.Type === 'AWS::CloudFront::Distribution')!.Properties.DistributionConfig;
  const cachePolicyId = () => s.logicalId(s.main.edge.node.findChild('PublicDocuments'));

  it('serves the API under the issuer domain with its certificate, TLS 1.2+, behind the WAF web ACL', () => {
    expect(distribution()).toMatchObject({
      Aliases: [DEPLOYMENT.issuerDomain],
      ViewerCertificate: { AcmCertificateArn: DEPLOYMENT.certificateArn, MinimumProtocolVersion: 'TLSv1.2_2021', SslSupportMethod: 'sni-only' },
      Origins: [{ CustomOriginConfig: { OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] } }],
    });
    // The web ACL lives in us-east-1 and reaches this stack as a cross-region reference.
    expect(JSON.stringify(distribution().WebACLId)).toMatch(/ExportsReader/);
    expect(JSON.stringify(distribution().Origins[0].DomainName)).toContain(s.logicalId(s.main.api.api));
  });

  it('caches DID documents, status lists and other public reads for as long as their Cache-Control says, at most an hour', () => {
    const cached = ROUTES.filter((r) => r.auth === 'public' && r.method === 'GET').map((r) => r.path.replace(/\{[a-zA-Z]+\}/g, '*'));
    expect(cached).toEqual(expect.arrayContaining(['/schools/*/did.json', '/schools/*/status-lists/*/*']));
    expect(distribution().CacheBehaviors.map((b: { PathPattern: string }) => b.PathPattern).sort()).toEqual([...new Set(cached)].sort());
    const headersPolicy = Object.entries(s.resources).find(([, r]) => r.Type === 'AWS::CloudFront::ResponseHeadersPolicy')!;
    for (const b of distribution().CacheBehaviors) {
      // OPTIONS allowed but never cached: a page's preflighted GET reaches the gateway, with the headers that make it a preflight.
      expect(b).toMatchObject({ CachePolicyId: { Ref: cachePolicyId() }, AllowedMethods: ['GET', 'HEAD', 'OPTIONS'], CachedMethods: ['GET', 'HEAD'], ViewerProtocolPolicy: 'https-only' });
      expect(b.OriginRequestPolicyId).toBe('88a5eaf4-2fd4-4709-b370-b4c650ea3fcf'); // Managed-CORS-S3Origin: Origin, Access-Control-Request-*
      expect(b.ResponseHeadersPolicyId).toEqual({ Ref: headersPolicy[0] });
    }
    // Any verifier, browser-based ones included, may read them, and read their ETag; the security headers too.
    expect(headersPolicy[1].Properties.ResponseHeadersPolicyConfig.CorsConfig).toMatchObject({
      AccessControlAllowCredentials: false,
      AccessControlAllowOrigins: { Items: ['*'] },
      AccessControlAllowMethods: { Items: ['GET', 'HEAD', 'OPTIONS'] },
      AccessControlExposeHeaders: { Items: expect.arrayContaining(['etag']) },
      OriginOverride: true,
    });
    expect(Object.keys(headersPolicy[1].Properties.ResponseHeadersPolicyConfig.SecurityHeadersConfig).sort()).toEqual(['ContentTypeOptions', 'FrameOptions', 'ReferrerPolicy', 'StrictTransportSecurity', 'XSSProtection']);
    expect(s.resources[cachePolicyId()]!.Properties.CachePolicyConfig).toMatchObject({ MinTTL: 0, DefaultTTL: 0, MaxTTL: 3600 });
  });

  it('passes everything else through uncached, Authorization included, over HTTPS only', () => {
    expect(distribution().DefaultCacheBehavior).toMatchObject({
      CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad', // Managed-CachingDisabled
      OriginRequestPolicyId: 'b689b0a8-53d0-40ab-baf2-68738e2966ac', // Managed-AllViewerExceptHostHeader
      AllowedMethods: expect.arrayContaining(['GET', 'POST']),
      ViewerProtocolPolicy: 'https-only',
    });
  });

  it('puts a per-IP rate-based WAF rule on every public route, and a stricter one on public writes', () => {
    expect(s.edge.region).toBe('us-east-1');
    const acl = s.edgeTemplate.findResources('AWS::WAFv2::WebACL');
    const webAcl = Object.values(acl)[0]!.Properties;
    expect(webAcl.Scope).toBe('CLOUDFRONT');
    const rule = (name: string) => webAcl.Rules.find((r: { Name: string }) => r.Name === name);
    const publicRule = rule('PublicRateLimit');
    expect(publicRule.Statement.RateBasedStatement).toMatchObject({ Limit: PUBLIC_RATE_LIMIT, AggregateKeyType: 'IP', EvaluationWindowSec: 300 });
    const limited = { Block: { CustomResponse: { ResponseCode: 429, CustomResponseBodyKey: 'RateLimited', ResponseHeaders: [{ Name: 'retry-after', Value: '60' }] } } };
    for (const name of ['PublicRateLimit', 'PublicWriteRateLimit', 'AnyRouteRateLimit']) expect(rule(name).Action, name).toEqual(limited);
    // One body, read as a problem (code) and, by a wallet at the OAuth endpoints, as an OAuth error (error).
    const body = JSON.parse(webAcl.CustomResponseBodies.RateLimited.Content);
    expect(body).toMatchObject({ status: 429, code: 'RATE_LIMITED', error: 'temporarily_unavailable', error_description: expect.any(String) });
    expect(webAcl.CustomResponseBodies.RateLimited.ContentType).toBe('APPLICATION_JSON');
    const scopeDown = publicRule.Statement.RateBasedStatement.ScopeDownStatement;
    const regexes: string[] = (scopeDown.OrStatement?.Statements ?? [scopeDown]).map((st: { RegexMatchStatement: { RegexString: string } }) => st.RegexMatchStatement.RegexString);
    for (const r of regexes) expect(r.length).toBeLessThanOrEqual(512);
    const publicPaths = new Set(ROUTES.filter((r) => r.auth === 'public').map((r) => samplePath(r.path)));
    for (const route of ROUTES) {
      expect(regexes.some((r) => new RegExp(r).test(samplePath(route.path))), routeKey(route)).toBe(publicPaths.has(samplePath(route.path)));
    }
    const writes = rule('PublicWriteRateLimit');
    expect(writes.Statement.RateBasedStatement).toMatchObject({ Limit: PUBLIC_WRITE_RATE_LIMIT, AggregateKeyType: 'IP' });
    expect(JSON.stringify(writes.Statement.RateBasedStatement.ScopeDownStatement)).toContain('"SearchString":"POST"');
    // Paths are matched as the gateway routes them: percent-decoded and normalised (`/credentials/verif%79`).
    for (const st of scopeDown.OrStatement?.Statements ?? [scopeDown]) {
      expect(st.RegexMatchStatement.TextTransformations).toEqual([{ Priority: 0, Type: 'URL_DECODE' }, { Priority: 1, Type: 'NORMALIZE_PATH' }]);
    }
    // Every path has some limit: school routes, unknown paths.
    expect(rule('AnyRouteRateLimit').Statement.RateBasedStatement).toEqual({ Limit: ANY_ROUTE_RATE_LIMIT, AggregateKeyType: 'IP', EvaluationWindowSec: 300 });
    // A school system whose HTTP client sends no User-Agent is not refused for it.
    const common = rule('AWSManagedRulesCommonRuleSet').Statement.ManagedRuleGroupStatement.RuleActionOverrides;
    expect(common).toEqual(expect.arrayContaining([{ Name: 'NoUserAgent_HEADER', ActionToUse: { Count: {} } }]));
    // No request (IPs, headers, tokens) is kept by WAF.
    for (const r of webAcl.Rules) expect(r.VisibilityConfig.SampledRequestsEnabled).toBe(false);
    expect(webAcl.VisibilityConfig.SampledRequestsEnabled).toBe(false);
    s.edgeTemplate.resourceCountIs('AWS::WAFv2::LoggingConfiguration', 0);
  });

  it('keeps every WAF path regex within the 512 characters WAF accepts, however many public routes there are', () => {
    const many = Array.from({ length: 60 }, (_, i) => ({ method: 'GET' as const, path: `/documents-of-a-future-kind-${i}/{id}`, group: 'documents' as const, auth: 'public' as const, operationId: `d${i}`, summary: '' }));
    const regexes = routesRegexes(many);
    expect(regexes.length).toBeGreaterThan(1);
    for (const r of regexes) expect(r.length).toBeLessThanOrEqual(MAX_REGEX_LENGTH);
    for (const route of many) expect(regexes.filter((r) => new RegExp(r).test(samplePath(route.path))), route.path).toHaveLength(1);
  });

  it('answers browsers from any origin, as the local home does: preflight at the gateway, the headers clients read exposed', () => {
    const api = Object.values(s.resources).find((r) => r.Type === 'AWS::ApiGatewayV2::Api')!.Properties;
    expect(api.CorsConfiguration).toEqual({
      AllowOrigins: [...CORS.allowOrigins],
      AllowMethods: [...CORS.allowMethods],
      AllowHeaders: [...CORS.allowHeaders],
      ExposeHeaders: [...CORS.exposeHeaders],
      MaxAge: CORS.maxAgeSeconds,
    });
    // No cookies: a page can never act with a credential it was not handed.
    expect(api.CorsConfiguration.AllowCredentials).toBeUndefined();
  });

  it('throttles the API, with explicit limits on every public route', () => {
    const stage = Object.values(s.resources).find((r) => r.Type === 'AWS::ApiGatewayV2::Stage')!.Properties;
    expect(stage.StageName).toBe('$default');
    expect(stage.DefaultRouteSettings).toMatchObject({ ThrottlingRateLimit: expect.any(Number), ThrottlingBurstLimit: expect.any(Number) });
    for (const route of ROUTES.filter((r) => r.auth === 'public')) {
      const limits = stage.RouteSettings[routeKey(route)];
      expect(limits, routeKey(route)).toMatchObject({ ThrottlingRateLimit: expect.any(Number), ThrottlingBurstLimit: expect.any(Number) });
      expect(limits.ThrottlingBurstLimit).toBeGreaterThanOrEqual(limits.ThrottlingRateLimit);
    }
    expect(stage.RouteSettings['POST /credentials/verify'].ThrottlingRateLimit).toBeLessThan(stage.RouteSettings['GET /schools/{uai}/did.json'].ThrottlingRateLimit);
    // A HEAD is limited as its GET: it is no way around the GET's limit.
    for (const route of ROUTES.filter((r) => r.method === 'GET')) expect(stage.RouteSettings[`HEAD ${route.path}`], route.path).toEqual(stage.RouteSettings[routeKey(route)]);
  });

  it('writes API access logs as JSON: which school client or operator called, never client addresses or user agents', () => {
    const stage = Object.values(s.resources).find((r) => r.Type === 'AWS::ApiGatewayV2::Stage')!.Properties;
    const format = JSON.parse(stage.AccessLogSettings.Format);
    expect(format).toMatchObject({ requestId: '$context.requestId', routeKey: '$context.routeKey', status: '$context.status', clientId: '$context.authorizer.clientId', callerArn: '$context.identity.userArn' });
    // Of the caller's identity, only the operator's IAM ARN (public callers are never identified).
    expect(stage.AccessLogSettings.Format.replace('$context.identity.userArn', '')).not.toMatch(/sourceIp|userAgent|identity\./);
  });
});

describe('region', () => {
  // The code's own default (no region anywhere) is tested in settings.test.ts.
  it("deploys the data to Paris (eu-west-3), cdk.json's region", () => {
    expect(CLI_CONTEXT.region).toBe('eu-west-3');
    expect(s.main.region).toBe('eu-west-3');
    expect(s.settings.region).toBe('eu-west-3');
  });
});

describe('operations', () => {
  const alarms = () => Object.values(s.resources).filter((r) => r.Type === 'AWS::CloudWatch::Alarm').map((r) => r.Properties);
  const topicRef = () => ({ Ref: s.logicalId(s.main.operations.topic) });

  it('alarms on API 5xx', () => {
    expect(alarms()).toContainEqual(expect.objectContaining({ Namespace: 'AWS/ApiGateway', MetricName: '5xx', Dimensions: [{ Name: 'ApiId', Value: { Ref: s.logicalId(s.main.api.api) } }] }));
  });

  it('alarms on throttling of every function and of the table', () => {
    for (const f of allFunctions()) {
      expect(alarms(), f.name).toContainEqual(expect.objectContaining({ Namespace: 'AWS/Lambda', MetricName: 'Throttles', Dimensions: [{ Name: 'FunctionName', Value: { Ref: f.fn } }] }));
      expect(alarms(), f.name).toContainEqual(expect.objectContaining({ Namespace: 'AWS/Lambda', MetricName: 'Errors', Dimensions: [{ Name: 'FunctionName', Value: { Ref: f.fn } }] }));
    }
    // The table's: one series per operation, each filled with 0, so one throttled operation alone trips it.
    const table = alarms().find((a) => JSON.stringify(a.Metrics ?? []).includes('ThrottledRequests'))!;
    const expression = table.Metrics.find((m: { Expression?: string }) => m.Expression).Expression as string;
    type Series = { Id: string; MetricStat: { Metric: { MetricName: string; Dimensions: { Name: string; Value: unknown }[] } } };
    const series = table.Metrics.filter((m: { MetricStat?: unknown }) => m.MetricStat) as Series[];
    const perOperation = series.filter((m) => m.MetricStat.Metric.MetricName === 'ThrottledRequests');
    expect(perOperation.map((m) => m.MetricStat.Metric.Dimensions.find((d) => d.Name === 'Operation')!.Value).sort()).toEqual(TABLE_OPERATIONS.map(String).sort());
    // And the table's read throttle events: a BatchGetItem throttled in part counts only there.
    expect(series.filter((m) => m.MetricStat.Metric.MetricName === 'ReadThrottleEvents')).toHaveLength(1);
    expect(series).toHaveLength(perOperation.length + 1);
    for (const m of series) expect(expression).toContain(`FILL(${m.Id}, 0)`);
  });

  it("warns before the account's KMS signing quota runs out: ECC operations (the quota's own usage metric) at 80 % of it for 3 minutes", () => {
    const quota = alarms().find((a) => JSON.stringify(a.Metrics ?? []).includes('AWS/Usage'))!;
    expect(quota).toMatchObject({ Threshold: KMS_QUOTA_ALARM_PERCENT, EvaluationPeriods: 3, DatapointsToAlarm: 3, ComparisonOperator: 'GreaterThanOrEqualToThreshold', AlarmActions: [expect.anything()] });
    const usage = quota.Metrics.find((m: { MetricStat?: unknown }) => m.MetricStat).MetricStat;
    expect(usage).toMatchObject({ Metric: { Namespace: 'AWS/Usage', MetricName: 'CallCount' }, Period: 60, Stat: 'Sum' });
    expect(usage.Metric.Dimensions).toEqual(expect.arrayContaining([{ Name: 'Service', Value: 'KMS' }, { Name: 'Type', Value: 'API' }, { Name: 'Resource', Value: 'CryptographicOperationsEcc' }, { Name: 'Class', Value: 'None' }]));
    expect(quota.Metrics.find((m: { Expression?: string }) => m.Expression).Expression).toMatch(/FILL\(\w+, 0\) \/ 60 \/ SERVICE_QUOTA\(\w+\)/);
  });

  it('alarms on batch items that failed on our side, answered inside a 200, other than signing (its own alarm) and items out of time', () => {
    expect(alarms()).toContainEqual(expect.objectContaining({ Namespace: 'attesto', MetricName: 'BatchItemsFailed', Threshold: 1 }));
    const filters = Object.values(s.resources).filter((r) => r.Type === 'AWS::Logs::MetricFilter' && r.Properties.MetricTransformations[0].MetricName === 'BatchItemsFailed');
    expect(filters.length).toBeGreaterThan(0);
    for (const f of filters) {
      expect(f.Properties.MetricTransformations[0]).toMatchObject({ MetricValue: '$.items', MetricNamespace: 'attesto' });
      for (const excluded of ['BATCH_OUT_OF_TIME', 'SIGNER_UNAVAILABLE', 'SIGNING_KEY_UNUSABLE']) expect(f.Properties.FilterPattern).toContain(`$.code != "${excluded}"`);
    }
  });

  it("alarms on requests refused at the API's own address for a wrong origin header (calls around CloudFront, or a secret rotation gone wrong), counted from both authorizers' logs", () => {
    expect(alarms()).toContainEqual(expect.objectContaining({ Namespace: 'attesto', MetricName: 'OriginRefused', Threshold: 1 }));
    const filters = Object.values(s.resources).filter((r) => r.Type === 'AWS::Logs::MetricFilter' && r.Properties.MetricTransformations[0].MetricName === 'OriginRefused').map((r) => r.Properties);
    expect(filters.map((f) => f.LogGroupName.Ref).sort()).toEqual([s.main.origin.authorizerFunction, s.main.schoolClients.authorizerFunction].map((f) => s.logicalId(f.logGroup)).sort());
    for (const f of filters) expect(f.FilterPattern).toBe('{ $.message = "origin refused" || ($.message = "school token refused" && $.reason = "not-through-cloudfront") }');
  });

  it('alarms on KMS (signing) errors, counted from the logs of every signing function', () => {
    expect(alarms()).toContainEqual(expect.objectContaining({ Namespace: 'attesto', MetricName: 'SignerUnavailable', Threshold: 1 }));
    const filters = Object.values(s.resources).filter((r) => r.Type === 'AWS::Logs::MetricFilter' && r.Properties.MetricTransformations[0].MetricName === 'SignerUnavailable').map((r) => r.Properties);
    const signing = ROUTE_GROUPS.filter((g) => GROUP_ACCESS[g].signs);
    expect(filters.map((f) => f.LogGroupName.Ref).sort()).toEqual(signing.map((g) => s.logicalId(s.main.functions[g].logGroup)).sort());
    for (const f of filters) {
      expect(f.FilterPattern).toBe('{ $.message = "unavailable" && ($.code = "SIGNER_UNAVAILABLE" || $.code = "SIGNING_KEY_UNUSABLE") }');
      expect(f.MetricTransformations).toEqual([{ MetricNamespace: 'attesto', MetricName: 'SignerUnavailable', MetricValue: '1', DefaultValue: 0 }]);
    }
  });

  it('sends every alarm to one encrypted topic, with the alarm email subscribed', () => {
    for (const alarm of alarms()) expect(alarm.AlarmActions).toEqual([topicRef()]);
    // And when it is over.
    for (const alarm of alarms()) expect(alarm.OKActions).toEqual([topicRef()]);
    s.template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: Match.anyValue() });
    s.template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: DEPLOYMENT.alarmEmail, TopicArn: topicRef() });
  });

  it('outputs the API URL and the issuer domain', () => {
    const outputs = s.template.toJSON().Outputs;
    expect(outputs.IssuerUrl.Value).toBe(`https://${DEPLOYMENT.issuerDomain}`);
    expect(outputs.ApiUrl.Value).toEqual({ 'Fn::GetAtt': [s.logicalId(s.main.api.api), 'ApiEndpoint'] });
    expect(outputs).toHaveProperty('DistributionDomainName');
    expect(outputs).toHaveProperty('TokenEndpoint');
  });
});

describe('cdk-nag: AwsSolutions and Serverless packs', () => {
  const NAG = Match.stringLikeRegexp('^(AwsSolutions|Serverless)-');

  it('reports no unsuppressed finding, error or warning, on either stack', () => {
    for (const stack of [s.main, s.edge]) {
      const findings = [...Annotations.fromStack(stack).findError('*', NAG), ...Annotations.fromStack(stack).findWarning('*', NAG)];
      expect(findings.map((f) => `${f.id}: ${String(f.entry.data).slice(0, 120)}`)).toEqual([]);
    }
  });

  it('ran both packs on both stacks', () => {
    // A report per pack and stack (nagReport throws without one); the edge stack's web ACL is
    // outside both packs' rules, so its reports hold no row.
    for (const stack of [s.main, s.edge]) for (const pack of ['AwsSolutions', 'Serverless'] as const) expect(s.nagReport(pack, stack)).toBeInstanceOf(Array);
    for (const pack of ['AwsSolutions', 'Serverless'] as const) expect(s.nagReport(pack, s.main).filter((r) => r.compliance === 'Compliant').length, pack).toBeGreaterThan(20);
  });

  it('gives every suppression a written reason, and suppresses only findings that occur', () => {
    const suppressed = new Set(
      (['AwsSolutions', 'Serverless'] as const).flatMap((pack) => s.nagReport(pack, s.main).filter((r) => r.compliance === 'Suppressed').map((r) => `${r.rule} ${r.resource}`)),
    );
    let count = 0;
    for (const resource of Object.values(s.resources)) {
      const rules = resource.Metadata?.cdk_nag?.rules_to_suppress as Array<{ id: string; reason: string }> | undefined;
      for (const rule of rules ?? []) {
        count += 1;
        expect(rule.reason.length, rule.id).toBeGreaterThanOrEqual(80);
        expect(suppressed.has(`${rule.id} ${resource.Metadata['aws:cdk:path']}`), `${rule.id} on ${resource.Metadata['aws:cdk:path']} suppresses a finding`).toBe(true);
      }
    }
    expect(count).toBeGreaterThan(0);
  });
});

/**
 * Who may write what in the single table, proven on the synthesized policies with a small IAM
 * evaluator (iam-eval.ts):
 *
 * - every write the functions' code can make is allowed: each store method's DynamoDB request is
 *   recorded from the real adapters, and each route group's methods are found by following its
 *   handler's imports;
 * - and nothing else: a compromised issuer or wallet function cannot write school or client
 *   records (acting as another school, or putting its own key in another school's DID document),
 *   only the wallet deletes, and only one-time items, and nobody deletes or rewrites an audit
 *   event.
 *
 * Synthesized without bundling: only policies are read here (attesto-stack.test.ts bundles).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { DynamoStore } from '../../lambdas/adapters/dynamo/dynamo-store';
import { DynamoWalletStore } from '../../lambdas/adapters/dynamo/wallet-store';
import { keys, TABLE_KEYS } from '../../lambdas/adapters/dynamo/table';
import { ROUTE_GROUPS, type RouteGroup } from '../../lambdas/http/routes';
import { GROUP_ACCESS, KEY_PREFIXES, type KeyPrefix } from '../../lib/group-access';
import { evaluate, type Decision, type RequestContext } from './iam-eval';
import { actionsOf, statementsOf, synthAttesto, type Statement, type Synthesized } from './synth';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

let s: Synthesized;
beforeAll(() => {
  s = synthAttesto({ 'aws:cdk:bundling-stacks': [] });
}, 120_000);

const roleId = (group: RouteGroup) => s.logicalId(s.main.functions[group].role);
const statements = (group: RouteGroup) => statementsOf(s, roleId(group));
const tableArn = () => JSON.stringify({ 'Fn::GetAtt': [s.logicalId(s.main.state.table), 'Arn'] });

// DynamoDB requests ---------------------------------------------------------------------------

interface TableRequest {
  action: string;
  /** dynamodb:LeadingKeys: the partition key of the item. */
  pk: string;
  /** dynamodb:Attributes: the attributes the request names (keys, updated, conditioned). */
  attributes: string[];
  /** dynamodb:ReturnValues (NONE when not sent, as DynamoDB defaults). */
  returnValues: string;
}

const tableDecision = (group: RouteGroup, r: TableRequest): Decision =>
  evaluate(statements(group), {
    action: r.action,
    resource: (res) => JSON.stringify(res) === tableArn(),
    context: {
      'dynamodb:LeadingKeys': [r.pk],
      'dynamodb:Attributes': r.attributes,
      'dynamodb:ReturnValues': r.returnValues,
    } satisfies RequestContext,
  });

const EXPRESSION_WORDS = new Set(['SET', 'REMOVE', 'ADD', 'DELETE', 'AND', 'OR', 'NOT', 'BETWEEN', 'IN']);
const EXPRESSION_FUNCTIONS = new Set(['attribute_exists', 'attribute_not_exists', 'attribute_type', 'begins_with', 'contains', 'size', 'if_not_exists', 'list_append']);

/** The top-level attribute names an expression reads or writes (`#n` resolved, `:v` skipped). */
function expressionAttributes(expression: string | undefined, names: Record<string, string> = {}): string[] {
  if (!expression) return [];
  return [...expression.matchAll(/([:#]?[A-Za-z_]\w*)(\.[A-Za-z_]\w*)*(\s*\()?/g)]
    .filter(([, token, , call]) => !token!.startsWith(':') && !EXPRESSION_WORDS.has(token!) && !(call && EXPRESSION_FUNCTIONS.has(token!)))
    .map(([, token]) => (token!.startsWith('#') ? names[token!]! : token!));
}

/** A DocumentClient that records what the stores send, and answers as an empty table would (but for offer references). */
function recordingClient() {
  const sent: TableRequest[] = [];
  const client = {
    send: async (command: { constructor: { name: string }; input: Record<string, any> }) => {
      const action = { PutCommand: 'PutItem', UpdateCommand: 'UpdateItem', DeleteCommand: 'DeleteItem', GetCommand: 'GetItem', QueryCommand: 'Query' }[command.constructor.name];
      if (!action) throw new Error(`unmapped command ${command.constructor.name}`);
      const { Item, Key, UpdateExpression, ConditionExpression, KeyConditionExpression, ExpressionAttributeNames, ExpressionAttributeValues, ReturnValues } = command.input;
      sent.push({
        action: `dynamodb:${action}`,
        pk: Item?.pk ?? Key?.pk ?? ExpressionAttributeValues?.[':pk'],
        attributes: [
          ...new Set([
            ...Object.keys(Item ?? Key ?? {}),
            ...expressionAttributes(UpdateExpression, ExpressionAttributeNames),
            ...expressionAttributes(ConditionExpression, ExpressionAttributeNames),
            ...expressionAttributes(KeyConditionExpression, ExpressionAttributeNames),
          ]),
        ],
        returnValues: ReturnValues ?? 'NONE',
      });
      if (action === 'UpdateItem') return { Attributes: { seq: 1, attemptsLeft: 1 } };
      // An offer's reference exists (withdrawing an offer reads it before it writes).
      if (action === 'GetItem' && Key?.sk === 'REF') return { Item: { ...Key, hash: 'offer-hash', expiry: NOW } };
      // And the offer, still offered (withdrawing reads it to say what it had become: here, past its end).
      if (action === 'GetItem' && Key?.sk === 'OFFER') return { Item: { ...Key, uai: UAI, state: 'offered', attemptsLeft: 5, expiry: NOW } };
      return {};
    },
  };
  return { client: client as unknown as DynamoDBDocumentClient, sent };
}

const UAI = '0750001A';
const NOW = '2025-09-01T08:00:00Z';
const SLOT = { list: 1, index: 7 };
const IDEMPOTENCY = { uai: UAI, key: 'k', requestHash: 'h', state: 'pending', owner: 'o', reservedAt: NOW, credentialId: 'urn:uuid:1', slot: SLOT, issuedAt: NOW };
const OFFER = { hash: 'offer-hash', offerId: 'o', uai: UAI, state: 'offered', attemptsLeft: 3, expiresAt: NOW };

/**
 * Every method of the stores that writes, called once. A method added to an adapter must be
 * listed here or in READ_METHODS (the completeness test fails otherwise).
 */
const WRITE_CALLS: Record<string, (store: DynamoStore, wallet: DynamoWalletStore) => Promise<unknown>> = {
  createSchool: (st) => st.createSchool({ uai: UAI, name: 'École', did: 'did:web:x', kid: 'did:web:x#key-1', keyRef: 'arn:k', publicJwk: {}, tokenHash: 'h', clientId: 'client', currentList: 1, createdAt: NOW } as never),
  advanceList: (st) => st.advanceList(UAI, 1),
  setTokenHash: (st) => st.setTokenHash(UAI, 'h', []),
  setTimeZone: (st) => st.setTimeZone(UAI, 'Europe/Paris'),
  linkClient: (st) => st.linkClient(UAI, 'client'),
  unlinkClient: (st) => st.unlinkClient(UAI, 'client'),
  replaceKeys: (st) => st.replaceKeys(UAI, { kid: 'a', nextKid: 'b' }, { kid: 'b', keyRef: 'arn:k', publicJwk: {}, previousKeys: [], nextKey: { kid: 'c' } } as never),
  putCredential: (st) => st.putCredential({ uai: UAI, slot: SLOT, id: 'urn:uuid:1' } as never),
  putFlags: (st) => st.putFlags(UAI, 1, { index: 7, suspended: true, updatedAt: NOW } as never, { index: 7, suspended: false, updatedAt: NOW } as never),
  bumpStatusSeq: (st) => st.bumpStatusSeq(UAI, 1),
  putPublishedList: (st) => st.putPublishedList({ uai: UAI, list: 1, purpose: 'revocation', jwt: 'x', seq: 2, publishedAt: NOW } as never),
  reserveIdempotency: (st) => st.reserveIdempotency(IDEMPOTENCY as never),
  updateIdempotency: (st) => st.updateIdempotency(IDEMPOTENCY as never, 'o'),
  appendAudit: (st) => st.appendAudit({ uai: UAI, at: NOW, action: 'credential.issued', actor: 'client' } as never),
  putOffer: (_, w) => w.putOffer(OFFER as never),
  spendPinAttempt: (_, w) => w.spendPinAttempt('offer-hash', { id: 'attempt', wrong: true, at: NOW }, 1),
  refundPinAttempt: (_, w) => w.refundPinAttempt('offer-hash', 'attempt'),
  redeemOffer: (_, w) => w.redeemOffer('offer-hash', 'token-hash'),
  reopenOffer: (_, w) => w.reopenOffer('offer-hash', 'token-hash', 'sealed', true),
  withdrawOffer: (_, w) => w.withdrawOffer(UAI, 'o', { at: NOW, actor: 'client' }),
  putAccessToken: (_, w) => w.putAccessToken({ hash: 'token-hash', offerId: 'o', uai: UAI, used: false, expiresAt: NOW } as never),
  deleteAccessToken: (_, w) => w.deleteAccessToken('token-hash'),
  consumeAccessToken: (_, w) => w.consumeAccessToken('token-hash'),
  putNonce: (_, w) => w.putNonce('nonce-hash', NOW),
  consumeNonce: (_, w) => w.consumeNonce('nonce-hash', NOW),
  recordDpopProof: (_, w) => w.recordDpopProof('proof-hash', NOW, NOW),
};
/** Methods that only read (GetItem, Query), and the adapters' private helpers. */
const READ_METHODS = new Set([
  'constructor',
  'call',
  'putIf',
  'get',
  'send',
  'idemItem',
  'landed',
  'claimClient',
  'getSchool',
  'getSchoolByClientId',
  'isSlotFree',
  'getCredential',
  'getFlags',
  'listFlags',
  'getStatusSeq',
  'getPublishedList',
  'getIdempotency',
  'listAudit',
  'getOffer',
  'getAccessToken',
]);

/** The DynamoDB requests one store method sends. */
async function requestsOf(method: string): Promise<TableRequest[]> {
  const { client, sent } = recordingClient();
  await WRITE_CALLS[method]!(new DynamoStore(client, 'attesto'), new DynamoWalletStore(client, 'attesto'));
  return sent;
}

// Which store methods each group's code calls --------------------------------------------------

/** Every source file a handler imports, transitively, except the adapters (they implement the stores). */
function sourcesOf(group: RouteGroup): string[] {
  const seen = new Set<string>();
  const stack = [resolve(ROOT, `lambdas/handlers/${group}.ts`)];
  while (stack.length) {
    const file = stack.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    for (const m of readFileSync(file, 'utf8').matchAll(/(?:import|export)\s[^'"]*?from\s*'(\.[^']+)'|import\('(\.[^']+)'\)/g)) {
      const base = resolve(dirname(file), (m[1] ?? m[2])!.replace(/\.js$/, ''));
      const found = [`${base}.ts`, `${base}/index.ts`].find((f) => existsSync(f));
      if (found) stack.push(found);
    }
  }
  return [...seen].filter((f) => !f.includes('/lambdas/adapters/'));
}

/**
 * The store write methods called anywhere in a group's code (a file that calls one counts, used
 * or not). Only functions built with buildDeps (composition.ts) have the writing stores; the
 * others compose a DynamoReader, which sends BatchGetItem only (attesto-stack.test.ts), and no wallet
 * store: whatever their code imports, they write nothing.
 */
function writeMethodsOf(group: RouteGroup): string[] {
  const handler = readFileSync(resolve(ROOT, `lambdas/handlers/${group}.ts`), 'utf8');
  if (!/\bbuildDeps\(/.test(handler)) {
    expect(handler, `${group} builds neither the writing stores nor a reader`).toMatch(/store: dynamoReaderFor\(config\), wallet: NO_WALLET/);
    return [];
  }
  const code = sourcesOf(group)
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n');
  return Object.keys(WRITE_CALLS).filter((method) => new RegExp(`\\.${method}\\(`).test(code));
}

// ---------------------------------------------------------------------------------------------

const WRITES = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'];
const READS = ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query'];
const anyAttribute = (pk: string, action: string): TableRequest => ({ action, pk, attributes: ['pk', 'sk', 'anything'], returnValues: 'NONE' });
const pkUnder = (prefix: KeyPrefix) => `${prefix}0750001A#x`;

describe('the table layout the policies are written for', () => {
  it('names every partition key prefix the stores build, and no other', () => {
    const built = [
      keys.school(UAI).pk,
      keys.client('c').pk,
      keys.credential(UAI, 1, 2).pk,
      keys.statusPartition(UAI, 1),
      keys.flags(UAI, 1, 2).pk,
      keys.seq(UAI, 1).pk,
      keys.published(UAI, 1, 'revocation').pk,
      keys.idempotency(UAI, 'k').pk,
      keys.auditPartition(UAI, '2025-09-01'),
      keys.offer('h').pk,
      keys.offerRef(UAI, 'o').pk,
      keys.accessToken('h').pk,
      keys.nonce('h').pk,
      keys.dpopProof('h').pk,
    ];
    expect(Object.keys(keys).length, 'a new kind of key: list it above and in KEY_PREFIXES').toBe(built.length);
    for (const pk of built) expect(KEY_PREFIXES.filter((p) => pk.startsWith(p)), pk).toHaveLength(1);
    expect(new Set(built.map((pk) => KEY_PREFIXES.find((p) => pk.startsWith(p))))).toEqual(new Set(KEY_PREFIXES));
    expect(TABLE_KEYS).toEqual({ partitionKey: 'pk', sortKey: 'sk' });
  });

  it('records every write method of the stores, and finds them in the functions that call them', async () => {
    const methods = [DynamoStore.prototype, DynamoWalletStore.prototype].flatMap((p) => Object.getOwnPropertyNames(p));
    expect(methods.filter((m) => !(m in WRITE_CALLS) && !READ_METHODS.has(m)), 'new store methods: list them in WRITE_CALLS or READ_METHODS').toEqual([]);
    for (const method of Object.keys(WRITE_CALLS)) {
      const sent = await requestsOf(method);
      expect(sent.filter((r) => WRITES.includes(r.action)).length, method).toBeGreaterThan(0);
    }
    // The import walk sees what each group does (a walk that found nothing would prove nothing).
    expect(writeMethodsOf('issuer')).toEqual(expect.arrayContaining(['putCredential', 'putFlags', 'bumpStatusSeq', 'advanceList', 'appendAudit']));
    expect(writeMethodsOf('operator')).toEqual(expect.arrayContaining(['createSchool', 'appendAudit', 'putPublishedList']));
    expect(writeMethodsOf('wallet')).toEqual(expect.arrayContaining(['putOffer', 'consumeNonce', 'deleteAccessToken', 'putCredential', 'advanceList']));
    expect(writeMethodsOf('verifier')).toEqual([]);
    expect(writeMethodsOf('documents')).toEqual([]);
  });
});

describe('table reads of the internet-facing functions', () => {
  /** The DynamoReader methods a group's code calls (the verifier's sources included, an adapter). */
  const READER_METHODS = ['getSchool', 'getPublishedList', 'getCredential', 'isSlotFree', 'getFlags', 'getStatusSeq', 'getIdempotency', 'getSchoolByClientId'];
  const readsOf = (group: RouteGroup) => {
    const code = [...sourcesOf(group), resolve(ROOT, 'lambdas/adapters/verify-sources.ts')].map((f) => readFileSync(f, 'utf8')).join('\n');
    return READER_METHODS.filter((m) => new RegExp(`\\.${m}\\(`).test(code));
  };

  it('lets the verifier and documents functions read school records and status lists only, which is all their code reads', () => {
    for (const group of ['verifier', 'documents'] as const) {
      const readable = KEY_PREFIXES.filter((prefix) => tableDecision(group, { action: 'dynamodb:BatchGetItem', pk: pkUnder(prefix), attributes: ['pk', 'sk'], returnValues: 'NONE' }) === 'allowed');
      expect(readable, group).toEqual(['SCHOOL#', 'STATUS#']);
      // A batch is allowed only if every key in it is (ForAllValues): one offer among status lists refuses it all.
      const batch = (pks: string[]) => evaluate(statements(group), { action: 'dynamodb:BatchGetItem', resource: (res) => JSON.stringify(res) === tableArn(), context: { 'dynamodb:LeadingKeys': pks, 'dynamodb:Attributes': ['pk', 'sk'], 'dynamodb:ReturnValues': 'NONE' } });
      expect(batch([pkUnder('SCHOOL#'), pkUnder('STATUS#')]), group).toBe('allowed');
      expect(batch([pkUnder('STATUS#'), pkUnder('OFFER#')]), group).not.toBe('allowed');
      // Their one read action: no single-item GetItem either.
      expect(tableDecision(group, { action: 'dynamodb:GetItem', pk: pkUnder('STATUS#'), attributes: ['pk', 'sk'], returnValues: 'NONE' }), group).not.toBe('allowed');
      // What their code asks the store for: school records (SCHOOL#) and published lists (STATUS#).
      expect(readsOf(group), group).toEqual(expect.arrayContaining(['getSchool', 'getPublishedList']));
      expect(readsOf(group).filter((m) => !['getSchool', 'getPublishedList'].includes(m)), group).toEqual([]);
    }
    // The issuer reads what its store reads (the audit route included), and nothing of the wallet's:
    // its code never asks for an offer or a token.
    const reads = (group: RouteGroup, action: string) => KEY_PREFIXES.filter((prefix) => tableDecision(group, { action, pk: pkUnder(prefix), attributes: ['pk', 'sk'], returnValues: 'NONE' }) === 'allowed');
    for (const action of ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query']) expect(reads('issuer', action), action).toEqual(['SCHOOL#', 'CLIENT#', 'CRED#', 'STATUS#', 'IDEM#', 'AUDIT#']);
    const issuerCode = sourcesOf('issuer').map((f) => readFileSync(f, 'utf8')).join('\n');
    for (const walletRead of ['getOffer', 'getAccessToken']) expect(issuerCode, walletRead).not.toMatch(new RegExp(`\\.${walletRead}\\(`));
  });

  it('lets the wallet function read all its stores read, but not the audit trail, which it only appends to, nor the DPoP proofs it only records', () => {
    for (const action of ['dynamodb:GetItem', 'dynamodb:BatchGetItem', 'dynamodb:Query']) {
      const readable = KEY_PREFIXES.filter((prefix) => tableDecision('wallet', { action, pk: pkUnder(prefix), attributes: ['pk', 'sk'], returnValues: 'NONE' }) === 'allowed');
      expect(readable, action).toEqual(KEY_PREFIXES.filter((p) => p !== 'AUDIT#' && p !== 'DPOP#'));
    }
    // Its code never lists the audit (only the issuer's audit route does).
    const lists = (group: RouteGroup) => sourcesOf(group).some((f) => readFileSync(f, 'utf8').includes('.listAudit('));
    expect(lists('wallet')).toBe(false);
    expect(lists('issuer')).toBe(true);
  });
});

describe('table writes: each function group, on the key prefixes it writes', () => {
  it('lets every function make every write its code makes', async () => {
    for (const group of ROUTE_GROUPS) {
      for (const method of writeMethodsOf(group)) {
        for (const r of await requestsOf(method)) expect(tableDecision(group, r), `${group} ${method}: ${r.action} ${r.pk} [${r.attributes.join(', ')}]`).toBe('allowed');
      }
    }
  });

  it('conditions every table write it allows on the partition key prefixes (dynamodb:LeadingKeys)', () => {
    for (const group of ROUTE_GROUPS) {
      const writes = statements(group).filter((st) => st.Effect === 'Allow' && actionsOf(st).some((a) => a.startsWith('dynamodb:') && !READS.includes(a)));
      for (const st of writes) {
        expect(actionsOf(st).every((a) => WRITES.includes(a)), `${group} ${st.Sid}: ${actionsOf(st).join(', ')}`).toBe(true);
        const prefixes = st.Condition?.['ForAllValues:StringLike']?.['dynamodb:LeadingKeys'] as string[] | undefined;
        expect(prefixes, `${group} ${st.Sid}`).toEqual(expect.arrayContaining([expect.stringMatching(/^[A-Z]+#\*$/)]));
        expect(prefixes!.every((p) => KEY_PREFIXES.some((k) => p === `${k}*`)), `${group} ${st.Sid}`).toBe(true);
        // ForAllValues holds for a request without the key: the key must be there.
        expect(st.Condition?.Null?.['dynamodb:LeadingKeys'], `${group} ${st.Sid}`).toBe('false');
      }
    }
  });

  it('allows exactly this matrix of writes (action × partition key prefix), any attribute', () => {
    const matrix = (group: RouteGroup) =>
      Object.fromEntries(
        WRITES.map((action) => [action, KEY_PREFIXES.filter((prefix) => tableDecision(group, anyAttribute(pkUnder(prefix), action)) === 'allowed')]),
      );
    const none = { 'dynamodb:PutItem': [], 'dynamodb:UpdateItem': [], 'dynamodb:DeleteItem': [] };
    expect(matrix('issuer')).toEqual({ 'dynamodb:PutItem': ['CRED#', 'STATUS#', 'IDEM#', 'AUDIT#'], 'dynamodb:UpdateItem': ['STATUS#'], 'dynamodb:DeleteItem': [] });
    expect(matrix('wallet')).toEqual({
      'dynamodb:PutItem': ['CRED#', 'STATUS#', 'IDEM#', 'AUDIT#', 'OFFER#', 'ATOKEN#', 'NONCE#', 'DPOP#'],
      'dynamodb:UpdateItem': ['STATUS#', 'OFFER#', 'ATOKEN#'],
      'dynamodb:DeleteItem': ['ATOKEN#', 'NONCE#'],
    });
    expect(matrix('operator')).toEqual({ 'dynamodb:PutItem': ['SCHOOL#', 'CLIENT#', 'STATUS#', 'AUDIT#'], 'dynamodb:UpdateItem': ['SCHOOL#', 'STATUS#'], 'dynamodb:DeleteItem': [] });
    expect(matrix('verifier')).toEqual(none);
    expect(matrix('documents')).toEqual(none);
  });

  it('lets only the registering function put, update or delete school and client records', () => {
    for (const group of ROUTE_GROUPS) {
      for (const prefix of ['SCHOOL#', 'CLIENT#'] as const) {
        const pk = pkUnder(prefix);
        expect(tableDecision(group, anyAttribute(pk, 'dynamodb:PutItem')) === 'allowed', `${group} PutItem ${prefix}`).toBe(GROUP_ACCESS[group].registersSchools);
        expect(tableDecision(group, anyAttribute(pk, 'dynamodb:DeleteItem')), `${group} DeleteItem ${prefix}`).not.toBe('allowed');
        expect(tableDecision(group, anyAttribute(pk, 'dynamodb:BatchWriteItem')), `${group} BatchWriteItem ${prefix}`).not.toBe('allowed');
      }
      // Not even another school's client: CLIENT#<its own client> → school B would make it act as B.
      expect(tableDecision(group, anyAttribute(pkUnder('CLIENT#'), 'dynamodb:UpdateItem')), `${group} UpdateItem CLIENT#`).not.toBe('allowed');
    }
    // Explicitly denied, whatever may be attached to those roles later.
    for (const group of ROUTE_GROUPS.filter((g) => !GROUP_ACCESS[g].registersSchools)) {
      expect(tableDecision(group, anyAttribute(pkUnder('SCHOOL#'), 'dynamodb:PutItem')), group).toBe('explicitly denied');
      expect(tableDecision(group, anyAttribute(pkUnder('CLIENT#'), 'dynamodb:PutItem')), group).toBe('explicitly denied');
    }
  });

  it("lets issuing functions move a school to its next status list, and change nothing else of it", () => {
    const update = (attributes: string[], returnValues = 'NONE'): TableRequest => ({ action: 'dynamodb:UpdateItem', pk: keys.school(UAI).pk, attributes: ['pk', 'sk', ...attributes], returnValues });
    for (const group of ['issuer', 'wallet'] as const) {
      expect(tableDecision(group, update(['currentList'])), group).toBe('allowed');
      // Its own key in another school's DID document, or another school's token or client.
      for (const attribute of ['publicJwk', 'previousKeys', 'nextKey', 'keyRef', 'kid', 'tokenHash', 'clientId', 'did', 'name']) {
        expect(tableDecision(group, update([attribute])), `${group} ${attribute}`).not.toBe('allowed');
        expect(tableDecision(group, update(['currentList', attribute])), `${group} currentList + ${attribute}`).not.toBe('allowed');
      }
      // Whole-item return values would read what the update may not touch.
      expect(tableDecision(group, update(['currentList'], 'ALL_NEW')), group).not.toBe('allowed');
      expect(tableDecision(group, update(['currentList'], 'UPDATED_NEW')), group).toBe('allowed');
      expect(tableDecision(group, { ...update(['currentList']), pk: keys.client('c').pk }), group).not.toBe('allowed');
    }
    for (const group of ['verifier', 'documents'] as const) expect(tableDecision(group, update(['currentList'])), group).not.toBe('allowed');
  });

  it('lets only the wallet delete, and only access tokens and nonces', () => {
    for (const group of ROUTE_GROUPS) {
      for (const prefix of KEY_PREFIXES) {
        const allowed = group === 'wallet' && (prefix === 'ATOKEN#' || prefix === 'NONCE#');
        expect(tableDecision(group, anyAttribute(pkUnder(prefix), 'dynamodb:DeleteItem')) === 'allowed', `${group} DeleteItem ${prefix}`).toBe(allowed);
      }
    }
  });

  it('keeps the audit trail append-only: events are put, never updated or deleted, by any function', () => {
    const audit = keys.auditPartition(UAI, '2025-09-01');
    for (const group of ROUTE_GROUPS) {
      for (const action of ['dynamodb:DeleteItem', 'dynamodb:UpdateItem', 'dynamodb:BatchWriteItem']) {
        expect(tableDecision(group, anyAttribute(audit, action)), `${group} ${action}`).toBe('explicitly denied');
      }
      expect(tableDecision(group, anyAttribute(audit, 'dynamodb:PutItem')) === 'allowed', `${group} appends`).toBe(writeMethodsOf(group).includes('appendAudit'));
    }
  });

  it('grants no batch write, PartiQL, scan or transaction-wide action to any function; a batch read reads nothing a single one could not', () => {
    for (const group of ROUTE_GROUPS) {
      const allowed = statements(group)
        .filter((st) => st.Effect === 'Allow')
        .flatMap(actionsOf)
        .filter((a) => a.startsWith('dynamodb:'));
      expect(allowed.filter((a) => !READS.includes(a) && !WRITES.includes(a)), group).toEqual([]);
      // The readers read by batch only; the writers get what they may read anyway, two keys at a time.
      expect(allowed.includes('dynamodb:BatchGetItem'), group).toBe(true);
      expect(allowed.includes('dynamodb:GetItem'), group).toBe(group !== 'verifier' && group !== 'documents');
    }
  });
});

describe('school key tagging', () => {
  const keysOfThisAccountAndRegion = JSON.stringify({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':kms:eu-west-3:123456789012:key/*']] });
  const tag = (context: RequestContext): Decision =>
    evaluate(statements('operator'), {
      action: 'kms:TagResource',
      // A key of this account and region (KMS checks CreateKey's tags on the account's keys).
      resource: (res) => JSON.stringify(res) === keysOfThisAccountAndRegion,
      context: { 'aws:RequestTag/attesto:uai': '0750001A', 'aws:TagKeys': ['attesto:uai'], ...context },
    });
  const P256_SIGNING = { 'kms:KeySpec': 'ECC_NIST_P256', 'kms:KeyUsage': 'SIGN_VERIFY', 'kms:KeyOrigin': 'AWS_KMS' };

  it('tags a school key as CreateKey makes it', () => {
    // Inside CreateKey the key does not exist yet: no resource tag, and at most its new properties.
    expect(tag({})).toBe('allowed');
    expect(tag(P256_SIGNING)).toBe('allowed');
  });

  it("never tags another application's key: an encryption, HMAC, RSA or imported key", () => {
    expect(tag({ 'kms:KeySpec': 'SYMMETRIC_DEFAULT', 'kms:KeyUsage': 'ENCRYPT_DECRYPT', 'kms:KeyOrigin': 'AWS_KMS' })).not.toBe('allowed');
    expect(tag({ 'kms:KeySpec': 'HMAC_256', 'kms:KeyUsage': 'GENERATE_VERIFY_MAC', 'kms:KeyOrigin': 'AWS_KMS' })).not.toBe('allowed');
    expect(tag({ 'kms:KeySpec': 'RSA_2048', 'kms:KeyUsage': 'SIGN_VERIFY', 'kms:KeyOrigin': 'AWS_KMS' })).not.toBe('allowed');
    expect(tag({ 'kms:KeySpec': 'ECC_SECG_P256K1', 'kms:KeyUsage': 'SIGN_VERIFY', 'kms:KeyOrigin': 'AWS_KMS' })).not.toBe('allowed');
    expect(tag({ ...P256_SIGNING, 'kms:KeyOrigin': 'EXTERNAL' })).not.toBe('allowed');
  });

  it("never retags a school key, adds another tag, or tags a key of another region", () => {
    expect(tag({ ...P256_SIGNING, 'aws:ResourceTag/attesto:uai': '0750002B' })).toBe('explicitly denied');
    expect(tag({ ...P256_SIGNING, 'aws:TagKeys': ['attesto:uai', 'other'] })).not.toBe('allowed');
    expect(tag({ ...P256_SIGNING, 'aws:RequestTag/attesto:uai': undefined, 'aws:TagKeys': ['other'] })).not.toBe('allowed');
    const elsewhere = evaluate(statements('operator'), {
      action: 'kms:TagResource',
      resource: (res) => res === 'arn:aws:kms:us-east-1:123456789012:key/*',
      context: { 'aws:RequestTag/attesto:uai': '0750001A', 'aws:TagKeys': ['attesto:uai'], ...P256_SIGNING },
    });
    expect(elsewhere).not.toBe('allowed');
  });

  it('lets no other function tag or create keys', () => {
    for (const group of ROUTE_GROUPS.filter((g) => !GROUP_ACCESS[g].registersSchools)) {
      for (const action of ['kms:TagResource', 'kms:CreateKey']) {
        const decision = evaluate(statements(group), { action, resource: () => true, context: { 'aws:RequestTag/attesto:uai': '0750001A', 'aws:TagKeys': ['attesto:uai'], ...P256_SIGNING } });
        expect(decision, `${group} ${action}`).toBe('explicitly denied');
      }
    }
  });
});

describe('table throttling alarm', () => {
  it('watches every table operation a function may call', () => {
    const alarm = Object.values(s.resources).find((r) => r.Type === 'AWS::CloudWatch::Alarm' && r.Metadata?.['aws:cdk:path'] === 'Attesto/Operations/TableThrottles/Resource')!.Properties;
    const watched = (alarm.Metrics as Array<{ MetricStat?: { Metric: { MetricName: string; Dimensions: Array<{ Name: string; Value: unknown }> } } }>)
      .filter((m) => m.MetricStat?.Metric.MetricName === 'ThrottledRequests')
      .map((m) => m.MetricStat!.Metric.Dimensions.find((d) => d.Name === 'Operation')!.Value)
      .sort();
    const called = [...new Set(ROUTE_GROUPS.flatMap((g) => statements(g).filter((st: Statement) => st.Effect === 'Allow').flatMap(actionsOf)))]
      .filter((a) => a.startsWith('dynamodb:'))
      .map((a) => a.slice('dynamodb:'.length))
      .sort();
    expect(called).toContain('DeleteItem');
    expect(watched).toEqual(called);
  });
});

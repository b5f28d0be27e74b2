/**
 * The operator CLI.
 *
 *   attesto school add --uai 0750001U --name "Lycée …" [--time-zone America/Guadeloupe]
 *                                                         register a school, print its DID and API token
 *   attesto school show --uai 0750001U                    what an operator needs of it: signing key (its KMS ARN), client, list
 *   attesto school rotate-token --uai 0750001U            replace a school's API token
 *   attesto school revoke-client --uai 0750001U           cut its OAuth2 app client off at once (AWS)
 *   attesto school new-client --uai 0750001U              give it a new app client (AWS)
 *   attesto school set-time-zone --uai 9710001Z --time-zone America/Guadeloupe   the zone of its credentials' dates
 *   attesto school rotate-key --uai 0750001U [--now | --compromised] [--replaces <kid>]  new signing key: published
 *                                                         now, signing in 5 minutes (--now: at once; --compromised: at once,
 *                                                         old keys dropped; --replaces: safe to run again)
 *   attesto school republish-status-lists --uai 0750001U  sign the school's status lists again with its current key
 *                                                         (after a --compromised rotation that stopped halfway)
 *   attesto school next-status-list --uai 0750001U        move its new credentials to a fresh status list
 *                                                         (after a table restore)
 *   attesto school key-policy --uai 0750001U --role-arn <SchoolSignerRoleArn>
 *                                                         print the key policy for a school key made from a terminal
 *   attesto audit --uai 0750001U [--from ISO] [--to ISO] [--cursor C | --all]
 *                                                         print a school's audit trail (a page, or all of it as JSON Lines)
 *   attesto issue-batch --file year.jsonl --job 2027-terminales   issue a year group (school side)
 *
 * Locally it works on the data folder ($ATTESTO_DATA_DIR, default ./.attesto), through the running
 * local home's store when there is one. With ATTESTO_SIGNER set in the environment it works on
 * whatever that configuration names instead (on AWS: the DynamoDB table and KMS, with the
 * operator's own AWS credentials).
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config';
import { buildDeps, type AppDeps } from '../composition';
import { schoolClientsFor } from '../school-clients';
import { signingFor } from '../signers';
import { AttestoError, isAttestoError } from '../core/errors';
import { registerSchool, rotateToken } from '../core/use-cases/register-school';
import { readAudit } from '../core/use-cases/read-audit';
import { setSchoolTimeZone } from '../core/use-cases/set-time-zone';
import { showSchool } from '../core/use-cases/show-school';
import { rotateKey } from '../core/use-cases/rotate-key';
import { republishStatusLists } from '../core/use-cases/republish-status-lists';
import { startNextStatusList } from '../core/use-cases/next-status-list';
import { newSchoolClient, revokeSchoolClient } from '../core/use-cases/school-client';
import { canRotateKeys } from '../core/store';
import { openLocalDeps } from './local-deps';
import { issueBatchCommand } from './issue-batch';
import { writeJsonLine } from './json-lines';
import { operatorActor } from './operator-actor';
import { schoolKeyPolicy } from '../adapters/kms-key-policy';
import { invalidUai, isValidUai } from '../core/uai';

const USAGE = `usage:
  attesto school add --uai <UAI> --name <name> [--time-zone <IANA zone>]   (default Europe/Paris)
  attesto school show --uai <UAI>   (its DID, the key signing now and its KMS ARN, its app client, its status list)
  attesto school rotate-token --uai <UAI>
  attesto school revoke-client --uai <UAI>   (its OAuth2 app client's tokens refused from the next request on)
  attesto school new-client --uai <UAI>      (a new app client, once the old one is revoked; its secret shown once)
  attesto school set-time-zone --uai <UAI> --time-zone <IANA zone>   (its credentials' dates from then on)
  attesto school rotate-key --uai <UAI> [--now | --compromised] [--replaces <kid>]
      (--replaces: the key it signs with now, did:web:…#key-N; run again, it answers the same rotation)
  attesto school republish-status-lists --uai <UAI>
  attesto school next-status-list --uai <UAI>   (new credentials on a fresh list from now: after a table restore)
  attesto school key-policy --uai <UAI> [--role-arn <SchoolSignerRoleArn>]   (default: $ATTESTO_SCHOOL_SIGNER_ROLE_ARN)
  attesto audit --uai <UAI> [--from <ISO date>] [--to <ISO date>] [--limit <n>] [--cursor <next> | --all]
      (a page as one JSON object, whose "next" --cursor continues; --all: every event of the window, one JSON line each)
  attesto issue-batch --file <items.jsonl> --job <job key> [--url <base URL>] [--out <results.jsonl>] [--parallel <n>]
      (the school's token in ATTESTO_TOKEN; locally, the demo school's by default)`;

async function withDeps<T>(fn: (deps: AppDeps) => Promise<T>): Promise<T> {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
  if (process.env.ATTESTO_SIGNER) {
    const config = loadConfig(process.env);
    return fn(buildDeps(config, { signing: signingFor(config), schoolClients: schoolClientsFor(config) }));
  }
  const local = await openLocalDeps();
  try {
    return await fn(local.deps);
  } finally {
    await local.close();
  }
}

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { file: { type: 'string' }, job: { type: 'string' }, url: { type: 'string' }, out: { type: 'string' }, parallel: { type: 'string' }, uai: { type: 'string' }, name: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, limit: { type: 'string' }, cursor: { type: 'string' }, all: { type: 'boolean' }, replaces: { type: 'string' }, 'time-zone': { type: 'string' }, 'role-arn': { type: 'string' }, compromised: { type: 'boolean' }, now: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  const command = positionals.join(' ');
  const print = (v: unknown) => process.stdout.write(`${JSON.stringify(v, null, 2)}\n`);
  if (values.help || !command) {
    process.stdout.write(`${USAGE}\n`);
    return values.help ? 0 : 2;
  }
  // A mistyped UAI is said as such (its check letter), by every command, before anything is read.
  if (values.uai !== undefined && !isValidUai(values.uai)) throw invalidUai(values.uai);
  // Resolved only by the commands that change something (and so are audited).
  const actor = () => operatorActor(process.env);
  switch (command) {
    case 'school add':
      if (!values.uai || !values.name) break;
      print(await withDeps(async (d) => registerSchool(d.core, { uai: values.uai!, name: values.name!, actor: await actor(), ...(values['time-zone'] ? { timeZone: values['time-zone'] } : {}) })));
      return 0;
    case 'school show':
      if (!values.uai) break;
      print(await withDeps(async (d) => showSchool(d.core, values.uai!)));
      return 0;
    case 'school rotate-token':
      if (!values.uai) break;
      print(await withDeps(async (d) => rotateToken(d.core, { uai: values.uai!, actor: await actor() })));
      return 0;
    case 'school revoke-client':
      if (!values.uai) break;
      print(await withDeps(async (d) => revokeSchoolClient(d.core, { uai: values.uai!, actor: await actor() })));
      return 0;
    case 'school new-client':
      if (!values.uai) break;
      print(await withDeps(async (d) => newSchoolClient(d.core, { uai: values.uai!, actor: await actor() })));
      return 0;
    case 'school set-time-zone':
      if (!values.uai || !values['time-zone']) break;
      print(await withDeps(async (d) => setSchoolTimeZone(d.core, { uai: values.uai!, timeZone: values['time-zone']!, actor: await actor() })));
      return 0;
    case 'school rotate-key':
      if (!values.uai) break;
      // One mode: a compromise already signs at once, and a routine rotation is not a compromise.
      if (values.now && values.compromised) throw new Error('give --now or --compromised, not both (--compromised signs with the new key at once too)');
      print(
        await withDeps(async (d) => {
          const store = d.core.store;
          if (!canRotateKeys(store)) throw new Error('this store cannot rotate keys');
          return rotateKey({ ...d.core, store }, { uai: values.uai!, actor: await actor(), compromised: values.compromised ?? false, immediate: values.now ?? false, ...(values.replaces ? { replaces: values.replaces } : {}) });
        }),
      );
      return 0;
    case 'school republish-status-lists':
      if (!values.uai) break;
      print(await withDeps(async (d) => republishStatusLists(d.core, { uai: values.uai!, actor: await actor() })));
      return 0;
    case 'school next-status-list':
      if (!values.uai) break;
      print(await withDeps(async (d) => startNextStatusList(d.core, { uai: values.uai!, actor: await actor() })));
      return 0;
    case 'school key-policy': {
      // For keys created with the operator's own rights, which get KMS's default policy: the one the
      // functions give the keys they create, to apply with `aws kms put-key-policy`.
      const signerRoleArn = values['role-arn'] || process.env.ATTESTO_SCHOOL_SIGNER_ROLE_ARN;
      if (!values.uai) break;
      if (!signerRoleArn) throw new Error('give the school signer role: --role-arn <the stack\'s SchoolSignerRoleArn output>, or ATTESTO_SCHOOL_SIGNER_ROLE_ARN');
      print(JSON.parse(schoolKeyPolicy({ signerRoleArn, uai: values.uai })));
      return 0;
    }
    case 'issue-batch':
      if (!values.file || !values.job) break;
      return issueBatchCommand({ file: values.file, job: values.job, ...(values.url ? { url: values.url } : {}), ...(values.out ? { out: values.out } : {}), ...(values.parallel ? { parallel: Number(values.parallel) } : {}) });
    case 'audit': {
      if (!values.uai || (values.all && values.cursor)) break;
      const query = {
        uai: values.uai,
        reader: 'operator' as const,
        ...(values.from ? { from: values.from } : {}),
        ...(values.to ? { to: values.to } : {}),
        ...(values.limit ? { limit: Number(values.limit) } : {}),
        ...(values.cursor ? { cursor: values.cursor } : {}),
      };
      const page = await withDeps(async (d) => {
        // A mistyped UAI is said, not answered with an empty trail an operator may take for "nothing happened".
        if (!(await d.core.store.getSchool(query.uai))) throw new AttestoError('UNKNOWN_SCHOOL', `no school ${query.uai} here`);
        if (!values.all) return readAudit(d.core, query);
        // Page after page (--limit events each), each event written as it comes: a month of a
        // large school's trail is never held whole in memory.
        for (let cursor: string | undefined, first = true; first || cursor; first = false) {
          const next = await readAudit(d.core, { ...query, ...(cursor ? { cursor } : {}) });
          for (const event of next.events) await writeJsonLine(event);
          cursor = next.next;
        }
        return undefined;
      });
      if (page) print(page);
      return 0;
    }
  }
  process.stderr.write(`${USAGE}\n`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`${JSON.stringify(isAttestoError(e) ? { code: e.code, detail: e.message } : { code: 'ERROR', detail: e instanceof Error ? e.message : String(e) })}\n`);
    process.exit(1);
  },
);

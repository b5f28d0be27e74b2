/** A real DynamoStore on an in-memory dynalite over loopback. */
import { AttestoError } from '../../lambdas/core/errors';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '../../lambdas/adapters/dynamo/client';
import { ensureTable } from '../../lambdas/adapters/dynamo/create-table';
import { DynamoStore } from '../../lambdas/adapters/dynamo/dynamo-store';
import { startDynalite } from '../../lambdas/local/dynalite';

/** Every item of the table in an embedded store, raw (paginated scan). */
export async function scanTable(dynamo: { endpoint: string; accessKeyId: string }): Promise<Record<string, unknown>[]> {
  const db = documentClient({ region: 'eu-west-3', endpoint: dynamo.endpoint, credentials: { accessKeyId: dynamo.accessKeyId, secretAccessKey: 'x' } });
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.send(new ScanCommand({ TableName: 'attesto', ...(start ? { ExclusiveStartKey: start } : {}) }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

export async function startStore() {
  const dynamo = await startDynalite();
  const credentials = { accessKeyId: dynamo.accessKeyId, secretAccessKey: 'x' };
  const db = documentClient({ region: 'eu-west-3', endpoint: dynamo.endpoint, credentials });
  await ensureTable({ region: 'eu-west-3', endpoint: dynamo.endpoint, credentials }, 'attesto');
  const store = new DynamoStore(db, 'attesto');
  return {
    store,
    db,
    endpoint: dynamo.endpoint,
    accessKeyId: dynamo.accessKeyId,
    /** Every item in the table, raw. */
    scanAll: () => scanTable(dynamo),
    close: () => dynamo.close(),
  };
}

/** The store, with every audit write failing as DynamoDB unavailable: what follows a stopped or failed audit. */
export function auditDown<S extends object>(store: S): S {
  return new Proxy(store, {
    get: (target, name, receiver) => (name === 'appendAudit' ? async () => Promise.reject(new AttestoError('STORE_UNAVAILABLE', 'storage is unavailable (audit); retry')) : Reflect.get(target, name, receiver)),
  });
}

/**
 * The document client, where the first `times` commands `match` picks land and lose their answer:
 * each is sent twice, as the SDK sends again a request whose answer timed out, and the second
 * meets the state the first made (a conditional write then fails its condition).
 */
export function losingAnswers<C extends { send: (...a: never[]) => Promise<unknown> }>(db: C, match: (input: Record<string, unknown>, command: string) => boolean, times = 1): C {
  let left = times;
  return new Proxy(db, {
    get(target, name) {
      if (name !== 'send') return Reflect.get(target, name);
      return async (command: { input: Record<string, unknown>; constructor: { name: string } }) => {
        const send = (target.send as unknown as (c: unknown) => Promise<unknown>).bind(target);
        if (left > 0 && match(command.input, command.constructor.name)) {
          left--;
          await send(command);
        }
        return send(command);
      };
    },
  });
}

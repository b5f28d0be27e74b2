/**
 * The body of POST /credentials/issue/batch: up to MAX_BATCH_ITEMS issue requests, each with a
 * client item id. The item id and the batch's Idempotency-Key make each item's own key
 * (`batch/<batchKey>/<itemId>`), so a retried batch replays what was issued and retries the rest.
 */
import { Type, type Static } from '@sinclair/typebox';
import { IssueRequest } from './requests';

import { MAX_BATCH_ITEMS } from './batch-limits';

export { MAX_BATCH_ITEMS };

export const IssueBatchItem = Type.Object(
  {
    id: Type.String({
      pattern: '^[A-Za-z0-9._-]{1,64}$',
      description: "The client's id for this item (e.g. its row in the school's export), unique in the batch; results carry it back.",
    }),
    credential: IssueRequest.properties.credential,
    options: IssueRequest.properties.options,
  },
  { additionalProperties: false },
);
export type IssueBatchItem = Static<typeof IssueBatchItem>;

export const IssueBatchRequest = Type.Object(
  { items: Type.Array(IssueBatchItem, { minItems: 1, maxItems: MAX_BATCH_ITEMS }) },
  { additionalProperties: false, $id: 'IssueBatchRequest' },
);
export type IssueBatchRequest = Static<typeof IssueBatchRequest>;

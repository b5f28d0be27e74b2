/** Creates the table where it does not exist yet (local home, tests; CDK owns it on AWS). */
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient, ResourceInUseException, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { TABLE_KEYS } from './table';

export async function ensureTable(clientConfig: DynamoDBClientConfig, tableName: string): Promise<void> {
  const client = new DynamoDBClient(clientConfig);
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: TABLE_KEYS.partitionKey, AttributeType: 'S' },
          { AttributeName: TABLE_KEYS.sortKey, AttributeType: 'S' },
        ],
        KeySchema: [
          { AttributeName: TABLE_KEYS.partitionKey, KeyType: 'HASH' },
          { AttributeName: TABLE_KEYS.sortKey, KeyType: 'RANGE' },
        ],
      }),
    );
  } catch (e) {
    if (!(e instanceof ResourceInUseException)) throw e;
  }
  try {
    for (let i = 0; i < 50; i++) {
      const t = await client.send(new DescribeTableCommand({ TableName: tableName }));
      if (t.Table?.TableStatus === 'ACTIVE') return;
      await new Promise((r) => setTimeout(r, 20));
    }
  } finally {
    client.destroy();
  }
}

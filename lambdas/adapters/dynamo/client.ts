import { AWS_CLIENT_TIMEOUTS } from '../aws-timeouts';
import { DynamoDBClient, type DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

/**
 * A document client; `endpoint` points it at dynalite (local home, tests) instead of AWS. The AWS
 * time limits guard against stalled connections to DynamoDB; dynalite is a JavaScript process on
 * loopback that can take longer than they allow under a test's load, and never stalls.
 */
export function documentClient(config: DynamoDBClientConfig = {}): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient(config.endpoint ? config : { ...AWS_CLIENT_TIMEOUTS, ...config }), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false },
  });
}

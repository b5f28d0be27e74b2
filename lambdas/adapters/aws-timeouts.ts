/**
 * Time limits for every AWS SDK client attesto builds. Without them a stalled connection to KMS,
 * STS, DynamoDB or Cognito waits until the function itself times out, and API Gateway answers a
 * bare 500; with them the attempt fails, is retried within its budget (KMS: 6 attempts, the SDK:
 * 3), and then becomes a 503 problem with Retry-After. These services answer in tens of
 * milliseconds; a second per attempt leaves a function's 10 s for every retry.
 */
export const AWS_CLIENT_TIMEOUTS = {
  // requestTimeout only logs a warning unless throwOnRequestTimeout is set (@smithy/node-http-handler 4).
  requestHandler: { connectionTimeout: 1_000, requestTimeout: 1_000, throwOnRequestTimeout: true },
} as const;

/**
 * For the calls that create something (a KMS key, a Cognito app client): a slow answer to one of
 * those must not be taken for a failure and sent again, which would create a second one. Passed
 * per call, as `send(command, CREATE_CALL)`.
 */
export const CREATE_CALL = { requestTimeout: 10_000 } as const;

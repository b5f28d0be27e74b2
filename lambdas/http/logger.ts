/**
 * The functions' logger (AWS Lambda Powertools: structured JSON lines). The service name comes
 * from POWERTOOLS_SERVICE_NAME: one per function on AWS (attesto-issuer, …).
 *
 * Every line written while a request is answered carries its API Gateway request id
 * (`requestId`): the id the gateway's access log holds and the caller receives in the
 * `apigw-requestid` response header, so that a user's report ("it failed at 14:02, request id
 * …") leads to the lines. Scoped with AsyncLocalStorage rather than the logger's own keys: the
 * local home answers many requests at once in one process.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { Logger } from '@aws-lambda-powertools/logger';

const powertools = new Logger();
const current = new AsyncLocalStorage<string>();

type Attributes = Record<string, unknown>;
const scoped = (attributes: Attributes = {}): Attributes => {
  const requestId = current.getStore();
  return requestId === undefined ? attributes : { requestId, ...attributes };
};

export const logger = {
  info: (message: string, attributes?: Attributes) => powertools.info(message, scoped(attributes)),
  warn: (message: string, attributes?: Attributes) => powertools.warn(message, scoped(attributes)),
  error: (message: string, attributes?: Attributes) => powertools.error(message, scoped(attributes)),
  setLogLevel: (level: Parameters<Logger['setLogLevel']>[0]) => powertools.setLogLevel(level),
};

/** Runs `answer` with every line it logs carrying `requestId` (when the event has one). */
export function inRequest<T>(requestId: string | undefined, answer: () => T): T {
  return typeof requestId === 'string' && requestId !== '' ? current.run(requestId.slice(0, 100), answer) : answer();
}

/**
 * Business metrics through AWS Lambda Powertools (CloudWatch embedded metric format): counts of
 * what happened, never who it happened to. Namespace and service come from POWERTOOLS_METRICS_NAMESPACE
 * and POWERTOOLS_SERVICE_NAME (set per function by the stack); POWERTOOLS_METRICS_DISABLED turns
 * them off (the local home and the tests).
 */
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

export type MetricName =
  | 'CredentialsIssued'
  | 'CredentialsReplayed'
  | 'StatusChanged'
  | 'Verified'
  | 'NotVerified'
  | 'OffersCreated'
  | 'WalletCredentialsIssued'
  | 'SchoolsRegistered'
  | 'SignerUnavailable';

export const metrics = new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'attesto' });

export function count(name: MetricName, value = 1): void {
  metrics.addMetric(name, MetricUnit.Count, value);
}

/** Publishes what the request counted (one EMF line), if anything. */
export function publishMetrics(): void {
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
}

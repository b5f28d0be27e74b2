/**
 * A school date (YYYY-MM-DD) as the instant Open Badges 3.0's DateTime properties need: its first
 * and its last second, UTC (https://www.imsglobal.org/spec/ob/v3p0/#datetime).
 */
export const startOfDay = (date: string) => `${date}T00:00:00Z`;
export const endOfDay = (date: string) => `${date}T23:59:59Z`;

/** What a kind builder gets besides the input: the issuing school. */
export interface SubjectContext {
  school: { did: string; uai: string; name: string };
}

/**
 * API Gateway throttling per route, by what a route is rather than by its path: the stage
 * default covers school routes; public routes, which anyone can call, get their own limits.
 * Steady rate in requests per second, burst in requests (token bucket), for the whole API.
 */
import type { RouteDef } from '../lambdas/http/routes';

export interface Throttle {
  rateLimit: number;
  burstLimit: number;
}

/** School routes: a school's system issuing a year group at once stays well under this. */
export const STAGE_THROTTLE: Throttle = { rateLimit: 50, burstLimit: 100 };

export function routeThrottle(route: Pick<RouteDef, 'auth' | 'method'>): Throttle {
  if (route.auth === 'operator') return { rateLimit: 1, burstLimit: 5 };
  if (route.auth === 'school') return STAGE_THROTTLE;
  // Public reads are cheap and mostly answered by CloudFront's cache.
  if (route.method === 'GET') return { rateLimit: 200, burstLimit: 400 };
  // Public writes (verify, wallet) parse, check signatures and read the store; each costs a function run.
  return { rateLimit: 25, burstLimit: 50 };
}

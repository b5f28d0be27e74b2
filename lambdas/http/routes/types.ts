import type { Context } from 'hono';
import type { AppDeps } from '../../composition';

export type RouteHandler = (c: Context, deps: AppDeps) => Promise<Response>;

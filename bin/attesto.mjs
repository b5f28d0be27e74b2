#!/usr/bin/env node
// `npx attesto …`: the operator CLI. Runs the TypeScript sources through tsx (no build step).
import { register } from 'tsx/esm/api';

register();
await import('../lambdas/cli/main.ts');

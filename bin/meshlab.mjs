#!/usr/bin/env node
// The `meshlab` command: runs the TypeScript CLI through tsx (no separate build step).
import { register } from 'tsx/esm/api';

// bin/meshlab passes `--` first so that node leaves options such as --env-file to us; on Node 20
// `npx meshlab -- cluster up --env-file F` adds one more (npx's own node has the same problem).
while (process.argv[2] === '--') process.argv.splice(2, 1);
register();
await import('../server/cli/main.ts');

#!/usr/bin/env node
// The `meshlab` command: runs the TypeScript CLI through tsx (no separate build step).
import { register } from 'tsx/esm/api';

register();
await import('../server/cli/main.ts');

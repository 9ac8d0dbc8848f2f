import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

// Unit tests sit beside the code (server/**/*.test.ts); integration tests that drive real
// kubectl/curl/helm live in server/**/*.int.test.ts. Both run here; e2e is Playwright's.
export default defineConfig({
  test: {
    include: ['server/**/*.test.ts', 'labs/**/*.test.ts', 'scripts/**/*.test.ts', 'plugins/**/*.test.ts', 'src/**/*.test.ts'],
    pool: 'forks',
    // Integration tests mostly wait on child processes (kubectl, curl, helm, the server), so more
    // forks than cores pays: on 2 cores the whole suite took 270 s with vitest's default of one
    // fork (cores - 1), 116 s with 3 and 130 s with 4.
    maxWorkers: Math.max(availableParallelism() - 1, 3),
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});

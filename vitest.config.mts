import { defineConfig } from 'vitest/config';

// Unit tests sit beside the code (server/**/*.test.ts); integration tests that drive real
// kubectl/curl/helm live in server/**/*.int.test.ts. Both run here; e2e is Playwright's.
export default defineConfig({
  test: {
    include: ['server/**/*.test.ts', 'labs/**/*.test.ts', 'scripts/**/*.test.ts', 'plugins/**/*.test.ts', 'src/**/*.test.ts'],
    pool: 'forks',
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});

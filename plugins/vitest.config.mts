// The site plugins' tests (translations, labs ↔ docs). Run: npx vitest run -c plugins/vitest.config.mts
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: { root: new URL('..', import.meta.url).pathname, include: ['plugins/**/*.test.ts'], pool: 'forks', testTimeout: 30_000 },
});

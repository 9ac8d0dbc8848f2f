// `npm run build:site`: the same build `meshlab serve` and `npm test` run (server/cli/site-build.ts),
// so all three agree on when the built site is fresh (the build stamp).
import { join } from 'node:path';
import { buildSite } from '../server/cli/site-build.ts';
import { PROJECT_ROOT } from '../server/tools/binaries.ts';

try {
  await buildSite(join(PROJECT_ROOT, 'build'));
} catch (err) {
  console.error(`meshlab: ${(err as Error).message}`);
  process.exit(1);
}

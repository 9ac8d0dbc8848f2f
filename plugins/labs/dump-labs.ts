// Prints every lab in a directory as JSON LabView[] on stdout. The labs plugin runs it in a
// child process (under tsx) so the runner's ESM TypeScript loads exactly as `meshlab verify`
// loads it, whatever the site's bundler does with modules.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { loadLabs } from '../../server/runner/load-lab.ts';
import { labView } from './to-view.ts';

const labsDir = resolve(process.argv[2] ?? 'labs');
try {
  const labs = existsSync(labsDir) ? loadLabs(labsDir) : [];
  process.stdout.write(JSON.stringify(labs.map(labView)));
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}

// Prints every lab in a directory as JSON LabView[] on stdout, after the content lint (pages vs
// labs, translations) passed; otherwise prints the lint's problems on stderr and exits 1. The
// labs plugin runs it in a child process (under tsx) so the runner's ESM TypeScript loads exactly
// as `meshlab verify` loads it, whatever the site's bundler does with modules.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { formatLintProblem, lintContent } from '../../server/runner/lint/content-lint.ts';
import { loadLabs } from '../../server/runner/load-lab.ts';
import { labView } from './to-view.ts';

const siteDir = resolve(process.argv[2] ?? '.');
const labsDir = resolve(siteDir, 'labs');
try {
  process.chdir(siteDir);
  const labs = existsSync(labsDir) ? loadLabs(labsDir) : [];
  const problems = lintContent({ siteDir, labs });
  if (problems.length) {
    console.error(problems.map(formatLintProblem).join('\n'));
    process.exit(1);
  }
  process.stdout.write(JSON.stringify(labs.map(labView)));
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}

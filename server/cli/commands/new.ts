// `meshlab new lab ID`: scaffolds labs/ID/lab.yaml and the lab's page in both languages.
import { relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { newLab, NewLabError } from '../../runner/scaffold/new-lab.ts';
import { PROJECT_ROOT } from '../../tools/binaries.ts';

export function register(program: Command): void {
  const cmd = program.command('new').description('scaffold content: `meshlab new lab ID`');
  cmd
    .command('lab')
    .description('create labs/ID/lab.yaml and its page in both languages (docs/ID.mdx, i18n/en/.../ID.mdx); the site lists it with no other edit')
    .argument('<id>', 'the lab id: lower-case letters, digits and dashes (it names the directory, the page and the URL)')
    .option('--site-dir <dir>', 'the directory holding labs/, docs/ and i18n/', PROJECT_ROOT)
    .option('--title <text>', 'the English title')
    .option('--title-zh <text>', 'the Chinese title')
    .action((id: string, o: { siteDir: string; title?: string; titleZh?: string }) => {
      const siteDir = resolve(o.siteDir);
      try {
        const files = newLab({ id, siteDir, title: { en: o.title, 'zh-Hans': o.titleZh } });
        const shown = files.map((f) => relative(process.cwd(), f) || f);
        process.stdout.write(
          [`Created lab ${id}:`, ...shown.map((f) => `  ${f}`), '', 'Next:', `  write its steps in ${shown[0]} and show each on both pages with <LabStep lab="${id}" step="..." />`, `  npx meshlab verify ${id} --strict`, ''].join('\n'),
        );
      } catch (err) {
        if (!(err instanceof NewLabError)) throw err;
        process.stderr.write(`meshlab new lab: ${err.message}\n`);
        process.exitCode = 2;
      }
    });
}

// The `meshlab` command line. Each command lives in commands/<name>.ts and registers itself.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { PROJECT_ROOT } from '../tools/binaries.ts';

const COMMANDS = ['serve', 'cluster', 'verify', 'new', 'doctor', 'analyze'] as const;

async function main(): Promise<void> {
  const pkg = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')) as { version: string };
  const program = new Command('meshlab')
    .description('Interactive, CI-verified Kubernetes/Istio labs: a site, terminals, and clusters to run them on')
    .version(pkg.version)
    .showHelpAfterError('(run with --help for usage)');
  for (const name of COMMANDS) {
    const mod = (await import(`./commands/${name}.ts`)) as { register(program: Command): void };
    mod.register(program);
  }
  await program.parseAsync(process.argv);
}

main().catch((err: unknown) => {
  console.error(`meshlab: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});

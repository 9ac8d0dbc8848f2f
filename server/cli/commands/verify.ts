// `meshlab verify [LAB...]`: lints the pages and labs, then runs every lab (or the named ones) on
// a fresh cluster each, solving each step with its own commands and checking it. Exit code 0 when
// every lab passed, 1 when one failed, 2 when the labs or the driver could not be used at all.
// Debugging: --step (one step after its setup), --keep (the failed cluster stays up), --watch.
import { mkdirSync, watch, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import type { ClusterDriver, DriverName } from '../../drivers/types.ts';
import { loadLabs, LabLoadError } from '../../runner/load-lab.ts';
import { formatLintProblem, lintContent } from '../../runner/lint/content-lint.ts';
import { verifyJson } from '../../runner/reporters/json.ts';
import { inGitHubActions, lintAnnotations, reportAnnotations } from '../../runner/reporters/annotations.ts';
import { junitXml } from '../../runner/reporters/junit.ts';
import { exportLines } from './cluster.ts';
import { plainProgress, taskListProgress } from '../../runner/reporters/progress.ts';
import { summaryText } from '../../runner/reporters/summary.ts';
import { findStep } from '../../runner/lab.ts';
import { selectLabs, verifyLabs, type VerifyProgress } from '../../runner/verify.ts';
import { PROJECT_ROOT } from '../../tools/binaries.ts';
import { parseDriverName } from '../options.ts';

export interface VerifyCliOptions {
  labs: string[];
  driver: DriverName;
  junit?: string;
  /** true: JSON to stdout (human output goes to stderr); a string: JSON to that file. */
  json?: string | boolean;
  bail?: boolean;
  labsDir: string;
  /** The site whose pages show the labs (docs/, i18n/); default: the directory above labsDir. */
  siteDir?: string;
  /** Live task list (default: when stderr is a terminal and CI is not set). */
  tty?: boolean;
  /** Run each step's checks before its commands too; a check that already passes fails the lab. */
  strict?: boolean;
  /** Run only this step (of the one lab named), after the steps before it as setup. */
  step?: string;
  /** Leave a failed lab's cluster up and say how to reach it; it is removed on Ctrl-C. */
  keep?: boolean;
  /** GitHub Actions annotations (default: when GITHUB_ACTIONS=true). */
  annotations?: boolean;
}

export interface VerifyDeps {
  createDriver(name: DriverName): Promise<ClusterDriver>;
  out(text: string): void;
  err(text: string): void;
  signal?: AbortSignal;
  /** With --keep: resolves when the kept clusters may go (Ctrl-C); default: at once. */
  waitForRelease?(): Promise<void>;
}

function writeFile(path: string, content: string): void {
  mkdirSync(dirname(resolve(path)), { recursive: true });
  writeFileSync(path, content);
}

/** Runs verify and returns the exit code. */
export async function runVerifyCommand(opts: VerifyCliOptions, deps: VerifyDeps): Promise<number> {
  // With --json and no file, stdout carries only the JSON document.
  const say = opts.json === true ? deps.err : deps.out;
  let labs: ReturnType<typeof selectLabs>;
  try {
    const all = loadLabs(opts.labsDir);
    // The content lint first: it needs no cluster and takes well under a second.
    const problems = lintContent({ siteDir: opts.siteDir ?? dirname(resolve(opts.labsDir)), labs: all });
    if (problems.length) {
      deps.err(`meshlab verify: the pages and labs disagree (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${problems.map(formatLintProblem).join('\n')}`);
      if (opts.annotations) for (const a of lintAnnotations(problems)) deps.out(a);
      return 2;
    }
    labs = selectLabs(all, opts.labs);
    if (opts.step !== undefined) {
      if (labs.length !== 1) throw new Error(`--step needs exactly one lab, e.g. \`meshlab verify ${labs[0]?.id ?? 'LAB'} --step ${opts.step}\``);
      findStep(labs[0]!, opts.step);
    }
  } catch (err) {
    deps.err(err instanceof LabLoadError ? `meshlab verify: the labs have problems:\n${err.message}` : `meshlab verify: ${(err as Error).message}`);
    return 2;
  }
  if (labs.length === 0) {
    deps.err(`meshlab verify: no labs in ${opts.labsDir}`);
    return 2;
  }
  let driver: ClusterDriver;
  try {
    driver = await deps.createDriver(opts.driver);
    const pre = await driver.preflight();
    if (!pre.ok) {
      deps.err(`meshlab verify: the ${opts.driver} driver cannot run here:\n${pre.problems.map((p) => `  ${p.message}\n    fix: ${p.fix}`).join('\n')}`);
      return 2;
    }
  } catch (err) {
    deps.err(`meshlab verify: could not use the ${opts.driver} driver: ${(err as Error).message}`);
    return 2;
  }
  say(`Verifying ${labs.length} lab${labs.length === 1 ? '' : 's'} (${labs.map((l) => l.id).join(', ')}) on the ${driver.name} driver${driver.parallel && labs.length > 1 ? ', in parallel' : ''}`);
  const list = opts.tty ? taskListProgress(labs) : undefined;
  const progress: VerifyProgress = list ?? plainProgress(say);
  if (opts.step) say(`Only step ${opts.step}, after the ${labs[0]!.steps.findIndex((s) => s.id === opts.step)} step(s) before it as setup`);
  if (opts.strict) say('Strict: each check also runs before its step, where it must not pass yet');
  const result = await verifyLabs({ labs, driver, bail: opts.bail, progress, signal: deps.signal, strict: opts.strict, step: opts.step, keep: opts.keep });
  await list?.done();
  say(summaryText(result.reports, result.durationMs, labs, driver.parallel && labs.length > 1));
  if (opts.annotations) for (const a of reportAnnotations(result.reports, labs)) deps.out(a);
  if (opts.junit) {
    writeFile(opts.junit, junitXml(result.reports, labs));
    say(`JUnit report: ${opts.junit}`);
  }
  if (opts.json !== undefined && opts.json !== false) {
    const doc = JSON.stringify(verifyJson(result.reports, driver.name, result.durationMs, driver.parallel && labs.length > 1), null, 2);
    if (opts.json === true) deps.out(doc);
    else {
      writeFile(opts.json, `${doc}\n`);
      say(`JSON report: ${opts.json}`);
    }
  }
  if (result.kept.length) {
    for (const { lab, handle } of result.kept)
      deps.err(
        [
          '',
          `The cluster of lab ${lab.id} is still up, as the failure left it (no cleanup ran). In another shell:`,
          ...exportLines(handle.shellEnv()).map((l) => `  ${l}`),
          `  kubectl get pods -A`,
        ].join('\n'),
      );
    deps.err('Ctrl-C removes the cluster.');
    await (deps.waitForRelease?.() ?? Promise.resolve());
    await Promise.all(result.kept.map(({ handle }) => handle.destroy().catch((err: unknown) => deps.err(`meshlab verify: could not remove a kept cluster: ${(err as Error).message}`))));
  }
  return result.ok ? 0 : 1;
}

/** Resolves on the next change under any of `dirs` (debounced), or when `signal` aborts. */
export function nextChange(dirs: string[], signal: AbortSignal, debounceMs = 300): Promise<string | undefined> {
  return new Promise((done) => {
    const watchers = dirs.map((d) => {
      try {
        return watch(d, { recursive: true }, (_event, name) => changed(name ? join(d, String(name)) : d));
      } catch { // a folder that cannot be watched (gone, or no inotify) is left out; the others still are
        return undefined;
      }
    });
    let timer: NodeJS.Timeout | undefined;
    let first: string | undefined;
    const finish = (what: string | undefined) => {
      for (const w of watchers) w?.close();
      signal.removeEventListener('abort', onAbort);
      if (timer) clearTimeout(timer);
      done(what);
    };
    const changed = (what: string) => {
      first ??= what;
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => finish(first), debounceMs);
    };
    const onAbort = () => finish(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function parseUrl(value: string): string {
  try {
    const u = new URL(value);
    if (u.protocol === 'http:' || u.protocol === 'https:') return value;
  } catch {
    /* reported below */
  }
  throw new InvalidArgumentError(`"${value}" is not an http(s) URL (e.g. http://192.0.2.10:30080).`);
}

export function register(program: Command): void {
  program
    .command('verify')
    .description('run every lab (or the named ones) on a fresh cluster, solving and checking each step')
    .argument('[labs...]', 'lab ids (directories under --labs-dir); default: all')
    .option('--driver <name>', 'cluster driver: embedded, kind or existing', parseDriverName, 'embedded' as DriverName)
    .option('--junit <file>', 'write a JUnit XML report (one testsuite per lab, one testcase per step)')
    .option('--json [file]', 'write the JSON report to a file, or to stdout when no file is given')
    .option('--bail', 'stop after the first lab that fails', false)
    .option('--strict', 'also run each step\'s checks before its commands, and fail the lab when one already passes there (unless it says expectedBefore: true)', false)
    .option('--step <id>', 'run only this step of the one lab named, after the steps before it as setup')
    .option('--keep', 'leave the cluster of a failed lab up (no cleanup) and print how to reach it; Ctrl-C removes it', false)
    .option('--watch', 'run again whenever the lab\'s files or the pages change', false)
    .option('--labs-dir <dir>', 'where the labs are', join(PROJECT_ROOT, 'labs'))
    .option('--site-dir <dir>', 'the site whose pages show the labs (docs/, i18n/); default: the directory above --labs-dir')
    .option('--kubeconfig <file>', 'existing: kubeconfig with admin rights on the shared cluster')
    .option('--context <name>', 'existing: kubeconfig context to use')
    .option('--ingress <url>', 'existing: URL that reaches the ingress gateway', parseUrl)
    .action(async (labIds: string[], o: { driver: DriverName; junit?: string; json?: string | boolean; bail: boolean; strict: boolean; step?: string; keep: boolean; watch: boolean; labsDir: string; siteDir?: string; kubeconfig?: string; context?: string; ingress?: string }) => {
      const ac = new AbortController();
      // With --keep, the first Ctrl-C after the run releases the kept cluster.
      let release: (() => void) | undefined;
      const onSignal = () => (release ? release() : ac.abort());
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      const ci = Boolean(process.env.CI) && process.env.CI !== 'false';
      const labsDir = resolve(o.labsDir);
      const siteDir = o.siteDir ? resolve(o.siteDir) : dirname(labsDir);
      try {
        for (;;) {
          process.exitCode = await runVerifyCommand(
            { labs: labIds, driver: o.driver, junit: o.junit, json: o.json, bail: o.bail, strict: o.strict, step: o.step, keep: o.keep, annotations: inGitHubActions(), labsDir, siteDir, tty: Boolean(process.stderr.isTTY && process.stdout.isTTY) && !ci && o.json !== true && !o.watch },
            {
              createDriver: async (name) => {
                const { createDriver } = await import('../../drivers/registry.ts');
                return createDriver(name, { kubeconfig: o.kubeconfig, context: o.context, ingress: o.ingress });
              },
              out: (t) => process.stdout.write(`${t}\n`),
              err: (t) => process.stderr.write(`${t}\n`),
              signal: ac.signal,
              waitForRelease: () => new Promise<void>((r) => (release = r)).finally(() => (release = undefined)),
            },
          );
          if (!o.watch || ac.signal.aborted) break;
          const dirs = [...(labIds.length ? labIds.map((id) => join(labsDir, id)) : [labsDir]), join(siteDir, 'docs'), join(siteDir, 'i18n')];
          process.stderr.write(`\nmeshlab verify --watch: waiting for a change in ${dirs.map((d) => relative(process.cwd(), d) || '.').join(', ')} (Ctrl-C stops)\n`);
          const changed = await nextChange(dirs, ac.signal);
          if (!changed) break;
          process.stderr.write(`\n${relative(process.cwd(), changed)} changed: verifying again\n`);
        }
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}

// `meshlab cluster up|down`: a cluster in the foreground for a learner's own shell, CI or a
// workshop. Once ready it prints (and writes to --env-file) the shell lines that point kubectl,
// helm and curl at it (and writes them to --write-env FILE); Ctrl-C or SIGTERM destroys it.
import { chmod, rm, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import type { ClusterDriver, ClusterHandle, DriverName, PreflightResult, ProgressSink } from '../../drivers/types.ts';
import { parseDriverName, parsePort } from '../options.ts';

export interface ClusterUpOptions {
  driver: DriverName;
  /** --write-env FILE (--env-file is the old name: Node 20 takes that one for itself under npx). */
  writeEnv?: string;
  envFile?: string;
  dryRun: boolean;
  kubeconfig?: string;
  context?: string;
  ingress?: string;
  name?: string;
  httpPort?: number;
  httpsPort?: number;
  keep: boolean;
  learnerCredentials?: 'serviceaccount' | 'operator';
  dataDir?: string;
}

/** Progress for people on stderr, so stdout carries only the export lines. */
export function stderrProgress(write: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): ProgressSink {
  const started = new Map<string, number>();
  return {
    start(task) {
      started.set(task, Date.now());
      write(`… ${task}`);
    },
    end(task, ok, detail) {
      const ms = Date.now() - (started.get(task) ?? Date.now());
      started.delete(task);
      write(`${ok ? '✓' : '✗'} ${task} (${(ms / 1000).toFixed(1)} s)${detail ? `: ${detail}` : ''}`);
    },
    info(message) {
      write(`  ${message}`);
    },
  };
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** One value for a POSIX shell: bare when safe, else single-quoted. */
export function shellQuoteValue(value: string): string {
  if (value !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** `export NAME=value` lines: KUBECONFIG, INGRESS_HOST, INGRESS_PORT first, then the rest by name. */
export function exportLines(env: Record<string, string>): string[] {
  const first = ['KUBECONFIG', 'INGRESS_HOST', 'INGRESS_PORT'];
  const names = Object.keys(env).filter((n) => ENV_NAME.test(n) && !/[\0\n]/.test(env[n] ?? ''));
  names.sort((a, b) => {
    const ia = first.indexOf(a);
    const ib = first.indexOf(b);
    if (ia !== -1 || ib !== -1) return (ia === -1 ? 99 : ia) - (ib === -1 ? 99 : ib);
    return a < b ? -1 : a > b ? 1 : 0;
  });
  // A driver's PATH is the directories its tools need; in a person's own shell they go in front.
  return names.map((n) => (n === 'PATH' ? `export PATH=${shellQuoteValue(env[n] ?? '')}:"$PATH"` : `export ${n}=${shellQuoteValue(env[n] ?? '')}`));
}

export function formatProblems(driver: DriverName, result: PreflightResult): string {
  return [
    `meshlab: the ${driver} driver cannot run here:`,
    ...result.problems.map((p) => `  - ${p.message}\n    fix: ${p.fix}`),
  ].join('\n');
}

function parseIngressUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError(`"${value}" is not a URL (e.g. http://203.0.113.10:80).`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidArgumentError('--ingress must be an http:// or https:// URL.');
  return value;
}

function parseCredentials(value: string): 'serviceaccount' | 'operator' {
  if (value !== 'serviceaccount' && value !== 'operator') throw new InvalidArgumentError('expected serviceaccount or operator.');
  return value;
}

function parseName(value: string): string {
  if (!/^[a-z0-9]([-a-z0-9]{0,30}[a-z0-9])?$/.test(value)) throw new InvalidArgumentError(`"${value}" is not a valid name (lowercase letters, digits and '-', at most 32 characters).`);
  return value;
}

/** The driver for `cluster up/down`. kind and existing take options the registry does not know. */
export async function driverFor(o: Partial<ClusterUpOptions> & { driver: DriverName }): Promise<ClusterDriver> {
  if (o.driver === 'kind') {
    const { createKindDriver } = await import('../../drivers/kind/index.ts');
    return createKindDriver({ name: o.name, httpPort: o.httpPort, httpsPort: o.httpsPort, keep: o.keep, dataDir: o.dataDir });
  }
  if (o.driver === 'existing') {
    const { createExistingDriver } = await import('../../drivers/existing/index.ts');
    return createExistingDriver({ kubeconfig: o.kubeconfig, context: o.context, ingress: o.ingress, dataDir: o.dataDir, learnerCredentials: o.learnerCredentials });
  }
  const { createDriver } = await import('../../drivers/registry.ts');
  return createDriver(o.driver, { dataDir: o.dataDir });
}

async function dryRun(o: ClusterUpOptions, driver: ClusterDriver): Promise<void> {
  const printable = driver as ClusterDriver & { dryRun?: (name?: string) => string | Promise<string> };
  if (printable.dryRun) process.stdout.write(await printable.dryRun(o.name));
  else console.log(`# the ${o.driver} driver runs in this process: it writes a kubeconfig under meshlab's data directory and runs no commands`);
}

function waitForStop(): Promise<string> {
  return new Promise((resolveStop) => {
    // Signal listeners do not keep Node running; a cluster that lives elsewhere (existing, kind)
    // leaves nothing else in this process that would.
    const keepAlive = setInterval(() => {}, 1 << 30);
    const onSignal = (signal: string) => {
      clearInterval(keepAlive);
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      resolveStop(signal);
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

export async function clusterUp(o: ClusterUpOptions): Promise<number> {
  const driver = await driverFor(o);
  if (o.dryRun) {
    await dryRun(o, driver);
    return 0;
  }
  const progress = stderrProgress();
  progress.start(`Checking the ${o.driver} driver`);
  const preflight = await driver.preflight();
  progress.end(`Checking the ${o.driver} driver`, preflight.ok);
  if (!preflight.ok) {
    console.error(formatProblems(o.driver, preflight));
    return 1;
  }
  const abort = new AbortController();
  const stop = waitForStop();
  void stop.then(() => abort.abort());
  let handle: ClusterHandle | undefined;
  let envFile: string | undefined;
  try {
    const creating = driver.create({ name: o.name, progress, signal: abort.signal });
    handle = await Promise.race([creating, stop.then(() => undefined)]);
    if (!handle) {
      // Let the driver finish cancelling (it removes what it half made), then remove what it did make.
      console.error('meshlab: stopping before the cluster was ready');
      handle = await creating.catch(() => undefined); // cancelled on purpose: the driver removed what it half made
      return 130;
    }
    const lines = exportLines(handle.shellEnv());
    const target = o.writeEnv ?? o.envFile;
    if (target) {
      envFile = resolve(target);
      await writeFile(envFile, `${lines.join('\n')}\n`, { mode: 0o600 });
      await chmod(envFile, 0o600);
    }
    console.log(lines.join('\n'));
    console.error(`meshlab: ${o.driver} cluster ${handle.id} is ready${envFile ? `; \`source ${envFile}\` in another shell` : ''}. Ctrl-C stops it.`);
    const signal = await stop;
    console.error(`meshlab: ${signal}: stopping the cluster`);
    return 0;
  } finally {
    if (handle) await handle.destroy().catch((err: unknown) => console.error(`meshlab: destroying the cluster failed: ${(err as Error).message}`));
    if (envFile) await rm(envFile, { force: true });
  }
}

export async function clusterDown(o: { driver: DriverName; name?: string; kubeconfig?: string; context?: string; dryRun: boolean; dataDir?: string }): Promise<number> {
  if (o.driver === 'embedded') {
    console.error('meshlab: an embedded cluster lives in its `meshlab cluster up` process; stop that process (Ctrl-C) to remove it.');
    return 0;
  }
  const driver = (await driverFor(o)) as ClusterDriver & { down?(name: string | undefined, progress: ProgressSink): Promise<void>; dryRunDown?(name?: string): string | Promise<string> };
  if (o.dryRun && driver.dryRunDown) {
    process.stdout.write(await driver.dryRunDown(o.name));
    return 0;
  }
  if (!driver.down) throw new Error(`the ${o.driver} driver has nothing to take down`);
  await driver.down(o.name, stderrProgress());
  return 0;
}

export function register(program: Command): void {
  const cluster = program.command('cluster').description('start or remove a cluster for the labs (embedded, kind, or an existing one)');
  cluster
    .command('up')
    .description('start a cluster in the foreground and print the shell lines that reach it; Ctrl-C stops and removes it')
    .option('-d, --driver <name>', 'embedded (in-process, default), kind (Docker) or existing (a cluster you have)', parseDriverName, 'embedded' as DriverName)
    .option('--write-env <file>', 'also write the export lines to this file (mode 600; removed on stop)')
    .option('--env-file <file>', 'the old name of --write-env (Node 20 claims --env-file under npx: prefer --write-env)')
    .option('--dry-run', 'print every command and file the driver would run or write, in order, and exit', false)
    .option('--kubeconfig <file>', 'existing: kubeconfig with admin rights on the shared cluster (default $KUBECONFIG or ~/.kube/config)')
    .option('--context <name>', 'existing: kubeconfig context to use')
    .option('--ingress <url>', 'existing: URL learners use to reach the ingress gateway, when it has no LoadBalancer address', parseIngressUrl)
    .option('--name <name>', 'kind: cluster name (default meshlab); existing: learner name (default: generated)', parseName)
    .option('--http-port <n>', 'kind: host port for the gateway\'s HTTP node port (default 30080)', parsePort)
    .option('--https-port <n>', 'kind: host port for the gateway\'s HTTPS node port (default 30443)', parsePort)
    .option('--keep', 'kind: leave the cluster running when this command stops', false)
    .option('--learner-credentials <mode>', 'existing: serviceaccount (default; the learner is confined by RBAC) or operator (your own credentials, for a cluster of your own)', parseCredentials)
    .action(async (opts: ClusterUpOptions) => {
      process.exitCode = await clusterUp(opts);
      // Handles and timers of a stopped cluster must not keep the process alive.
      setTimeout(() => process.exit(), 1000).unref();
    });
  cluster
    .command('down')
    .description('remove a kind cluster, or a learner\'s namespace on an existing cluster')
    .option('-d, --driver <name>', 'kind or existing', parseDriverName, 'kind' as DriverName)
    .option('--name <name>', 'kind: cluster name (default meshlab); existing: learner name', parseName)
    .option('--kubeconfig <file>', 'existing: kubeconfig of the shared cluster')
    .option('--context <name>', 'existing: kubeconfig context')
    .option('--dry-run', 'print the commands instead of running them', false)
    .action(async (opts: { driver: DriverName; name?: string; kubeconfig?: string; context?: string; dryRun: boolean }) => {
      process.exitCode = await clusterDown(opts);
    });
}

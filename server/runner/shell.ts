// Runs lab commands the way a learner's terminal would: bash, in a working directory holding the
// lab's files (so `kubectl apply -f httpbin.yaml` works as shown), with the cluster's shell
// environment. Variables a command exports are kept for the next command, as in one terminal.
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { toolDirs } from '../tools/binaries.ts';

/** Output kept per command (the tail); a command flooding output cannot exhaust memory. */
export const MAX_OUTPUT_BYTES = 256 * 1024;

export interface Workspace {
  /** Working directory with the lab's files. */
  dir: string;
  /** HOME for the commands (helm keeps its repositories there). */
  home: string;
  /** Where exported variables are carried from one command to the next. */
  stateFile: string;
  env: Record<string, string>;
  dispose(): void;
}

/** A fresh workspace: a temporary directory with the lab's files copied in, and the shell environment. */
export function createWorkspace(labDir: string, shellEnv: Record<string, string>): Workspace {
  const root = mkdtempSync(join(tmpdir(), 'meshlab-run-'));
  const dir = join(root, 'lab');
  const home = join(root, 'home');
  cpSync(labDir, dir, { recursive: true, dereference: false, filter: (src) => !src.endsWith('/lab.yaml') });
  mkdirSync(home, { recursive: true });
  // The driver's PATH entries first (e.g. a helm wrapper that reaches the simulated internet),
  // then kubectl/helm as meshlab found them, then the system's.
  const path = [...new Set([...(shellEnv.PATH ?? '').split(':'), ...toolDirs(), '/usr/local/bin', '/usr/bin', '/bin'].filter(Boolean))].join(':');
  const env: Record<string, string> = {
    HOME: home,
    LANG: 'C.UTF-8',
    TERM: 'dumb',
    ...shellEnv,
    PATH: path,
  };
  return {
    dir,
    home,
    stateFile: join(root, 'exported.sh'),
    env,
    dispose: () => rmSync(root, { recursive: true, force: true }),
  };
}

export interface CommandResult {
  /** null when the command was killed (timeout or cancellation). */
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr interleaved as they arrived (what a terminal shows). */
  output: string;
  durationMs: number;
  timedOut: boolean;
  cancelled: boolean;
}

export interface RunOptions {
  timeoutMs: number;
  signal?: AbortSignal;
  onOutput?: (stream: 'stdout' | 'stderr', data: string) => void;
  /** Keep exported variables for later commands (lab commands: yes; checks: no). */
  persistExports?: boolean;
}

class Tail {
  private text = '';
  append(s: string): void {
    this.text += s;
    if (this.text.length > MAX_OUTPUT_BYTES * 2) this.text = this.text.slice(-MAX_OUTPUT_BYTES);
  }
  toString(): string {
    return this.text.length > MAX_OUTPUT_BYTES ? `…${this.text.slice(-MAX_OUTPUT_BYTES)}` : this.text;
  }
}

function quote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Runs one command (possibly several lines, heredocs included) with bash in the workspace. */
export function runShell(ws: Workspace, command: string, opts: RunOptions): Promise<CommandResult> {
  const state = quote(ws.stateFile);
  // Earlier exports first; on exit, save the exports for the next command. The command itself
  // is appended verbatim on its own lines so heredocs keep their terminators.
  const script = [
    `[ -f ${state} ] && . ${state} 2>/dev/null`,
    `cd ${quote(ws.dir)} || exit 1`,
    opts.persistExports ? `trap 'export -p > ${state}' EXIT` : '',
    command,
    '',
  ].join('\n');
  return runProcess('bash', ['--noprofile', '--norc', '-c', script], ws, opts);
}

/** The workspace's environment plus what earlier commands exported (for checks that expand $VARS). */
export function currentEnv(ws: Workspace): Record<string, string> {
  const env = { ...ws.env };
  let text = '';
  try {
    text = readFileSync(ws.stateFile, 'utf8');
  } catch { // no state file yet: the shell has not saved its environment
    return env;
  }
  // `export -p` prints `declare -x NAME="value"` with bash's double-quote escaping.
  for (const m of text.matchAll(/^declare -x ([A-Za-z_][A-Za-z0-9_]*)="((?:[^"\\]|\\.)*)"$/gm)) {
    env[m[1]!] = m[2]!.replace(/\\(.)/g, '$1');
  }
  return env;
}

/** Runs a program (no shell) in the workspace, with the same bounds as runShell. */
export function runProcess(file: string, args: string[], ws: Pick<Workspace, 'dir' | 'env'>, opts: RunOptions): Promise<CommandResult> {
  const started = Date.now();
  return new Promise((resolvePromise) => {
    const child = spawn(file, args, {
      cwd: ws.dir,
      env: ws.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const stdout = new Tail();
    const stderr = new Tail();
    const output = new Tail();
    let timedOut = false;
    let cancelled = false;
    let settled = false;
    const killGroup = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    };
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup();
    }, opts.timeoutMs);
    const onAbort = () => {
      cancelled = true;
      killGroup();
    };
    if (opts.signal?.aborted) onAbort();
    else opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.stdout.setEncoding('utf8');
    child.stderr.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      stdout.append(d);
      output.append(d);
      opts.onOutput?.('stdout', d);
    });
    child.stderr.on('data', (d: string) => {
      stderr.append(d);
      output.append(d);
      opts.onOutput?.('stderr', d);
    });
    const finish = (exitCode: number | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      // Background children of the command (a `kubectl port-forward &`) do not outlive it.
      killGroup();
      resolvePromise({
        exitCode: timedOut || cancelled ? null : exitCode,
        stdout: stdout.toString(),
        stderr: stderr.toString(),
        output: output.toString(),
        durationMs: Date.now() - started,
        timedOut,
        cancelled,
      });
    };
    child.on('error', (err) => {
      stderr.append(`${err.message}\n`);
      output.append(`${err.message}\n`);
      finish(127);
    });
    child.on('close', (code, signal) => finish(code ?? (signal ? 128 + 9 : null)));
  });
}

/** Expands $VAR and ${VAR} from an environment (for check URLs); unknown variables stay as written. */
export function expandVariables(text: string, env: Record<string, string>): string {
  return text.replace(/\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g, (whole, braced: string | undefined, bare: string | undefined) => {
    const name = braced ?? bare!;
    return env[name] ?? whole;
  });
}

// How the kind driver runs docker, kind, kubectl and helm. Injectable so preflight and the
// command plan can be tested with a fake, and so --dry-run can print instead of run.
import { spawn } from 'node:child_process';

export interface CommandResult {
  /** Exit code; 127 when the program was not found. */
  code: number;
  stdout: string;
  stderr: string;
  /** The program does not exist (ENOENT). */
  notFound?: boolean;
}

export interface RunOptions {
  input?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface CommandRunner {
  run(argv: string[], options?: RunOptions): Promise<CommandResult>;
}

/** Output kept per stream; a failing command's tail is what explains it. */
const MAX_OUTPUT = 256 * 1024;

function appendBounded(current: string, chunk: string): string {
  const next = current + chunk;
  return next.length > MAX_OUTPUT ? next.slice(next.length - MAX_OUTPUT) : next;
}

/** Runs real processes (no shell), with bounded output and a timeout. */
export const processRunner: CommandRunner = {
  run(argv, options = {}) {
    return new Promise((resolve) => {
      const [cmd, ...args] = argv;
      if (!cmd) {
        resolve({ code: 127, stdout: '', stderr: 'empty command', notFound: true });
        return;
      }
      let stdout = '';
      let stderr = '';
      let settled = false;
      const finish = (result: CommandResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(result);
      };
      const child = spawn(cmd, args, {
        env: { ...process.env, ...options.env },
        stdio: ['pipe', 'pipe', 'pipe'],
        signal: options.signal,
      });
      const timer = options.timeoutMs
        ? setTimeout(() => {
            child.kill('SIGTERM');
            stderr = appendBounded(stderr, `\ntimed out after ${options.timeoutMs} ms`);
          }, options.timeoutMs)
        : undefined;
      child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout = appendBounded(stdout, c)));
      child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr = appendBounded(stderr, c)));
      child.on('error', (err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') finish({ code: 127, stdout, stderr: `${cmd}: command not found`, notFound: true });
        else finish({ code: 1, stdout, stderr: stderr + err.message });
      });
      child.on('close', (code, signal) => finish({ code: code ?? (signal ? 128 : 1), stdout, stderr }));
      child.stdin.on('error', () => {});
      child.stdin.end(options.input ?? '');
    });
  },
};

/** A command that failed, keeping its output (the last lines are what the user needs). */
export class CommandError extends Error {
  constructor(
    readonly argv: string[],
    readonly result: CommandResult,
  ) {
    const tail = (result.stderr || result.stdout).trim().split('\n').slice(-8).join('\n');
    super(`\`${argv.join(' ')}\` failed (exit ${result.code})${tail ? `:\n${tail}` : ''}`);
  }
}

/** Quotes one argument for a POSIX shell only when it needs it (for printing plans). */
export function shellQuote(arg: string): string {
  if (arg !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

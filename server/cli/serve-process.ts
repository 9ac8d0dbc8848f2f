// A real `meshlab serve` as a child process on a free loopback port, for the integration tests,
// the end-to-end tests and the benchmarks that must see the server as a learner's browser does
// (its flags, its cookies, its sandboxes). The site must be built already (`--no-build`).
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..', '..');

/** A port nobody listens on now (the kernel picks it; it may be taken again before it is used). */
export function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const s = createServer();
    s.once('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => done(port));
    });
  });
}

export interface ServeOptions {
  dataDir: string;
  /** Default: a free port. */
  port?: number;
  /** More `meshlab serve` flags. */
  args?: string[];
  /** Added to this process's environment. */
  env?: Record<string, string>;
  /** Show the server's stderr (benchmarks); by default it is kept for error messages. */
  inheritStderr?: boolean;
  readyTimeoutMs?: number;
}

export interface ServeProcess {
  url: string;
  port: number;
  child: ChildProcess;
  /** The last 4000 characters the server wrote to stderr (when not inherited). */
  stderr(): string;
  /** SIGTERM, then SIGKILL after 15 s. */
  stop(): Promise<void>;
}

/** Starts `meshlab serve` and resolves once /healthz answers. */
export async function startServe(options: ServeOptions): Promise<ServeProcess> {
  const port = options.port ?? (await freePort());
  const child = spawn(process.execPath, ['bin/meshlab.mjs', 'serve', '--no-build', '--port', String(port), '--data-dir', options.dataDir, ...(options.args ?? [])], {
    cwd: ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'ignore', options.inheritStderr ? 'inherit' : 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const stop = () =>
    new Promise<void>((done) => {
      if (child.exitCode !== null || child.signalCode !== null) return done();
      const force = setTimeout(() => child.kill('SIGKILL'), 15_000);
      child.once('exit', () => {
        clearTimeout(force);
        done();
      });
      child.kill('SIGTERM');
    });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`meshlab serve exited with ${child.exitCode}: ${stderr}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`meshlab serve did not become ready in ${Math.round((options.readyTimeoutMs ?? 60_000) / 1000)} s: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, port, child, stderr: () => stderr, stop };
}

// Runs the real kubectl (and helm) against a test API server, each call with a fresh discovery
// cache so no test sees another's discovery.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { findTool } from '../../../tools/binaries.ts';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(bin: string, args: string[], env: Record<string, string>, opts: { input?: string; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: env.HOME ?? '/tmp', ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

export function kubectlRunner(kubeconfigPath: string, baseDir: string) {
  const kubectl = findTool('kubectl');
  return (args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<RunResult> => {
    const cache = mkdtempSync(join(baseDir, 'cache-'));
    return run(kubectl, ['--kubeconfig', kubeconfigPath, '--cache-dir', cache, ...args], { HOME: baseDir }, opts);
  };
}

export function helmRunner(kubeconfigPath: string, baseDir: string) {
  const helm = findTool('helm');
  return (args: string[]): Promise<RunResult> =>
    run(helm, ['--kubeconfig', kubeconfigPath, ...args], {
      HOME: baseDir,
      HELM_CACHE_HOME: join(baseDir, 'helm-cache'),
      HELM_CONFIG_HOME: join(baseDir, 'helm-config'),
      HELM_DATA_HOME: join(baseDir, 'helm-data'),
    }, { timeoutMs: 30_000 });
}

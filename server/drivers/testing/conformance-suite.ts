// One conformance suite for every driver: create, reach the ingress gateway over HTTP, apply,
// exec, logs, reset, destroy, all through the real kubectl and curl a learner's shell uses. A
// driver passes when a lab written against one driver works unchanged on it.
import { execFile } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { findTool } from '../../tools/binaries.ts';
import type { ClusterDriver, ClusterHandle } from '../types.ts';
import { conformanceManifests } from './conformance-fixtures.ts';

export interface ConformanceOptions {
  name: string;
  makeDriver: () => Promise<ClusterDriver>;
  /** When set, the whole suite is skipped and this reason is shown. */
  skip?: string;
  /** Real clusters pull images and propagate config: allow them more time. */
  slow?: boolean;
  /** Host header routed by the suite's Gateway; default the handle's LEARNER_HOST or conformance.meshlab.example. */
  host?: string;
  /** Runs after the suite (e.g. stops a cluster the driver under test was pointed at). */
  cleanup?: () => Promise<void>;
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

export function run(cmd: string, args: string[], env: Record<string, string>, input?: string, timeoutMs = 120_000): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', ...env }, timeout: timeoutMs, maxBuffer: 4 * 1024 * 1024 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0, stdout, stderr });
    });
    child.stdin?.on('error', () => {}); // a command that reads no input may exit first
    child.stdin?.end(input ?? '');
  });
}

/** Retries fn until it returns a value that passes check, or the deadline passes (then returns the last value). */
export async function eventually<T>(fn: () => Promise<T>, check: (v: T) => boolean, timeoutMs: number, intervalMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await fn();
  while (!check(last) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, intervalMs));
    last = await fn();
  }
  return last;
}

export function runConformance(o: ConformanceOptions): void {
  const scale = o.slow ? 6 : 1;
  describe.skipIf(Boolean(o.skip)).sequential(`driver conformance: ${o.name}${o.skip ? ` (skipped: ${o.skip})` : ''}`, () => {
    let driver: ClusterDriver;
    let handle: ClusterHandle | undefined;
    let env: Record<string, string> = {};
    let ns = 'meshlab-conformance';
    let host = o.host ?? 'conformance.meshlab.example';
    const kubectl = (args: string[], input?: string, timeoutMs?: number) => run(findTool('kubectl'), args, env, input, timeoutMs);

    afterAll(async () => {
      await handle?.destroy().catch(() => {});
      await o.cleanup?.();
    }, 600_000);

    it('passes preflight', async () => {
      driver = await o.makeDriver();
      const pre = await driver.preflight();
      expect(pre.problems).toEqual([]);
      expect(pre.ok).toBe(true);
    }, 60_000);

    it('creates a cluster whose shell env reaches the API server', async () => {
      handle = await driver.create({ name: 'conformance' });
      env = handle.shellEnv();
      expect(Object.keys(env)).toEqual(expect.arrayContaining(['KUBECONFIG', 'INGRESS_HOST', 'INGRESS_PORT']));
      expect(env.KUBECONFIG).toBe(handle.kubeconfigPath);
      expect(env.INGRESS_PORT).toBe(String(handle.ingress.port));
      if (handle.learnerNamespace) ns = handle.learnerNamespace;
      if (!o.host && env.LEARNER_HOST) host = env.LEARNER_HOST;
      const version = await kubectl(['version', '-o', 'json']);
      expect(version.stderr).toBe('');
      expect(JSON.parse(version.stdout).serverVersion.gitVersion).toMatch(/^v1\.\d+\.\d+/);
      const nss = await kubectl(['get', 'namespaces', '-o', 'name']);
      expect(nss.stdout.split('\n')).toContain('namespace/istio-system');
    }, 600_000);

    it('applies httpbin, a client, a Gateway and a VirtualService, and they become ready', async () => {
      const manifests = conformanceManifests({ namespace: ns, host, createNamespace: !handle!.learnerNamespace });
      const applied = await kubectl(['apply', '-f', '-'], manifests);
      expect(applied.stderr).toBe('');
      expect(applied.stdout).toContain('deployment.apps/httpbin created');
      expect(applied.stdout).toContain('virtualservice.networking.istio.io/httpbin created');
      for (const deploy of ['httpbin', 'curl']) {
        const status = await kubectl(['-n', ns, 'rollout', 'status', `deployment/${deploy}`, `--timeout=${60 * scale}s`], undefined, 70_000 * scale);
        expect(status.stdout).toContain(`deployment "${deploy}" successfully rolled out`);
      }
    }, 900_000);

    it('routes HTTP through the ingress gateway to httpbin', async () => {
      const url = `http://${env.INGRESS_HOST}:${env.INGRESS_PORT}/status/418`;
      const r = await eventually(
        () => run(findTool('curl'), ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '10', '-H', `Host: ${host}`, url], {}),
        (x) => x.stdout === '418',
        30_000 * scale,
      );
      expect(r.stdout).toBe('418');
      const unrouted = await run(findTool('curl'), ['-sS', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '10', '-H', `Host: ${host}`, `http://${env.INGRESS_HOST}:${env.INGRESS_PORT}/headers`], {});
      expect(unrouted.stdout).toBe('404');
    }, 600_000);

    it('execs a command in a pod, whose traffic reaches a Service in the mesh', async () => {
      const r = await kubectl(['-n', ns, 'exec', 'deploy/curl', '-c', 'curl', '--', 'curl', '-sS', '-o', '/dev/null', '-w', '%{http_code}', `http://httpbin.${ns}:8000/status/201`]);
      expect(r.stdout).toBe('201');
      expect(r.code).toBe(0);
    }, 120_000);

    it("shows a container's logs", async () => {
      const r = await eventually(() => kubectl(['-n', ns, 'logs', 'deploy/httpbin', '-c', 'httpbin']), (x) => x.stdout.includes('/status/201'), 20_000);
      expect(r.stdout).toContain('/status/201');
    }, 60_000);

    it('resets to the state right after create', async () => {
      await handle!.reset();
      const gone = await eventually(() => kubectl(['-n', ns, 'get', 'deployment', 'httpbin']), (x) => x.code !== 0, 60_000 * scale, 1000);
      expect(gone.code).not.toBe(0);
      expect(gone.stderr).toMatch(/NotFound/);
      const nss = await kubectl(['get', 'namespaces', '-o', 'name']);
      expect(nss.stdout.split('\n')).toContain('namespace/istio-system');
    }, 900_000);

    it('destroys the cluster: its kubeconfig no longer reaches anything', async () => {
      await handle!.destroy();
      const r = await kubectl(['get', 'namespaces', '--request-timeout=5s'], undefined, 30_000);
      expect(r.code).not.toBe(0);
      handle = undefined;
    }, 600_000);
  });
}

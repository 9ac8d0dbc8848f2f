// The lab routes with the real runner, a real embedded cluster and real kubectl: progress
// survives a restart of the server, Check reports what the cluster really has, and opening the
// egress lab gives the learner's cluster REGISTRY_ONLY.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDriver } from '../drivers/registry.ts';
import { PROJECT_ROOT, findTool } from '../tools/binaries.ts';
import { createSiteServer, type SiteServer } from './app.ts';
import { registerLabRoutes } from './lab-routes.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'meshlab-lab-routes-'));
symlinkSync(join(PROJECT_ROOT, '.meshlab', 'tools'), join(dataDir, 'tools'));
let server: SiteServer;
let cookie = '';

async function start(): Promise<SiteServer> {
  const driver = await createDriver('embedded', { dataDir });
  return createSiteServer({
    config: { port: 0, host: '127.0.0.1', dataDir, siteDir: join(dataDir, 'no-site'), labsDir: join(PROJECT_ROOT, 'labs'), allowedOrigins: [], unsafeNoSandbox: true },
    driver,
    logger: pino({ level: 'silent' }),
    routes: [registerLabRoutes],
  });
}

async function call(method: string, path: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`http://127.0.0.1:${(server.app.server.address() as { port: number }).port}${path}`, { method, headers: cookie ? { cookie } : {} });
  const set = res.headers.get('set-cookie');
  if (set) cookie = set.split(';')[0]!;
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

// Asynchronous: the embedded cluster answers kubectl from this very process.
async function kubectl(...args: string[]): Promise<string> {
  const handle = server.context.learners.fromRequest({ headers: { cookie } } as never)!.currentCluster()!;
  const { stdout } = await promisify(execFile)(findTool('kubectl'), args, { encoding: 'utf8', env: { ...process.env, KUBECONFIG: handle.kubeconfigPath } });
  return stdout;
}

beforeAll(async () => {
  server = await start();
  // A page load gives the session; state-changing routes never start one.
  await call('GET', '/api/session');
}, 60_000);

afterAll(async () => {
  await server?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('lab routes on an embedded cluster', () => {
  it('fails a Check with what the cluster has, then passes it once the step is done', async () => {
    const failed = await call('POST', '/api/labs/ingress-gateway/steps/create-namespace/check');
    expect(failed.status).toBe(200);
    expect(failed.body).toMatchObject({ passed: false, checks: [{ passed: false, details: [{ what: 'Namespace bookinfo', expected: 'exists', actual: 'absent', ok: false }] }] });

    await kubectl('create', 'namespace', 'bookinfo');
    await kubectl('label', 'namespace', 'bookinfo', 'istio-injection=enabled');
    const passed = await call('POST', '/api/labs/ingress-gateway/steps/create-namespace/check');
    expect(passed.body).toMatchObject({ passed: true, hints: [] });
  });

  it('prepares the egress lab: the mesh becomes REGISTRY_ONLY', async () => {
    expect(await kubectl('-n', 'istio-system', 'get', 'configmap', 'istio', '-o', 'jsonpath={.data.mesh}')).not.toContain('REGISTRY_ONLY');
    const res = await call('POST', '/api/labs/egress-gateway/prepare');
    expect(res).toEqual({ status: 200, body: { lab: 'egress-gateway', prepared: true } });
    expect(await kubectl('-n', 'istio-system', 'get', 'configmap', 'istio', '-o', 'jsonpath={.data.mesh}')).toContain('mode: REGISTRY_ONLY');
  });

  it('keeps progress across a server restart', async () => {
    await server.close();
    server = await start();
    const res = await call('GET', '/api/labs/ingress-gateway/progress');
    expect(res.body).toMatchObject({ lab: 'ingress-gateway', steps: [{ step: 'create-namespace', status: 'passed' }] });
  }, 60_000);
});

// `meshlab cluster` as a user runs it: the real CLI in a child process, real kubectl against
// what it starts, signals to stop it.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findTool, PROJECT_ROOT } from '../../tools/binaries.ts';
import { eventually, run } from '../../drivers/testing/conformance-suite.ts';
import { createDriver } from '../../drivers/registry.ts';

const bin = join(PROJECT_ROOT, 'bin', 'meshlab.mjs');
const dir = mkdtempSync(join(tmpdir(), 'meshlab-cluster-cli-'));
const env = (extra: Record<string, string> = {}) => ({ ...process.env, MESHLAB_DATA_DIR: join(dir, 'data'), ...extra });

function cli(args: string[], extraEnv: Record<string, string> = {}) {
  return run(process.execPath, [bin, ...args], env(extraEnv), undefined, 120_000);
}

describe('meshlab cluster', () => {
  it('up (embedded) writes the env file, kubectl reaches the cluster, SIGTERM stops it and removes the file', async () => {
    const envFile = join(dir, 'env');
    // Node 20 itself rejects a missing file after any `--env-file` argument, even a script's.
    writeFileSync(envFile, '');
    // The project's own data directory: the embedded cluster finds the unpacked kubectl and helm there.
    const { MESHLAB_DATA_DIR: _unused, ...projectEnv } = process.env;
    const child = spawn(process.execPath, [bin, 'cluster', 'up', '--env-file', envFile], { env: projectEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const content = await eventually(async () => readFileSync(envFile, 'utf8'), (t) => t.includes('INGRESS_PORT') || child.exitCode !== null, 90_000);
    expect(child.exitCode, stderr).toBeNull();
    const vars = Object.fromEntries([...content.matchAll(/^export ([A-Z_]+)=(\S+)$/gm)].map((m) => [m[1], m[2]]));
    expect(Object.keys(vars).slice(0, 3)).toEqual(['KUBECONFIG', 'INGRESS_HOST', 'INGRESS_PORT']);
    expect(stdout.trim()).toBe(content.trim());
    const ns = await run(findTool('kubectl'), ['get', 'ns'], { KUBECONFIG: vars.KUBECONFIG! });
    expect(ns.stdout).toMatch(/^default\s+Active/m);
    expect(ns.stdout).toMatch(/^istio-system\s+Active/m);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(stderr).toContain('SIGTERM: stopping the cluster');
    expect(existsSync(envFile)).toBe(false);
    const after = await run(findTool('kubectl'), ['get', 'ns', '--request-timeout=3s'], { KUBECONFIG: vars.KUBECONFIG! });
    expect(after.code).not.toBe(0);
  }, 180_000);

  it('`npx meshlab cluster up --write-env FILE`, as the README writes it, writes the file (Node 20 does not claim the option)', async () => {
    const envFile = join(dir, 'npx.env');
    expect(existsSync(envFile)).toBe(false);
    const { MESHLAB_DATA_DIR: _unused, ...projectEnv } = process.env;
    // Its own process group, so that the whole npx → sh → node chain is stopped together.
    const child = spawn('npx', ['meshlab', 'cluster', 'up', '--write-env', envFile], { cwd: PROJECT_ROOT, env: projectEnv, stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    let stderr = '';
    child.stderr.on('data', (c) => (stderr += c));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    try {
      const content = await eventually(async () => (existsSync(envFile) ? readFileSync(envFile, 'utf8') : ''), (t) => t.includes('INGRESS_PORT') || child.exitCode !== null, 90_000);
      expect(content, stderr).toMatch(/^export KUBECONFIG=/);
      expect(process.versions.node.split('.')[0]).toBe('20');
      const vars = Object.fromEntries([...content.matchAll(/^export ([A-Z_]+)=(\S+)$/gm)].map((m) => [m[1], m[2]]));
      const ns = await run(findTool('kubectl'), ['get', 'ns', 'istio-system'], { KUBECONFIG: vars.KUBECONFIG! });
      expect(ns.stdout).toMatch(/istio-system\s+Active/);
    } finally {
      process.kill(-child.pid!, 'SIGTERM');
      await exited;
    }
    await eventually(async () => existsSync(envFile), (e) => !e, 10_000);
    expect(existsSync(envFile)).toBe(false);
  }, 180_000);

  it('up --driver existing gives a learner namespace on a shared cluster and removes it on SIGTERM', async () => {
    const shared = await (await createDriver('embedded', { dataDir: join(dir, 'shared') })).create({ name: 'shared' });
    try {
      const envFile = join(dir, 'bob.env');
      writeFileSync(envFile, '');
      const child = spawn(process.execPath, [bin, 'cluster', 'up', '--driver', 'existing', '--kubeconfig', shared.kubeconfigPath, '--learner-credentials', 'operator', '--name', 'bob', '--env-file', envFile], { env: env(), stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (c) => (stderr += c));
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const content = await eventually(async () => readFileSync(envFile, 'utf8'), (t) => t.includes('INGRESS_PORT') || child.exitCode !== null, 90_000);
      expect(stderr).not.toMatch(/cannot run here/);
      const vars = Object.fromEntries([...content.matchAll(/^export ([A-Z_]+)=(\S+)$/gm)].map((m) => [m[1], m[2]]));
      expect(vars).toMatchObject({ INGRESS_HOST: '127.0.0.1', INGRESS_PORT: String(shared.ingress.port), LEARNER_NAMESPACE: 'meshlab-bob', LEARNER_HOST: 'bob.lab.example' });
      const pods = await run(findTool('kubectl'), ['get', 'pods'], { KUBECONFIG: vars.KUBECONFIG! });
      expect(pods.stderr.trim()).toBe('No resources found in meshlab-bob namespace.');
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      const ns = await eventually(() => run(findTool('kubectl'), ['get', 'namespace', 'meshlab-bob'], { KUBECONFIG: shared.kubeconfigPath }), (r) => r.code !== 0, 30_000);
      expect(ns.stderr + ns.stdout + stderr).toMatch(/NotFound/);
    } finally {
      await shared.destroy();
    }
  }, 180_000);

  it.each([
    ['no docker command at all', { PATH: '/nonexistent' }, /Docker engine not found/],
    ['this machine (docker client, no engine)', {}, /Docker engine (not found|not reachable)/],
  ])('up --driver kind fails fast naming the Docker engine: %s', async (_n, extra, message) => {
    const started = Date.now();
    const r = await cli(['cluster', 'up', '--driver', 'kind', '--http-port', '39080', '--https-port', '39443'], extra);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toContain('fix: ');
    expect(r.stdout).toBe('');
    expect(Date.now() - started).toBeLessThan(60_000);
  }, 90_000);

  it('up --driver kind --dry-run prints the whole plan and runs nothing', async () => {
    const r = await cli(['cluster', 'up', '--driver', 'kind', '--dry-run', '--name', 'lab']);
    expect(r.code).toBe(0);
    const order = ['kind create cluster --name lab', 'wait --for=condition=Ready nodes', 'kind load docker-image', 'helm upgrade --install istio-base', 'helm upgrade --install istiod', 'helm upgrade --install istio-ingressgateway'];
    const at = order.map((s) => r.stdout.indexOf(s));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(existsSync(join(dir, 'data', 'clusters', 'kind-lab'))).toBe(false);
  }, 90_000);

  it('up --driver existing --dry-run prints the learner objects', async () => {
    const r = await cli(['cluster', 'up', '--driver', 'existing', '--dry-run', '--name', 'alice', '--kubeconfig', '/k/admin']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('namespace meshlab-alice, hostname alice.lab.example');
    expect(r.stdout).toContain('kind: ClusterRoleBinding');
  }, 90_000);

  it.each([
    ['a bad driver', ['cluster', 'up', '--driver', 'docker'], /unknown driver "docker"/],
    ['a bad name', ['cluster', 'up', '--name', 'Bad;Name'], /not a valid name/],
    ['a bad ingress URL', ['cluster', 'up', '--ingress', 'ftp://x'], /http:\/\/ or https:\/\//],
  ])('rejects %s', async (_n, args, message) => {
    const r = await cli(args);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(message);
  }, 90_000);
});

// The learner's machine on the simulated internet, with real curl (proxychains) and real helm (the
// wrapper's proxy): Istio's chart repository works as the egress chapter uses it, unknown hosts
// fail like DNS failures, and curl shows no proxy.
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findTool } from '../../tools/binaries.ts';
import { SANDBOX_HOME, prepareSandbox, sandboxCommand } from '../../sandbox/sandbox.ts';
import { acquireSimulatedInternet, type SimulatedInternetLease } from '../world/simulated-internet.ts';
import { startHostNetwork, type HostNetwork } from './host-network.ts';

let lease: SimulatedInternetLease;
let net: HostNetwork;
let dir: string;
let env: Record<string, string>;

function run(file: string, args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve) => {
    execFile(file, args, { env, timeout: 60_000, encoding: 'utf8' }, (err, stdout, stderr) =>
      resolve({ stdout, stderr, code: err ? Number((err as { code?: number }).code ?? -1) : 0 }),
    );
  });
}

beforeAll(async () => {
  lease = await acquireSimulatedInternet();
  dir = mkdtempSync(join(tmpdir(), 'meshlab-hostnet-'));
  net = await startHostNetwork({ clusterDir: join(dir, 'cluster'), world: lease.world, helmPath: findTool('helm') });
  const e = net.env();
  env = { ...e, PATH: `${e.PATH}:/usr/bin:/bin`, HOME: join(dir, 'home') };
}, 30_000);

afterAll(async () => {
  await net?.stop();
  await lease?.release();
  rmSync(dir, { recursive: true, force: true });
});

describe('host network (the learner\'s laptop)', () => {
  const cases = [
    // Istio egress-control: `curl -sSL -o /dev/null -D - http://edition.cnn.com/politics`.
    { name: 'redirect to HTTPS then HTTP/2 200', args: ['-sSL', '-o', '/dev/null', '-D', '-', 'http://edition.cnn.com/politics'], code: 0, stdout: /^HTTP\/1\.1 301 [\s\S]*\r\nHTTP\/2 200 \r\n/ },
    { name: 'httpbin.org over HTTPS', args: ['-sS', 'https://httpbin.org/get'], code: 0, stdout: /"url": "https:\/\/httpbin\.org\/get"/ },
    { name: 'no proxy in curl -I', args: ['-sI', 'http://httpbin.org/status/200'], code: 0, stdout: /^HTTP\/1\.1 200 OK\r\n/ },
    { name: 'a large body arrives whole', args: ['-sS', '-o', '/dev/null', '-w', '%{size_download}', 'https://httpbin.org/bytes/102400'], code: 0, stdout: /^102400$/ },
    { name: 'unknown host: DNS failure', args: ['-sS', 'http://example.invalid/'], code: 6, stdout: /^$/ },
    { name: 'cluster DNS names do not resolve on the laptop', args: ['-sS', 'http://httpbin.default.svc.cluster.local/'], code: 6, stdout: /^$/ },
  ];
  it.each(cases)('curl: $name', async (c) => {
    const r = await run('curl', c.args);
    expect(r.code).toBe(c.code);
    expect(r.stdout).toMatch(c.stdout);
  });

  // Programs that take a proxy from the environment (helm) send absolute-form requests for
  // http:// URLs and CONNECT for https://; unknown hosts get 502 from the uplink.
  const proxied = [
    { name: 'absolute-form HTTP', url: 'http://httpbin.org/get', want: /^200 / },
    { name: 'CONNECT for HTTPS', url: 'https://httpbin.org/get', want: /^200 / },
    { name: 'unknown host over HTTP', url: 'http://example.invalid/', want: /^502 / },
  ];
  it.each(proxied)('uplink as a proxy: $name', async (c) => {
    const { LD_PRELOAD: _l, PROXYCHAINS_CONF_FILE: _p, ...plain } = env;
    const saved = env;
    env = plain;
    try {
      const r = await run('curl', ['-sS', '-o', '/dev/null', '-w', '%{http_code} ', '--proxy', net.proxyUrl, c.url]);
      expect(r.stdout).toMatch(c.want);
    } finally {
      env = saved;
    }
  });

  // The ingress gateway's node port and the API server are on loopback: reached directly, by
  // address or by the name localhost (from /etc/hosts), never through the uplink.
  it('loopback stays direct', async () => {
    const server = createServer((_req, res) => res.end('local\n'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as AddressInfo).port;
    try {
      for (const host of ['127.0.0.1', 'localhost']) {
        const r = await run('curl', ['-sS', `http://${host}:${port}/`]);
        expect(r.stdout).toBe('local\n');
      }
    } finally {
      server.close();
    }
  });

  // The egress chapter: `helm repo add istio https://istio-release.storage.googleapis.com/charts`,
  // then the istio/gateway chart renders the egress gateway selected by `istio: egressgateway`.
  it('helm repo add and render istio/gateway', async () => {
    const helm = join(net.binDir, 'helm');
    const add = await run(helm, ['repo', 'add', 'istio', 'https://istio-release.storage.googleapis.com/charts']);
    expect(add.stderr).toBe('');
    expect(add.stdout).toBe('"istio" has been added to your repositories\n');
    const update = await run(helm, ['repo', 'update']);
    expect(update.code).toBe(0);
    const search = await run(helm, ['search', 'repo', 'istio/gateway']);
    expect(search.stdout).toMatch(/^NAME\s+CHART VERSION\s+APP VERSION\s+DESCRIPTION\s*\nistio\/gateway\s+1\.28\.1\s+1\.28\.1\s+/);
    const t = await run(helm, ['template', 'istio-egressgateway', 'istio/gateway', '-n', 'istio-system']);
    expect(t.code).toBe(0);
    for (const kind of ['ServiceAccount', 'Role', 'RoleBinding', 'Service', 'Deployment']) expect(t.stdout).toContain(`kind: ${kind}\n`);
    expect(t.stdout).toMatch(/selector:\n\s+app: istio-egressgateway\n\s+istio: egressgateway\n/);
    expect(t.stdout).toContain('inject.istio.io/templates: gateway');
    expect(t.stdout).toContain('image: auto');
  }, 90_000);

  // The same environment inside the learner's sandbox (bubblewrap, the learner's uid): the
  // files under the cluster directory are bound at the same path, as the terminal does.
  it('works inside the sandbox', async () => {
    const home = join(dir, 'sandbox-home');
    const e = net.env();
    const helmDir = dirname(findTool('helm'));
    const spec = {
      homeDir: home,
      env: { ...e, PATH: `${e.PATH}:${helmDir}:/usr/bin:/bin`, HOME: SANDBOX_HOME },
      binds: [dirname(net.configPath), net.binDir, helmDir].map((p) => ({ source: p, target: p })),
    };
    prepareSandbox(spec);
    const cmd = sandboxCommand(spec, ['sh', '-c', 'curl -sS -o /dev/null -w "%{http_code} " https://www.google.com/ && helm repo add istio https://istio-release.storage.googleapis.com/charts']);
    const r = await run(cmd.file === 'bwrap' ? findTool('bwrap') : cmd.file, cmd.args);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('200 "istio" has been added to your repositories\n');
  }, 60_000);
});


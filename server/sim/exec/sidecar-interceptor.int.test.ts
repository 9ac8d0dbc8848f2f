// The interception transport with real curl under proxychains, against a fake mesh: what the
// mesh is asked (target, SNI), and that curl's output shows no trace of a proxy (Istio's
// interception is transparent), DNS failures look like DNS failures, and denied TLS resets.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OutboundTarget, SidecarDataPlane, TcpDecision } from '../mesh/sidecar-data-plane.ts';
import { ObjectStore } from '../store/object-store.ts';
import { findTool } from '../../tools/binaries.ts';
import { acquireSimulatedInternet, type SimulatedInternetLease } from '../world/simulated-internet.ts';
import { PodNames } from './pod-names.ts';
import { proxychainsConfig, proxychainsEnv } from './proxychains-config.ts';
import { startInterceptor, type Interceptor } from './sidecar-interceptor.ts';

let lease: SimulatedInternetLease;
let interceptor: Interceptor;
let dir: string;
let env: Record<string, string>;
const seen: { kind: 'http' | 'tcp'; target: OutboundTarget & { sni?: string }; hostHeader?: string }[] = [];

const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'curl-1', namespace: 'default' } };

function fakeMesh(world: SimulatedInternetLease['world']): SidecarDataPlane {
  return {
    isHttpPort: (_pod, t) => t.port === 80 || t.port === 8000,
    handleOutboundHttp(_pod, target, req, res) {
      seen.push({ kind: 'http', target, hostHeader: req.headers.host });
      const body = `${target.host}:${target.port} ${req.method} ${req.url}\n`;
      res.writeHead(200, { server: 'envoy', 'content-type': 'text/plain', 'content-length': String(body.length) });
      res.end(body);
    },
    routeOutboundTcp(_pod, target): TcpDecision {
      seen.push({ kind: 'tcp', target });
      const name = target.sni ?? target.host;
      if (name === 'www.google.com' || name === 'httpbin.org') return { kind: 'forward', address: world.lookup(name, target.port)!, cluster: `outbound|443||${name}` };
      return { kind: 'deny', reason: 'REGISTRY_ONLY' };
    },
  };
}

function curl(args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve) => {
    execFile(findTool('curl'), args, { env, timeout: 20_000, encoding: 'utf8' }, (err, stdout, stderr) =>
      resolve({ stdout, stderr, code: err ? Number((err as { code?: number }).code ?? -1) : 0 }),
    );
  });
}

beforeAll(async () => {
  lease = await acquireSimulatedInternet();
  const store = new ObjectStore();
  store.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } });
  store.create('services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'httpbin', namespace: 'default' }, spec: { clusterIP: '10.96.7.7', ports: [{ port: 8000 }] } });
  interceptor = await startInterceptor({ pod, dataPlane: fakeMesh(lease.world), names: new PodNames(store, 'default', lease.world) });
  dir = mkdtempSync(join(tmpdir(), 'meshlab-intercept-'));
  writeFileSync(join(dir, 'proxychains.conf'), proxychainsConfig({ proxyPort: interceptor.proxyPort, dnsPort: interceptor.dnsPort }));
  writeFileSync(join(dir, 'ca.pem'), lease.world.caBundle());
  env = { PATH: '/usr/bin:/bin', HOME: dir, ...proxychainsEnv(join(dir, 'proxychains.conf')), CURL_CA_BUNDLE: join(dir, 'ca.pem') };
}, 30_000);

afterAll(async () => {
  await interceptor?.close();
  await lease?.release();
  rmSync(dir, { recursive: true, force: true });
});

describe('sidecar interception with real curl', () => {
  const httpCases = [
    { name: 'short service name resolves in the pod namespace', url: 'http://httpbin:8000/headers', host: 'httpbin.default.svc.cluster.local', port: 8000 },
    { name: 'namespace-qualified name', url: 'http://httpbin.default:8000/get', host: 'httpbin.default.svc.cluster.local', port: 8000 },
    { name: 'cluster IP', url: 'http://10.96.7.7:8000/ip', host: 'httpbin.default.svc.cluster.local', port: 8000 },
    { name: 'outside host', url: 'http://httpbin.org/headers', host: 'httpbin.org', port: 80 },
  ];
  it.each(httpCases)('HTTP: $name', async (c) => {
    seen.length = 0;
    const r = await curl(['-sS', c.url]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${c.host}:${c.port} GET ${new URL(c.url).pathname}\n`);
    expect(seen[0]).toMatchObject({ kind: 'http', target: { host: c.host, port: c.port } });
  });

  // sidecar-interception.md: a proxy shows in `curl -I`/`-D -`/`-v`; Istio's interception does not.
  it('curl -I and -v show no proxy', async () => {
    const head = await curl(['-sI', 'http://httpbin.org/status/200']);
    expect(head.stdout).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    const verbose = await curl(['-sv', '-o', '/dev/null', 'http://httpbin:8000/']);
    expect(verbose.stderr).toMatch(/Trying 10\.96\.7\.7:8000/);
    expect(verbose.stderr).not.toMatch(/[Pp]roxy|CONNECT |Connection established/);
  });

  it('unknown host fails like DNS: curl exit 6', async () => {
    const r = await curl(['-sS', 'http://no-such-host.example/']);
    expect(r.code).toBe(6);
    expect(r.stderr).toContain('Could not resolve host: no-such-host.example');
  });

  it('service of another namespace needs its namespace', async () => {
    const r = await curl(['-sS', 'http://httpbin.other:8000/']);
    expect(r.code).toBe(6);
  });

  // Istio egress-control: HTTPS through the sidecar to an allowed host is HTTP/2 200 with SNI.
  it('HTTPS is routed by SNI and tunnelled end to end', async () => {
    seen.length = 0;
    const r = await curl(['-sSI', 'https://www.google.com']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^HTTP\/2 200/);
    expect(seen[0]).toMatchObject({ kind: 'tcp', target: { host: 'www.google.com', port: 443, sni: 'www.google.com' } });
  });

  it('a large TLS body arrives whole through the tunnel', async () => {
    const r = await curl(['-sS', '-o', '/dev/null', '-w', '%{size_download}', 'https://httpbin.org/bytes/102400']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('102400');
  });

  // Istio egress-control, REGISTRY_ONLY: `command terminated with exit code 35`.
  it('denied TLS resets the connection: curl exit 35', async () => {
    const r = await curl(['-sSI', 'https://edition.cnn.com']);
    expect(r.code).toBe(35);
  });
});

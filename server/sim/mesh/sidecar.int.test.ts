// The sidecar side of the data plane (SidecarDataPlane), driven the way the exec transport
// drives it: an injected pod's outbound request to a host and port. Expected outputs follow
// Istio's egress-control and egress-gateway tasks (status, `server: envoy`, decorator header,
// access log clusters) with the real curl as the client.
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer, request as httpsRequest } from 'node:https';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findTool } from '../../tools/binaries.ts';
import { EmbeddedCluster } from '../cluster.ts';
import type { KubeObject } from '../store/object-store.ts';
import type { ExternalNetwork } from '../world/external-network.ts';
import { meshAddon, workloadRuntime } from './mesh-addon.ts';
import type { MeshDataPlane } from './mesh-data-plane.ts';
import { istioValidationPlugin } from './validation.ts';
import { createWorldCertificates } from '../world/world-ca.ts';
import { request as httpRequest } from 'node:http';

const run = promisify(execFile);

let cluster: EmbeddedCluster;
let mesh: MeshDataPlane;
let work: string;
let kubectlPath: string;
let curlPath: string;
let internet: Server;
let secureInternet: Server | undefined;
let shim: Server;
let clientPod: KubeObject;
/** What the next shim connection "connected to" (the transport knows it from interception). */
let target = { host: 'httpbin.org', port: 80 };

// A stand-in for the simulated internet: httpbin.org answers with the headers it got.
const external: ExternalNetwork = {
  lookup(host, port) {
    if (host === 'httpbin.org' && port === 80) return { host: '127.0.0.1', port: (internet.address() as AddressInfo).port };
    if (host === 'httpbin.org' && port === 443 && secureInternet) return { host: '127.0.0.1', port: (secureInternet.address() as AddressInfo).port };
    return undefined;
  },
};

async function kubectl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(kubectlPath, args, { env: { PATH: process.env.PATH ?? '', HOME: work, KUBECONFIG: cluster.kubeconfigPath, KUBECACHEDIR: join(work, 'cache') }, timeout: 30_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

async function apply(name: string, yaml: string, ns = 'default'): Promise<void> {
  const file = join(work, `${name}.yaml`);
  await writeFile(file, yaml);
  const r = await kubectl('apply', '-n', ns, '-f', file);
  expect(r.stderr).toBe('');
  await mesh.whenApplied();
}

async function curl(path: string, to: { host: string; port: number }, extra: string[] = []) {
  target = to;
  const hdr = join(work, `h-${Math.random().toString(36).slice(2)}`);
  const port = (shim.address() as AddressInfo).port;
  try {
    const r = await run(curlPath, ['-s', '-D', hdr, '--max-time', '10', '-H', `Host: ${to.host}${to.port === 80 ? '' : `:${to.port}`}`, ...extra, `http://127.0.0.1:${port}${path}`], { encoding: 'utf8' });
    const raw = await readFile(hdr, 'utf8');
    const lines = raw.trimEnd().split('\r\n');
    const headers: Record<string, string> = {};
    for (const l of lines.slice(1)) headers[l.slice(0, l.indexOf(':')).toLowerCase()] = l.slice(l.indexOf(':') + 1).trim();
    return { status: Number(lines[0]!.split(' ')[1]), headers, body: r.stdout };
  } finally {
    await rm(hdr, { force: true });
  }
}

async function setMode(mode: 'ALLOW_ANY' | 'REGISTRY_ONLY') {
  const cm = cluster.store.get('configmaps', 'istio-system', 'istio')!;
  (cm.data as Record<string, string>).mesh = (cm.data as Record<string, string>).mesh!.replace(/mode: \w+/, `mode: ${mode}`);
  cluster.store.update('configmaps', cm);
  await mesh.whenApplied();
}

function proxyLog(ns: string, pod: string): string[] {
  return cluster.logs.read(ns, pod, 'istio-proxy').map((l) => l.text);
}

beforeAll(async () => {
  kubectlPath = findTool('kubectl');
  curlPath = findTool('curl');
  work = await mkdtemp(join(tmpdir(), 'meshlab-sidecar-int-'));
  internet = createServer((req, res) => {
    const headers: Record<string, string> = {};
    for (let i = 0; i < req.rawHeaders.length; i += 2) headers[req.rawHeaders[i]!] = req.rawHeaders[i + 1]!;
    res.setHeader('Server', 'gunicorn/19.9.0');
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ headers }, null, 2) + '\n');
  });
  await new Promise<void>((r) => internet.listen(0, '127.0.0.1', r));
  shim = createServer((req, res) => mesh.sidecar.handleOutboundHttp(clientPod, target, req, res));
  await new Promise<void>((r) => shim.listen(0, '127.0.0.1', r));
  cluster = await EmbeddedCluster.start({
    dataDir: work,
    timing: { podScheduleMs: 10, podStartMs: 20, podReadyMs: 20 },
    podRuntime: workloadRuntime,
    admission: [istioValidationPlugin],
    addons: [meshAddon({ external })],
    meshPropagationMs: 30,
  });
  mesh = cluster.mesh!;
  await kubectl('label', 'namespace', 'default', 'istio-injection=enabled');
  await apply('curl', `apiVersion: apps/v1
kind: Deployment
metadata: {name: curl}
spec:
  replicas: 1
  selector: {matchLabels: {app: curl}}
  template:
    metadata: {labels: {app: curl}}
    spec:
      containers:
      - {name: curl, image: curlimages/curl, command: [/bin/sleep, infinity]}
`);
  await apply('httpbin', `apiVersion: v1
kind: Service
metadata: {name: httpbin}
spec:
  ports: [{name: http, port: 8000, targetPort: 8080}]
  selector: {app: httpbin}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: httpbin}
spec:
  replicas: 1
  selector: {matchLabels: {app: httpbin}}
  template:
    metadata: {labels: {app: httpbin, version: v1}}
    spec:
      containers:
      - {name: httpbin, image: docker.io/mccutchen/go-httpbin:v2.15.0, ports: [{containerPort: 8080}]}
`);
  const r = await kubectl('wait', '--for=condition=Ready', 'pod', '-l', 'app in (curl,httpbin)', '--timeout=20s');
  expect(r.code, r.stderr).toBe(0);
  clientPod = cluster.store.list('pods', 'default').items.find((p) => p.metadata.labels?.app === 'curl')!;
  expect(clientPod.metadata.annotations?.['sidecar.istio.io/status']).toBeDefined();
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
  internet?.close();
  secureInternet?.close();
  shim?.close();
  await rm(work, { recursive: true, force: true });
});

describe('sidecar → in-mesh service', () => {
  it('curl httpbin:8000/headers: 200, server: envoy, XFCC and decorator seen upstream', async () => {
    const r = await curl('/headers', { host: 'httpbin', port: 8000 });
    expect(r.status).toBe(200);
    expect(r.headers.server).toBe('envoy');
    expect(r.headers['x-envoy-upstream-service-time']).toMatch(/^\d+$/);
    const h = (JSON.parse(r.body) as { headers: Record<string, string[]> }).headers;
    expect(h['X-Envoy-Decorator-Operation']).toEqual(['httpbin.default.svc.cluster.local:8000/*']);
    expect(h['X-Forwarded-Client-Cert']![0]).toMatch(/^By=spiffe:\/\/cluster\.local\/ns\/default\/sa\/default;Hash=[0-9a-f]{64};Subject="";URI=spiffe:\/\/cluster\.local\/ns\/default\/sa\/default$/);
    expect(h['X-Forwarded-Proto']).toEqual(['http']);
  });

  it('client and server sidecars both log, with outbound| and inbound| clusters', async () => {
    const client = proxyLog('default', clientPod.metadata.name);
    expect(client.at(-1)).toMatch(/"GET \/headers HTTP\/1\.1" 200 - via_upstream - "-" 0 \d+ \d+ \d+ "-" "curl\/[^"]+" "[0-9a-f-]{36}" "httpbin:8000" "10\.244\.\d+\.\d+:8080" outbound\|8000\|\|httpbin\.default\.svc\.cluster\.local 10\.244\.\d+\.\d+:\d+ 10\.96\.\d+\.\d+:8000 10\.244\.\d+\.\d+:\d+ - default$/);
    const server = cluster.store.list('pods', 'default').items.find((p) => p.metadata.labels?.app === 'httpbin')!;
    expect(proxyLog('default', server.metadata.name).at(-1)).toMatch(/ inbound\|8080\|\| 127\.0\.0\.6:\d+ 10\.244\.\d+\.\d+:8080 .* outbound_\.8000_\._\.httpbin\.default\.svc\.cluster\.local default$/);
  });
});

describe('caller identity and hop-by-hop headers', () => {
  it('a pod listener takes the caller from the connection, not from x-meshlab-peer-address', async () => {
    const server = cluster.store.list('pods', 'default').items.find((p) => p.metadata.labels?.app === 'httpbin')!;
    const socket = cluster.network.socketOf((server.status as { podIP: string }).podIP, 8080)!;
    const origin = await new Promise<string>((resolve, reject) => {
      const r = httpRequest({ host: socket.host, port: socket.port, path: '/get', headers: { 'x-meshlab-peer-address': '6.6.6.6' } }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve((JSON.parse(body) as { origin: string }).origin));
      });
      r.on('error', reject);
      r.end();
    });
    expect(origin).not.toContain('6.6.6.6');
  });

  it('through the mesh the server still sees the caller the mesh connected for (127.0.0.6 behind its sidecar)', async () => {
    const r = await curl('/get', { host: 'httpbin', port: 8000 }, ['-H', 'x-meshlab-peer-address: 6.6.6.6']);
    expect((JSON.parse(r.body) as { origin: string }).origin).toBe('127.0.0.6');
  });

  it('headers named in Connection are dropped with it, as Envoy drops hop-by-hop headers', async () => {
    const r = await curl('/headers', { host: 'httpbin.org', port: 80 }, ['-H', 'Connection: keep-alive, X-Hop-Secret', '-H', 'X-Hop-Secret: s3cret', '-H', 'Keep-Alive: timeout=5', '-H', 'X-Kept: yes']);
    const h = Object.keys((JSON.parse(r.body) as { headers: Record<string, string> }).headers).map((k) => k.toLowerCase());
    expect(h).toContain('x-kept');
    expect(h).not.toContain('x-hop-secret');
    expect(h).not.toContain('keep-alive');
  });
});

describe('a client without a sidecar', () => {
  it('reaches an injected server through its inbound sidecar: server: istio-envoy, inbound log, no XFCC', async () => {
    const plain = { ...clientPod, metadata: { ...clientPod.metadata, annotations: {} } };
    const saved = clientPod;
    clientPod = plain;
    try {
      const r = await curl('/headers', { host: 'httpbin', port: 8000 });
      expect(r.status).toBe(200);
      expect(r.headers.server).toBe('istio-envoy');
      expect(r.headers['x-envoy-upstream-service-time']).toMatch(/^\d+$/);
      const h = (JSON.parse(r.body) as { headers: Record<string, string[]> }).headers;
      expect(h['X-Forwarded-Client-Cert']).toBeUndefined();
      expect(h['X-Request-Id']![0]).toMatch(/^[0-9a-f-]{36}$/);
      const server = cluster.store.list('pods', 'default').items.find((p) => p.metadata.labels?.app === 'httpbin')!;
      expect(proxyLog('default', server.metadata.name).at(-1)).toContain(' inbound|8080|| ');
    } finally {
      clientPod = saved;
    }
  });
});

describe('sidecar → external host (egress-control task)', () => {
  it('ALLOW_ANY: httpbin.org passes through (PassthroughCluster)', async () => {
    const r = await curl('/headers', { host: 'httpbin.org', port: 80 });
    expect(r.status).toBe(200);
    expect(r.headers.server).toBe('envoy');
    expect(proxyLog('default', clientPod.metadata.name).at(-1)).toContain(' PassthroughCluster ');
  });

  it('REGISTRY_ONLY without a ServiceEntry: 502 with an empty body', async () => {
    await setMode('REGISTRY_ONLY');
    const r = await curl('/headers', { host: 'httpbin.org', port: 80 });
    expect(r.status).toBe(502);
    expect(r.body).toBe('');
  });

  it('REGISTRY_ONLY + ServiceEntry: 200, decorator httpbin.org:80/*, log cluster outbound|80||httpbin.org', async () => {
    await apply('se', `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: httpbin-ext}
spec:
  hosts: [httpbin.org]
  ports: [{number: 80, name: http, protocol: HTTP}]
  location: MESH_EXTERNAL
  resolution: DNS
`);
    const r = await curl('/headers', { host: 'httpbin.org', port: 80 });
    expect(r.status).toBe(200);
    const h = (JSON.parse(r.body) as { headers: Record<string, string> }).headers;
    expect(h['x-envoy-decorator-operation']).toBe('httpbin.org:80/*');
    expect(h['x-forwarded-client-cert']).toBeUndefined();
    expect(Object.keys(h).map((k) => k.toLowerCase())).not.toContain('x-meshlab-peer-address');
    expect(proxyLog('default', clientPod.metadata.name).at(-1)).toContain(' outbound|80||httpbin.org ');
  });

  it('an ExternalName Service routes to its external name', async () => {
    await apply('extname', `apiVersion: v1
kind: Service
metadata: {name: httpbin-org}
spec:
  type: ExternalName
  externalName: httpbin.org
  ports: [{name: http, port: 80}]
`);
    const r = await curl('/headers', { host: 'httpbin-org', port: 80 });
    expect(r.status).toBe(200);
    expect(proxyLog('default', clientPod.metadata.name).at(-1)).toContain(' outbound|80||httpbin-org.default.svc.cluster.local ');
  });

  it("a fault delay does not count toward the route timeout (Envoy's fault filter runs before the router)", async () => {
    await apply('vs-timeout', `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: httpbin-ext}
spec:
  hosts: [httpbin.org]
  http:
  - timeout: 0.2s
    fault:
      delay: {fixedDelay: 0.1s, percentage: {value: 100}}
    route:
    - destination: {host: httpbin.org}
`);
    // The fault delay runs before the router; the route timeout only counts upstream time.
    expect((await curl('/headers', { host: 'httpbin.org', port: 80 })).status).toBe(200);
    await kubectl('delete', 'virtualservice', 'httpbin-ext');
    await mesh.whenApplied();
  });
});

describe('Sidecar resource', () => {
  it('outboundTrafficPolicy REGISTRY_ONLY in a Sidecar blocks unknown hosts for that namespace only', async () => {
    await setMode('ALLOW_ANY');
    await kubectl('delete', 'serviceentry', 'httpbin-ext');
    await apply('sidecar', `apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default}
spec:
  outboundTrafficPolicy: {mode: REGISTRY_ONLY}
`);
    expect((await curl('/headers', { host: 'httpbin.org', port: 80 })).status).toBe(502);
    expect((await curl('/headers', { host: 'httpbin', port: 8000 })).status).toBe(200);
  });
  it('egress hosts that leave out the service: ALLOW_ANY still reaches it as passthrough', async () => {
    await apply('sidecar', `apiVersion: networking.istio.io/v1
kind: Sidecar
metadata: {name: default}
spec:
  egress:
  - hosts: ["istio-system/*"]
`);
    const r = await curl('/headers', { host: 'httpbin', port: 8000 });
    expect(r.status).toBe(200);
    expect(proxyLog('default', clientPod.metadata.name).at(-1)).toContain(' PassthroughCluster ');
    await kubectl('delete', 'sidecar', 'default');
    await apply('se', `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: httpbin-ext}
spec:
  hosts: [httpbin.org]
  ports: [{number: 80, name: http, protocol: HTTP}]
  location: MESH_EXTERNAL
  resolution: DNS
`);
  });
});

describe('routeOutboundTcp (TLS and opaque TCP)', () => {
  it('REGISTRY_ONLY denies HTTPS to a host without a ServiceEntry port (curl exit 35)', async () => {
    await setMode('REGISTRY_ONLY');
    expect(mesh.sidecar.routeOutboundTcp(clientPod, { host: 'www.google.com', port: 443, sni: 'www.google.com' }).kind).toBe('deny');
  });
  it('ALLOW_ANY forwards to the external address as PassthroughCluster', async () => {
    await setMode('ALLOW_ANY');
    const d = mesh.sidecar.routeOutboundTcp(clientPod, { host: 'httpbin.org', port: 80 });
    expect(d).toMatchObject({ kind: 'forward', cluster: 'outbound|80||httpbin.org' });
  });
  it('isHttpPort: declared protocols decide, 443 is not HTTP', () => {
    expect(mesh.sidecar.isHttpPort(clientPod, { host: 'httpbin', port: 8000 })).toBe(true);
    expect(mesh.sidecar.isHttpPort(clientPod, { host: 'httpbin.org', port: 80 })).toBe(true);
    expect(mesh.sidecar.isHttpPort(clientPod, { host: 'example.net', port: 443 })).toBe(false);
  });
});

describe('TLS origination (egress-tls-origination task)', () => {
  it('port 80 of a ServiceEntry with targetPort 443 and a DestinationRule tls SIMPLE: the sidecar speaks TLS upstream', async () => {
    const certs = createWorldCertificates(['httpbin.org']);
    let sni = '';
    secureInternet = createHttpsServer({ key: certs.serverKey, cert: certs.serverCert }, (req, res) => {
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ tls: true, host: req.headers.host }) + '\n');
    });
    secureInternet.on('secureConnection', (s) => (sni = (s as unknown as { servername?: string }).servername ?? ''));
    await new Promise<void>((r) => secureInternet!.listen(0, '127.0.0.1', r));
    await apply('se', `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: httpbin-ext}
spec:
  hosts: [httpbin.org]
  ports:
  - {number: 80, name: http-port, protocol: HTTP, targetPort: 443}
  - {number: 443, name: https-port, protocol: HTTPS}
  resolution: DNS
`);
    await apply('dr-tls', `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: httpbin-org}
spec:
  host: httpbin.org
  trafficPolicy:
    portLevelSettings:
    - port: {number: 80}
      tls: {mode: SIMPLE}
`);
    const r = await curl('/get', { host: 'httpbin.org', port: 80 });
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body)).toEqual({ tls: true, host: 'httpbin.org' });
    expect(sni).toBe('httpbin.org');
    await kubectl('delete', 'destinationrule', 'httpbin-org');
    await apply('se', `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: httpbin-ext}
spec:
  hosts: [httpbin.org]
  ports: [{number: 80, name: http, protocol: HTTP}]
  location: MESH_EXTERNAL
  resolution: DNS
`);
  });
});

describe('egress gateway (egress-gateway task)', () => {
  it('routes mesh → egress gateway → httpbin.org, and the gateway logs outbound|80||httpbin.org', async () => {
    const lab = join(process.cwd(), 'labs', 'egress-gateway');
    await apply('egw', await readFile(join(lab, 'egressgateway.yaml'), 'utf8'), 'istio-system');
    const w = await kubectl('-n', 'istio-system', 'wait', '--for=condition=Ready', 'pod', '-l', 'istio=egressgateway', '--timeout=20s');
    expect(w.code, w.stderr).toBe(0);
    await apply('egress-routing', await readFile(join(lab, 'egress-routing.yaml'), 'utf8'));
    // The gateway pod's listener comes up when the pod and Service are seen.
    let r = await curl('/headers', { host: 'httpbin.org', port: 80 });
    for (let i = 0; i < 40 && r.status !== 200; i++) {
      await new Promise((res) => setTimeout(res, 50));
      r = await curl('/headers', { host: 'httpbin.org', port: 80 });
    }
    expect(r.status).toBe(200);
    expect(r.headers.server).toBe('envoy');
    expect(proxyLog('default', clientPod.metadata.name).at(-1)).toContain(' outbound|80|httpbin|istio-egressgateway.istio-system.svc.cluster.local ');
    const egw = cluster.store.list('pods', 'istio-system').items.find((p) => p.metadata.labels?.istio === 'egressgateway')!;
    // The gateway's Service port is named http2, so the sidecar speaks HTTP/2 to it; the DNS
    // cluster's endpoint is the address httpbin.org resolves to (istio.io egress-gateway task).
    expect(proxyLog('istio-system', egw.metadata.name).at(-1)).toMatch(/"GET \/headers HTTP\/2" 200 - via_upstream - "-" 0 \d+ \d+ \d+ "10\.244\.\d+\.\d+" "curl\/[^"]+" "[0-9a-f-]{36}" "httpbin\.org" "35\.173\.6\.94:80" outbound\|80\|\|httpbin\.org /);
    const d = mesh.decisions.list(2);
    expect(d.map((x) => x.proxy.kind)).toEqual(['gateway', 'sidecar']);
  });

  it('HTTPS through the egress gateway in PASSTHROUGH mode: VS tls routes by SNI on both hops, TCP log line at the gateway', async () => {
    await apply('egress-tls', `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: istio-egressgateway-tls}
spec:
  selector: {istio: egressgateway}
  servers:
  - port: {number: 443, name: tls, protocol: TLS}
    hosts: [httpbin.org]
    tls: {mode: PASSTHROUGH}
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: httpbin-ext-tls}
spec:
  hosts: [httpbin.org]
  ports: [{number: 443, name: tls, protocol: TLS}]
  resolution: DNS
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: direct-httpbin-tls}
spec:
  hosts: [httpbin.org]
  gateways: [mesh, istio-egressgateway-tls]
  tls:
  - match:
    - {gateways: [mesh], port: 443, sniHosts: [httpbin.org]}
    route:
    - destination: {host: istio-egressgateway.istio-system.svc.cluster.local, subset: httpbin, port: {number: 443}}
  - match:
    - {gateways: [istio-egressgateway-tls], port: 443, sniHosts: [httpbin.org]}
    route:
    - destination: {host: httpbin.org, port: {number: 443}}
`);
    const d = mesh.sidecar.routeOutboundTcp(clientPod, { host: 'httpbin.org', port: 443, sni: 'httpbin.org' });
    expect(d).toMatchObject({ kind: 'forward', cluster: 'outbound|443|httpbin|istio-egressgateway.istio-system.svc.cluster.local' });
    if (d.kind !== 'forward') return;
    // What the sidecar transport does with the decision: a TLS client through that address.
    const body = await new Promise<string>((resolve, reject) => {
      const req = httpsRequest({ host: d.address.host, port: d.address.port, servername: 'httpbin.org', path: '/get', headers: { host: 'httpbin.org' }, rejectUnauthorized: false, agent: false }, (res) => {
        let b = '';
        res.on('data', (c: Buffer) => (b += c));
        res.on('end', () => resolve(b));
      });
      req.on('error', reject);
      req.end();
    });
    expect(JSON.parse(body)).toMatchObject({ tls: true });
    const egw = cluster.store.list('pods', 'istio-system').items.find((p) => p.metadata.labels?.istio === 'egressgateway')!;
    let line: string | undefined;
    for (let i = 0; i < 40 && !(line = proxyLog('istio-system', egw.metadata.name).at(-1))?.includes('"- - -"'); i++) await new Promise((r) => setTimeout(r, 25));
    expect(line).toMatch(/^\[[^\]]+\] "- - -" 0 - - - "-" \d+ \d+ \d+ - "-" "-" "-" "-" "35\.173\.6\.94:443" outbound\|443\|\|httpbin\.org 10\.244\.\d+\.\d+:\d+ 10\.244\.\d+\.\d+:443 [\d.]+:\d+ httpbin\.org -$/);
  });
});

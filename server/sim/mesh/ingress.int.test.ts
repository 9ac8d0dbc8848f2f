// The seed chapter's ingress steps and Istio's traffic-management tasks (ingress-control,
// request-routing, fault-injection, request-timeouts, circuit-breaking), with the real kubectl
// and the real curl against an EmbeddedCluster, checked the way istio.io's doc tests check:
// status line, named headers, body fragments.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findTool } from '../../tools/binaries.ts';
import { EmbeddedCluster } from '../cluster.ts';
import { meshAddon, workloadRuntime } from './mesh-addon.ts';
import type { MeshDataPlane } from './mesh-data-plane.ts';
import { istioValidationPlugin } from './validation.ts';
import { createWorldCertificates } from '../world/world-ca.ts';

const run = promisify(execFile);

const NS = 'bookinfo';

// The seed's httpbin: kennethreitz image behind service port 8000 → targetPort 80.
const HTTPBIN = `apiVersion: v1
kind: Service
metadata:
  name: httpbin
  labels: {app: httpbin, service: httpbin}
spec:
  ports:
  - {name: http, port: 8000, targetPort: 80}
  selector: {app: httpbin}
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: httpbin
spec:
  replicas: 1
  selector: {matchLabels: {app: httpbin, version: v1}}
  template:
    metadata:
      labels: {app: httpbin, version: v1}
    spec:
      containers:
      - image: docker.io/kennethreitz/httpbin
        name: httpbin
        ports: [{containerPort: 80}]
`;

// Istio's samples/httpbin (go-httpbin, 8000 → 8080) as httpbin-go, with a v2 for subsets.
const HTTPBIN_GO = (version: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: httpbin-go-${version}
spec:
  replicas: 1
  selector: {matchLabels: {app: httpbin-go, version: ${version}}}
  template:
    metadata:
      labels: {app: httpbin-go, version: ${version}}
    spec:
      containers:
      - image: docker.io/mccutchen/go-httpbin:v2.15.0
        name: httpbin
        ports: [{containerPort: 8080}]
`;
const HTTPBIN_GO_SVC = `apiVersion: v1
kind: Service
metadata:
  name: httpbin-go
spec:
  ports:
  - {name: http, port: 8000, targetPort: 8080}
  selector: {app: httpbin-go}
`;

const GATEWAY = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: httpbin-gateway
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 80, name: http, protocol: HTTP}
    hosts: ["httpbin.example.com", "*"]
`;

const VS_STATUS_DELAY = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: httpbin
spec:
  hosts: ["*"]
  gateways: [httpbin-gateway]
  http:
  - match:
    - uri: {prefix: /status}
    - uri: {prefix: /delay}
    route:
    - destination: {host: httpbin, port: {number: 8000}}
`;

const VS_DELAY_ONLY = VS_STATUS_DELAY.replace('    - uri: {prefix: /status}\n', '');

const VS_SUBSET = `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: httpbin
spec:
  hosts: ["*"]
  gateways: [httpbin-gateway]
  http:
  - match:
    - uri: {prefix: /}
    route:
    - destination: {host: httpbin, port: {number: 8000}, subset: v1}
`;

const DR = `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: httpbin
spec:
  host: httpbin
  subsets:
  - name: v1
    labels: {version: v1}
`;

let cluster: EmbeddedCluster;
let mesh: MeshDataPlane;
let work: string;
let kubectlPath: string;
let curlPath: string;
let base: string;

async function kubectl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(kubectlPath, args, { env: { PATH: process.env.PATH ?? '', HOME: work, KUBECONFIG: cluster.kubeconfigPath, KUBECACHEDIR: join(work, 'cache') }, timeout: 30_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** `meshlab explain ARGS` as the learner runs it: the cluster's script, real kubectl on PATH. */
async function meshlabExplain(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run('/bin/sh', [join(cluster.dir, 'bin', 'meshlab'), 'explain', ...args], { env: { PATH: `${dirname(kubectlPath)}:/usr/bin:/bin`, HOME: work, KUBECONFIG: cluster.kubeconfigPath, KUBECACHEDIR: join(work, 'cache') }, timeout: 30_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

async function apply(name: string, yaml: string, ns = NS): Promise<void> {
  const file = join(work, `${name}.yaml`);
  await writeFile(file, yaml);
  const r = await kubectl('apply', '-n', ns, '-f', file);
  // kubectl 1.33+ warns that v1 Endpoints is deprecated; any other stderr is a failure.
  expect(r.stderr.replace(/^Warning: .*\n/gm, '')).toBe('');
  await mesh.whenApplied();
}

interface CurlResult {
  status: number;
  statusLine: string;
  headers: Record<string, string>;
  rawHeaders: string;
  body: string;
  code: number;
}

/** Real curl, `-s -D -` style: status line, headers (lowercased keys), body. */
async function curl(path: string, extra: string[] = []): Promise<CurlResult> {
  const hdrFile = join(work, `h-${Math.random().toString(36).slice(2)}`);
  try {
    const r = await run(curlPath, ['-s', '-D', hdrFile, '--max-time', '20', ...extra, `${base}${path}`], { timeout: 30_000, encoding: 'utf8' });
    return parseCurl(await import('node:fs/promises').then((fs) => fs.readFile(hdrFile, 'utf8')), r.stdout, 0);
  } catch (err) {
    const e = err as { code?: number; stdout?: string };
    return { status: 0, statusLine: '', headers: {}, rawHeaders: '', body: e.stdout ?? '', code: typeof e.code === 'number' ? e.code : 1 };
  } finally {
    await rm(hdrFile, { force: true });
  }
}

function parseCurl(rawHeaders: string, body: string, code: number): CurlResult {
  const lines = rawHeaders.trimEnd().split('\r\n');
  const statusLine = lines[0] ?? '';
  const headers: Record<string, string> = {};
  for (const l of lines.slice(1)) {
    const i = l.indexOf(':');
    if (i > 0) headers[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
  }
  return { status: Number(statusLine.split(' ')[1] ?? 0), statusLine, headers, rawHeaders, body, code };
}

async function waitReady(selector: string): Promise<void> {
  const r = await kubectl('-n', NS, 'wait', '--for=condition=Ready', 'pod', '-l', selector, '--timeout=20s');
  expect(r.code, r.stderr).toBe(0);
}

beforeAll(async () => {
  kubectlPath = findTool('kubectl');
  curlPath = findTool('curl');
  work = await mkdtemp(join(tmpdir(), 'meshlab-mesh-int-'));
  cluster = await EmbeddedCluster.start({
    dataDir: work,
    timing: { podScheduleMs: 10, podStartMs: 20, podReadyMs: 20 },
    podRuntime: workloadRuntime,
    admission: [istioValidationPlugin],
    addons: [meshAddon()],
    meshPropagationMs: 30,
  });
  mesh = cluster.mesh!;
  base = `http://${cluster.ingress.host}:${cluster.ingress.port}`;
  expect((await kubectl('create', 'namespace', NS)).code).toBe(0);
  await apply('httpbin', HTTPBIN);
  await waitReady('app=httpbin');
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
  await rm(work, { recursive: true, force: true });
});

describe('seed chapter: ingress gateway (sequential steps)', () => {
  it('without a Gateway, Envoy has no listener on port 80: connection refused (curl exit 7)', async () => {
    expect(mesh.gatewayNodePorts()).not.toContain(cluster.ingress.port);
    const r = await curl('/status/200');
    expect(r.status).toBe(0);
    expect(r.code).toBe(7);
  });

  it('the status port answers /healthz/ready with 200 even without Gateways (pilot-agent)', async () => {
    const svc = cluster.store.get('services', 'istio-system', 'istio-ingressgateway')!;
    const np = ((svc.spec as { ports: { port: number; nodePort: number }[] }).ports.find((p) => p.port === 15021))!.nodePort;
    let out = '';
    for (let i = 0; i < 40 && out !== '200'; i++) {
      out = (await run(curlPath, ['-s', '-o', '/dev/null', '-w', '%{http_code}', `http://127.0.0.1:${np}/healthz/ready`]).catch(() => ({ stdout: '' }))).stdout;
      if (out !== '200') await new Promise((res) => setTimeout(res, 25));
    }
    expect(out).toBe('200');
  });

  it('Gateway alone, no VirtualService: 404 with an empty body and server: istio-envoy', async () => {
    await apply('gateway', GATEWAY);
    expect(mesh.gatewayNodePorts()).toContain(cluster.ingress.port);
    const r = await curl('/status/200');
    expect(r.statusLine).toBe('HTTP/1.1 404 Not Found');
    expect(r.body).toBe('');
    expect(r.headers.server).toBe('istio-envoy');
    expect(r.headers['content-length']).toBe('0');
  });

  it('VS /status + /delay: /status/200 gives 200 through istio-envoy with x-envoy-upstream-service-time', async () => {
    await apply('vs', VS_STATUS_DELAY);
    const r = await curl('/status/200');
    expect(r.statusLine).toBe('HTTP/1.1 200 OK');
    expect(r.headers.server).toBe('istio-envoy');
    expect(r.headers['x-envoy-upstream-service-time']).toMatch(/^\d+$/);
    expect(r.headers['access-control-allow-origin']).toBe('*');
    expect(r.headers.connection).toBeUndefined();
    expect(r.headers['keep-alive']).toBeUndefined();
  });

  it('curl -sI /status/200: the header block of the ingress-control page (server first, upstream order kept)', async () => {
    const r = await run(curlPath, ['-sI', `${base}/status/200`], { encoding: 'utf8' });
    const names = r.stdout.trimEnd().split('\r\n').map((l) => l.split(':')[0]!.toLowerCase());
    expect(names).toEqual(['http/1.1 200 ok', 'server', 'date', 'content-type', 'access-control-allow-origin', 'access-control-allow-credentials', 'content-length', 'x-envoy-upstream-service-time']);
  });

  it('/status/418 is the teapot (python httpbin body)', async () => {
    const r = await curl('/status/418');
    expect(r.status).toBe(418);
    expect(r.body).toContain('-=[ teapot ]=-');
    expect(r.headers['x-more-info']).toBe('http://tools.ietf.org/html/rfc2324');
  });

  it('/delay/1 waits about a second and echoes the Host the client sent', async () => {
    const t = Date.now();
    const r = await curl('/delay/1', ['-H', 'Host: httpbin.example.com']);
    expect(Date.now() - t).toBeGreaterThanOrEqual(950);
    expect(r.status).toBe(200);
    const json = JSON.parse(r.body) as { url: string; headers: Record<string, string>; origin: string };
    expect(json.url).toBe('http://httpbin.example.com/delay/1');
    expect(json.headers.Host).toBe('httpbin.example.com');
    expect(json.headers['X-Envoy-Attempt-Count']).toBe('1');
    expect(json.headers['X-Envoy-Internal']).toBe('true');
    expect(json.headers['X-Envoy-Decorator-Operation']).toBe(`httpbin.${NS}.svc.cluster.local:8000/*`);
    // Python httpbin hides X-Forwarded-For and X-Request-Id unless show_env is given.
    expect(json.headers['X-Forwarded-For']).toBeUndefined();
    expect(json.origin).toBe('10.244.0.1');
  });

  it('/headers?show_env=1 shows the proxy headers Envoy added', async () => {
    await apply('vs', VS_STATUS_DELAY.replace('    - uri: {prefix: /delay}\n', '    - uri: {prefix: /delay}\n    - uri: {prefix: /headers}\n'));
    const r = await curl('/headers?show_env=1', ['-H', 'X-Forwarded-For: 56.5.6.7, 72.9.5.6, 98.1.2.3']);
    const h = (JSON.parse(r.body) as { headers: Record<string, string> }).headers;
    expect(h['X-Forwarded-For']).toBe('56.5.6.7, 72.9.5.6, 98.1.2.3,10.244.0.1');
    expect(h['X-Forwarded-Proto']).toBe('http');
    expect(h['X-Request-Id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(h['X-Envoy-Internal']).toBeUndefined();
    await apply('vs', VS_STATUS_DELAY);
  });

  it('an unrouted path is 404 with an empty body', async () => {
    const r = await curl('/headers');
    expect(r.status).toBe(404);
    expect(r.body).toBe('');
  });

  it('the gateway writes Envoy access log lines naming the upstream cluster', async () => {
    const lines = cluster.logs.read('istio-system', gatewayPodName(), 'istio-proxy').map((l) => l.text);
    const line = lines.find((l) => l.includes('"GET /status/418 HTTP/1.1" 418'));
    expect(line).toBeDefined();
    expect(line).toMatch(/^\[\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\] "GET \/status\/418 HTTP\/1\.1" 418 - via_upstream - "-" 0 \d+ \d+ \d+ "10\.244\.0\.1" "curl\/[^"]+" "[0-9a-f-]{36}" "127\.0\.0\.1:\d+" "10\.244\.\d+\.\d+:80" outbound\|8000\|\|httpbin\.bookinfo\.svc\.cluster\.local 10\.244\.\d+\.\d+:\d+ 10\.244\.\d+\.\d+:8080 10\.244\.0\.1:\d+ - -$/);
    const nr = lines.find((l) => l.includes('"GET /headers HTTP/1.1" 404'));
    expect(nr).toContain(' 404 NR route_not_found ');
  });

  it('httpbin with its image CMD logs gunicorn start-up only, no request lines (no --access-logfile)', async () => {
    const pods = await kubectl('-n', NS, 'get', 'pods', '-l', 'app=httpbin', '-o', 'jsonpath={.items[0].metadata.name}');
    const lines = cluster.logs.read(NS, pods.stdout, 'httpbin').map((l) => l.text);
    expect(lines.some((l) => l.endsWith('[1] [INFO] Starting gunicorn 19.9.0'))).toBe(true);
    expect(lines.some((l) => l.includes('"GET /status/200 HTTP/1.1"'))).toBe(false);
  });

  it('after removing the /status match, /status is 404 and /delay still works', async () => {
    await apply('vs', VS_DELAY_ONLY);
    expect((await curl('/status/200')).status).toBe(404);
    expect(mesh.decisions.list(1)[0]!.trace).toMatchObject({
      reason: `no route matched; VirtualService ${NS}/httpbin only routes /delay`,
      passedOver: [{ virtualService: `${NS}/httpbin`, ruleIndex: 0, failures: ['path /status/200 does not start with /delay'] }],
    });
    const explained = await meshlabExplain('--status', '404');
    expect(explained.stderr).toBe('');
    expect(explained.stdout).toContain(`Why: no route matched; VirtualService ${NS}/httpbin only routes /delay`);
    expect(explained.stdout).toContain(`VirtualService ${NS}/httpbin rule 0: path /status/200 does not start with /delay`);
    // The explanation is the simulation the gateway executed.
    expect(mesh.decisions.list(1)[0]!.simulation).toMatchObject({ virtualHost: '*:80', response: { status: 404, kind: 'no_route', flags: 'NR' }, passedOver: [{ failures: ['path /status/200 does not start with /delay'] }] });
    expect((await meshlabExplain('--path', '/status', '--lang', 'zh')).stdout).toContain(`原因: 没有匹配的路由；VirtualService ${NS}/httpbin 只路由 /delay`);
    expect((await curl('/delay/0')).status).toBe(200);
    expect((await meshlabExplain('--status', 'abc')).stderr).toContain('--status wants an HTTP status such as 404');
  });

  it('prefix / with subset v1 and no DestinationRule: 503 with an empty body (cluster not found)', async () => {
    await apply('vs', VS_SUBSET);
    const r = await curl('/headers');
    expect(r.statusLine).toBe('HTTP/1.1 503 Service Unavailable');
    expect(r.body).toBe('');
    const d = mesh.decisions.list(1)[0]!;
    expect(d.response).toMatchObject({ kind: 'cluster_not_found', flags: 'NC' });
    expect(d.upstreamCluster).toBe('outbound|8000|v1|httpbin.bookinfo.svc.cluster.local');
    expect(d.virtualService).toMatchObject({ name: 'httpbin', namespace: NS, ruleIndex: 0, matchIndex: 0 });
    expect(d.trace?.destinationProblem).toBe(`subset v1 of httpbin.${NS}.svc.cluster.local is not defined by any DestinationRule`);
    const explained = await meshlabExplain();
    expect(explained.stdout).toContain(`Why: cluster not found: subset v1 of httpbin.${NS}.svc.cluster.local is not defined by any DestinationRule`);
    expect(explained.stdout).toContain('subset v1 ✗ stopped here');
    expect(explained.stdout).toContain(`DestinationRule: none (subset v1 of httpbin.${NS}.svc.cluster.local is not defined by any DestinationRule)`);
    expect(d.simulation).toMatchObject({ cluster: 'outbound|8000|v1|httpbin.bookinfo.svc.cluster.local', response: { kind: 'cluster_not_found', flags: 'NC' } });
  });

  it('with the DestinationRule, the same request is 200 and the Host shows', async () => {
    await apply('dr', DR);
    const r = await curl('/headers', ['-H', 'Host: httpbin.example.com']);
    expect(r.status).toBe(200);
    expect(r.body).toContain('httpbin.example.com');
    expect(mesh.decisions.list(1)[0]!.upstreamCluster).toBe('outbound|8000|v1|httpbin.bookinfo.svc.cluster.local');
  });

  it('a subset whose labels match no pod: 503 no healthy upstream', async () => {
    await apply('dr', DR.replace('{version: v1}', '{version: v9}'));
    const r = await curl('/headers');
    expect(r.status).toBe(503);
    expect(r.body).toBe('no healthy upstream');
    expect(r.headers['content-type']).toBe('text/plain');
    await apply('dr', DR);
  });
});

function gatewayPodName(): string {
  return cluster.store.list('pods', 'istio-system').items.find((p) => p.metadata.labels?.istio === 'ingressgateway')!.metadata.name;
}

describe("Istio's traffic-management tasks through the ingress gateway (go-httpbin)", () => {
  const vs = (http: string) => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: httpbin
spec:
  hosts: ["httpbin.example.com"]
  gateways: [httpbin-gateway]
  http:
${http}`;

  beforeAll(async () => {
    await kubectl('-n', NS, 'delete', 'virtualservice', 'httpbin');
    await apply('go-svc', HTTPBIN_GO_SVC);
    await apply('go-v1', HTTPBIN_GO('v1'));
    await apply('go-v2', HTTPBIN_GO('v2'));
    await waitReady('app=httpbin-go');
    await apply('go-dr', `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: httpbin-go
spec:
  host: httpbin-go
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
`);
  }, 60_000);

  it('ingress-control: a Host the VirtualService does not name is 404; its host gets go-httpbin JSON (array header values)', async () => {
    await apply('vs-go', vs(`  - match:
    - uri: {prefix: /status}
    - uri: {prefix: /headers}
    route:
    - destination: {host: httpbin-go, port: {number: 8000}}
`));
    expect((await curl('/headers', ['-H', 'Host: other.example.com'])).status).toBe(404);
    const r = await curl('/headers', ['-H', 'Host: httpbin.example.com']);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('application/json; charset=utf-8');
    const h = (JSON.parse(r.body) as { headers: Record<string, string[]> }).headers;
    expect(h.Host).toEqual(['httpbin.example.com']);
    expect(h['X-Envoy-Attempt-Count']).toEqual(['1']);
    expect(h['X-Forwarded-For']).toEqual(['10.244.0.1']);
    expect(r.body).toMatch(/^\{\n  "headers": \{\n    "Accept": \[\n      "\*\/\*"\n    \],/);
  });

  it('request-routing: header match sends end-user jason to v2, others to v1', async () => {
    await apply('vs-go', vs(`  - match:
    - headers:
        end-user: {exact: jason}
    route:
    - destination: {host: httpbin-go, subset: v2}
  - route:
    - destination: {host: httpbin-go, subset: v1}
`));
    await curl('/get', ['-H', 'Host: httpbin.example.com', '-H', 'end-user: jason']);
    expect(mesh.decisions.list(1)[0]!.upstreamCluster).toBe('outbound|8000|v2|httpbin-go.bookinfo.svc.cluster.local');
    await curl('/get', ['-H', 'Host: httpbin.example.com', '-H', 'end-user: other']);
    expect(mesh.decisions.list(1)[0]!.upstreamCluster).toBe('outbound|8000|v1|httpbin-go.bookinfo.svc.cluster.local');
  });

  it('request-routing: weights 0/100 send everything to v2', async () => {
    await apply('vs-go', vs(`  - route:
    - destination: {host: httpbin-go, subset: v1}
      weight: 0
    - destination: {host: httpbin-go, subset: v2}
      weight: 100
`));
    for (let i = 0; i < 5; i++) {
      await curl('/get', ['-H', 'Host: httpbin.example.com']);
      expect(mesh.decisions.list(1)[0]!.destination?.subset).toBe('v2');
    }
  });

  it('fault-injection: abort 100% with 500 gives body "fault filter abort"', async () => {
    await apply('vs-go', vs(`  - fault:
      abort:
        httpStatus: 500
        percentage: {value: 100}
    route:
    - destination: {host: httpbin-go}
`));
    const r = await curl('/get', ['-H', 'Host: httpbin.example.com']);
    expect(r.statusLine).toBe('HTTP/1.1 500 Internal Server Error');
    expect(r.body).toBe('fault filter abort');
    expect(r.headers['content-type']).toBe('text/plain');
    expect(r.headers['x-envoy-upstream-service-time']).toBeUndefined();
  });

  it('fault-injection: a fault without percentage injects nothing (Istio configures 0%)', async () => {
    await apply('vs-go', vs(`  - fault:
      abort:
        httpStatus: 500
    route:
    - destination: {host: httpbin-go}
`));
    expect((await curl('/get', ['-H', 'Host: httpbin.example.com'])).status).toBe(200);
  });

  it('fault-injection: delay 1s at 100% delays the response', async () => {
    await apply('vs-go', vs(`  - fault:
      delay:
        fixedDelay: 1s
        percentage: {value: 100}
    route:
    - destination: {host: httpbin-go}
`));
    const t = Date.now();
    const r = await curl('/get', ['-H', 'Host: httpbin.example.com']);
    expect(r.status).toBe(200);
    expect(Date.now() - t).toBeGreaterThanOrEqual(950);
  });

  it('request-timeouts: timeout 0.5s on /delay/2 gives 504 upstream request timeout', async () => {
    await apply('vs-go', vs(`  - timeout: 0.5s
    route:
    - destination: {host: httpbin-go}
`));
    const t = Date.now();
    const r = await curl('/delay/2', ['-H', 'Host: httpbin.example.com']);
    expect(r.statusLine).toBe('HTTP/1.1 504 Gateway Timeout');
    expect(r.body).toBe('upstream request timeout');
    expect(Date.now() - t).toBeLessThan(1800);
  });

  it('retries with retryOn 5xx: a 503 upstream is tried 1 + attempts times and the 503 is returned', async () => {
    await apply('vs-go', vs(`  - retries: {attempts: 3, retryOn: 5xx}
    route:
    - destination: {host: httpbin-go}
`));
    const r = await curl('/status/503', ['-H', 'Host: httpbin.example.com']);
    expect(r.status).toBe(503);
    expect(r.body).toBe('');
    expect(mesh.decisions.list(1)[0]).toMatchObject({ attempts: 4, response: { kind: 'upstream', flags: 'URX', details: 'via_upstream' } });
  });

  it('go-httpbin /delay over 10s is a 400 JSON error', async () => {
    const r = await curl('/delay/11', ['-H', 'Host: httpbin.example.com']);
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body)).toMatchObject({ status_code: 400, error: 'Bad Request' });
  });

  it('redirect answers 301 with location and no body; directResponse answers from the proxy', async () => {
    await apply('vs-go', vs(`  - match:
    - uri: {exact: /old}
    redirect: {uri: /get}
  - match:
    - uri: {exact: /hello}
    directResponse:
      status: 200
      body: {string: hello}
  - route:
    - destination: {host: httpbin-go}
`));
    const r = await curl('/old', ['-H', 'Host: httpbin.example.com']);
    expect(r.statusLine).toBe('HTTP/1.1 301 Moved Permanently');
    expect(r.headers.location).toBe('http://httpbin.example.com/get');
    const d = await curl('/hello', ['-H', 'Host: httpbin.example.com']);
    expect(d.status).toBe(200);
    expect(d.body).toBe('hello');
  });

  it('rewrite: prefix /api/ becomes /, authority replaced, original path kept for the upstream and the log', async () => {
    await apply('vs-go', vs(`  - match:
    - uri: {prefix: /api/}
    rewrite: {uri: /, authority: rewritten.example.com}
    route:
    - destination: {host: httpbin-go}
`));
    const r = await curl('/api/get?x=1', ['-H', 'Host: httpbin.example.com']);
    expect(r.status).toBe(200);
    const j = JSON.parse(r.body) as { url: string; headers: Record<string, string[]> };
    expect(j.url).toBe('http://rewritten.example.com/get?x=1');
    expect(j.headers['X-Envoy-Original-Path']).toEqual(['/api/get?x=1']);
    const line = cluster.logs.read('istio-system', gatewayPodName(), 'istio-proxy').at(-1)!.text;
    expect(line).toContain('"GET /api/get?x=1 HTTP/1.1" 200');
    expect(line).toContain('"httpbin.example.com"');
  });

  it('uriRegexRewrite substitutes RE2 groups (\\1) in the path and keeps the query', async () => {
    await apply('vs-go', vs(`  - match:
    - uri: {prefix: /service/}
    rewrite:
      uriRegexRewrite: {match: "^/service/([^/]+)/(.*)$", rewrite: "/\\\\2/\\\\1"}
    route:
    - destination: {host: httpbin-go}
`));
    const r = await curl('/service/get/anything?x=1', ['-H', 'Host: httpbin.example.com']);
    expect(r.status).toBe(200);
    expect((JSON.parse(r.body) as { url: string }).url).toBe('http://httpbin.example.com/anything/get?x=1');
  });

  it('redirect with a code, authority and port', async () => {
    await apply('vs-go', vs(`  - redirect: {uri: /new, authority: other.example.com, port: 8443, redirectCode: 308}
`));
    const r = await curl('/old?q=1', ['-H', 'Host: httpbin.example.com']);
    expect(r.statusLine).toBe('HTTP/1.1 308 Permanent Redirect');
    expect(r.headers.location).toBe('http://other.example.com:8443/new?q=1');
    expect(r.body).toBe('');
  });

  it('headers: request set and response set/remove', async () => {
    await apply('vs-go', vs(`  - headers:
      request:
        set: {x-lab: one}
      response:
        set: {x-answer: "42"}
        remove: [access-control-allow-origin]
    route:
    - destination: {host: httpbin-go}
`));
    const r = await curl('/headers', ['-H', 'Host: httpbin.example.com']);
    expect((JSON.parse(r.body) as { headers: Record<string, string[]> }).headers['X-Lab']).toEqual(['one']);
    expect(r.headers['x-answer']).toBe('42');
    expect(r.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('mirroring: v1 answers and v2 receives a copy (its log grows by one request)', async () => {
    await apply('vs-go', vs(`  - route:
    - destination: {host: httpbin-go, subset: v1}
    mirror: {host: httpbin-go, subset: v2}
    mirrorPercentage: {value: 100}
`));
    const v2 = cluster.store.list('pods', NS).items.find((p) => p.metadata.labels?.app === 'httpbin-go' && p.metadata.labels?.version === 'v2')!;
    const before = cluster.logs.read(NS, v2.metadata.name, 'httpbin').length;
    const r = await curl('/get', ['-H', 'Host: httpbin.example.com']);
    expect(r.status).toBe(200);
    expect(mesh.decisions.list(1)[0]!.upstreamCluster).toBe('outbound|8000|v1|httpbin-go.bookinfo.svc.cluster.local');
    for (let i = 0; i < 40 && cluster.logs.read(NS, v2.metadata.name, 'httpbin').length === before; i++) await new Promise((res) => setTimeout(res, 25));
    expect(cluster.logs.read(NS, v2.metadata.name, 'httpbin').length).toBe(before + 1);
  });

  it('outlierDetection: consecutive 5xx eject hosts; with all ejected the gateway answers no healthy upstream', async () => {
    await apply('vs-go', vs(`  - route:
    - destination: {host: httpbin-go}
`));
    await apply('go-dr', `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: httpbin-go
spec:
  host: httpbin-go
  trafficPolicy:
    outlierDetection: {consecutive5xxErrors: 1, interval: 1s, baseEjectionTime: 3m, maxEjectionPercent: 100}
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
`);
    // Two endpoints (v1, v2): each 500 ejects the host that gave it.
    expect((await curl('/status/500', ['-H', 'Host: httpbin.example.com'])).status).toBe(500);
    expect((await curl('/status/500', ['-H', 'Host: httpbin.example.com'])).status).toBe(500);
    const r = await curl('/status/200', ['-H', 'Host: httpbin.example.com']);
    expect(r.status).toBe(503);
    expect(r.body).toBe('no healthy upstream');
  });

  it('circuit-breaking: maxConnections 1 + http1MaxPendingRequests 1 overflows a third concurrent request with 503 x-envoy-overloaded', async () => {
    await apply('vs-go', vs(`  - route:
    - destination: {host: httpbin-go, subset: v1}
`));
    await apply('go-dr', `apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: httpbin-go
spec:
  host: httpbin-go
  trafficPolicy:
    connectionPool:
      tcp: {maxConnections: 1}
      http: {http1MaxPendingRequests: 1, maxRequestsPerConnection: 1}
  subsets:
  - {name: v1, labels: {version: v1}}
  - {name: v2, labels: {version: v2}}
`);
    const results = await Promise.all([0, 1, 2, 3].map(() => curl('/delay/1', ['-H', 'Host: httpbin.example.com'])));
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 503).length).toBeGreaterThanOrEqual(1);
    expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(1);
    const overflow = results.find((r) => r.status === 503)!;
    expect(overflow.headers['x-envoy-overloaded']).toBe('true');
    expect(overflow.body).toBe('upstream connect error or disconnect/reset before headers. reset reason: overflow');
  });
});

describe('secure gateway (HTTPS with credentialName, Istio secure-ingress task)', () => {
  it('terminates TLS with the Secret named by credentialName, chosen by SNI; other names fail the handshake', async () => {
    // A CA and a certificate for httpbin.example.com (what the task makes with openssl).
    const certs = createWorldCertificates(['httpbin.example.com']);
    const key = join(work, 'tls.key');
    const leaf = join(work, 'leaf.crt');
    const crt = join(work, 'ca.crt');
    await writeFile(key, certs.serverKey);
    await writeFile(leaf, certs.serverCert);
    await writeFile(crt, certs.caCert);
    const s = await kubectl('-n', 'istio-system', 'create', 'secret', 'tls', 'httpbin-credential', `--key=${key}`, `--cert=${leaf}`);
    expect(s.code, s.stderr).toBe(0);
    await apply('secure-gw', `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: secure-gateway}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    tls: {mode: SIMPLE, credentialName: httpbin-credential}
    hosts: [httpbin.example.com]
`);
    await apply('secure-vs', `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: secure-httpbin}
spec:
  hosts: [httpbin.example.com]
  gateways: [secure-gateway]
  http:
  - route:
    - destination: {host: httpbin, port: {number: 8000}}
`);
    const port = cluster.ingress.securePort;
    const ok = await run(curlPath, ['-s', '-HHost:httpbin.example.com', '--resolve', `httpbin.example.com:${port}:127.0.0.1`, '--cacert', crt, '-D', '-', `https://httpbin.example.com:${port}/headers?show_env=1`], { encoding: 'utf8' });
    // Envoy negotiates h2 by ALPN: the secure-ingress task prints `HTTP/2 418`.
    expect(ok.stdout).toMatch(/^HTTP\/2 200 \r\nserver: istio-envoy\r\n/);
    const teapot = await run(curlPath, ['-s', '-o', '/dev/null', '-w', '%{http_code} %{http_version}', '--resolve', `httpbin.example.com:${port}:127.0.0.1`, '--cacert', crt, `https://httpbin.example.com:${port}/status/418`], { encoding: 'utf8' });
    expect(teapot.stdout).toBe('418 2');
    const http11 = await run(curlPath, ['-s', '--http1.1', '-o', '/dev/null', '-w', '%{http_code}', '--resolve', `httpbin.example.com:${port}:127.0.0.1`, '--cacert', crt, `https://httpbin.example.com:${port}/status/200`], { encoding: 'utf8' });
    expect(http11.stdout).toBe('200');
    expect(cluster.logs.read('istio-system', gatewayPodName(), 'istio-proxy').map((l) => l.text).some((l) => l.includes('"GET /status/418 HTTP/2" 418'))).toBe(true);
    expect(ok.stdout).toContain('"X-Forwarded-Proto": "https"');
    const bad = await run(curlPath, ['-s', '--resolve', `other.example.com:${port}:127.0.0.1`, '-k', `https://other.example.com:${port}/headers`]).then(() => 0, (e: { code?: number }) => e.code ?? -1);
    expect(bad).toBe(35);
  });

  // https://istio.io/latest/docs/tasks/traffic-management/ingress/secure-ingress/ , section "Configure a mutual TLS
  // ingress gateway": certificates made with openssl as the task makes them, the credential Secret with `ca.crt`.
  it('MUTUAL: the listener asks for the client certificate; curl without one fails with the TLS 1.3 alert, with one gets the teapot', async () => {
    const dir = await mkdtemp(join(work, 'mtls-'));
    const f = (name: string) => join(dir, name);
    const openssl = (...args: string[]) => run('openssl', args, { cwd: dir });
    await openssl('req', '-x509', '-sha256', '-nodes', '-days', '365', '-newkey', 'rsa:2048', '-subj', '/O=example Inc./CN=example.com', '-keyout', 'example.com.key', '-out', 'example.com.crt');
    await openssl('req', '-out', 'httpbin.example.com.csr', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'httpbin.example.com.key', '-subj', '/CN=httpbin.example.com/O=httpbin organization');
    await openssl('x509', '-req', '-sha256', '-days', '365', '-CA', 'example.com.crt', '-CAkey', 'example.com.key', '-set_serial', '0', '-in', 'httpbin.example.com.csr', '-out', 'httpbin.example.com.crt');
    await openssl('req', '-out', 'client.example.com.csr', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'client.example.com.key', '-subj', '/CN=client.example.com/O=client organization');
    await openssl('x509', '-req', '-days', '365', '-CA', 'example.com.crt', '-CAkey', 'example.com.key', '-set_serial', '1', '-in', 'client.example.com.csr', '-out', 'client.example.com.crt');
    await kubectl('-n', 'istio-system', 'delete', 'secret', 'httpbin-credential', '--ignore-not-found');
    const s = await kubectl('create', '-n', 'istio-system', 'secret', 'generic', 'httpbin-credential', `--from-file=tls.key=${f('httpbin.example.com.key')}`, `--from-file=tls.crt=${f('httpbin.example.com.crt')}`, `--from-file=ca.crt=${f('example.com.crt')}`);
    expect(s.code, s.stderr).toBe(0);
    const gateway = (mode: string) => `apiVersion: networking.istio.io/v1
kind: Gateway
metadata: {name: secure-gateway}
spec:
  selector: {istio: ingressgateway}
  servers:
  - port: {number: 443, name: https, protocol: HTTPS}
    tls: {mode: ${mode}, credentialName: httpbin-credential}
    hosts: [httpbin.example.com]
`;
    await apply('mtls-gw', gateway('MUTUAL'));
    await apply('secure-vs', `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: secure-httpbin}
spec:
  hosts: [httpbin.example.com]
  gateways: [secure-gateway]
  http:
  - route:
    - destination: {host: httpbin, port: {number: 8000}}
`);
    const port = cluster.ingress.securePort;
    const base = ['-sS', '-HHost:httpbin.example.com', '--resolve', `httpbin.example.com:${port}:127.0.0.1`, '--cacert', f('example.com.crt')];
    const url = `https://httpbin.example.com:${port}/status/418`;
    const attempt = (extra: string[]) => run(curlPath, [...base, ...extra, url], { encoding: 'utf8', timeout: 20_000 }).then((r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }), (e: { code?: number; stdout?: string; stderr?: string }) => ({ code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' }));
    // A connection refused at once (curl 55 `getpeername() failed`) is seen now and then right
    // after another connection to the listener; the TLS answer is what is checked, so retry that.
    const withoutCert = async () => {
      let r = await attempt([]);
      for (let i = 0; i < 3 && r.code === 55 && r.stderr.includes('getpeername'); i++) r = await attempt([]);
      return r;
    };
    // "Attempt to send an HTTPS request using the prior approach and see how it fails".
    const without = await withoutCert();
    expect(without.code, without.stderr).toBe(56);
    expect(without.stderr).toMatch(/curl: \(56\) OpenSSL SSL_read: .*tlsv13 alert certificate required/);
    // "Pass a client certificate and private key to curl and resend the request".
    const withCert = await attempt(['--cert', f('client.example.com.crt'), '--key', f('client.example.com.key')]);
    expect(withCert.code, withCert.stderr).toBe(0);
    expect(withCert.stdout).toContain('-=[ teapot ]=-');
    // A client certificate from another CA is refused too.
    await openssl('req', '-x509', '-sha256', '-nodes', '-days', '365', '-newkey', 'rsa:2048', '-subj', '/CN=stranger.example.com', '-keyout', 'stranger.key', '-out', 'stranger.crt');
    const stranger = await attempt(['--cert', f('stranger.crt'), '--key', f('stranger.key')]);
    expect(stranger.code).not.toBe(0);
    // OPTIONAL_MUTUAL: asked for, not required; an untrusted one still fails.
    await apply('mtls-gw', gateway('OPTIONAL_MUTUAL'));
    const optional = await attempt([]);
    expect(optional.code, optional.stderr).toBe(0);
    expect(optional.stdout).toContain('-=[ teapot ]=-');
    expect((await attempt(['--cert', f('stranger.crt'), '--key', f('stranger.key')])).code).not.toBe(0);
    // The CA in a separate `<name>-cacert` Secret (key `cacert`), as Istio also reads it.
    await apply('mtls-gw', gateway('MUTUAL'));
    await kubectl('-n', 'istio-system', 'delete', 'secret', 'httpbin-credential');
    expect((await kubectl('create', '-n', 'istio-system', 'secret', 'generic', 'httpbin-credential', `--from-file=key=${f('httpbin.example.com.key')}`, `--from-file=cert=${f('httpbin.example.com.crt')}`)).code).toBe(0);
    expect((await kubectl('create', '-n', 'istio-system', 'secret', 'generic', 'httpbin-credential-cacert', `--from-file=cacert=${f('example.com.crt')}`)).code).toBe(0);
    await mesh.whenApplied();
    const again = await withoutCert();
    expect(again.code, again.stderr).toBe(56);
    expect(again.stderr).toMatch(/tlsv13 alert certificate required/);
    const separate = await attempt(['--cert', f('client.example.com.crt'), '--key', f('client.example.com.key')]);
    expect(separate.code, separate.stderr).toBe(0);
    expect(separate.stdout).toContain('-=[ teapot ]=-');
  });
});

describe('connection failures and retries', () => {
  it('an endpoint with nothing listening: 3 attempts (default 2 retries), then 503 connection failure', async () => {
    // A selector-less Service with a hand-written Endpoints object pointing at an unused pod IP.
    await apply('ghost', `apiVersion: v1
kind: Service
metadata: {name: ghost}
spec:
  ports: [{name: http, port: 80, targetPort: 80}]
---
apiVersion: v1
kind: Endpoints
metadata: {name: ghost}
subsets:
- addresses: [{ip: 10.244.0.250}]
  ports: [{name: http, port: 80}]
`);
    await apply('vs-ghost', `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ghost}
spec:
  hosts: [ghost.example.com]
  gateways: [httpbin-gateway]
  http:
  - route:
    - destination: {host: ghost}
`);
    const r = await curl('/get', ['-H', 'Host: ghost.example.com']);
    expect(r.statusLine).toBe('HTTP/1.1 503 Service Unavailable');
    // Envoy's router says when the failure it reports is the last of several attempts.
    expect(r.body).toBe('upstream connect error or disconnect/reset before headers. retried and the latest reset reason: connection failure');
    const d = mesh.decisions.list(1)[0]!;
    expect(d.attempts).toBe(3);
    expect(d.response).toMatchObject({ kind: 'connection_failure', flags: 'UF,URX', details: 'upstream_reset_before_response_started{connection_failure}' });
  });

  it('retries.attempts: 0 makes a single attempt', async () => {
    await apply('vs-ghost', `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ghost}
spec:
  hosts: [ghost.example.com]
  gateways: [httpbin-gateway]
  http:
  - retries: {attempts: 0}
    route:
    - destination: {host: ghost}
`);
    await curl('/get', ['-H', 'Host: ghost.example.com']);
    expect(mesh.decisions.list(1)[0]!).toMatchObject({ attempts: 1, response: { flags: 'UF' } });
  });

  it('a Service with no ready endpoints: 503 no healthy upstream', async () => {
    await kubectl('-n', NS, 'delete', 'endpoints', 'ghost');
    await mesh.whenApplied();
    const r = await curl('/get', ['-H', 'Host: ghost.example.com']);
    expect(r.status).toBe(503);
    expect(r.body).toBe('no healthy upstream');
  });

  it('a destination host that is not in the registry: 503 with an empty body', async () => {
    await apply('vs-ghost', `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: ghost}
spec:
  hosts: [ghost.example.com]
  gateways: [httpbin-gateway]
  http:
  - route:
    - destination: {host: nowhere}
`);
    const r = await curl('/get', ['-H', 'Host: ghost.example.com']);
    expect(r.status).toBe(503);
    expect(r.body).toBe('');
    expect(mesh.decisions.list(1)[0]!.upstreamCluster).toBe('outbound|||nowhere.bookinfo.svc.cluster.local');
  });
});

describe('Istio validation webhook through kubectl', () => {
  it.each([
    ['ServiceEntry with resolution: MESH_EXTERNAL (CRD schema)', `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: bad-se}
spec:
  hosts: [httpbin.org]
  ports: [{number: 80, name: http, protocol: HTTP}]
  resolution: MESH_EXTERNAL
`, // Istio's CRD schema has an enum for resolution, so the API server rejects it before the webhook runs.
      'The ServiceEntry "bad-se" is invalid: spec.resolution: Unsupported value: "MESH_EXTERNAL": supported values: "NONE", "STATIC", "DNS", "DNS_ROUND_ROBIN", "DYNAMIC_DNS"'],
    ['VirtualService with route and redirect', `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: bad-vs}
spec:
  hosts: [httpbin]
  http:
  - redirect: {uri: /x}
    route:
    - destination: {host: httpbin}
`, 'configuration is invalid: HTTP route cannot contain both route and redirect'],
  ])('%s is denied', async (_name, yaml, message) => {
    const file = join(work, 'bad.yaml');
    await writeFile(file, yaml);
    const r = await kubectl('apply', '-n', NS, '-f', file);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(message);
  });
});

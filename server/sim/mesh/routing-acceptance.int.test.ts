// Routing acceptance: what istio.io's pages show for reason phrases, default retries, VirtualService
// delegates and mirroring, with the real kubectl and curl (inside the curl sample's pod, and from the
// learner's shell to the ingress gateway) against an embedded cluster of its real parts. Each test
// names the istio.io page and section its expectation comes from.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedCluster } from '../cluster.ts';
import { startLearnerShell, type LearnerShell } from '../gateway-api/learner-shell.ts';
import { CURL_SAMPLE, HTTPBIN_SAMPLE } from '../gateway-api/testing/manifests.ts';

let shell: LearnerShell;
let cluster: EmbeddedCluster;
const kubectl = (args: string[], input?: string) => shell.kubectl(args, input);
const fromCurl = (command: string[]) => kubectl(['exec', 'deploy/curl', '-c', 'curl', '--', ...command]);

async function apply(yaml: string): Promise<void> {
  const r = await kubectl(['apply', '-f', '-'], yaml);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  await cluster.mesh!.whenApplied();
}

async function remove(kind: string, name: string): Promise<void> {
  await kubectl(['delete', kind, name, '--ignore-not-found']);
  await cluster.mesh!.whenApplied();
}

/** The istio-proxy log lines of the pods with this label. */
async function proxyLog(selector: string): Promise<string[]> {
  const r = await kubectl(['logs', '-l', selector, '-c', 'istio-proxy', '--tail=-1']);
  return r.stdout.split('\n').filter(Boolean);
}

beforeAll(async () => {
  shell = await startLearnerShell('meshlab-routing-acceptance-');
  cluster = shell.cluster;
  await kubectl(['label', 'namespace', 'default', 'istio-injection=enabled']);
  await kubectl(['apply', '-f', '-'], CURL_SAMPLE);
  await kubectl(['apply', '-f', '-'], HTTPBIN_SAMPLE);
  expect((await kubectl(['rollout', 'status', 'deployment/curl', '--timeout=60s'])).code).toBe(0);
  expect((await kubectl(['rollout', 'status', 'deployment/httpbin', '--timeout=60s'])).code).toBe(0);
}, 90_000);

afterAll(async () => {
  await shell?.stop();
});

// https://istio.io/latest/docs/tasks/traffic-management/ingress/ingress-control/, "Configuring ingress
// using a gateway" (Istio APIs tab), as written there.
const INGRESS_GATEWAY = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: httpbin-gateway
spec:
  selector:
    istio: ingressgateway
  servers:
  - port:
      number: 80
      name: http
      protocol: HTTP
    hosts:
    - "httpbin.example.com"
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: httpbin
spec:
  hosts:
  - "httpbin.example.com"
  gateways:
  - httpbin-gateway
  http:
  - match:
    - uri:
        prefix: /status
    - uri:
        prefix: /delay
    route:
    - destination:
        port:
          number: 8000
        host: httpbin
`;

describe('Envoy’s reason phrases', () => {
  it('a sidecar writes `HTTP/1.1 418 Unknown` for httpbin’s teapot', async () => {
    // https://istio.io/latest/docs/tasks/observability/logs/access-log/, "Test the access log":
    // kubectl exec "$SOURCE_POD" -c curl -- curl -sS -v httpbin:8000/status/418
    const r = await fromCurl(['curl', '-sS', '-v', 'httpbin:8000/status/418']);
    expect(r.stderr).toContain('< HTTP/1.1 418 Unknown\r\n');
    expect(r.stderr).toContain('< server: envoy\r\n');
    expect(r.stdout).toContain("I'm a teapot!");
  });

  it('the ingress gateway writes Envoy’s phrases too, for upstream answers and its own replies', async () => {
    await apply(INGRESS_GATEWAY);
    // https://istio.io/latest/docs/tasks/traffic-management/ingress/ingress-control/, "Accessing ingress
    // services": curl -s -I -HHost:httpbin.example.com "http://$INGRESS_HOST:$INGRESS_PORT/status/200"
    const ok = await shell.sh('curl -s -I -HHost:httpbin.example.com "http://$INGRESS_HOST:$INGRESS_PORT/status/200"');
    expect(ok.stdout).toMatch(/^HTTP\/1\.1 200 OK\r\nserver: istio-envoy\r\n/);
    const teapot = await shell.sh('curl -s -I -HHost:httpbin.example.com "http://$INGRESS_HOST:$INGRESS_PORT/status/418"');
    expect(teapot.stdout).toMatch(/^HTTP\/1\.1 418 Unknown\r\nserver: istio-envoy\r\n/);
    // Same page: "Access any other URL that has not been explicitly exposed. You should see an HTTP 404 error".
    const other = await shell.sh('curl -s -I -HHost:httpbin.example.com "http://$INGRESS_HOST:$INGRESS_PORT/headers"');
    expect(other.stdout).toMatch(/^HTTP\/1\.1 404 Not Found\r\n/);
    await apply(`apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: teapot
spec:
  hosts: ["teapot.example.com"]
  gateways: [httpbin-gateway]
  http:
  - directResponse:
      status: 418
      body: {string: "short and stout"}
`);
    await apply(INGRESS_GATEWAY.replace('- "httpbin.example.com"\n---', '- "httpbin.example.com"\n    - "teapot.example.com"\n---'));
    const local = await shell.sh('curl -s -i -HHost:teapot.example.com "http://$INGRESS_HOST:$INGRESS_PORT/"');
    expect(local.stdout).toMatch(/^HTTP\/1\.1 418 Unknown\r\n/);
    expect(local.stdout).toMatch(/\r\n\r\nshort and stout$/);
    await remove('virtualservice', 'teapot');
  });
});

/** httpbin's inbound sidecar log lines for this exact path (one per attempt that reached it). */
async function httpbinSaw(path: string): Promise<string[]> {
  return (await proxyLog('app=httpbin')).filter((l) => l.includes(`"GET ${path} HTTP/1.1"`) && l.includes(' inbound|'));
}

/** The curl pod's outbound sidecar log line for this exact path. */
async function curlLogged(path: string): Promise<string> {
  return (await proxyLog('app=curl')).filter((l) => l.includes(`"GET ${path} HTTP/1.1"`)).at(-1) ?? '';
}

describe('default retries', () => {
  // Istio 1.24 change notes (https://istio.io/latest/news/releases/1.24.x/announcing-1.24/change-notes/,
  // "Traffic Management"): "Fixed default retry policy to exclude retries on 503 which is potentially
  // unsafe for idempotent requests" (EXCLUDE_UNSAFE_503_FROM_DEFAULT_RETRY, default true). The policy is
  // otherwise istiod's DefaultPolicy: 2 retries on connect-failure,refused-stream,unavailable,cancelled,
  // retriable-status-codes (https://istio.io/latest/docs/concepts/traffic-management/#retries: "The default
  // retry behavior for HTTP requests is to retry twice before returning the error").
  it('an upstream 503 reaches httpbin once and is answered as it is, without URX', async () => {
    const path = '/status/503?probe=default';
    const r = await fromCurl(['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', `httpbin:8000${path}`]);
    expect(r.stdout).toBe('503');
    expect(await httpbinSaw(path)).toHaveLength(1);
    expect(await curlLogged(path)).toMatch(/" 503 - via_upstream /);
  });

  // https://istio.io/latest/docs/reference/config/networking/virtual-service/#HTTPRetry: "If retry_on
  // specifies a valid HTTP status, it will be added to retriable_status_codes retry policy", and "The
  // maximum possible number of requests made will be 1 + `attempts`". Envoy flags the exhausted budget URX.
  it('retryOn with 503: 1 + attempts requests reach httpbin, the last answer carries URX', async () => {
    await apply(`apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: httpbin-retries
spec:
  hosts:
  - httpbin
  http:
  - route:
    - destination:
        host: httpbin
    retries:
      attempts: 2
      retryOn: connect-failure,503
`);
    const path = '/status/503?probe=retry-on-503';
    const r = await fromCurl(['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', `httpbin:8000${path}`]);
    expect(r.stdout).toBe('503');
    expect(await httpbinSaw(path)).toHaveLength(3);
    expect(await curlLogged(path)).toMatch(/" 503 URX via_upstream /);
    await remove('virtualservice', 'httpbin-retries');
  });

  it('a connection failure is retried twice by default; attempts: 0 tries once', async () => {
    // A Service whose port leads nowhere: httpbin listens on 8080 only.
    await apply(`apiVersion: v1
kind: Service
metadata:
  name: nowhere
spec:
  ports:
  - name: http
    port: 8000
    targetPort: 9999
  selector:
    app: httpbin
`);
    await cluster.mesh!.whenApplied();
    const retried = await fromCurl(['curl', '-s', '-w', ' %{http_code}', 'nowhere:8000/get?probe=default']);
    expect(retried.stdout).toBe('upstream connect error or disconnect/reset before headers. retried and the latest reset reason: connection failure 503');
    expect(await curlLogged('/get?probe=default')).toMatch(/" 503 UF,URX upstream_reset_before_response_started\{connection_failure\} /);
    await apply(`apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: nowhere
spec:
  hosts:
  - nowhere
  http:
  - route:
    - destination:
        host: nowhere
    retries:
      attempts: 0
`);
    const once = await fromCurl(['curl', '-s', '-w', ' %{http_code}', 'nowhere:8000/get?probe=off']);
    expect(once.stdout).toBe('upstream connect error or disconnect/reset before headers. reset reason: connection failure 503');
    expect(await curlLogged('/get?probe=off')).toMatch(/" 503 UF upstream_reset_before_response_started\{connection_failure\} /);
    await remove('virtualservice', 'nowhere');
    await remove('service', 'nowhere');
  });
});

describe('VirtualService delegates', () => {
  // https://istio.io/latest/docs/reference/config/networking/virtual-service/#Delegate: a root VirtualService
  // whose rules name a delegate VirtualService (no hosts, another namespace); "the route rules of the delegate
  // VirtualService will be merged with that in the current one", "Only one level delegation is supported",
  // "The delegate's HTTPMatchRequest must be a strict subset of the root's, otherwise there is a conflict and the
  // HTTPRoute will not take effect".
  it('routes through the delegate’s rules, in the delegate’s namespace, and leaves conflicting ones out', async () => {
    await kubectl(['create', 'namespace', 'team-a']);
    expect((await kubectl(['apply', '-n', 'team-a', '-f', '-'], HTTPBIN_SAMPLE)).code).toBe(0);
    expect((await kubectl(['-n', 'team-a', 'rollout', 'status', 'deployment/httpbin', '--timeout=60s'])).code).toBe(0);
    await apply(`apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: delegated-gateway
spec:
  selector:
    istio: ingressgateway
  servers:
  - port:
      number: 80
      name: http
      protocol: HTTP
    hosts:
    - "delegated.example.com"
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: root
spec:
  hosts:
  - "delegated.example.com"
  gateways:
  - delegated-gateway
  http:
  - match:
    - uri:
        prefix: /status
    delegate:
      name: status
      namespace: team-a
  - match:
    - uri:
        prefix: /headers
    delegate:
      name: headers
      namespace: team-a
`);
    // The delegate, as kubectl shows it: no hosts, no gateways.
    const created = await kubectl(['apply', '-n', 'team-a', '-f', '-'], `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: status
spec:
  http:
  - match:
    - uri:
        exact: /status/418
    route:
    - destination:
        host: httpbin
        port:
          number: 8000
  - match:
    - uri:
        prefix: /
    directResponse:
      status: 200
      body:
        string: "wider than the root: never used"
  - route:
    - destination:
        host: httpbin.default.svc.cluster.local
        port:
          number: 8000
`);
    expect(created.stdout).toBe('virtualservice.networking.istio.io/status created\n');
    await cluster.mesh!.whenApplied();
    const listed = await kubectl(['get', 'virtualservice', '-n', 'team-a']);
    expect(listed.stdout).toMatch(/^NAME\s+GATEWAYS\s+HOSTS\s+AGE\nstatus\s+\s+\d+s\n$/);

    const curlGw = (path: string) => shell.sh(`curl -s -o /dev/null -w '%{http_code}' -HHost:delegated.example.com "http://$INGRESS_HOST:$INGRESS_PORT${path}"`);
    const gatewayLine = async (path: string) => {
      const r = await kubectl(['logs', '-n', 'istio-system', '-l', 'istio=ingressgateway', '-c', 'istio-proxy', '--tail=-1']);
      return r.stdout.split('\n').filter((l) => l.includes(`"GET ${path} HTTP/1.1"`)).at(-1) ?? '';
    };
    // The delegate's first rule; `httpbin` is the delegate's namespace's httpbin.
    expect((await curlGw('/status/418')).stdout).toBe('418');
    expect(await gatewayLine('/status/418')).toContain(' outbound|8000||httpbin.team-a.svc.cluster.local ');
    // The `prefix: /` rule is wider than the root's /status and never takes effect; the last rule takes /status/200.
    expect((await curlGw('/status/200')).stdout).toBe('200');
    expect(await gatewayLine('/status/200')).toContain(' outbound|8000||httpbin.default.svc.cluster.local ');
    // A delegate that does not exist leaves its root rule out; other paths match no root rule.
    expect((await curlGw('/headers')).stdout).toBe('404');
    expect((await curlGw('/get')).stdout).toBe('404');
    // The delegate changes without touching the root: the next push routes by its new rules.
    await apply(`apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: headers
  namespace: team-a
spec:
  http:
  - route:
    - destination:
        host: httpbin
        port:
          number: 8000
`);
    expect((await curlGw('/headers')).stdout).toBe('200');
    expect(await gatewayLine('/headers')).toContain(' outbound|8000||httpbin.team-a.svc.cluster.local ');
  }, 90_000);
});

describe('mirroring through the mirror’s sidecar', () => {
  // https://istio.io/latest/docs/tasks/traffic-management/mirroring/: httpbin-v1 and -v2 as "Before you begin"
  // deploys them (gunicorn with its access log on stdout), a client, then "Mirroring traffic to v2".
  const httpbin = (version: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: httpbin-${version}
spec:
  replicas: 1
  selector:
    matchLabels:
      app: httpbin
      version: ${version}
  template:
    metadata:
      labels:
        app: httpbin
        version: ${version}
    spec:
      containers:
      - image: docker.io/kennethreitz/httpbin
        imagePullPolicy: IfNotPresent
        name: httpbin
        command: ["gunicorn", "--access-logfile", "-", "-b", "0.0.0.0:80", "httpbin:app"]
        ports:
        - containerPort: 80
`;
  const service = `apiVersion: v1
kind: Service
metadata:
  name: httpbin
  labels:
    app: httpbin
spec:
  ports:
  - name: http
    port: 8000
    targetPort: 80
  selector:
    app: httpbin
`;
  const mirrorRule = (percentage: string) => `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: httpbin
spec:
  hosts:
  - httpbin
  http:
  - route:
    - destination:
        host: httpbin
        subset: v1
      weight: 100
    mirror:
      host: httpbin
      subset: v2
    mirrorPercentage:
      value: ${percentage}
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: httpbin
spec:
  host: httpbin
  subsets:
  - name: v1
    labels:
      version: v1
  - name: v2
    labels:
      version: v2
`;
  const ns = ['-n', 'mirroring'];
  const k = (args: string[], input?: string) => kubectl([...ns, ...args], input);
  const logsOf = async (deployment: string, container: string) => (await k(['logs', `deploy/${deployment}`, '-c', container])).stdout.split('\n').filter(Boolean);
  const until = async (check: () => Promise<boolean>) => {
    for (let i = 0; i < 50 && !(await check()); i++) await new Promise((r) => setTimeout(r, 100));
  };

  beforeAll(async () => {
    await kubectl(['create', 'namespace', 'mirroring']);
    await kubectl(['label', 'namespace', 'mirroring', 'istio-injection=enabled']);
    expect((await k(['apply', '-f', '-'], [httpbin('v1'), httpbin('v2'), service, CURL_SAMPLE].join('---\n'))).code).toBe(0);
    for (const d of ['httpbin-v1', 'httpbin-v2', 'curl']) expect((await k(['rollout', 'status', `deployment/${d}`, '--timeout=60s'])).code).toBe(0);
  }, 90_000);

  it('v2 logs the mirrored request: its sidecar saw Host httpbin-shadow:8000 with v1’s request id, gunicorn saw 127.0.0.6', async () => {
    const applied = await k(['apply', '-f', '-'], mirrorRule('100.0'));
    expect(applied.stderr).toBe('');
    await cluster.mesh!.whenApplied();
    // "Send in traffic": kubectl exec "${CURL_POD}" -c curl -- curl -sS http://httpbin:8000/headers
    const r = await k(['exec', 'deploy/curl', '-c', 'curl', '--', 'curl', '-sS', 'http://httpbin:8000/headers']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).headers.Host).toBe('httpbin:8000');
    // "Now, you should see access logging for both v1 and v2. The access logs created in v2 are the mirrored
    // requests that are actually going to v1."
    const gunicornLine = /^127\.0\.0\.6 - - \[\d\d\/\w{3}\/\d{4}:\d\d:\d\d:\d\d \+0000\] "GET \/headers HTTP\/1\.1" 200 \d+ "-" "curl\/[^"]+"$/;
    let v2: string[] = [];
    await until(async () => (v2 = await logsOf('httpbin-v2', 'httpbin')).some((l) => l.includes('GET /headers')));
    expect(v2.filter((l) => l.includes('GET /headers'))).toHaveLength(1);
    expect(v2.find((l) => l.includes('GET /headers'))).toMatch(gunicornLine);
    expect((await logsOf('httpbin-v1', 'httpbin')).filter((l) => l.includes('GET /headers'))).toHaveLength(1);
    // "the requests are sent to the mirrored service with their Host/Authority headers appended with -shadow".
    const inbound = (lines: string[]) => lines.find((l) => l.includes('"GET /headers HTTP/1.1"') && l.includes(' inbound|80|| ')) ?? '';
    const v2Proxy = inbound(await logsOf('httpbin-v2', 'istio-proxy'));
    const v1Proxy = inbound(await logsOf('httpbin-v1', 'istio-proxy'));
    expect(v2Proxy).toContain('"httpbin-shadow:8000"');
    expect(v2Proxy).toContain(' outbound_.8000_.v2_.httpbin.mirroring.svc.cluster.local ');
    expect(v1Proxy).toContain('"httpbin:8000"');
    const requestId = (line: string) => /"([0-9a-f-]{36})"/.exec(line)?.[1];
    expect(requestId(v2Proxy)).toBeDefined();
    expect(requestId(v2Proxy)).toBe(requestId(v1Proxy));
    // The client's sidecar logs the request once, to v1: the shadow has no line of its own there.
    expect((await logsOf('curl', 'istio-proxy')).filter((l) => l.includes('"GET /headers HTTP/1.1"'))).toHaveLength(1);
  }, 60_000);

  it('mirrorPercentage 0 mirrors nothing', async () => {
    await k(['apply', '-f', '-'], mirrorRule('0'));
    await cluster.mesh!.whenApplied();
    const r = await k(['exec', 'deploy/curl', '-c', 'curl', '--', 'curl', '-sS', '-o', '/dev/null', '-w', '%{http_code}', 'http://httpbin:8000/get?probe=no-mirror']);
    expect(r.stdout).toBe('200');
    await until(async () => (await logsOf('httpbin-v1', 'httpbin')).some((l) => l.includes('probe=no-mirror')));
    await new Promise((res) => setTimeout(res, 300));
    expect((await logsOf('httpbin-v2', 'istio-proxy')).some((l) => l.includes('probe=no-mirror'))).toBe(false);
  });
});

// What a learner sees from inside pods and in their logs, step by step as istio.io's tasks write
// it, with the REAL kubectl (exec, logs) and curl against an embedded cluster. Expected outputs
// are istio.io's (content/en/docs/tasks/traffic-management/.../snips.sh), never what this code
// happens to print.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAcceptanceCluster, waitFor, type AcceptanceCluster } from './testing/acceptance-harness.ts';

let h: AcceptanceCluster;

// https://istio.io/latest/docs/tasks/traffic-management/mirroring/ "Before you begin": httpbin-v1
// and -v2 run gunicorn with its access log on stdout; sleep is a curl client.
const MIRRORING_HTTPBIN = (version: string) => `apiVersion: apps/v1
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
const MIRRORING_SERVICE = `apiVersion: v1
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
const SLEEP = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: sleep
spec:
  replicas: 1
  selector:
    matchLabels:
      app: sleep
  template:
    metadata:
      labels:
        app: sleep
    spec:
      containers:
      - name: sleep
        image: tutum/curl
        command: ["/bin/sleep","infinity"]
        imagePullPolicy: IfNotPresent
`;
// The kennethreitz image as it is, with its own CMD (the seed chapter's httpbin).
const PLAIN_HTTPBIN = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: httpbin-plain
spec:
  replicas: 1
  selector:
    matchLabels: {app: httpbin-plain}
  template:
    metadata:
      labels: {app: httpbin-plain}
    spec:
      containers:
      - image: docker.io/kennethreitz/httpbin
        name: httpbin
        ports: [{containerPort: 80}]
---
apiVersion: v1
kind: Service
metadata:
  name: httpbin-plain
spec:
  ports: [{name: http, port: 8000, targetPort: 80}]
  selector: {app: httpbin-plain}
`;
// Istio's samples/httpbin (go-httpbin since Istio 1.24).
const GO_HTTPBIN = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: httpbin-go
spec:
  replicas: 1
  selector:
    matchLabels: {app: httpbin-go}
  template:
    metadata:
      labels: {app: httpbin-go, version: v1}
    spec:
      containers:
      - image: docker.io/mccutchen/go-httpbin:v2.15.0
        name: httpbin
        ports: [{containerPort: 8080}]
---
apiVersion: v1
kind: Service
metadata:
  name: httpbin-go
spec:
  ports: [{name: http, port: 8000, targetPort: 8080}]
  selector: {app: httpbin-go}
`;

const podOf = async (selector: string) => (await h.kubectl(['get', 'pod', '-l', selector, '-o', 'jsonpath={.items[0].metadata.name}'])).stdout;
const fromSleep = (command: string[]) => h.kubectl(['exec', 'deploy/sleep', '-c', 'sleep', '--', ...command]);

beforeAll(async () => {
  h = await startAcceptanceCluster();
  expect((await h.kubectl(['label', 'namespace', 'default', 'istio-injection=enabled'])).stdout).toBe('namespace/default labeled\n');
  await h.apply([MIRRORING_HTTPBIN('v1'), MIRRORING_HTTPBIN('v2'), MIRRORING_SERVICE, SLEEP, PLAIN_HTTPBIN, GO_HTTPBIN].join('---\n'));
  for (const d of ['httpbin-v1', 'httpbin-v2', 'sleep', 'httpbin-plain', 'httpbin-go']) {
    const r = await h.kubectl(['rollout', 'status', `deployment/${d}`, '--timeout=60s']);
    expect(r.stdout).toContain(`deployment "${d}" successfully rolled out`);
  }
}, 180_000);

afterAll(async () => {
  await h?.stop();
});

describe('workloads log as their images do', () => {
  // istio.io mirroring, "Creating a default routing policy": all traffic to v1, then
  // `kubectl logs "$V1_POD" -c httpbin` shows gunicorn's access line and v2's log has none.
  it('mirroring task: v1 logs the request in gunicorn format, v2 logs none', async () => {
    await h.apply(`apiVersion: networking.istio.io/v1alpha3
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
---
apiVersion: networking.istio.io/v1alpha3
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
`);
    const r = await fromSleep(['curl', '-sS', 'http://httpbin:8000/headers']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).headers.Host).toBe('httpbin:8000');
    const v1 = await podOf('app=httpbin,version=v1');
    let v1Log = '';
    await waitFor(async () => (v1Log = (await h.kubectl(['logs', v1, '-c', 'httpbin'])).stdout).includes('GET /headers'));
    // Behind its sidecar, gunicorn sees the connection from 127.0.0.6 (Istio's inbound source).
    expect(v1Log).toMatch(/\n127\.0\.0\.6 - - \[\d\d\/\w{3}\/\d{4}:\d\d:\d\d:\d\d \+0000\] "GET \/headers HTTP\/1\.1" 200 \d+ "-" "curl\/[^"]+"\n$/);
    const v2Log = (await h.kubectl(['logs', await podOf('app=httpbin,version=v2'), '-c', 'httpbin'])).stdout;
    expect(v2Log).not.toContain('GET ');
  }, 60_000);

  it('gunicorn start-up lines name the command line\'s bind and worker', async () => {
    const log = (await h.kubectl(['logs', await podOf('app=httpbin,version=v1'), '-c', 'httpbin'])).stdout.split('\n');
    expect(log.slice(0, 4).map((l) => l.replace(/^\[[^\]]+\] /, ''))).toEqual([
      '[1] [INFO] Starting gunicorn 19.9.0',
      '[1] [INFO] Listening at: http://0.0.0.0:80 (1)',
      '[1] [INFO] Using worker: sync',
      '[8] [INFO] Booting worker with pid: 8',
    ]);
    expect(log[0]).toMatch(/^\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \+0000\] /);
  });

  it('the kennethreitz image with its own command writes no request lines', async () => {
    const r = await fromSleep(['curl', '-sS', '-o', '/dev/null', '-w', '%{http_code}\n', 'http://httpbin-plain:8000/get']);
    expect(r.stdout).toBe('200\n');
    const log = (await h.kubectl(['logs', await podOf('app=httpbin-plain'), '-c', 'httpbin'])).stdout;
    expect(log.split('\n').filter(Boolean).map((l) => l.replace(/^\[[^\]]+\] /, ''))).toEqual([
      '[1] [INFO] Starting gunicorn 19.9.0',
      '[1] [INFO] Listening at: http://0.0.0.0:80 (1)',
      '[1] [INFO] Using worker: gevent',
      '[8] [INFO] Booting worker with pid: 8',
    ]);
  }, 30_000);

  it('go-httpbin logs every request through log/slog', async () => {
    const r = await fromSleep(['curl', '-sS', '-o', '/dev/null', 'http://httpbin-go:8000/status/418']);
    expect(r.code).toBe(0);
    const pod = await podOf('app=httpbin-go');
    let log = '';
    await waitFor(async () => (log = (await h.kubectl(['logs', pod, '-c', 'httpbin'])).stdout).includes('/status/418'));
    expect(log).toMatch(/^time=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z level=INFO msg="go-httpbin listening on http:\/\/0\.0\.0\.0:8080"\n/);
    expect(log).toMatch(/\ntime=\S+ level=WARN msg="418 GET \/status\/418 \d+\.\dms" status=418 method=GET uri=\/status\/418 size_bytes=13 duration_ms=[\d.e-]+ user_agent=curl\/\S+ client_ip=127\.0\.0\.6\n$/);
  }, 30_000);
});

describe('headers a sidecar adds to outbound requests', () => {
  type Headers = Record<string, string>;
  const headersFrom = async (url: string): Promise<Headers> => {
    const r = await fromSleep(['curl', '-sS', url]);
    expect(r.code).toBe(0);
    return (JSON.parse(r.stdout) as { headers: Headers }).headers;
  };

  // https://istio.io/latest/docs/tasks/traffic-management/egress/egress-control/ "Access an
  // external HTTP service": with the httpbin-ext ServiceEntry, `curl -sS http://httpbin.org/headers`
  // shows `"X-Envoy-Decorator-Operation": "httpbin.org:80/*"` among Envoy's headers. A real
  // sidecar's request to httpbin.org also carries its metadata-exchange headers and the attempt
  // count, and no client certificate (no mTLS to an outside service); without a tracing provider
  // (the default install) there are no X-B3-* headers.
  it('to an external service: decorator, attempt count and the peer metadata of the calling pod', async () => {
    await h.apply(`apiVersion: networking.istio.io/v1alpha3
kind: ServiceEntry
metadata:
  name: httpbin-ext
spec:
  hosts:
  - httpbin.org
  ports:
  - number: 80
    name: http
    protocol: HTTP
  resolution: DNS
  location: MESH_EXTERNAL
`);
    const got = await headersFrom('http://httpbin.org/headers');
    expect(got).toMatchObject({ Accept: '*/*', Host: 'httpbin.org', 'X-Envoy-Attempt-Count': '1', 'X-Envoy-Decorator-Operation': 'httpbin.org:80/*' });
    const pod = await podOf('app=sleep');
    const ip = (await h.kubectl(['get', 'pod', pod, '-o', 'jsonpath={.status.podIP}'])).stdout;
    expect(got['X-Envoy-Peer-Metadata-Id']).toBe(`sidecar~${ip}~${pod}.default~default.svc.cluster.local`);
    // A protobuf Struct of the node metadata: field 1 map entries, string values.
    const md = Buffer.from(got['X-Envoy-Peer-Metadata']!, 'base64').toString('latin1');
    for (const s of ['APP_CONTAINERS', 'sleep', 'CLUSTER_ID', 'Kubernetes', 'INSTANCE_IPS', ip, 'MESH_ID', 'cluster.local', 'NAME', pod, 'OWNER', 'kubernetes://apis/apps/v1/namespaces/default/deployments/sleep', 'WORKLOAD_NAME', 'security.istio.io/tlsMode']) expect(md).toContain(s);
    expect(Object.keys(got).filter((k) => k.startsWith('X-B3-') || k === 'X-Forwarded-Client-Cert')).toEqual([]);
    await h.kubectl(['delete', 'serviceentry', 'httpbin-ext']);
  }, 30_000);

  it('passthrough (no ServiceEntry): no decorator, the peer metadata still sent', async () => {
    const got = await headersFrom('http://httpbin.org/headers');
    expect(got['X-Envoy-Decorator-Operation']).toBeUndefined();
    expect(got['X-Envoy-Peer-Metadata-Id']).toMatch(/^sidecar~10\.244\.\d+\.\d+~sleep-[a-z0-9]+-[a-z0-9]{5}\.default~default\.svc\.cluster\.local$/);
  }, 30_000);

  // https://istio.io/latest/docs/tasks/traffic-management/mirroring/ "Creating a default routing
  // policy": httpbin in the mesh sees X-Envoy-Attempt-Count and the client's certificate
  // (X-Forwarded-Client-Cert, mutual TLS between the sidecars); the server's sidecar consumes the
  // metadata-exchange headers.
  it('to an in-mesh service: XFCC with the client identity, no peer metadata', async () => {
    const got = await headersFrom('http://httpbin:8000/headers');
    expect(got['X-Envoy-Attempt-Count']).toBe('1');
    expect(got['X-Forwarded-Client-Cert']).toMatch(/^By=spiffe:\/\/cluster\.local\/ns\/default\/sa\/default;Hash=[0-9a-f]{64};Subject="";URI=spiffe:\/\/cluster\.local\/ns\/default\/sa\/default$/);
    expect(got['X-Envoy-Peer-Metadata']).toBeUndefined();
    expect(got['X-Envoy-Peer-Metadata-Id']).toBeUndefined();
  }, 30_000);
});

// https://istio.io/latest/docs/ops/configuration/traffic-management/dns-proxy/ : kube-dns knows no
// ServiceEntry, so its hosts resolve in a pod only when the sidecar proxies DNS
// (ISTIO_META_DNS_CAPTURE, off in the default install). Outside names listed in a ServiceEntry
// (httpbin.org above) resolve through ordinary DNS either way.
describe('DNS proxying', () => {
  const ENTRIES = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: external-address
spec:
  addresses:
  - 198.51.100.1
  hosts:
  - address.internal
  ports:
  - name: http
    number: 80
    protocol: HTTP
---
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: external-auto
spec:
  hosts:
  - auto.internal
  ports:
  - name: http
    number: 80
    protocol: HTTP
  resolution: DNS
`;
  // samples/curl/curl.yaml's Deployment, with the page's per-pod annotation when given.
  const curlDeployment = (name: string, annotation?: string) => `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ${name}
spec:
  replicas: 1
  selector:
    matchLabels:
      app: ${name}
  template:
    metadata:
      labels:
        app: ${name}
${annotation ? `      annotations:\n        proxy.istio.io/config: |\n${annotation.replace(/^/gm, '          ')}\n` : ''}    spec:
      terminationGracePeriodSeconds: 0
      containers:
      - name: curl
        image: curlimages/curl
        command: ["/bin/sleep", "infinity"]
`;
  const verbose = (deploy: string, host: string) => h.kubectl(['exec', `deploy/${deploy}`, '--', 'curl', '-sS', '-v', '--max-time', '5', host]);
  const rollout = async (name: string) => expect((await h.kubectl(['rollout', 'status', `deployment/${name}`, '--timeout=60s'])).code).toBe(0);

  beforeAll(async () => h.apply(ENTRIES), 30_000);

  it('without DNS capture (the default) a ServiceEntry host does not resolve: curl exit 6', async () => {
    const r = await verbose('sleep', 'address.internal');
    expect(r.stderr).toContain('Could not resolve host: address.internal');
    expect(r.stderr).toContain('command terminated with exit code 6');
    expect(r.code).toBe(6);
  }, 30_000);

  // "Getting started" (the proxy.istio.io/config annotation) and "DNS capture In action":
  // `curl -sS -v address.internal` → `*   Trying 198.51.100.1:80...`; "Address auto allocation":
  // `curl -sS -v auto.internal` → `*   Trying 240.240.0.1:80...` (an address from 240.240.0.0/16).
  it('with the per-pod annotation: the entry address, and an auto-allocated one', async () => {
    await h.apply(curlDeployment('curl-dns', 'proxyMetadata:\n  ISTIO_META_DNS_CAPTURE: "true"\n  ISTIO_META_DNS_AUTO_ALLOCATE: "true"'));
    await rollout('curl-dns');
    expect((await verbose('curl-dns', 'address.internal')).stderr).toMatch(/^\* +Trying 198\.51\.100\.1:80\.\.\.$/m);
    expect((await verbose('curl-dns', 'auto.internal')).stderr).toMatch(/^\* +Trying 240\.240\.\d{1,3}\.\d{1,3}:80\.\.\.$/m);
    // Services still resolve as kube-dns answers them.
    expect((await verbose('curl-dns', 'httpbin:8000/status/200')).stderr).toMatch(/Trying 10\.96\.\d+\.\d+:8000/);
  }, 60_000);

  it('mesh-wide proxyMetadata applies to pods injected after the change', async () => {
    await h.editMeshConfig((mesh) => mesh.replace('defaultConfig:\n', 'defaultConfig:\n  proxyMetadata:\n    ISTIO_META_DNS_CAPTURE: "true"\n'));
    try {
      await h.apply(curlDeployment('curl-mesh'));
      await rollout('curl-mesh');
      expect((await verbose('curl-mesh', 'address.internal')).stderr).toMatch(/Trying 198\.51\.100\.1:80/);
      // Without auto allocation an entry without addresses is not answered (kube-dns: no such name).
      expect((await verbose('curl-mesh', 'auto.internal')).code).toBe(6);
      // The pod created before the change keeps its proxy's environment.
      expect((await verbose('sleep', 'address.internal')).code).toBe(6);
    } finally {
      await h.editMeshConfig((mesh) => mesh.replace('  proxyMetadata:\n    ISTIO_META_DNS_CAPTURE: "true"\n', ''));
    }
  }, 60_000);
});

// https://istio.io/latest/docs/tasks/traffic-management/egress/egress-gateway/ "Egress gateway for
// HTTP traffic": the gateway's Service port 80 is named http2, so the sidecar's cluster to it is
// HTTP/2 and the gateway logs `"GET /politics HTTP/2" 301 ... "edition.cnn.com" "151.101.65.67:80"
// outbound|80||edition.cnn.com`: the request as HTTP/2 and the address edition.cnn.com resolved to.
describe('sidecar to egress gateway over HTTP/2', () => {
  it('the egress gateway logs HTTP/2 and the resolved upstream address', async () => {
    const manifest = await readFile(join(process.cwd(), 'labs', 'egress-gateway', 'egressgateway.yaml'), 'utf8');
    expect(manifest).toMatch(/- name: http2\n\s+port: 80/);
    await h.apply(manifest, 'istio-system');
    expect((await h.kubectl(['-n', 'istio-system', 'rollout', 'status', 'deployment/istio-egressgateway', '--timeout=60s'])).code).toBe(0);
    await h.apply(`apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: cnn
spec:
  hosts:
  - edition.cnn.com
  ports:
  - number: 80
    name: http-port
    protocol: HTTP
  - number: 443
    name: https
    protocol: HTTPS
  resolution: DNS
---
apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: istio-egressgateway
spec:
  selector:
    istio: egressgateway
  servers:
  - port:
      number: 80
      name: http
      protocol: HTTP
    hosts:
    - edition.cnn.com
---
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata:
  name: egressgateway-for-cnn
spec:
  host: istio-egressgateway.istio-system.svc.cluster.local
  subsets:
  - name: cnn
---
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: direct-cnn-through-egress-gateway
spec:
  hosts:
  - edition.cnn.com
  gateways:
  - istio-egressgateway
  - mesh
  http:
  - match:
    - gateways:
      - mesh
      port: 80
    route:
    - destination:
        host: istio-egressgateway.istio-system.svc.cluster.local
        subset: cnn
        port:
          number: 80
      weight: 100
  - match:
    - gateways:
      - istio-egressgateway
      port: 80
    route:
    - destination:
        host: edition.cnn.com
        port:
          number: 80
      weight: 100
`);
    const r = await fromSleep(['curl', '-sSL', '-o', '/dev/null', '-D', '-', 'http://edition.cnn.com/politics']);
    expect(r.stdout).toMatch(/^HTTP\/1\.1 301 Moved Permanently\r\n/);
    expect(r.stdout).toMatch(/\r\nHTTP\/2 200 \r\n/);
    const sleepIP = (await h.kubectl(['get', 'pod', await podOf('app=sleep'), '-o', 'jsonpath={.status.podIP}'])).stdout;
    const logs = await h.kubectl(['logs', '-l', 'istio=egressgateway', '-c', 'istio-proxy', '-n', 'istio-system', '--tail=5']);
    const line = logs.stdout.split('\n').find((l) => l.includes('GET /politics'));
    expect(line).toMatch(
      new RegExp(`^\\[[^\\]]+\\] "GET /politics HTTP/2" 301 - via_upstream - "-" 0 0 \\d+ \\d+ "${sleepIP.replace(/\./g, '\\.')}" "curl/[^"]+" "[0-9a-f-]{36}" "edition\\.cnn\\.com" "151\\.101\\.\\d+\\.67:80" outbound\\|80\\|\\|edition\\.cnn\\.com `),
    );
    // The client's own sidecar still logs the request as curl sent it (HTTP/1.1).
    const own = (await h.kubectl(['logs', await podOf('app=sleep'), '-c', 'istio-proxy', '--tail=5'])).stdout;
    expect(own).toMatch(/"GET \/politics HTTP\/1\.1" 301 .* outbound\|80\|cnn\|istio-egressgateway\.istio-system\.svc\.cluster\.local /);
  }, 90_000);
});

// What curl prints about its connection in a pod: the Service's cluster IP (kube-dns's answer)
// in both `Trying` and `Connected to`, as on a real cluster where iptables redirects the
// connection to the sidecar without changing the peer the application sees (e.g. istio.io's DNS
// proxying page: `curl -sS -v address.internal` → `*   Trying 198.51.100.1:80...`).
describe('what curl -v shows inside a pod', () => {
  it('Trying and Connected to name the Service cluster IP, not loopback', async () => {
    const ip = (await h.kubectl(['get', 'svc', 'httpbin', '-o', 'jsonpath={.spec.clusterIP}'])).stdout;
    expect(ip).toMatch(/^10\.96\.\d+\.\d+$/);
    const r = await fromSleep(['curl', '-sS', '-v', '-o', '/dev/null', 'http://httpbin:8000/headers']);
    expect(r.code).toBe(0);
    const esc = ip.replace(/\./g, '\\.');
    expect(r.stderr).toMatch(new RegExp(`^\\* +Trying ${esc}:8000\\.\\.\\.$`, 'm'));
    expect(r.stderr).toMatch(new RegExp(`^\\* Connected to httpbin \\(${esc}\\) port 8000`, 'm'));
    expect(r.stderr).not.toContain('127.0.0.1');
    const w = await fromSleep(['curl', '-sS', '-o', '/dev/null', '-w', '%{remote_ip}:%{remote_port}\n', 'http://httpbin:8000/get']);
    expect(w.stdout).toBe(`${ip}:8000\n`);
  }, 30_000);
});

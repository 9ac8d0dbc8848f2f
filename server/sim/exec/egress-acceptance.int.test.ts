// Egress acceptance: Istio's egress tasks, step by step, with REAL kubectl, curl and helm against
// an embedded cluster composed of its real parts (API server, controllers, workloads, mesh,
// simulated internet, sandboxed exec with sidecar interception). Expected outputs are the ones
// istio.io's docs show (their snips.sh), never what this code happens to print.
//
// Sources (istio/istio.io content/en/docs/tasks/traffic-management/egress/...):
//   EC = egress-control/index.md   EG = egress-gateway/index.md   ET = egress-timeouts (in EC)
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fullClusterOptions } from '../../drivers/embedded/composition.ts';
import { EmbeddedCluster } from '../cluster.ts';
import type { MeshDataPlane } from '../mesh/mesh-data-plane.ts';
import { acquireSimulatedInternet, type SimulatedInternetLease } from '../world/simulated-internet.ts';
import { findTool } from '../../tools/binaries.ts';
import { SandboxExecBackend } from './sandbox-exec-backend.ts';

interface Run {
  stdout: string;
  stderr: string;
  code: number;
  ms: number;
}

let work: string;
let cluster: EmbeddedCluster;
let lease: SimulatedInternetLease;
let mesh: MeshDataPlane | undefined;
let env: Record<string, string>;

function run(file: string, args: string[], input?: string, timeoutMs = 60_000): Promise<Run> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = execFile(file, args, { env, timeout: timeoutMs, encoding: 'utf8', maxBuffer: 8 << 20 }, (err, stdout, stderr) =>
      resolve({ stdout, stderr, code: err ? Number((err as { code?: number }).code ?? -1) : 0, ms: Date.now() - started }),
    );
    if (input !== undefined) child.stdin!.end(input);
  });
}

const kubectl = (args: string[], input?: string) => run(findTool('kubectl'), args, input);
const apply = async (yaml: string, ns = 'default') => {
  const r = await kubectl(['apply', '-n', ns, '-f', '-'], yaml);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  // Real Istio needs about a second to push config; the embedded mesh says when it is applied.
  await mesh!.whenApplied();
};
/** `kubectl exec deploy/curl -- <command>` from the curl sample in the injected namespace. */
const fromCurl = (command: string[]) => kubectl(['exec', 'deploy/curl', '--', ...command]);

async function setMode(mode: 'ALLOW_ANY' | 'REGISTRY_ONLY') {
  // What `istioctl install --set meshConfig.outboundTrafficPolicy.mode=...` changes: the mesh
  // config in ConfigMap istio (EC "Change to the blocking-by-default policy").
  const cm = await kubectl(['-n', 'istio-system', 'get', 'configmap', 'istio', '-o', 'jsonpath={.data.mesh}']);
  const mesh = cm.stdout.replace(/mode: (ALLOW_ANY|REGISTRY_ONLY)/, `mode: ${mode}`);
  expect(mesh).toContain(`mode: ${mode}`);
  const patch = JSON.stringify({ data: { mesh } });
  const r = await kubectl(['-n', 'istio-system', 'patch', 'configmap', 'istio', '--type', 'merge', '-p', patch]);
  expect(r.stdout).toBe('configmap/istio patched\n');
  await meshApplied();
}

async function meshApplied() {
  await mesh!.whenApplied();
}

// samples/curl/curl.yaml (Istio), used by every egress task.
const CURL_SAMPLE = `apiVersion: v1
kind: ServiceAccount
metadata:
  name: curl
---
apiVersion: v1
kind: Service
metadata:
  name: curl
  labels:
    app: curl
    service: curl
spec:
  ports:
  - port: 80
    name: http
  selector:
    app: curl
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: curl
spec:
  replicas: 1
  selector:
    matchLabels:
      app: curl
  template:
    metadata:
      labels:
        app: curl
    spec:
      terminationGracePeriodSeconds: 0
      serviceAccountName: curl
      containers:
      - name: curl
        image: curlimages/curl
        command: ["/bin/sleep", "infinity"]
        imagePullPolicy: IfNotPresent
`;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'meshlab-egress-'));
  // The embedded driver's composition (workloads, mesh, validation, world with the laptop
  // uplink), with the exec backend given the cluster's logs and pod sockets as well.
  lease = await acquireSimulatedInternet();
  cluster = await EmbeddedCluster.start(
    fullClusterOptions({
      dataDir: work,
      timing: { podScheduleMs: 20, podStartMs: 60, podReadyMs: 40 },
      meshPropagationMs: 50,
      exec: (ctx) =>
        new SandboxExecBackend({
          store: ctx.store,
          logs: ctx.logs,
          clusterDir: ctx.dir,
          dataPlane: () => ctx.parts.mesh?.sidecar,
          world: lease.world,
          podSocket: (ip, port) => ctx.network.socketOf(ip, port),
        }),
    }),
  );
  mesh = cluster.mesh;
  expect(mesh).toBeDefined();
  const shell = cluster.shellEnv();
  env = { ...shell, PATH: `${shell.PATH ? `${shell.PATH}:` : ''}${dirname(findTool('kubectl'))}:/usr/bin:/bin`, HOME: join(work, 'home') };
  expect((await kubectl(['label', 'namespace', 'default', 'istio-injection=enabled'])).stdout).toBe('namespace/default labeled\n');
  await apply(CURL_SAMPLE);
  const rollout = await kubectl(['rollout', 'status', 'deployment/curl', '--timeout=60s']);
  expect(rollout.stdout).toContain('deployment "curl" successfully rolled out');
}, 120_000);

afterAll(async () => {
  await cluster?.stop();
  await lease?.release();
  rmSync(work, { recursive: true, force: true });
});

describe('egress acceptance (real kubectl, curl, helm)', () => {
  it('the curl sample is injected (2/2)', async () => {
    const r = await kubectl(['get', 'pods', '-l', 'app=curl']);
    expect(r.stdout).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\ncurl-[a-z0-9]+-[a-z0-9]{5}\s+2\/2\s+Running\s+0\s+/);
  });

  // kubectl exec itself (client-go remotecommand; reference-outputs.md "exec").
  describe('kubectl exec into the curl sample', () => {
    it('runs in the pod: host name, service links, stdin', async () => {
      const pod = (await kubectl(['get', 'pods', '-l', 'app=curl', '-o', 'jsonpath={.items[0].metadata.name}'])).stdout;
      expect((await fromCurl(['hostname'])).stdout).toBe(`${pod}\n`);
      expect((await fromCurl(['sh', '-c', 'echo $KUBERNETES_SERVICE_HOST $CURL_SERVICE_PORT'])).stdout).toMatch(/^10\.96\.0\.1 80\n$/);
      const cat = await kubectl(['exec', '-i', 'deploy/curl', '--', 'cat'], 'piped input\n');
      expect(cat.stdout).toBe('piped input\n');
    }, 30_000);

    it('exit codes: `command terminated with exit code N`', async () => {
      const r = await fromCurl(['sh', '-c', 'exit 7']);
      expect(r.code).toBe(7);
      expect(r.stderr).toBe('command terminated with exit code 7\n');
    }, 30_000);

    it('a command the image lacks: the runtime\'s message and exit code 127', async () => {
      const r = await fromCurl(['no-such-command']);
      expect(r.stdout).toContain('exec: "no-such-command": executable file not found in $PATH');
      expect(r.stderr).toBe('command terminated with exit code 127\n');
      expect(r.code).toBe(127);
    }, 30_000);
  });

  describe('ALLOW_ANY (EC "Envoy passthrough to external services")', () => {
    const cases: { name: string; command: string[]; stdout: RegExp; code?: number }[] = [
      // Passthrough: the request reaches httpbin.org with the headers a client and Envoy send,
      // and nothing of meshlab's own plumbing (no X-Meshlab-* header, no Connection: close).
      { name: 'HTTP to httpbin.org through the sidecar', command: ['curl', '-sS', 'http://httpbin.org/headers'], stdout: /^(?![\s\S]*(X-Meshlab|"Connection": "close"))[\s\S]*"Host": "httpbin\.org"/ },
      // EC: `curl -sSI https://www.google.com | grep "HTTP/"` → `HTTP/2 200`.
      { name: 'HTTPS to www.google.com', command: ['curl', '-sSI', 'https://www.google.com'], stdout: /^HTTP\/2 200/ },
      // EC: `curl -sI https://edition.cnn.com | grep "HTTP/"` → `HTTP/2 200`.
      { name: 'HTTPS to edition.cnn.com', command: ['curl', '-sI', 'https://edition.cnn.com'], stdout: /^HTTP\/2 200/ },
      // Istio's interception is transparent: curl -v shows a direct connection, no proxy.
      { name: 'curl -v shows no proxy', command: ['sh', '-c', 'curl -sv -o /dev/null http://httpbin.org/get 2>&1'], stdout: /^(?![\s\S]*([Pp]roxy|CONNECT |Connection established))[\s\S]*> GET \/get HTTP\/1\.1\r?\n> Host: httpbin\.org\r?\n/ },
      // Names that exist nowhere fail in DNS, as in a real pod.
      { name: 'unknown host', command: ['curl', '-sS', 'http://no-such-site.invalid/'], stdout: /^$/, code: 6 },
    ];
    it.each(cases)('$name', async (c) => {
      const r = await fromCurl(c.command);
      expect(r.stdout).toMatch(c.stdout);
      expect(r.code).toBe(c.code ?? 0);
      if (c.code) expect(r.stderr).toContain(`command terminated with exit code ${c.code}`);
    }, 30_000);
  });

  describe('REGISTRY_ONLY (EC "Controlled access to external services")', () => {
    beforeAll(async () => setMode('REGISTRY_ONLY'), 30_000);

    it('HTTP to an unregistered host: 502 from the sidecar', async () => {
      const r = await fromCurl(['curl', '-sS', '-o', '/dev/null', '-w', '%{http_code}\n', 'http://httpbin.org/headers']);
      expect(r.stdout).toBe('502\n');
    }, 30_000);

    // EC: `curl -sI https://www.google.com | grep "HTTP/"; curl -sI https://edition.cnn.com | grep "HTTP/"`
    // then `command terminated with exit code 35`.
    it('HTTPS to an unregistered host: exit code 35', async () => {
      const r = await fromCurl(['curl', '-sI', 'https://www.google.com']);
      expect(r.code).toBe(35);
      expect(r.stderr).toBe('command terminated with exit code 35\n');
    }, 30_000);

    // EC "Access an external HTTP service": ServiceEntry httpbin-ext, then /headers shows the
    // sidecar's headers, among them `"X-Envoy-Decorator-Operation": "httpbin.org:80/*"`.
    it('ServiceEntry for HTTP httpbin.org', async () => {
      await apply(`apiVersion: networking.istio.io/v1
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
      const r = await fromCurl(['curl', '-sS', 'http://httpbin.org/headers']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/"X-Envoy-Decorator-Operation": "httpbin\.org:80\/\*"/);
      expect(r.stdout).not.toMatch(/X-Meshlab/i);
      // EC: `kubectl logs "$SOURCE_POD" -c istio-proxy | tail` shows the request with its
      // upstream cluster: `"GET /headers HTTP/1.1" 200 ... outbound|80||httpbin.org`.
      const logs = await kubectl(['logs', 'deploy/curl', '-c', 'istio-proxy', '--tail=5']);
      expect(logs.stdout).toMatch(/"GET \/headers HTTP\/1\.1" 200 [^\n]*outbound\|80\|\|httpbin\.org/);
    }, 30_000);

    // EC "Access an external HTTPS service": ServiceEntry google, `HTTP/2 200`.
    it('ServiceEntry for HTTPS www.google.com', async () => {
      await apply(`apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: google
spec:
  hosts:
  - www.google.com
  ports:
  - number: 443
    name: https
    protocol: HTTPS
  resolution: DNS
  location: MESH_EXTERNAL
`);
      const r = await fromCurl(['curl', '-sSI', 'https://www.google.com']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^HTTP\/2 200/);
      // EC: the sidecar's log has the TLS connection to `outbound|443||www.google.com`.
      const logs = await kubectl(['logs', 'deploy/curl', '-c', 'istio-proxy', '--tail=5']);
      // Istio's TEXT format for a TCP connection, as the task's log shows it:
      // "- - -" 0 - - - "-" <rx> <tx> <ms> - "-" "-" "-" "-" "<ip>:443" outbound|443||www.google.com <local> <ip>:443 <pod ip:port> www.google.com -
      expect(logs.stdout).toMatch(/"- - -" 0 - - - "-" \d+ \d+ \d+ - "-" "-" "-" "-" "[\d.]+:443" outbound\|443\|\|www\.google\.com [\d.]+:\d+ [\d.]+:443 [\d.]+:\d+ www\.google\.com -/);
    }, 30_000);

    // EC "Manage traffic to external services": `time curl -o /dev/null -sS -w "%{http_code}\n"
    // http://httpbin.org/delay/5` gives 200 in about 5 s, and 504 after about 3 s with the timeout.
    it('VirtualService timeout of 3s on httpbin.org: /delay/5 gives 504', async () => {
      await apply(`apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: httpbin-ext
spec:
  hosts:
  - httpbin.org
  http:
  - timeout: 3s
    route:
    - destination:
        host: httpbin.org
      weight: 100
`);
      const r = await fromCurl(['curl', '-o', '/dev/null', '-sS', '-w', '%{http_code}\n', 'http://httpbin.org/delay/5']);
      expect(r.stdout).toBe('504\n');
      expect(r.ms).toBeGreaterThanOrEqual(2900);
      expect(r.ms).toBeLessThan(4900);
      await kubectl(['delete', 'virtualservice', 'httpbin-ext']);
    }, 30_000);

    afterAll(async () => {
      await kubectl(['delete', 'serviceentry', 'httpbin-ext', 'google', '--ignore-not-found']);
      await setMode('ALLOW_ANY');
    }, 30_000);
  });

  describe('egress gateway for HTTP traffic (EG)', () => {
    // EG "Deploy Istio egress gateway" with helm, as the chapter writes it.
    it('helm installs istio-egressgateway from Istio\'s chart repository', async () => {
      const helm = findTool('helm') && 'helm';
      const add = await run(helm, ['repo', 'add', 'istio', 'https://istio-release.storage.googleapis.com/charts']);
      expect(add.stdout).toBe('"istio" has been added to your repositories\n');
      const install = await run(helm, ['install', 'istio-egressgateway', 'istio/gateway', '-n', 'istio-system']);
      expect(install.stderr).toBe('');
      expect(install.stdout).toMatch(/^NAME: istio-egressgateway\n[\s\S]*STATUS: deployed\n/);
      // The chart's NOTES, as Istio's istio/gateway chart prints them.
      expect(install.stdout).toContain('"istio-egressgateway" successfully installed!\n\nTo learn more about the release, try:\n  $ helm status istio-egressgateway -n istio-system\n');
      const rollout = await kubectl(['-n', 'istio-system', 'rollout', 'status', 'deployment/istio-egressgateway', '--timeout=60s']);
      expect(rollout.stdout).toContain('deployment "istio-egressgateway" successfully rolled out');
      const pods = await kubectl(['get', 'pod', '-l', 'istio=egressgateway', '-n', 'istio-system']);
      expect(pods.stdout).toMatch(/\nistio-egressgateway-[a-z0-9]+-[a-z0-9]{5}\s+1\/1\s+Running\s+0\s+/);
    }, 120_000);

    // EG "Egress gateway for HTTP traffic": ServiceEntry cnn, Gateway, DestinationRule and the
    // VirtualService bound to [istio-egressgateway, mesh]; then
    // `curl -sSL -o /dev/null -D - http://edition.cnn.com/politics` shows 301 then HTTP/2 200, and
    // the gateway's log has `outbound|80||edition.cnn.com`.
    it('routes edition.cnn.com through the egress gateway and logs it', async () => {
      await apply(`apiVersion: networking.istio.io/v1
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
`);
      await apply(`apiVersion: networking.istio.io/v1
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
      const r = await fromCurl(['curl', '-sSL', '-o', '/dev/null', '-D', '-', 'http://edition.cnn.com/politics']);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^HTTP\/1\.1 301 Moved Permanently\r\n/);
      expect(r.stdout).toMatch(/\r\nlocation: https:\/\/edition\.cnn\.com\/politics\r\n/i);
      expect(r.stdout).toMatch(/\r\nHTTP\/2 200 \r\n/);
      const logs = await kubectl(['logs', '-l', 'istio=egressgateway', '-c', 'istio-proxy', '-n', 'istio-system', '--tail=20']);
      expect(logs.stdout).toMatch(/"GET \/politics HTTP\/[12](\.1)?" 301 [\s\S]*outbound\|80\|\|edition\.cnn\.com/);
    }, 60_000);

    // EG "Cleanup" with helm, then the same gateway from a plain manifest (what `helm template`
    // renders, applied with kubectl) routes the same way.
    it('a plain-manifest egress gateway works the same', async () => {
      const template = await run('helm', ['template', 'istio-egressgateway', 'istio/gateway', '-n', 'istio-system']);
      expect(template.code).toBe(0);
      const un = await run('helm', ['uninstall', 'istio-egressgateway', '-n', 'istio-system']);
      expect(un.stdout).toBe('release "istio-egressgateway" uninstalled\n');
      await waitFor(async () => (await kubectl(['get', 'pods', '-n', 'istio-system', '-l', 'istio=egressgateway', '-o', 'name'])).stdout === '');
      const applied = await kubectl(['apply', '-n', 'istio-system', '-f', '-'], template.stdout);
      expect(applied.stdout).toContain('deployment.apps/istio-egressgateway created');
      const rollout = await kubectl(['-n', 'istio-system', 'rollout', 'status', 'deployment/istio-egressgateway', '--timeout=60s']);
      expect(rollout.code).toBe(0);
      await meshApplied();
      const r = await fromCurl(['curl', '-sS', '-o', '/dev/null', '-w', '%{http_code}\n', 'http://edition.cnn.com/politics']);
      expect(r.stdout).toBe('301\n');
      const logs = await kubectl(['logs', '-l', 'istio=egressgateway', '-c', 'istio-proxy', '-n', 'istio-system', '--tail=5']);
      expect(logs.stdout).toContain('outbound|80||edition.cnn.com');
    }, 120_000);
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('timed out');
}

// The embedded driver's full cluster from a learner's shell: the handle's environment alone is
// enough for real kubectl, curl to the ingress gateway, and kubectl exec through a sidecar.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findTool } from '../../tools/binaries.ts';
import type { ClusterHandle } from '../types.ts';
import { EmbeddedDriver } from './embedded-driver.ts';

const run = promisify(execFile);
let work: string;
let handle: ClusterHandle;

const MANIFESTS = `apiVersion: v1
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
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: httpbin
spec:
  replicas: 1
  selector:
    matchLabels:
      app: httpbin
  template:
    metadata:
      labels:
        app: httpbin
    spec:
      containers:
      - image: docker.io/kennethreitz/httpbin
        name: httpbin
        ports:
        - containerPort: 80
---
apiVersion: networking.istio.io/v1alpha3
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
    - "*"
---
apiVersion: networking.istio.io/v1alpha3
kind: VirtualService
metadata:
  name: httpbin
spec:
  hosts:
  - "*"
  gateways:
  - httpbin-gateway
  http:
  - route:
    - destination:
        host: httpbin
        port:
          number: 8000
`;

async function shell(script: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = handle.shellEnv();
  const path = [env.PATH, dirname(findTool('kubectl')), dirname(findTool('curl')), '/usr/bin', '/bin'].filter(Boolean).join(':');
  try {
    const r = await run('/bin/bash', ['-c', script], { env: { ...env, PATH: path, HOME: work, KUBECACHEDIR: join(work, 'cache') }, timeout: 60_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'meshlab-embedded-full-'));
  handle = await new EmbeddedDriver({ dataDir: work, timing: { podScheduleMs: 10, podStartMs: 30, podReadyMs: 20 }, meshPropagationMs: 20 }).create({ name: 'int' });
}, 60_000);

afterAll(async () => {
  await handle?.destroy();
  await rm(work, { recursive: true, force: true });
});

describe('a learner shell on the embedded driver', () => {
  it('exports KUBECONFIG, INGRESS_HOST and INGRESS_PORT', async () => {
    const r = await shell('echo "$KUBECONFIG $INGRESS_HOST:$INGRESS_PORT"');
    expect(r.stdout.trim()).toBe(`${handle.kubeconfigPath} 127.0.0.1:${handle.ingress.port}`);
  });

  it('reaches httpbin through the ingress gateway after the chapter’s Gateway and VirtualService', async () => {
    const apply = await shell(`kubectl label ns default istio-injection=enabled && kubectl apply -f - <<'EOF'\n${MANIFESTS}EOF\nkubectl rollout status deploy/httpbin --timeout=30s`);
    expect(apply.code, apply.stderr).toBe(0);
    let r = { code: 1, stdout: '', stderr: '' };
    for (let i = 0; i < 40; i++) {
      r = await shell('curl -s -I "http://$INGRESS_HOST:$INGRESS_PORT/status/200"');
      if (r.stdout.startsWith('HTTP/1.1 200')) break;
      await new Promise((res) => setTimeout(res, 50));
    }
    expect(r.stdout).toMatch(/^HTTP\/1\.1 200 OK\r\nserver: istio-envoy\r\n/);
  });

  it('runs kubectl exec in the injected pod, through its sidecar to the service', async () => {
    const r = await shell('kubectl exec deploy/httpbin -- curl -s -o /dev/null -w "%{http_code}" http://httpbin:8000/status/418');
    expect(r.stdout).toBe('418');
  });

  it("gives an exec'd command the pod's own localhost: the httpbin container answers on port 80", async () => {
    const r = await shell('kubectl exec deploy/httpbin -- curl -s -o /dev/null -w "%{http_code}" http://localhost:80/status/202');
    expect(r.stdout, r.stderr).toBe('202');
  });

  it('logs TCP connections through the sidecar in the istio-proxy log', async () => {
    await shell('kubectl exec deploy/httpbin -- curl -s -o /dev/null https://www.google.com/');
    const r = await shell('kubectl logs deploy/httpbin -c istio-proxy --tail=20');
    expect(r.stdout).toMatch(/www\.google\.com|PassthroughCluster|outbound\|443\|\|/);
  });

  it('is back to the fresh state after reset', async () => {
    await handle.reset();
    const r = await shell('kubectl get deploy,svc -n default -o name; kubectl get ns default -o jsonpath="{.metadata.labels.istio-injection}"');
    expect(r.stdout).toBe('service/kubernetes\n');
  });
});

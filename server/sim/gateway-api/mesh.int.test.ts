// Mesh traffic by Gateway API routes, with the real kubectl and curl inside a pod:
// - the egress gateway pattern of https://istio.io/latest/docs/tasks/traffic-management/egress/egress-gateway/
//   ("Egress gateway for HTTP traffic", Gateway API tab): sidecar → cnn-egress-gateway-istio → edition.cnn.com;
// - an HTTPRoute whose parent is a Service (GAMMA), as the Gateway API tab of
//   https://istio.io/latest/docs/tasks/traffic-management/request-routing/ ("Route based on user identity")
//   routes `end-user: jason` to another version.
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedCluster } from '../cluster.ts';
import { startLearnerShell, type LearnerShell } from './learner-shell.ts';
import { CURL_SAMPLE, EGRESS_GATEWAY, EGRESS_ROUTES, EGRESS_SERVICE_ENTRY, HTTPBIN_SAMPLE } from './testing/manifests.ts';

let shell: LearnerShell;
let cluster: EmbeddedCluster;
const kubectl = (args: string[], input?: string) => shell.kubectl(args, input);
const fromCurl = (command: string[]) => kubectl(['exec', 'deploy/curl', '-c', 'curl', '--', ...command]);

beforeAll(async () => {
  shell = await startLearnerShell('meshlab-gwapi-mesh-');
  cluster = shell.cluster;
  await kubectl(['label', 'namespace', 'default', 'istio-injection=enabled']);
  await kubectl(['apply', '-f', '-'], CURL_SAMPLE);
  expect((await kubectl(['rollout', 'status', 'deployment/curl', '--timeout=60s'])).code).toBe(0);
}, 90_000);

afterAll(async () => {
  await shell?.stop();
});

describe('egress gateway for HTTP traffic (Gateway API tab)', () => {
  it('routes the pod\'s request through cnn-egress-gateway-istio, whose log shows it', async () => {
    await kubectl(['apply', '-f', '-'], EGRESS_SERVICE_ENTRY);
    await kubectl(['apply', '-f', '-'], EGRESS_GATEWAY);
    const wait = await kubectl(['wait', '--for=condition=programmed', 'gtw', 'cnn-egress-gateway', '--timeout=30s']);
    expect(wait.stdout).toBe('gateway.gateway.networking.k8s.io/cnn-egress-gateway condition met\n');
    // A ClusterIP Service: the Gateway's address is the cluster IP.
    const svc = parseYaml((await kubectl(['get', 'svc', 'cnn-egress-gateway-istio', '-o', 'yaml'])).stdout);
    expect(svc.spec.type).toBe('ClusterIP');
    const address = (await kubectl(['get', 'gtw', 'cnn-egress-gateway', '-o', 'jsonpath={.status.addresses[0].value}'])).stdout;
    expect(address).toBe(svc.spec.clusterIP);
    expect((await kubectl(['rollout', 'status', 'deployment/cnn-egress-gateway-istio', '--timeout=30s'])).code).toBe(0);
    await kubectl(['apply', '-f', '-'], EGRESS_ROUTES);
    await cluster.settled();
    const parents = parseYaml((await kubectl(['get', 'httproute', 'direct-cnn-to-egress-gateway', '-o', 'yaml'])).stdout).status.parents;
    expect(parents[0].parentRef).toMatchObject({ group: 'networking.istio.io', kind: 'ServiceEntry', name: 'cnn' });
    expect(parents[0].conditions.map((c: Record<string, string>) => `${c.type}=${c.status}`)).toEqual(['Accepted=True', 'ResolvedRefs=True']);

    const r = await fromCurl(['curl', '-sSL', '-o', '/dev/null', '-D', '-', 'http://edition.cnn.com/politics']);
    expect(r.stdout).toMatch(/^HTTP\/1\.1 301 Moved Permanently\r\n/);
    expect(r.stdout).toMatch(/\r\nlocation: https:\/\/edition\.cnn\.com\/politics\r\n/);
    expect(r.stdout).toMatch(/\r\nHTTP\/2 200 \r\n/);
    const logs = await kubectl(['logs', '-l', 'gateway.networking.k8s.io/gateway-name=cnn-egress-gateway', '-c', 'istio-proxy']);
    const line = logs.stdout.trim().split('\n').filter((l) => l.includes('/politics')).at(-1) ?? '';
    expect(line).toMatch(/"GET \/politics HTTP\/1\.1" 301 /);
    expect(line).toContain('"edition.cnn.com"');
    expect(line).toContain('outbound|80||edition.cnn.com');
  }, 90_000);
});

describe('a Service as parent (GAMMA)', () => {
  it('sends end-user: jason to the other backend and everyone else to the first', async () => {
    await kubectl(['apply', '-f', '-'], HTTPBIN_SAMPLE);
    for (const v of ['v1', 'v2']) {
      await kubectl(['apply', '-f', '-'], `apiVersion: v1\nkind: Service\nmetadata:\n  name: httpbin-${v}\nspec:\n  ports:\n  - {name: http, port: 8000, targetPort: 8080}\n  selector: {app: httpbin}\n`);
    }
    const route = `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: httpbin
spec:
  parentRefs:
  - group: ""
    kind: Service
    name: httpbin
    port: 8000
  rules:
  - matches:
    - headers:
      - name: end-user
        value: jason
    backendRefs:
    - name: httpbin-v2
      port: 8000
      filters:
      - type: ResponseHeaderModifier
        responseHeaderModifier:
          add: [{name: x-backend, value: v2}]
  - backendRefs:
    - name: httpbin-v1
      port: 8000
      filters:
      - type: ResponseHeaderModifier
        responseHeaderModifier:
          add: [{name: x-backend, value: v1}]
`;
    await kubectl(['apply', '-f', '-'], route);
    expect((await kubectl(['rollout', 'status', 'deployment/httpbin', '--timeout=30s'])).code).toBe(0);
    await cluster.settled();
    const status = parseYaml((await kubectl(['get', 'httproute', 'httpbin', '-o', 'yaml'])).stdout).status.parents[0];
    expect(status).toMatchObject({ controllerName: 'istio.io/gateway-controller', parentRef: { group: '', kind: 'Service', name: 'httpbin', port: 8000 } });
    const jason = await fromCurl(['curl', '-s', '-D', '-', '-o', '/dev/null', '-H', 'end-user: jason', 'http://httpbin:8000/get']);
    expect(jason.stdout).toMatch(/\r\nx-backend: v2\r\n/);
    const other = await fromCurl(['curl', '-s', '-D', '-', '-o', '/dev/null', 'http://httpbin:8000/get']);
    expect(other.stdout).toMatch(/\r\nx-backend: v1\r\n/);
  }, 60_000);
});

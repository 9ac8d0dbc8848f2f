// Istio's Gateway API implementation in the embedded cluster with the real kubectl and curl, as
// istio.io's Ingress Gateways task runs it with the Gateway API tab
// (https://istio.io/latest/docs/tasks/traffic-management/ingress/ingress-control/, "Configuring
// ingress using a gateway" and "Determining the ingress IP and ports"), and the automated
// deployment of https://istio.io/latest/docs/tasks/traffic-management/ingress/gateway-api/#automated-deployment.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EmbeddedCluster } from '../cluster.ts';
import { createWorldCertificates } from '../world/world-ca.ts';
import { startLearnerShell, type LearnerShell } from './learner-shell.ts';
import { HTTPBIN_SAMPLE, INGRESS_CONTROL_GATEWAY as GATEWAY, INGRESS_CONTROL_ROUTE as ROUTE } from './testing/manifests.ts';

let shell: LearnerShell;
let cluster: EmbeddedCluster;
const kubectl = (args: string[], input?: string) => shell.kubectl(args, input);
const sh = (script: string) => shell.sh(script);

beforeAll(async () => {
  shell = await startLearnerShell('meshlab-gwapi-');
  cluster = shell.cluster;
}, 60_000);

afterAll(async () => {
  await shell?.stop();
});

describe("Istio's gateway controller", () => {
  it('keeps the istio GatewayClass, accepted', async () => {
    const r = await kubectl(['get', 'gc']);
    const rows = r.stdout.trim().split('\n').map((l) => l.split(/\s{2,}/));
    expect(rows[0]).toEqual(['NAME', 'CONTROLLER', 'ACCEPTED', 'AGE']);
    expect(rows.slice(1).map((x) => x.slice(0, 3))).toEqual([
      ['istio', 'istio.io/gateway-controller', 'True'],
      ['istio-remote', 'istio.io/unmanaged-gateway', 'True'],
    ]);
  });

  it('deploys <name>-istio for a Gateway and programs it with a reachable address (ingress-control, Gateway API tab)', async () => {
    expect((await kubectl(['apply', '-f', '-'], GATEWAY)).stdout).toBe('gateway.gateway.networking.k8s.io/httpbin-gateway created\n');
    const wait = await kubectl(['wait', '--for=condition=programmed', 'gtw', 'httpbin-gateway', '--timeout=30s']);
    expect(wait.stderr).toBe('');
    expect(wait.stdout).toBe('gateway.gateway.networking.k8s.io/httpbin-gateway condition met\n');
    const objects = await kubectl(['get', 'deploy,svc,sa', '-l', 'gateway.networking.k8s.io/gateway-name=httpbin-gateway', '-o', 'jsonpath={range .items[*]}{.kind}/{.metadata.name} {.metadata.ownerReferences[0].kind}{"\\n"}{end}']);
    expect(objects.stdout.trim().split('\n')).toEqual(['Deployment/httpbin-gateway-istio Gateway', 'Service/httpbin-gateway-istio Gateway', 'ServiceAccount/httpbin-gateway-istio Gateway']);
    const svc = await kubectl(['get', 'svc', 'httpbin-gateway-istio']);
    expect(svc.stdout).toMatch(/^NAME\s+TYPE\s+CLUSTER-IP\s+EXTERNAL-IP\s+PORT\(S\)\s+AGE\nhttpbin-gateway-istio\s+LoadBalancer\s+10\.96\.\d+\.\d+\s+172\.18\.255\.200\s+15021:3\d{4}\/TCP,80:3\d{4}\/TCP\s+/);
    const gtw = await kubectl(['get', 'gtw']);
    expect(gtw.stdout).toMatch(/^NAME\s+CLASS\s+ADDRESS\s+PROGRAMMED\s+AGE\nhttpbin-gateway\s+istio\s+172\.18\.255\.200\s+True\s+/);
    const status = parseYaml((await kubectl(['get', 'gtw', 'httpbin-gateway', '-o', 'yaml'])).stdout).status;
    expect(status.addresses).toEqual([{ type: 'IPAddress', value: '172.18.255.200' }]);
    expect(status.conditions.map((c: Record<string, string>) => [c.type, c.status, c.reason, c.message])).toEqual([
      ['Accepted', 'True', 'Accepted', 'Resource accepted'],
      ['Programmed', 'True', 'Programmed', 'Resource programmed, assigned to service(s) httpbin-gateway-istio.default.svc.cluster.local:80'],
    ]);
    expect(status.listeners[0]).toMatchObject({ name: 'http', attachedRoutes: 0, supportedKinds: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }, { group: 'gateway.networking.k8s.io', kind: 'GRPCRoute' }] });
    const rollout = await kubectl(['rollout', 'status', 'deployment/httpbin-gateway-istio', '--timeout=30s']);
    expect(rollout.stdout).toContain('successfully rolled out');
    // The learner's shell reaches the address on the listener's port: the readiness port answers now.
    const ready = await sh('export INGRESS_HOST=$(kubectl get gtw httpbin-gateway -o jsonpath=\'{.status.addresses[*].value}\'); curl -s -o /dev/null -w "%{http_code}" "http://$INGRESS_HOST:15021/healthz/ready"');
    expect(ready.stdout).toBe('200');
  }, 60_000);

  it('reports the HTTPRoute under its parent: Accepted, and ResolvedRefs once the backend exists', async () => {
    await kubectl(['apply', '-f', '-'], ROUTE);
    await cluster.settled();
    const parents = async () => parseYaml((await kubectl(['get', 'httproute', 'httpbin', '-o', 'yaml'])).stdout).status.parents;
    const before = await parents();
    expect(before).toHaveLength(1);
    expect(before[0].controllerName).toBe('istio.io/gateway-controller');
    expect(before[0].parentRef).toEqual({ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'httpbin-gateway' });
    expect(before[0].conditions.map((c: Record<string, string>) => [c.type, c.status, c.reason])).toEqual([
      ['Accepted', 'True', 'Accepted'],
      ['ResolvedRefs', 'False', 'BackendNotFound'],
    ]);
    await kubectl(['apply', '-f', '-'], HTTPBIN_SAMPLE);
    await cluster.settled();
    const after = await parents();
    expect(after[0].conditions.map((c: Record<string, string>) => [c.type, c.status, c.reason, c.message])).toEqual([
      ['Accepted', 'True', 'Accepted', 'Route was valid'],
      ['ResolvedRefs', 'True', 'ResolvedRefs', 'All references resolved'],
    ]);
    const listener = parseYaml((await kubectl(['get', 'gtw', 'httpbin-gateway', '-o', 'yaml'])).stdout).status.listeners[0];
    expect(listener.attachedRoutes).toBe(1);
  }, 30_000);

  // ingress-control, "Accessing ingress services", Gateway API tab: INGRESS_HOST and INGRESS_PORT from the Gateway.
  it('routes as the task shows: /status/200 answers 200 from istio-envoy, /headers is 404', async () => {
    expect((await kubectl(['rollout', 'status', 'deployment/httpbin', '--timeout=30s'])).code).toBe(0);
    await cluster.settled();
    const vars = 'export INGRESS_HOST=$(kubectl get gtw httpbin-gateway -o jsonpath=\'{.status.addresses[*].value}\'); export INGRESS_PORT=$(kubectl get gtw httpbin-gateway -o jsonpath=\'{.spec.listeners[?(@.name=="http")].port}\');';
    const ok = await sh(`${vars} curl -s -I -HHost:httpbin.example.com "http://$INGRESS_HOST:$INGRESS_PORT/status/200"`);
    expect(ok.stdout).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(ok.stdout).toMatch(/\r\nserver: istio-envoy\r\n/);
    const notFound = await sh(`${vars} curl -s -I -HHost:httpbin.example.com "http://$INGRESS_HOST:$INGRESS_PORT/headers"`);
    expect(notFound.stdout).toMatch(/^HTTP\/1\.1 404 Not Found\r\n/);
    // PathPrefix matches whole path elements: /statusx is not under /status.
    const element = await sh(`${vars} curl -s -o /dev/null -w '%{http_code}' -HHost:httpbin.example.com "http://$INGRESS_HOST:$INGRESS_PORT/statusx"`);
    expect(element.stdout).toBe('404');
  }, 60_000);

  // HTTPRoute filters and matches at the ingress gateway (gateway-api.sigs.k8s.io/guides: http-redirect-rewrite,
  // http-header-modifier; istio.io's Gateway API tab of request-routing for header and query matches).
  it('filters and matches: redirect, rewrite, header modifiers, query params, method', async () => {
    const route = `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: filters
spec:
  parentRefs:
  - name: httpbin-gateway
  hostnames: ["httpbin.example.com"]
  rules:
  - matches:
    - path: {type: Exact, value: /secure}
    filters:
    - type: RequestRedirect
      requestRedirect: {scheme: https, statusCode: 301}
  - matches:
    - path: {type: PathPrefix, value: /old}
    filters:
    - type: URLRewrite
      urlRewrite:
        path: {type: ReplacePrefixMatch, replacePrefixMatch: /status}
    backendRefs:
    - {name: httpbin, port: 8000}
  - matches:
    - path: {type: PathPrefix, value: /headers}
    filters:
    - type: RequestHeaderModifier
      requestHeaderModifier:
        set: [{name: X-Lab, value: gateway-api}]
    - type: ResponseHeaderModifier
      responseHeaderModifier:
        add: [{name: x-route, value: filters}]
    backendRefs:
    - {name: httpbin, port: 8000}
  - matches:
    - path: {type: Exact, value: /get}
      queryParams: [{name: version, value: "2"}]
      method: GET
    filters:
    - type: ResponseHeaderModifier
      responseHeaderModifier:
        add: [{name: x-match, value: query}]
    backendRefs:
    - {name: httpbin, port: 8000}
`;
    expect((await kubectl(['apply', '-f', '-'], route)).code).toBe(0);
    await cluster.settled();
    const base = 'export INGRESS_HOST=$(kubectl get gtw httpbin-gateway -o jsonpath=\'{.status.addresses[0].value}\'); curl -s -HHost:httpbin.example.com';
    const redirect = await sh(`${base} -o /dev/null -D - "http://$INGRESS_HOST/secure"`);
    expect(redirect.stdout).toMatch(/^HTTP\/1\.1 301 Moved Permanently\r\n/);
    expect(redirect.stdout).toMatch(/\r\nlocation: https:\/\/httpbin\.example\.com\/secure\r\n/);
    const rewritten = await sh(`${base} -o /dev/null -w '%{http_code}' "http://$INGRESS_HOST/old/418"`);
    expect(rewritten.stdout).toBe('418');
    const headers = await sh(`${base} -D - "http://$INGRESS_HOST/headers"`);
    expect(headers.stdout).toMatch(/\r\nx-route: filters\r\n/);
    expect(headers.stdout).toMatch(/"X-Lab": \[\s*"gateway-api"\s*\]/);
    const query = await sh(`${base} -o /dev/null -D - "http://$INGRESS_HOST/get?version=2"`);
    expect(query.stdout).toMatch(/\r\nx-match: query\r\n/);
    const noQuery = await sh(`${base} -o /dev/null -w '%{http_code}' "http://$INGRESS_HOST/get"`);
    expect(noQuery.stdout).toBe('404');
    const post = await sh(`${base} -X POST -o /dev/null -w '%{http_code}' "http://$INGRESS_HOST/get?version=2"`);
    expect(post.stdout).toBe('404');
  }, 60_000);

  // istio.io's secure-ingress task, Gateway API tab ("Configure a TLS ingress gateway for a single host").
  it('an HTTPS listener terminates TLS with its certificateRefs Secret', async () => {
    const certs = createWorldCertificates(['httpbin.example.com']);
    const dir = mkdtempSync(join(tmpdir(), 'meshlab-gwapi-tls-'));
    writeFileSync(join(dir, 'tls.key'), certs.serverKey);
    writeFileSync(join(dir, 'tls.crt'), certs.serverCert);
    writeFileSync(join(dir, 'ca.crt'), certs.caCert);
    expect((await kubectl(['create', 'secret', 'tls', 'httpbin-credential', `--key=${join(dir, 'tls.key')}`, `--cert=${join(dir, 'tls.crt')}`])).code).toBe(0);
    const gateway = `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: mygateway
spec:
  gatewayClassName: istio
  listeners:
  - name: https
    hostname: "httpbin.example.com"
    port: 443
    protocol: HTTPS
    tls:
      mode: Terminate
      certificateRefs:
      - name: httpbin-credential
    allowedRoutes:
      namespaces:
        from: Same
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: httpbin-tls
spec:
  parentRefs:
  - name: mygateway
  hostnames: ["httpbin.example.com"]
  rules:
  - matches:
    - path: {type: PathPrefix, value: /status}
    backendRefs:
    - {name: httpbin, port: 8000}
`;
    expect((await kubectl(['apply', '-f', '-'], gateway)).code).toBe(0);
    expect((await kubectl(['wait', '--for=condition=programmed', 'gtw', 'mygateway', '--timeout=30s'])).code).toBe(0);
    expect((await kubectl(['rollout', 'status', 'deployment/mygateway-istio', '--timeout=30s'])).code).toBe(0);
    await cluster.settled();
    const script = `export INGRESS_HOST=$(kubectl get gtw mygateway -o jsonpath='{.status.addresses[0].value}'); export SECURE_INGRESS_PORT=$(kubectl get gtw mygateway -o jsonpath='{.spec.listeners[?(@.name=="https")].port}'); curl -s -o /dev/null -w '%{http_code}' -HHost:httpbin.example.com --resolve "httpbin.example.com:$SECURE_INGRESS_PORT:$INGRESS_HOST" --cacert ${join(dir, 'ca.crt')} "https://httpbin.example.com:$SECURE_INGRESS_PORT/status/418"`;
    const r = await sh(script);
    rmSync(dir, { recursive: true, force: true });
    expect(r.stdout).toBe('418');
  }, 60_000);

  it('a route for another hostname is not accepted by the listener', async () => {
    await kubectl(['apply', '-f', '-'], ROUTE.replace('name: httpbin\nspec', 'name: other\nspec').replace('httpbin.example.com', 'other.example.com'));
    await cluster.settled();
    const other = parseYaml((await kubectl(['get', 'httproute', 'other', '-o', 'yaml'])).stdout).status.parents[0];
    expect(other.conditions[0]).toMatchObject({ type: 'Accepted', status: 'False', reason: 'NoMatchingListenerHostname' });
  }, 30_000);

  it('deleting the Gateway deletes its deployment', async () => {
    await kubectl(['delete', 'gtw', 'httpbin-gateway']);
    await cluster.settled();
    const left = await kubectl(['get', 'deploy,svc', '-l', 'gateway.networking.k8s.io/gateway-name=httpbin-gateway', '-o', 'name']);
    expect(left.stdout).toBe('');
  }, 30_000);
});

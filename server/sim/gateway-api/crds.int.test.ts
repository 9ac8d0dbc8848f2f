// The Gateway API kinds with the real kubectl against an EmbeddedCluster: the CRDs of the standard
// install are there (istio.io's tasks check `kubectl get crd gateways.gateway.networking.k8s.io`
// before installing them), objects take the schema's defaults, and `kubectl get` prints the CRDs'
// printer columns (config/crd/standard/gateway.networking.k8s.io_*.yaml, v1.4.0).
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectlRunner } from '../apiserver/testing/kubectl.ts';
import { EmbeddedCluster } from '../cluster.ts';
import { gatewayApiDefaultsAdmission } from './defaults.ts';
import { INGRESS_CONTROL_GATEWAY, INGRESS_CONTROL_ROUTE } from './testing/manifests.ts';

let cluster: EmbeddedCluster;
let work: string;
let kubectl: ReturnType<typeof kubectlRunner>;

// The task's Gateway without allowedRoutes (the default fills it) and its route in v1beta1, as the page has it.
const MANIFESTS = `${INGRESS_CONTROL_GATEWAY.replace(/    allowedRoutes:\n      namespaces:\n        from: Same\n/, '')}---\n${INGRESS_CONTROL_ROUTE.replace('/v1\nkind: HTTPRoute', '/v1beta1\nkind: HTTPRoute')}`;

const rows = (out: string) => out.trimEnd().split('\n').map((l) => l.trim().split(/\s{2,}/));

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'meshlab-gwapi-crds-'));
  cluster = await EmbeddedCluster.start({ dataDir: work, admission: [gatewayApiDefaultsAdmission] });
  kubectl = kubectlRunner(cluster.kubeconfigPath, work);
}, 30_000);

afterAll(async () => {
  await cluster?.stop();
  await rm(work, { recursive: true, force: true });
});

describe('Gateway API CRDs in the embedded cluster', () => {
  it('lists the standard channel CRDs with their bundle version', async () => {
    const r = await kubectl(['get', 'crd', 'gatewayclasses.gateway.networking.k8s.io', 'gateways.gateway.networking.k8s.io', 'httproutes.gateway.networking.k8s.io', 'grpcroutes.gateway.networking.k8s.io', 'referencegrants.gateway.networking.k8s.io', '-o', 'jsonpath={range .items[*]}{.metadata.name} {.metadata.annotations.gateway\\.networking\\.k8s\\.io/bundle-version} {.spec.scope}{"\\n"}{end}']);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim().split('\n')).toEqual([
      'gatewayclasses.gateway.networking.k8s.io v1.4.0 Cluster',
      'gateways.gateway.networking.k8s.io v1.4.0 Namespaced',
      'httproutes.gateway.networking.k8s.io v1.4.0 Namespaced',
      'grpcroutes.gateway.networking.k8s.io v1.4.0 Namespaced',
      'referencegrants.gateway.networking.k8s.io v1.4.0 Namespaced',
    ]);
  });

  it('applies v1 and v1beta1 objects and stores the schema defaults', async () => {
    expect(MANIFESTS).not.toContain('allowedRoutes');
    expect(MANIFESTS).toContain('gateway.networking.k8s.io/v1beta1\nkind: HTTPRoute');
    const r = await kubectl(['apply', '-f', '-'], { input: MANIFESTS });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim().split('\n')).toEqual(['gateway.gateway.networking.k8s.io/httpbin-gateway created', 'httproute.gateway.networking.k8s.io/httpbin created']);
    const route = parseYaml((await kubectl(['get', 'httproute', 'httpbin', '-o', 'yaml'])).stdout);
    expect(route.apiVersion).toBe('gateway.networking.k8s.io/v1');
    expect(route.spec.parentRefs).toEqual([{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'httpbin-gateway' }]);
    expect(route.spec.rules[0].backendRefs).toEqual([{ group: '', kind: 'Service', name: 'httpbin', port: 8000, weight: 1 }]);
    const gw = parseYaml((await kubectl(['get', 'gtw', 'httpbin-gateway', '-o', 'yaml'])).stdout);
    expect(gw.spec.listeners[0].allowedRoutes).toEqual({ namespaces: { from: 'Same' } });
  });

  it('prints the CRD columns, JSONPath filters included', async () => {
    const gtw = cluster.store.get('gateway.networking.k8s.io/gateways', 'default', 'httpbin-gateway')!;
    cluster.store.update('gateway.networking.k8s.io/gateways', {
      ...gtw,
      status: {
        addresses: [{ type: 'IPAddress', value: '172.18.255.200' }],
        conditions: [
          { type: 'Accepted', status: 'True', reason: 'Accepted', message: 'Resource accepted', lastTransitionTime: '2026-01-01T00:00:00Z' },
          { type: 'Programmed', status: 'True', reason: 'Programmed', message: 'Resource programmed', lastTransitionTime: '2026-01-01T00:00:00Z' },
        ],
      },
    });
    const g = rows((await kubectl(['get', 'gateways.gateway.networking.k8s.io'])).stdout);
    expect(g[0]).toEqual(['NAME', 'CLASS', 'ADDRESS', 'PROGRAMMED', 'AGE']);
    expect(g[1]!.slice(0, 4)).toEqual(['httpbin-gateway', 'istio', '172.18.255.200', 'True']);
    const h = rows((await kubectl(['get', 'httproute'])).stdout);
    expect(h[0]).toEqual(['NAME', 'HOSTNAMES', 'AGE']);
    expect(h[1]!.slice(0, 2)).toEqual(['httpbin', '["httpbin.example.com"]']);
    await kubectl(['apply', '-f', '-'], { input: 'apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata:\n  name: example\nspec:\n  controllerName: example.com/gateway-controller\n  description: An example class\n' });
    const gc = rows((await kubectl(['get', 'gc', 'example', '-o', 'wide'])).stdout);
    expect(gc[0]).toEqual(['NAME', 'CONTROLLER', 'ACCEPTED', 'AGE', 'DESCRIPTION']);
    // No controller has answered: the schema's default status says Unknown (Pending).
    expect([gc[1]![0], gc[1]![1], gc[1]![2]]).toEqual(['example', 'example.com/gateway-controller', 'Unknown']);
    const status = parseYaml((await kubectl(['get', 'gc', 'example', '-o', 'yaml'])).stdout).status;
    expect(status).toEqual({ conditions: [{ lastTransitionTime: '1970-01-01T00:00:00Z', message: 'Waiting for controller', reason: 'Pending', status: 'Unknown', type: 'Accepted' }] });
    expect(gc[1]!.at(-1)).toBe('An example class');
  });
});

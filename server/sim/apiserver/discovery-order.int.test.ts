// Two groups serve `gateways` (Istio's networking.istio.io and the Gateway API's
// gateway.networking.k8s.io). On a real cluster both are CRDs, registered as APIServices with
// GroupPriorityMinimum 1000, and the aggregator lists APIServices by priority, then by name: the
// Gateway API's group comes first, so kubectl resolves `gateway` to it, while the short names stay
// each kind's own (`gw` Istio's, `gtw` the Gateway API's). istio.io's Gateway API tasks therefore
// write `kubectl get gtw` (https://istio.io/latest/docs/tasks/traffic-management/ingress/ingress-control/,
// "Determining the ingress IP and ports", Gateway API tab). Real kubectl against the embedded cluster.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubectlRunner } from './testing/kubectl.ts';
import { EmbeddedCluster } from '../cluster.ts';

let cluster: EmbeddedCluster;
let work: string;
let kubectl: ReturnType<typeof kubectlRunner>;

const BOTH = `apiVersion: networking.istio.io/v1
kind: Gateway
metadata:
  name: istio-gw
spec:
  selector:
    istio: ingressgateway
  servers:
  - port:
      number: 80
      name: http
      protocol: HTTP
    hosts: ["*"]
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: k8s-gw
spec:
  gatewayClassName: istio
  listeners:
  - name: http
    port: 80
    protocol: HTTP
`;

const names = (out: string) => out.trim().split('\n');

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'meshlab-discovery-order-'));
  cluster = await EmbeddedCluster.start({ dataDir: work });
  kubectl = kubectlRunner(cluster.kubeconfigPath, work);
  const r = await kubectl(['apply', '-f', '-'], { input: BOTH });
  expect(r.stderr).toBe('');
}, 30_000);

afterAll(async () => {
  await cluster?.stop();
  await rm(work, { recursive: true, force: true });
});

describe('kubectl resolves a resource name two groups serve as on a real cluster', () => {
  it.each([
    ['gateway', 'gateway.gateway.networking.k8s.io/k8s-gw'],
    ['gateways', 'gateway.gateway.networking.k8s.io/k8s-gw'],
    ['gtw', 'gateway.gateway.networking.k8s.io/k8s-gw'],
    ['gw', 'gateway.networking.istio.io/istio-gw'],
    ['gateways.networking.istio.io', 'gateway.networking.istio.io/istio-gw'],
    ['gateways.gateway.networking.k8s.io', 'gateway.gateway.networking.k8s.io/k8s-gw'],
  ])('kubectl get %s -o name', async (name, expected) => {
    const r = await kubectl(['get', name, '-o', 'name']);
    expect(r.stderr).toBe('');
    expect(names(r.stdout)).toEqual([expected]);
  });

  it('prints the Gateway API columns for `kubectl get gateway`', async () => {
    const r = await kubectl(['get', 'gateway']);
    expect(r.stderr).toBe('');
    expect(r.stdout.split('\n')[0]!.trim().split(/\s+/)).toEqual(['NAME', 'CLASS', 'ADDRESS', 'PROGRAMMED', 'AGE']);
  });

  it('lists the groups in discovery by priority, then by name', async () => {
    const r = await kubectl(['get', '--raw', '/apis']);
    const groups = (JSON.parse(r.stdout) as { groups: { name: string }[] }).groups.map((g) => g.name);
    expect(groups.indexOf('apps')).toBeLessThan(groups.indexOf('apiextensions.k8s.io'));
    expect(groups.indexOf('gateway.networking.k8s.io')).toBeLessThan(groups.indexOf('networking.istio.io'));
    // The groups CRDs define (Istio's too) come after every built-in one, in name order.
    const custom = groups.slice(groups.indexOf('gateway.networking.k8s.io'));
    expect(custom).toEqual([...custom].sort());
    expect(custom).toContain('networking.istio.io');
  });
});

// Route binding as the Gateway API specifies it (gateway-api.sigs.k8s.io/api-types/gateway
// "Attaching Routes to Gateways", listener hostname matching, allowedRoutes), one case per rule.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../store/object-store.ts';
import { attachRoute, intersectHostname } from './attachment.ts';
import { servicePorts } from './deployment.ts';

const gw = (listeners: Record<string, unknown>[], ns = 'default'): KubeObject => ({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'Gateway', metadata: { name: 'gw', namespace: ns, uid: `gw-${ns}` }, spec: { gatewayClassName: 'istio', listeners } });
const route = (spec: Record<string, unknown>, ns = 'default'): KubeObject => ({ apiVersion: 'gateway.networking.k8s.io/v1', kind: 'HTTPRoute', metadata: { name: 'r', namespace: ns }, spec: { parentRefs: [{ name: 'gw' }], ...spec } });
const http = (extra: Record<string, unknown> = {}) => ({ name: 'http', port: 80, protocol: 'HTTP', ...extra });
const namespaces: KubeObject[] = [
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'default' } },
  { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'apps', labels: { shared: 'yes' } } },
];

describe('intersectHostname', () => {
  const cases: [string | undefined, string, string | undefined][] = [
    [undefined, 'a.example.com', 'a.example.com'],
    ['a.example.com', 'a.example.com', 'a.example.com'],
    ['*.example.com', 'a.example.com', 'a.example.com'],
    ['*.example.com', 'a.b.example.com', 'a.b.example.com'],
    ['*.example.com', 'example.com', undefined],
    ['a.example.com', '*.example.com', 'a.example.com'],
    ['a.example.com', 'b.example.com', undefined],
  ];
  it.each(cases)('listener %s, route %s -> %s', (l, r, want) => expect(intersectHostname(l, r)).toBe(want));
});

describe('attachRoute', () => {
  const cases: { name: string; gateway: KubeObject; route: KubeObject; want: { accepted: boolean; reason: string; hostnames?: Record<string, string[]> } }[] = [
    { name: 'same namespace, no hostnames on either side', gateway: gw([http()]), route: route({}), want: { accepted: true, reason: 'Accepted', hostnames: { http: ['*'] } } },
    { name: 'route hostnames narrowed by the listener', gateway: gw([http({ hostname: '*.example.com' })]), route: route({ hostnames: ['a.example.com', 'other.org'] }), want: { accepted: true, reason: 'Accepted', hostnames: { http: ['a.example.com'] } } },
    { name: 'no shared hostname', gateway: gw([http({ hostname: 'httpbin.example.com' })]), route: route({ hostnames: ['other.example.com'] }), want: { accepted: false, reason: 'NoMatchingListenerHostname' } },
    { name: 'from: Same refuses another namespace', gateway: gw([http()]), route: route({ parentRefs: [{ name: 'gw', namespace: 'default' }] }, 'apps'), want: { accepted: false, reason: 'NotAllowedByListeners' } },
    { name: 'from: All takes another namespace', gateway: gw([http({ allowedRoutes: { namespaces: { from: 'All' } } })]), route: route({ parentRefs: [{ name: 'gw', namespace: 'default' }] }, 'apps'), want: { accepted: true, reason: 'Accepted' } },
    { name: 'from: Selector by namespace labels', gateway: gw([http({ allowedRoutes: { namespaces: { from: 'Selector', selector: { matchLabels: { shared: 'yes' } } } } })]), route: route({ parentRefs: [{ name: 'gw', namespace: 'default' }] }, 'apps'), want: { accepted: true, reason: 'Accepted' } },
    { name: 'sectionName picks one listener', gateway: gw([http(), { name: 'https', port: 443, protocol: 'HTTPS' }]), route: route({ parentRefs: [{ name: 'gw', sectionName: 'https' }] }), want: { accepted: true, reason: 'Accepted', hostnames: { https: ['*'] } } },
    { name: 'unknown sectionName', gateway: gw([http()]), route: route({ parentRefs: [{ name: 'gw', sectionName: 'nope' }] }), want: { accepted: false, reason: 'NoMatchingParent' } },
    { name: 'a TCP listener takes no HTTPRoute', gateway: gw([{ name: 'tcp', port: 31400, protocol: 'TCP' }]), route: route({}), want: { accepted: false, reason: 'NotAllowedByListeners' } },
    { name: 'missing Gateway', gateway: gw([http()], 'elsewhere'), route: route({}), want: { accepted: false, reason: 'NoMatchingParent' } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const [a] = attachRoute(c.route, { gateways: [c.gateway], services: [], namespaces });
      expect({ accepted: a!.accepted, reason: a!.reason }).toEqual({ accepted: c.want.accepted, reason: c.want.reason });
      if (c.want.hostnames) expect(Object.fromEntries(a!.hostnames)).toEqual(c.want.hostnames);
    });
  }

  it('a Service parent (GAMMA) is accepted when the Service exists', () => {
    const svc: KubeObject = { apiVersion: 'v1', kind: 'Service', metadata: { name: 'reviews', namespace: 'default' } };
    const r = route({ parentRefs: [{ group: '', kind: 'Service', name: 'reviews', port: 9080 }] });
    expect(attachRoute(r, { gateways: [], services: [svc], namespaces })[0]).toMatchObject({ kind: 'Service', accepted: true });
    expect(attachRoute(r, { gateways: [], services: [], namespaces })[0]).toMatchObject({ kind: 'Service', accepted: false });
  });
});

describe('automated Service ports (istiod extractServicePorts)', () => {
  it('status port first, then one port per listener port named after the listener', () => {
    const g = gw([http(), { name: 'https', port: 443, protocol: 'HTTPS' }, { name: 'http-again', port: 80, protocol: 'HTTP', hostname: 'x' }]);
    expect(servicePorts(g)).toEqual([
      { appProtocol: 'tcp', name: 'status-port', port: 15021, protocol: 'TCP' },
      { appProtocol: 'http', name: 'http', port: 80, protocol: 'TCP' },
      { appProtocol: 'https', name: 'https', port: 443, protocol: 'TCP' },
    ]);
  });
});

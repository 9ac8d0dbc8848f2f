// `istioctl x describe pod`'s PeerAuthentication and RBAC parts, from the objects: the effective
// mTLS mode as istiod composes it (pilot/pkg/security/authn ComposePeerAuthentication, its cases in
// policy_applier_test.go: workload over namespace over mesh, the oldest in a scope, UNSET inherits,
// root-namespace selectors ignored) and the RBAC policy names of the first RBAC filter
// (pilot/pkg/security/authz/builder: AUDIT, DENY, ALLOW; ns[NS]-policy[NAME]-rule[I]), printed in
// the layout of istioctl/pkg/describe (printPeerAuthentication, printConfigs, "RBAC policies:").
import { describe, expect, it } from 'vitest';
import type { KObj, Snapshot } from './analyzer.ts';
import { describePod } from './describe-pod.ts';
import { effectivePeerAuthentication, rbacPolicyNames } from './workload-policies.ts';

const obj = (kind: string, name: string, namespace: string, spec: Record<string, unknown>, created = '2026-01-01T00:00:00Z'): KObj => ({ apiVersion: 'security.istio.io/v1', kind, metadata: { name, namespace, creationTimestamp: created }, spec });
const pa = (name: string, namespace: string, spec: Record<string, unknown>, created?: string) => obj('PeerAuthentication', name, namespace, spec, created);
const ap = (name: string, namespace: string, spec: Record<string, unknown>) => obj('AuthorizationPolicy', name, namespace, spec);
const strict = { mtls: { mode: 'STRICT' } };
const httpbin = { selector: { matchLabels: { app: 'httpbin' } } };
const LABELS = { app: 'httpbin', version: 'v1' };

describe('effective PeerAuthentication', () => {
  const cases: { name: string; pas: KObj[]; mode: string; perPort?: [number, string][]; applied?: string[] }[] = [
    { name: 'none: PERMISSIVE, nothing applied', pas: [], mode: 'PERMISSIVE', applied: [] },
    { name: 'mesh-wide STRICT in the root namespace', pas: [pa('default', 'istio-system', strict)], mode: 'STRICT', applied: ['default.istio-system'] },
    { name: 'the namespace overrides the mesh', pas: [pa('default', 'istio-system', strict), pa('default', 'bookinfo', { mtls: { mode: 'PERMISSIVE' } })], mode: 'PERMISSIVE', applied: ['default.istio-system', 'default.bookinfo'] },
    { name: 'the workload overrides the namespace', pas: [pa('ns', 'bookinfo', { mtls: { mode: 'DISABLE' } }), pa('httpbin', 'bookinfo', { ...httpbin, ...strict })], mode: 'STRICT', applied: ['httpbin.bookinfo', 'ns.bookinfo'] },
    { name: 'UNSET at the workload inherits the namespace', pas: [pa('ns', 'bookinfo', strict), pa('httpbin', 'bookinfo', { ...httpbin, mtls: { mode: 'UNSET' } })], mode: 'STRICT' },
    { name: 'no mtls at all inherits too', pas: [pa('default', 'istio-system', strict), pa('ns', 'bookinfo', {})], mode: 'STRICT' },
    { name: 'a selector that does not take the pod is not applied', pas: [pa('other', 'bookinfo', { selector: { matchLabels: { app: 'other' } }, ...strict })], mode: 'PERMISSIVE', applied: [] },
    { name: 'a selector in the root namespace is listed but ignored', pas: [pa('sel', 'istio-system', { ...httpbin, ...strict })], mode: 'PERMISSIVE', applied: ['sel.istio-system'] },
    { name: 'another namespace’s policy does not apply', pas: [pa('default', 'other', strict)], mode: 'PERMISSIVE', applied: [] },
    { name: 'two namespace policies: the oldest wins', pas: [pa('a-new', 'bookinfo', strict, '2026-02-01T00:00:00Z'), pa('b-old', 'bookinfo', { mtls: { mode: 'DISABLE' } }, '2026-01-01T00:00:00Z')], mode: 'DISABLE' },
    { name: 'port-level modes, UNSET taking the workload’s', pas: [pa('httpbin', 'bookinfo', { ...httpbin, ...strict, portLevelMtls: { '8080': { mode: 'DISABLE' }, '80': { mode: 'UNSET' } } })], mode: 'STRICT', perPort: [[80, 'STRICT'], [8080, 'DISABLE']] },
  ];
  it.each(cases)('$name', ({ pas, mode, perPort, applied }) => {
    const r = effectivePeerAuthentication(pas, 'bookinfo', LABELS);
    expect(r.mode).toBe(mode);
    expect(r.perPort).toEqual(perPort ?? []);
    if (applied) expect(r.applied.map((o) => `${o.metadata.name}.${o.metadata.namespace}`)).toEqual(applied);
  });
});

describe('RBAC policy names', () => {
  const allowGet = ap('allow-get', 'bookinfo', { ...httpbin, rules: [{ to: [{ operation: { methods: ['GET'] } }] }, { from: [{ source: { namespaces: ['bookinfo'] } }] }] });
  const cases: { name: string; aps: KObj[]; names: string[] }[] = [
    { name: 'none', aps: [], names: [] },
    { name: 'an ALLOW policy: one name per rule', aps: [allowGet], names: ['ns[bookinfo]-policy[allow-get]-rule[0]', 'ns[bookinfo]-policy[allow-get]-rule[1]'] },
    { name: 'allow-nothing (no rules): a filter without policies, no line', aps: [ap('allow-nothing', 'bookinfo', {})], names: [] },
    { name: 'a DENY policy comes before ALLOW', aps: [allowGet, ap('deny-post', 'bookinfo', { action: 'DENY', rules: [{ to: [{ operation: { methods: ['POST'] } }] }] })], names: ['ns[bookinfo]-policy[deny-post]-rule[0]'] },
    { name: 'mesh-wide in the root namespace', aps: [ap('deny-all', 'istio-system', { action: 'DENY', rules: [{}] })], names: ['ns[istio-system]-policy[deny-all]-rule[0]'] },
    { name: 'a selector that does not take the pod', aps: [ap('x', 'bookinfo', { selector: { matchLabels: { app: 'x' } }, rules: [{}] })], names: [] },
    { name: 'targetRefs attach to gateways and waypoints, not to sidecars', aps: [ap('gw', 'bookinfo', { targetRefs: [{ kind: 'Gateway', group: 'gateway.networking.k8s.io', name: 'gw' }], rules: [{}] })], names: [] },
  ];
  it.each(cases)('$name', ({ aps, names }) => expect(rbacPolicyNames(aps, 'bookinfo', LABELS)).toEqual(names));
});

describe('x describe pod prints them as istioctl does', () => {
  const k = (kind: string, name: string, namespace: string | undefined, spec: Record<string, unknown>, extra: Record<string, unknown> = {}): KObj => ({ kind, metadata: { name, namespace, ...(extra.labels ? { labels: extra.labels as Record<string, string> } : {}) }, spec, ...(extra.status ? { status: extra.status } : {}) }) as KObj;
  const snapshot = (security: Partial<Snapshot>): Snapshot => ({
    namespaces: [],
    services: [k('Service', 'httpbin', 'bookinfo', { selector: { app: 'httpbin' }, ports: [{ name: 'http', port: 8000, targetPort: 8080 }] })],
    pods: [k('Pod', 'httpbin-1', 'bookinfo', { containers: [{ name: 'httpbin', ports: [{ containerPort: 8080 }] }], initContainers: [{ name: 'istio-proxy', restartPolicy: 'Always' }] }, { labels: LABELS, status: { phase: 'Running', containerStatuses: [{ name: 'httpbin', ready: true }] } })],
    gateways: [],
    virtualServices: [],
    destinationRules: [],
    serviceEntries: [],
    sidecars: [],
    peerAuthentications: [],
    authorizationPolicies: [],
    ...security,
  });

  it('no policies: PERMISSIVE and no RBAC line', () => {
    const out = describePod(snapshot({}), 'httpbin-1', 'bookinfo').stdout;
    expect(out).toContain('--------------------\nEffective PeerAuthentication:\n   Workload mTLS mode: PERMISSIVE\n');
    expect(out).not.toContain('RBAC policies');
    expect(out).not.toContain('Applied PeerAuthentication');
  });

  it('STRICT mesh-wide, a workload policy with a port, and an ALLOW policy', () => {
    const out = describePod(
      snapshot({
        peerAuthentications: [pa('default', 'istio-system', strict), pa('httpbin', 'bookinfo', { ...httpbin, portLevelMtls: { '8080': { mode: 'PERMISSIVE' } } })],
        authorizationPolicies: [ap('allow-get', 'bookinfo', { ...httpbin, rules: [{ to: [{ operation: { methods: ['GET'] } }] }] })],
      }),
      'httpbin-1',
      'bookinfo',
    ).stdout;
    expect(out).toContain('Service: httpbin\n   Port: http 8000/HTTP targets pod port 8080\nRBAC policies: ns[bookinfo]-policy[allow-get]-rule[0]\n');
    expect(out).toContain('Effective PeerAuthentication:\n   Workload mTLS mode: STRICT\n   Port Level mTLS mode:\n      8080: PERMISSIVE\nApplied PeerAuthentication:\n   default.istio-system, httpbin.bookinfo\n');
  });
});

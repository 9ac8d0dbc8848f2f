import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ExistingDriver } from './driver.ts';
import { CLUSTER_VIEW_RULES, ISTIO_VIEW_RULES, LEARNER_RULES, learnerKubeconfig, learnerPlan, validLearnerId } from './learner-plan.ts';

const plan = learnerPlan({ learner: 'alice' });
const byKind = (kind: string, ns?: string) => plan.objects.filter((o) => o.kind === kind && (ns === undefined || o.metadata?.namespace === ns));
const verbsOn = (rules: typeof LEARNER_RULES, group: string, resource: string) =>
  rules.filter((r) => r.apiGroups?.includes(group) && (r.resources?.includes(resource) || r.resources?.includes('*'))).flatMap((r) => r.verbs);

describe('learner plan', () => {
  it('names the namespace, ServiceAccount and hostname after the learner', () => {
    expect(plan).toMatchObject({ learner: 'alice', namespace: 'meshlab-alice', serviceAccount: 'learner', hostname: 'alice.lab.example' });
    expect(learnerPlan({ learner: 'bob', hostDomain: 'workshop.test', namespacePrefix: 'ws-' })).toMatchObject({ namespace: 'ws-bob', hostname: 'bob.workshop.test' });
  });

  it('creates the namespace first, with sidecar injection and the learner label', () => {
    expect(plan.objects[0]).toEqual({
      apiVersion: 'v1', kind: 'Namespace',
      metadata: { name: 'meshlab-alice', labels: { 'app.kubernetes.io/managed-by': 'meshlab', 'meshlab.dev/learner': 'alice', 'istio-injection': 'enabled' } },
    });
  });

  it('binds the learner Role in the namespace, the istio-system view and the cluster view to the ServiceAccount only', () => {
    const subject = [{ kind: 'ServiceAccount', name: 'learner', namespace: 'meshlab-alice' }];
    const bindings = [...byKind('RoleBinding'), ...byKind('ClusterRoleBinding')].map((b: any) => [b.kind, b.metadata.namespace, b.roleRef.kind, b.roleRef.name, b.subjects]);
    expect(bindings).toEqual([
      ['RoleBinding', 'meshlab-alice', 'Role', 'meshlab-learner', subject],
      ['RoleBinding', 'istio-system', 'Role', 'meshlab-learner-istio-view', subject],
      ['ClusterRoleBinding', undefined, 'ClusterRole', 'meshlab-learner-cluster-view', subject],
    ]);
  });

  it.each([
    ['create deployments in the namespace', LEARNER_RULES, 'apps', 'deployments', 'create', true],
    ['exec into pods in the namespace', LEARNER_RULES, '', 'pods/exec', 'create', true],
    ['apply VirtualServices in the namespace', LEARNER_RULES, 'networking.istio.io', 'virtualservices', 'patch', true],
    ['write events', LEARNER_RULES, '', 'events', 'create', false],
    ['read gateway logs in istio-system', ISTIO_VIEW_RULES, '', 'pods/log', 'get', true],
    ['change anything in istio-system', ISTIO_VIEW_RULES, 'networking.istio.io', 'gateways', 'create', false],
    ['delete the gateway pods', ISTIO_VIEW_RULES, '', 'pods', 'delete', false],
    ['exec into istio-system pods', ISTIO_VIEW_RULES, '', 'pods/exec', 'create', false],
    ['read secrets in istio-system', ISTIO_VIEW_RULES, '', 'secrets', 'get', false],
    ['list namespaces', CLUSTER_VIEW_RULES, '', 'namespaces', 'list', true],
    ['create namespaces', CLUSTER_VIEW_RULES, '', 'namespaces', 'create', false],
    ['read CRDs', CLUSTER_VIEW_RULES, 'apiextensions.k8s.io', 'customresourcedefinitions', 'get', true],
  ])('a learner may %s: %s', (_name, rules, group, resource, verb, allowed) => {
    expect(verbsOn(rules, group, resource).includes(verb)).toBe(allowed);
  });

  it('never grants wildcards on core or RBAC resources', () => {
    for (const rules of [LEARNER_RULES, ISTIO_VIEW_RULES, CLUSTER_VIEW_RULES]) {
      for (const r of rules) {
        expect(r.verbs).not.toContain('*');
        expect(r.apiGroups).not.toContain('rbac.authorization.k8s.io');
        if (r.resources?.includes('*')) expect(r.apiGroups?.every((g) => g.endsWith('.istio.io'))).toBe(true);
      }
    }
  });

  it('lists only the per-learner objects outside the namespace for cleanup (shared roles stay)', () => {
    expect(plan.outside.map((o) => `${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name}`)).toEqual([
      'RoleBinding/istio-system/meshlab-learner-alice',
      'ClusterRoleBinding//meshlab-learner-alice',
    ]);
  });

  it.each([
    ['simple', 'alice', true],
    ['digits and dashes', 'team-7', true],
    ['uppercase', 'Alice', false],
    ['dots', 'a.b', false],
    ['path characters', '../x', false],
    ['too long', 'a'.repeat(41), false],
  ])('learner id %s', (_n, id, ok) => {
    expect(validLearnerId(id)).toBe(ok);
    if (!ok) expect(() => learnerPlan({ learner: id })).toThrow(/not a valid learner id/);
  });

  it('writes a kubeconfig that uses only the token and defaults to the namespace', () => {
    const kc = learnerKubeconfig({ clusterName: 'shared', server: 'https://k8s.example:6443', caData: 'Q0E=', credentials: { token: 'abc' }, namespace: 'meshlab-alice', user: 'learner-alice' });
    expect(kc).toEqual({
      apiVersion: 'v1', kind: 'Config',
      clusters: [{ name: 'shared', cluster: { server: 'https://k8s.example:6443', 'certificate-authority-data': 'Q0E=' } }],
      users: [{ name: 'learner-alice', user: { token: 'abc' } }],
      contexts: [{ name: 'learner-alice@shared', context: { cluster: 'shared', user: 'learner-alice', namespace: 'meshlab-alice' } }],
      'current-context': 'learner-alice@shared',
      preferences: {},
    });
  });

  it('prints the plan as YAML documents for --dry-run', () => {
    const text = new ExistingDriver({ kubeconfig: '/k/admin.yaml', dataDir: '/d' }).dryRun('alice');
    expect(text).toContain('# learner "alice": namespace meshlab-alice, hostname alice.lab.example');
    const docs = text.split(/^---\n/m).slice(1).map((d) => parse(d));
    expect(docs.map((d) => d.kind)).toEqual(['Namespace', 'ServiceAccount', 'Role', 'RoleBinding', 'Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding']);
  });
});

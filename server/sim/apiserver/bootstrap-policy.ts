// The RBAC objects a new kind cluster has, from Kubernetes' bootstrap policy
// (plugin/pkg/auth/authorizer/rbac/bootstrappolicy/policy.go) and kubeadm: the user-facing
// ClusterRoles cluster-admin, admin, edit and view (the last three aggregated from the
// system:aggregate-to-* roles and any ClusterRole labelled rbac.authorization.k8s.io/aggregate-to-*),
// the discovery roles every authenticated user is bound to, and kubeadm's binding that makes the
// admin kubeconfig's group cluster-admin. Like kube-apiserver at start-up, missing ones are created;
// the ClusterRole aggregation controller keeps aggregated roles' rules filled in.
import type { KubeObject, ObjectStore } from '../store/object-store.ts';
import { selectorMatches } from '../meta/label-selector.ts';
import { STORE_KEYS, type PolicyRule } from './rbac.ts';

const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update'];
const READ_WRITE = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'];
const RBAC_GROUP = 'rbac.authorization.k8s.io';

const rule = (verbs: string[], apiGroups: string[], resources: string[]): PolicyRule => ({ apiGroups, resources, verbs });

const META = { labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' }, annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' } };

function clusterRole(name: string, body: { rules?: PolicyRule[]; labels?: Record<string, string>; aggregateFrom?: string }): KubeObject {
  const role: KubeObject & Record<string, unknown> = {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'ClusterRole',
    metadata: { name, labels: { ...META.labels, ...body.labels }, annotations: { ...META.annotations } },
    rules: body.rules ?? [],
  };
  if (body.aggregateFrom) role.aggregationRule = { clusterRoleSelectors: [{ matchLabels: { [`${RBAC_GROUP}/aggregate-to-${body.aggregateFrom}`]: 'true' } }] };
  return role;
}

function clusterRoleBinding(name: string, role: string, subjects: { kind: string; name: string }[], meta = true): KubeObject {
  return {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: meta ? { name, labels: { ...META.labels }, annotations: { ...META.annotations } } : { name },
    roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name: role },
    subjects: subjects.map((s) => ({ apiGroup: RBAC_GROUP, ...s })),
  } as KubeObject;
}

const AGGREGATE_TO_ADMIN: PolicyRule[] = [
  rule(['create'], ['authorization.k8s.io'], ['localsubjectaccessreviews']),
  rule(READ_WRITE, [RBAC_GROUP], ['roles', 'rolebindings']),
];

const AGGREGATE_TO_EDIT: PolicyRule[] = [
  rule(READ, [''], ['pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward', 'secrets', 'services/proxy']),
  rule(['impersonate'], [''], ['serviceaccounts']),
  rule(WRITE, [''], ['pods', 'pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward']),
  rule(['create'], [''], ['pods/eviction']),
  rule(WRITE, [''], ['replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/proxy', 'persistentvolumeclaims', 'configmaps', 'secrets', 'events']),
  rule(['create'], [''], ['serviceaccounts/token']),
  rule(WRITE, ['apps'], ['statefulsets', 'statefulsets/scale', 'daemonsets', 'deployments', 'deployments/scale', 'deployments/rollback', 'replicasets', 'replicasets/scale']),
  rule(WRITE, ['autoscaling'], ['horizontalpodautoscalers']),
  rule(WRITE, ['batch'], ['jobs', 'cronjobs']),
  rule(WRITE, ['extensions'], ['daemonsets', 'deployments', 'deployments/scale', 'deployments/rollback', 'ingresses', 'replicasets', 'replicasets/scale', 'replicationcontrollers/scale', 'networkpolicies']),
  rule(WRITE, ['policy'], ['poddisruptionbudgets']),
  rule(WRITE, ['networking.k8s.io'], ['networkpolicies', 'ingresses']),
  rule(READ_WRITE, ['coordination.k8s.io'], ['leases']),
];

const AGGREGATE_TO_VIEW: PolicyRule[] = [
  rule(READ, [''], ['pods', 'replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/status', 'endpoints', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'configmaps']),
  rule(READ, [''], ['limitranges', 'resourcequotas', 'bindings', 'events', 'pods/status', 'resourcequotas/status', 'namespaces/status', 'replicationcontrollers/status', 'pods/log']),
  rule(READ, [''], ['namespaces']),
  rule(READ, ['discovery.k8s.io'], ['endpointslices']),
  rule(READ, ['apps'], ['controllerrevisions', 'statefulsets', 'statefulsets/status', 'statefulsets/scale', 'daemonsets', 'daemonsets/status', 'deployments', 'deployments/status', 'deployments/scale', 'replicasets', 'replicasets/status', 'replicasets/scale']),
  rule(READ, ['autoscaling'], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
  rule(READ, ['batch'], ['jobs', 'cronjobs', 'cronjobs/status', 'jobs/status']),
  rule(READ, ['extensions'], ['daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'ingresses', 'ingresses/status', 'replicasets', 'replicasets/scale', 'replicasets/status', 'replicationcontrollers/scale', 'networkpolicies']),
  rule(READ, ['policy'], ['poddisruptionbudgets', 'poddisruptionbudgets/status']),
  rule(READ, ['networking.k8s.io'], ['networkpolicies', 'ingresses', 'ingresses/status']),
];

const DISCOVERY_URLS = ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/'];
const PUBLIC_INFO_URLS = ['/healthz', '/livez', '/readyz', '/version', '/version/'];

/** The cluster roles and bindings a fresh kind cluster starts with (those that matter to users). */
export function bootstrapPolicy(): { clusterRoles: KubeObject[]; clusterRoleBindings: KubeObject[] } {
  return {
    clusterRoles: [
      clusterRole('cluster-admin', { rules: [rule(['*'], ['*'], ['*']), { nonResourceURLs: ['*'], verbs: ['*'] }] }),
      clusterRole('admin', { aggregateFrom: 'admin' }),
      clusterRole('edit', { aggregateFrom: 'edit', labels: { [`${RBAC_GROUP}/aggregate-to-admin`]: 'true' } }),
      clusterRole('view', { aggregateFrom: 'view', labels: { [`${RBAC_GROUP}/aggregate-to-edit`]: 'true' } }),
      clusterRole('system:aggregate-to-admin', { rules: AGGREGATE_TO_ADMIN, labels: { [`${RBAC_GROUP}/aggregate-to-admin`]: 'true' } }),
      clusterRole('system:aggregate-to-edit', { rules: AGGREGATE_TO_EDIT, labels: { [`${RBAC_GROUP}/aggregate-to-edit`]: 'true' } }),
      clusterRole('system:aggregate-to-view', { rules: AGGREGATE_TO_VIEW, labels: { [`${RBAC_GROUP}/aggregate-to-view`]: 'true' } }),
      clusterRole('system:discovery', { rules: [{ nonResourceURLs: DISCOVERY_URLS, verbs: ['get'] }] }),
      clusterRole('system:basic-user', { rules: [rule(['create'], ['authorization.k8s.io'], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews']), rule(['create'], ['authentication.k8s.io'], ['selfsubjectreviews'])] }),
      clusterRole('system:public-info-viewer', { rules: [{ nonResourceURLs: PUBLIC_INFO_URLS, verbs: ['get'] }] }),
    ],
    clusterRoleBindings: [
      clusterRoleBinding('cluster-admin', 'cluster-admin', [{ kind: 'Group', name: 'system:masters' }]),
      clusterRoleBinding('system:discovery', 'system:discovery', [{ kind: 'Group', name: 'system:authenticated' }]),
      clusterRoleBinding('system:basic-user', 'system:basic-user', [{ kind: 'Group', name: 'system:authenticated' }]),
      clusterRoleBinding('system:public-info-viewer', 'system:public-info-viewer', [{ kind: 'Group', name: 'system:authenticated' }, { kind: 'Group', name: 'system:unauthenticated' }]),
      // kubeadm's: the admin kubeconfig's group is cluster-admin through a binding, not system:masters.
      clusterRoleBinding('kubeadm:cluster-admins', 'cluster-admin', [{ kind: 'Group', name: 'kubeadm:cluster-admins' }], false),
    ],
  };
}

/** Creates the bootstrap roles and bindings that are missing (kube-apiserver's start-up reconciliation). */
export function ensureBootstrapPolicy(store: ObjectStore): void {
  const { clusterRoles, clusterRoleBindings } = bootstrapPolicy();
  for (const r of clusterRoles) if (!store.get(STORE_KEYS.clusterRoles, undefined, r.metadata.name!)) store.create(STORE_KEYS.clusterRoles, r);
  for (const b of clusterRoleBindings) if (!store.get(STORE_KEYS.clusterRoleBindings, undefined, b.metadata.name!)) store.create(STORE_KEYS.clusterRoleBindings, b);
}

type Role = KubeObject & { rules?: PolicyRule[]; aggregationRule?: { clusterRoleSelectors?: unknown[] } };

/** The rules an aggregated ClusterRole should have: those of every ClusterRole its selectors pick, once each, by name. */
export function aggregatedRules(role: Role, all: Role[]): PolicyRule[] {
  const selectors = role.aggregationRule?.clusterRoleSelectors ?? [];
  const seen = new Set<string>();
  const out: PolicyRule[] = [];
  const sources = all.filter((r) => r.metadata.name !== role.metadata.name && selectors.some((s) => selectorMatches(s, r.metadata.labels))).sort((a, b) => (a.metadata.name! < b.metadata.name! ? -1 : 1));
  for (const source of sources) {
    for (const r of source.rules ?? []) {
      const key = JSON.stringify(r);
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(r);
    }
  }
  return out;
}

/**
 * The clusterrole-aggregation controller: whenever a ClusterRole changes, every ClusterRole with an
 * aggregationRule gets the union of the rules its selectors pick. Returns the stop function.
 */
export function startClusterRoleAggregation(store: ObjectStore): () => void {
  let running = false;
  const reconcile = (): void => {
    if (running) return;
    running = true;
    try {
      // Aggregated roles feed each other (view → edit → admin): repeat until nothing changes.
      for (let round = 0; round < 10; round++) {
        let changed = false;
        const all = store.list(STORE_KEYS.clusterRoles).items as Role[];
        for (const role of all) {
          if (!role.aggregationRule || role.metadata.deletionTimestamp) continue;
          const rules = aggregatedRules(role, all);
          if (JSON.stringify(rules) === JSON.stringify(role.rules ?? [])) continue;
          store.mutate(STORE_KEYS.clusterRoles, undefined, role.metadata.name!, (o) => {
            (o as Role).rules = rules;
          });
          changed = true;
        }
        if (!changed) break;
      }
    } finally {
      running = false;
    }
  };
  const stop = store.watch(STORE_KEYS.clusterRoles, () => reconcile());
  reconcile();
  return stop;
}

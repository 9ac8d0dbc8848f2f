// What one learner gets on a shared cluster, as plain Kubernetes objects: a namespace with sidecar
// injection, a ServiceAccount whose RBAC allows that namespace, read-only views of istio-system
// (the ingress gateway's pods, logs and config) and of cluster-wide lists labs print (namespaces,
// nodes, CRDs), and a hostname on the shared ingress gateway. Pure data: tested without a cluster.
import { createHash } from 'node:crypto';
import type { KubernetesObject, V1PolicyRule } from '@kubernetes/client-node';

export interface LearnerPlanOptions {
  /** Learner id: a DNS label (validated). */
  learner: string;
  namespacePrefix?: string;
  /** Domain under which each learner gets `<learner>.<domain>` on the shared gateway. */
  hostDomain?: string;
  istioNamespace?: string;
}

export interface LearnerPlan {
  learner: string;
  namespace: string;
  serviceAccount: string;
  hostname: string;
  /** In creation order; deleted in reverse. */
  objects: KubernetesObject[];
  /** Objects outside the learner's namespace, which deleting the namespace does not remove. */
  outside: KubernetesObject[];
}

export const MANAGED_BY = { 'app.kubernetes.io/managed-by': 'meshlab' };
export const LEARNER_LABEL = 'meshlab.dev/learner';
const RW = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'];
const RO = ['get', 'list', 'watch'];

export function validLearnerId(id: string): boolean {
  return /^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$/.test(id);
}

/** A valid learner id for any name (a session id, an e-mail): kept when valid, else a readable part plus a hash. */
export function learnerIdFrom(name: string): string {
  if (validLearnerId(name)) return name;
  const readable = name.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+/, '').slice(0, 30).replace(/-+$/, '');
  const hash = createHash('sha256').update(name).digest('hex').slice(0, 8);
  return readable ? `${readable}-${hash}` : `learner-${hash}`;
}

/** What a learner may do in their own namespace: everything the labs apply, exec and read. */
export const LEARNER_RULES: V1PolicyRule[] = [
  { apiGroups: [''], resources: ['pods', 'pods/log', 'pods/exec', 'pods/portforward', 'pods/attach', 'services', 'endpoints', 'configmaps', 'secrets', 'serviceaccounts', 'persistentvolumeclaims'], verbs: RW },
  { apiGroups: [''], resources: ['events'], verbs: RO },
  { apiGroups: ['apps'], resources: ['deployments', 'deployments/scale', 'replicasets', 'replicasets/scale', 'statefulsets', 'daemonsets', 'controllerrevisions'], verbs: RW },
  { apiGroups: ['batch'], resources: ['jobs', 'cronjobs'], verbs: RW },
  { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: RO },
  { apiGroups: ['networking.istio.io', 'security.istio.io', 'telemetry.istio.io'], resources: ['*'], verbs: RW },
  { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: RO },
];

/** Read-only in istio-system: enough for `kubectl logs` of the gateway and `get` of its config. */
export const ISTIO_VIEW_RULES: V1PolicyRule[] = [
  { apiGroups: [''], resources: ['pods', 'pods/log', 'services', 'endpoints', 'configmaps', 'events'], verbs: RO },
  { apiGroups: ['apps'], resources: ['deployments', 'replicasets'], verbs: RO },
  { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: RO },
  { apiGroups: ['networking.istio.io', 'security.istio.io', 'telemetry.istio.io'], resources: ['*'], verbs: RO },
];

/** Cluster-wide lists labs print (`kubectl get ns`, `get nodes`, `get crds | grep istio`). */
export const CLUSTER_VIEW_RULES: V1PolicyRule[] = [
  { apiGroups: [''], resources: ['namespaces', 'nodes'], verbs: RO },
  { apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: RO },
];

export const ROLE_NAMES = { learner: 'meshlab-learner', istioView: 'meshlab-learner-istio-view', clusterView: 'meshlab-learner-cluster-view' };

export function learnerPlan(o: LearnerPlanOptions): LearnerPlan {
  if (!validLearnerId(o.learner)) throw new Error(`"${o.learner}" is not a valid learner id (lowercase letters, digits and '-', at most 40 characters)`);
  const namespace = `${o.namespacePrefix ?? 'meshlab-'}${o.learner}`;
  if (namespace.length > 63) throw new Error(`namespace "${namespace}" is longer than 63 characters`);
  const istioNs = o.istioNamespace ?? 'istio-system';
  const serviceAccount = 'learner';
  const labels = { ...MANAGED_BY, [LEARNER_LABEL]: o.learner };
  const subject = [{ kind: 'ServiceAccount', name: serviceAccount, namespace }];
  const perLearner = `meshlab-learner-${o.learner}`;
  const inNs: KubernetesObject[] = [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels: { ...labels, 'istio-injection': 'enabled' } } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: serviceAccount, namespace, labels } },
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: ROLE_NAMES.learner, namespace, labels }, rules: LEARNER_RULES } as KubernetesObject,
    {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: ROLE_NAMES.learner, namespace, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: ROLE_NAMES.learner }, subjects: subject,
    } as KubernetesObject,
  ];
  // Shared roles (one per cluster) come first; the bindings are per learner.
  const outside: KubernetesObject[] = [
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: ROLE_NAMES.istioView, namespace: istioNs, labels: MANAGED_BY }, rules: ISTIO_VIEW_RULES } as KubernetesObject,
    {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: perLearner, namespace: istioNs, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: ROLE_NAMES.istioView }, subjects: subject,
    } as KubernetesObject,
    { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: ROLE_NAMES.clusterView, labels: MANAGED_BY }, rules: CLUSTER_VIEW_RULES } as KubernetesObject,
    {
      apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: perLearner, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: ROLE_NAMES.clusterView }, subjects: subject,
    } as KubernetesObject,
  ];
  return {
    learner: o.learner,
    namespace,
    serviceAccount,
    hostname: `${o.learner}.${o.hostDomain ?? 'lab.example'}`,
    objects: [...inNs, ...outside],
    outside: outside.filter((x) => x.metadata?.name === perLearner),
  };
}

/** A kubeconfig that acts as the learner's ServiceAccount, defaulting to the learner's namespace. */
export function learnerKubeconfig(o: {
  clusterName: string;
  server: string;
  caData?: string;
  insecure?: boolean;
  /** The user entry: `{ token }` for a ServiceAccount. */
  credentials: Record<string, unknown>;
  namespace: string;
  user: string;
}): Record<string, unknown> {
  const cluster: Record<string, unknown> = { server: o.server };
  if (o.caData) cluster['certificate-authority-data'] = o.caData;
  if (o.insecure) cluster['insecure-skip-tls-verify'] = true;
  const context = `${o.user}@${o.clusterName}`;
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: o.clusterName, cluster }],
    users: [{ name: o.user, user: o.credentials }],
    contexts: [{ name: context, context: { cluster: o.clusterName, user: o.user, namespace: o.namespace } }],
    'current-context': context,
    preferences: {},
  };
}

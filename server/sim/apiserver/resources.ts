// The resource types the embedded API server serves: what discovery advertises, how URLs map to
// store keys, and which kinds are namespaced. Built-in kinds declared in kinds/ carry their
// strategy (defaults, validation, printer, ...); the table below lists the kinds not moved there yet.
import { BUILT_IN_KINDS } from './kinds/index.ts';
import { ALL_VERBS, apiVersionOf, storeKey, type KindStrategy } from './kinds/kind.ts';

export { apiVersionOf, storeKey };

export interface ResourceType {
  group: string;
  /** Served versions, preferred first. Objects are stored at `storageVersion`. */
  versions: string[];
  storageVersion: string;
  resource: string;
  singular: string;
  kind: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  verbs: string[];
  /** Subresources served, e.g. status, scale, log, exec. */
  subresources: string[];
  /** Kinds defined by a CustomResourceDefinition (merge patch instead of strategic merge). */
  custom?: boolean;
  /** A CRD's additionalPrinterColumns (types added at run time from a CRD). */
  printerColumns?: { name: string; type: string; jsonPath: string; description?: string; priority?: number }[];
  /** Served from a CustomResourceDefinition object created in this cluster. */
  fromCrd?: string;
  /** A built-in kind's behaviour (kinds/); absent for custom resources and kinds not moved yet. */
  strategy?: KindStrategy;
}

function core(resource: string, kind: string, namespaced: boolean, extra: Partial<ResourceType> = {}): ResourceType {
  return {
    group: '',
    versions: ['v1'],
    storageVersion: 'v1',
    resource,
    singular: kind.toLowerCase(),
    kind,
    namespaced,
    shortNames: [],
    categories: [],
    verbs: ALL_VERBS,
    subresources: [],
    ...extra,
  };
}

function grouped(group: string, version: string, resource: string, kind: string, namespaced: boolean, extra: Partial<ResourceType> = {}): ResourceType {
  return { ...core(resource, kind, namespaced), group, versions: [version], storageVersion: version, ...extra };
}

function istio(resource: string, kind: string, shortNames: string[]): ResourceType {
  return grouped('networking.istio.io', 'v1', resource, kind, true, {
    versions: ['v1', 'v1beta1', 'v1alpha3'],
    storageVersion: 'v1',
    shortNames,
    categories: ['istio-io', 'networking-istio-io'],
    subresources: ['status'],
    custom: true,
  });
}

export const RESOURCE_TYPES: readonly ResourceType[] = [
  core('namespaces', 'Namespace', false, { shortNames: ['ns'], verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], subresources: ['status', 'finalize'] }),
  core('nodes', 'Node', false, { shortNames: ['no'], subresources: ['status'] }),
  core('pods', 'Pod', true, { shortNames: ['po'], categories: ['all'], subresources: ['status', 'log', 'exec', 'portforward'] }),
  core('services', 'Service', true, { shortNames: ['svc'], categories: ['all'], verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'], subresources: ['status'] }),
  core('endpoints', 'Endpoints', true, { shortNames: ['ep'], singular: 'endpoints' }),
  core('serviceaccounts', 'ServiceAccount', true, { shortNames: ['sa'], subresources: ['token'] }),
  core('configmaps', 'ConfigMap', true, { shortNames: ['cm'] }),
  core('secrets', 'Secret', true),
  core('events', 'Event', true, { shortNames: ['ev'] }),
  // Served so `kubectl describe namespace` can say "No resource quota." like a real cluster.
  core('resourcequotas', 'ResourceQuota', true, { shortNames: ['quota'], subresources: ['status'] }),
  core('limitranges', 'LimitRange', true, { shortNames: ['limits'] }),
  grouped('coordination.k8s.io', 'v1', 'leases', 'Lease', true),
  // Without the short name: kubectl 1.35 would warn that "ev" is ambiguous on every `get ev`.
  grouped('events.k8s.io', 'v1', 'events', 'Event', true),
  grouped('discovery.k8s.io', 'v1', 'endpointslices', 'EndpointSlice', true),
  grouped('apps', 'v1', 'deployments', 'Deployment', true, { shortNames: ['deploy'], categories: ['all'], subresources: ['status', 'scale'] }),
  grouped('apps', 'v1', 'replicasets', 'ReplicaSet', true, { shortNames: ['rs'], categories: ['all'], subresources: ['status', 'scale'] }),
  grouped('apiextensions.k8s.io', 'v1', 'customresourcedefinitions', 'CustomResourceDefinition', false, { shortNames: ['crd', 'crds'], categories: ['api-extensions'], subresources: ['status'] }),
  // Answered for the caller from the RBAC authorizer, never stored.
  grouped('authorization.k8s.io', 'v1', 'selfsubjectaccessreviews', 'SelfSubjectAccessReview', false, { verbs: ['create'] }),
  grouped('authorization.k8s.io', 'v1', 'selfsubjectrulesreviews', 'SelfSubjectRulesReview', false, { verbs: ['create'] }),
  grouped('authentication.k8s.io', 'v1', 'selfsubjectreviews', 'SelfSubjectReview', false, { verbs: ['create'] }),
  // Kinds Istio's helm charts render; stored and listed, nothing acts on them.
  grouped('admissionregistration.k8s.io', 'v1', 'mutatingwebhookconfigurations', 'MutatingWebhookConfiguration', false, { categories: ['api-extensions'] }),
  grouped('admissionregistration.k8s.io', 'v1', 'validatingwebhookconfigurations', 'ValidatingWebhookConfiguration', false, { categories: ['api-extensions'] }),
  grouped('autoscaling', 'v2', 'horizontalpodautoscalers', 'HorizontalPodAutoscaler', true, { shortNames: ['hpa'], categories: ['all'], subresources: ['status'] }),
  grouped('policy', 'v1', 'poddisruptionbudgets', 'PodDisruptionBudget', true, { shortNames: ['pdb'], subresources: ['status'] }),
  grouped('rbac.authorization.k8s.io', 'v1', 'roles', 'Role', true),
  grouped('rbac.authorization.k8s.io', 'v1', 'rolebindings', 'RoleBinding', true),
  grouped('rbac.authorization.k8s.io', 'v1', 'clusterroles', 'ClusterRole', false),
  grouped('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings', 'ClusterRoleBinding', false),
  istio('gateways', 'Gateway', ['gw']),
  istio('virtualservices', 'VirtualService', ['vs']),
  istio('destinationrules', 'DestinationRule', ['dr']),
  istio('serviceentries', 'ServiceEntry', ['se']),
  istio('sidecars', 'Sidecar', []),
  ...BUILT_IN_KINDS,
];

/**
 * The order in which discovery lists the groups, which is how kubectl resolves a name two groups
 * serve (`kubectl get gateway`): the API server lists APIServices by GroupPriorityMinimum, highest
 * first, then by name. Built-in groups have kube-apiserver's priorities (the core group first);
 * every group defined by a CustomResourceDefinition gets 1000 from the CRD registration controller,
 * Istio's included on a real cluster, so among them the name decides: `gateway.networking.k8s.io`
 * comes before `networking.istio.io`, and `kubectl get gateway` lists the Gateway API's Gateways.
 */
const BUILT_IN_GROUP_PRIORITY: Record<string, number> = {
  '': 18000,
  'apiregistration.k8s.io': 17800,
  apps: 17800,
  'events.k8s.io': 17750,
  'authentication.k8s.io': 17700,
  'authorization.k8s.io': 17600,
  autoscaling: 17500,
  batch: 17400,
  'certificates.k8s.io': 17300,
  'networking.k8s.io': 17200,
  policy: 17100,
  'rbac.authorization.k8s.io': 17000,
  'storage.k8s.io': 16800,
  'admissionregistration.k8s.io': 16700,
  'apiextensions.k8s.io': 16700,
  'scheduling.k8s.io': 16600,
  'coordination.k8s.io': 16500,
  'node.k8s.io': 16300,
  'discovery.k8s.io': 16200,
  'flowcontrol.apiserver.k8s.io': 16100,
};
const CRD_GROUP_PRIORITY = 1000;

export function groupPriority(group: string): number {
  return BUILT_IN_GROUP_PRIORITY[group] ?? CRD_GROUP_PRIORITY;
}

/** Discovery's group order: priority (highest first), then name. */
export function compareGroups(a: string, b: string): number {
  return groupPriority(b) - groupPriority(a) || (a < b ? -1 : a > b ? 1 : 0);
}

export class ResourceRegistry {
  private byPath = new Map<string, ResourceType>();
  private byKey = new Map<string, ResourceType>();
  private listeners: (() => void)[] = [];
  types: readonly ResourceType[];

  constructor(types: readonly ResourceType[] = RESOURCE_TYPES) {
    this.types = [...types];
    this.index();
  }

  private index(): void {
    this.byPath = new Map();
    this.byKey = new Map();
    for (const t of this.types) {
      this.byKey.set(storeKey(t), t);
      for (const v of t.versions) this.byPath.set(`${t.group}/${v}/${t.resource}`, t);
    }
    for (const l of this.listeners) l();
  }

  /** Called after types are added or removed (discovery documents are rebuilt). */
  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Serves a type defined by a CRD; built-in types are never replaced. */
  addCustom(type: ResourceType): boolean {
    const existing = this.byKey.get(storeKey(type));
    if (existing && !existing.fromCrd) return false;
    this.types = [...this.types.filter((t) => storeKey(t) !== storeKey(type)), type];
    this.index();
    return true;
  }

  removeCustom(crdName: string): ResourceType | undefined {
    const type = this.types.find((t) => t.fromCrd === crdName);
    if (!type) return undefined;
    this.types = this.types.filter((t) => t !== type);
    this.index();
    return type;
  }

  /** The type served at /api(s)/GROUP/VERSION/RESOURCE, if any. */
  lookup(group: string, version: string, resource: string): ResourceType | undefined {
    return this.byPath.get(`${group}/${version}/${resource}`);
  }

  byStoreKey(key: string): ResourceType | undefined {
    return this.byKey.get(key);
  }

  /** The type for an object's apiVersion + kind. */
  forKind(apiVersion: string, kind: string): ResourceType | undefined {
    const [group, version] = apiVersion.includes('/') ? apiVersion.split('/', 2) as [string, string] : ['', apiVersion];
    return this.types.find((t) => t.group === group && t.kind === kind && t.versions.includes(version));
  }

  /** Group → versions (preferred first), in discovery's order (compareGroups); the core group is "". */
  groups(): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (const t of this.types) {
      const versions = out.get(t.group) ?? [];
      for (const v of t.versions) if (!versions.includes(v)) versions.push(v);
      out.set(t.group, versions);
    }
    return new Map([...out].sort(([a], [b]) => compareGroups(a, b)));
  }

  inGroupVersion(group: string, version: string): ResourceType[] {
    return this.types.filter((t) => t.group === group && t.versions.includes(version));
  }
}

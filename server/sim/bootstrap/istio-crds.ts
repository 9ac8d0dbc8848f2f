// The CustomResourceDefinitions an Istio install adds (the base chart's crd-all.gen.yaml), so
// `kubectl get crd` lists them and `kubectl explain`-style tools find the kinds. Served versions
// and printer columns follow Istio's definitions; schemas are left open.
import type { KubeObject } from '../store/object-store.ts';

export interface Column {
  name: string;
  jsonPath: string;
  type: string;
  description?: string;
  priority?: number;
}

export interface CrdSpec {
  group: string;
  /** Namespaced unless said otherwise. */
  scope?: 'Namespaced' | 'Cluster';
  /** The CRD's own labels and annotations (Istio's chart labels by default). */
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  kind: string;
  plural: string;
  shortNames?: string[];
  categories: string[];
  versions: string[];
  storage: string;
  columns?: Column[];
}

export const AGE: Column = {
  name: 'Age',
  jsonPath: '.metadata.creationTimestamp',
  type: 'date',
  description:
    'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC. Populated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata',
};

const NETWORKING_VERSIONS = ['v1', 'v1alpha3', 'v1beta1'];

export const ISTIO_CRDS: CrdSpec[] = [
  { group: 'networking.istio.io', kind: 'DestinationRule', plural: 'destinationrules', shortNames: ['dr'], categories: ['istio-io', 'networking-istio-io'], versions: NETWORKING_VERSIONS, storage: 'v1',
    columns: [{ name: 'Host', jsonPath: '.spec.host', type: 'string', description: 'The name of a service from the service registry' }, AGE] },
  { group: 'networking.istio.io', kind: 'EnvoyFilter', plural: 'envoyfilters', categories: ['istio-io', 'networking-istio-io'], versions: ['v1alpha3'], storage: 'v1alpha3' },
  { group: 'networking.istio.io', kind: 'Gateway', plural: 'gateways', shortNames: ['gw'], categories: ['istio-io', 'networking-istio-io'], versions: NETWORKING_VERSIONS, storage: 'v1' },
  { group: 'networking.istio.io', kind: 'ProxyConfig', plural: 'proxyconfigs', categories: ['istio-io', 'networking-istio-io'], versions: ['v1beta1'], storage: 'v1beta1' },
  { group: 'networking.istio.io', kind: 'ServiceEntry', plural: 'serviceentries', shortNames: ['se'], categories: ['istio-io', 'networking-istio-io'], versions: NETWORKING_VERSIONS, storage: 'v1',
    columns: [
      { name: 'Hosts', jsonPath: '.spec.hosts', type: 'string', description: 'The hosts associated with the ServiceEntry' },
      { name: 'Location', jsonPath: '.spec.location', type: 'string', description: 'Whether the service is external to the mesh or part of the mesh.' },
      { name: 'Resolution', jsonPath: '.spec.resolution', type: 'string', description: 'Service resolution mode for the hosts.' },
      AGE,
    ] },
  { group: 'networking.istio.io', kind: 'Sidecar', plural: 'sidecars', categories: ['istio-io', 'networking-istio-io'], versions: NETWORKING_VERSIONS, storage: 'v1' },
  { group: 'networking.istio.io', kind: 'VirtualService', plural: 'virtualservices', shortNames: ['vs'], categories: ['istio-io', 'networking-istio-io'], versions: NETWORKING_VERSIONS, storage: 'v1',
    columns: [
      { name: 'Gateways', jsonPath: '.spec.gateways', type: 'string', description: 'The names of gateways and sidecars that should apply these routes' },
      { name: 'Hosts', jsonPath: '.spec.hosts', type: 'string', description: 'The destination hosts to which traffic is being sent' },
      AGE,
    ] },
  { group: 'networking.istio.io', kind: 'WorkloadEntry', plural: 'workloadentries', shortNames: ['we'], categories: ['istio-io', 'networking-istio-io'], versions: NETWORKING_VERSIONS, storage: 'v1',
    columns: [AGE, { name: 'Address', jsonPath: '.spec.address', type: 'string', description: 'Address associated with the network endpoint.' }] },
  { group: 'networking.istio.io', kind: 'WorkloadGroup', plural: 'workloadgroups', shortNames: ['wg'], categories: ['istio-io', 'networking-istio-io'], versions: NETWORKING_VERSIONS, storage: 'v1',
    columns: [AGE] },
  { group: 'security.istio.io', kind: 'AuthorizationPolicy', plural: 'authorizationpolicies', shortNames: ['ap'], categories: ['istio-io', 'security-istio-io'], versions: ['v1', 'v1beta1'], storage: 'v1',
    columns: [
      { name: 'Action', jsonPath: '.spec.action', type: 'string', description: 'The operation to take.' },
      AGE,
    ] },
  { group: 'security.istio.io', kind: 'PeerAuthentication', plural: 'peerauthentications', shortNames: ['pa'], categories: ['istio-io', 'security-istio-io'], versions: ['v1', 'v1beta1'], storage: 'v1',
    columns: [
      { name: 'Mode', jsonPath: '.spec.mtls.mode', type: 'string', description: 'Defines the mTLS mode used for peer authentication.' },
      AGE,
    ] },
  { group: 'security.istio.io', kind: 'RequestAuthentication', plural: 'requestauthentications', shortNames: ['ra'], categories: ['istio-io', 'security-istio-io'], versions: ['v1', 'v1beta1'], storage: 'v1' },
  { group: 'telemetry.istio.io', kind: 'Telemetry', plural: 'telemetries', shortNames: ['telemetry'], categories: ['istio-io', 'telemetry-istio-io'], versions: ['v1', 'v1alpha1'], storage: 'v1', columns: [AGE] },
  { group: 'extensions.istio.io', kind: 'WasmPlugin', plural: 'wasmplugins', categories: ['istio-io', 'extensions-istio-io'], versions: ['v1alpha1'], storage: 'v1alpha1', columns: [AGE] },
];

export function crdObject(c: CrdSpec, now: string): KubeObject {
  const singular = c.kind.toLowerCase();
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${c.plural}.${c.group}`,
      labels: c.labels ?? {
        app: 'istio-pilot',
        chart: 'istio',
        heritage: 'Tiller',
        release: 'istio',
      },
      annotations: c.annotations ?? { 'helm.sh/resource-policy': 'keep' },
    },
    spec: {
      conversion: { strategy: 'None' },
      group: c.group,
      names: {
        categories: c.categories,
        kind: c.kind,
        listKind: `${c.kind}List`,
        plural: c.plural,
        ...(c.shortNames ? { shortNames: c.shortNames } : {}),
        singular,
      },
      scope: c.scope ?? 'Namespaced',
      versions: c.versions.map((v) => ({
        ...(c.columns ? { additionalPrinterColumns: c.columns } : {}),
        name: v,
        schema: {
          openAPIV3Schema: {
            properties: {
              spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
              status: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
            },
            type: 'object',
          },
        },
        served: true,
        storage: v === c.storage,
        subresources: { status: {} },
      })),
    },
    status: {
      acceptedNames: {
        categories: c.categories,
        kind: c.kind,
        listKind: `${c.kind}List`,
        plural: c.plural,
        ...(c.shortNames ? { shortNames: c.shortNames } : {}),
        singular,
      },
      conditions: [
        { lastTransitionTime: now, message: 'no conflicts found', reason: 'NoConflicts', status: 'True', type: 'NamesAccepted' },
        { lastTransitionTime: now, message: 'the initial names have been accepted', reason: 'InitialNamesAccepted', status: 'True', type: 'Established' },
      ],
      storedVersions: [c.storage],
    },
  };
}

// The Kubernetes Gateway API's CustomResourceDefinitions, standard channel v1.4.0 (the bundle
// Istio 1.28 is tested with): the kinds istio.io's tasks use, with the served versions, names,
// scope and printer columns of config/crd/standard/gateway.networking.k8s.io_*.yaml. Schemas are
// left open, as for Istio's CRDs here; defaults.ts fills the schema's defaults instead.
import type { KubeObject } from '../store/object-store.ts';
import { AGE, crdObject, type Column, type CrdSpec } from '../bootstrap/istio-crds.ts';

export const GATEWAY_API_GROUP = 'gateway.networking.k8s.io';
export const GATEWAY_API_BUNDLE_VERSION = 'v1.4.0';

// The upstream columns carry no description; Age is the apiextensions default column.
const column = (name: string, jsonPath: string, priority?: number): Column => ({ name, jsonPath, type: 'string', ...(priority ? { priority } : {}) });
const AGE_NO_DESCRIPTION: Column = { name: AGE.name, jsonPath: AGE.jsonPath, type: AGE.type };

const common = { group: GATEWAY_API_GROUP, categories: ['gateway-api'] };

export const GATEWAY_API_CRDS: CrdSpec[] = [
  { ...common, kind: 'GatewayClass', plural: 'gatewayclasses', shortNames: ['gc'], scope: 'Cluster', versions: ['v1', 'v1beta1'], storage: 'v1',
    columns: [column('Controller', '.spec.controllerName'), column('Accepted', '.status.conditions[?(@.type=="Accepted")].status'), AGE_NO_DESCRIPTION, column('Description', '.spec.description', 1)] },
  { ...common, kind: 'Gateway', plural: 'gateways', shortNames: ['gtw'], versions: ['v1', 'v1beta1'], storage: 'v1',
    columns: [column('Class', '.spec.gatewayClassName'), column('Address', '.status.addresses[*].value'), column('Programmed', '.status.conditions[?(@.type=="Programmed")].status'), AGE_NO_DESCRIPTION] },
  { ...common, kind: 'HTTPRoute', plural: 'httproutes', versions: ['v1', 'v1beta1'], storage: 'v1',
    columns: [column('Hostnames', '.spec.hostnames'), AGE_NO_DESCRIPTION] },
  { ...common, kind: 'GRPCRoute', plural: 'grpcroutes', versions: ['v1'], storage: 'v1',
    columns: [column('Hostnames', '.spec.hostnames'), AGE_NO_DESCRIPTION] },
  { ...common, kind: 'ReferenceGrant', plural: 'referencegrants', shortNames: ['refgrant'], versions: ['v1beta1'], storage: 'v1beta1', columns: [AGE_NO_DESCRIPTION] },
];

/** The CRD object as `kubectl apply` of the standard-install.yaml leaves it (no labels, bundle annotations). */
export function gatewayApiCrdObject(spec: CrdSpec, now: string): KubeObject {
  const crd = crdObject(
    {
      ...spec,
      annotations: {
        'api-approved.kubernetes.io': 'https://github.com/kubernetes-sigs/gateway-api/pull/3328',
        'gateway.networking.k8s.io/bundle-version': GATEWAY_API_BUNDLE_VERSION,
        'gateway.networking.k8s.io/channel': 'standard',
      },
    },
    now,
  );
  delete crd.metadata.labels;
  return crd;
}

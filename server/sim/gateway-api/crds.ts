// The Kubernetes Gateway API's CustomResourceDefinitions, standard channel v1.4.0 (the bundle
// Istio 1.28 is tested with): the kinds istio.io's tasks use, with the served versions, names,
// scope and printer columns of config/crd/standard/gateway.networking.k8s.io_*.yaml. Schemas are
// left open, as for Istio's CRDs here; defaults.ts fills the schema's defaults instead.
import YAML from 'yaml';
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

/**
 * The kinds only the experimental channel adds (config/crd/experimental, v1.4.0), of those Istio
 * implements: TLSRoute and TCPRoute (istio.io's egress-gateway task routes HTTPS with TLSRoute),
 * and UDPRoute. They are served at v1alpha2 with the Age column only.
 */
export const GATEWAY_API_EXPERIMENTAL_ONLY_CRDS: CrdSpec[] = [
  { ...common, kind: 'TLSRoute', plural: 'tlsroutes', versions: ['v1alpha2'], storage: 'v1alpha2', columns: [AGE_NO_DESCRIPTION] },
  { ...common, kind: 'TCPRoute', plural: 'tcproutes', versions: ['v1alpha2'], storage: 'v1alpha2', columns: [AGE_NO_DESCRIPTION] },
  { ...common, kind: 'UDPRoute', plural: 'udproutes', versions: ['v1alpha2'], storage: 'v1alpha2', columns: [AGE_NO_DESCRIPTION] },
];

export type GatewayApiChannel = 'standard' | 'experimental';

/** The CRD object as `kubectl apply` of the channel's install leaves it (no labels, bundle annotations). */
export function gatewayApiCrdObject(spec: CrdSpec, now: string, channel: GatewayApiChannel = 'standard'): KubeObject {
  const crd = crdObject(
    {
      ...spec,
      annotations: {
        'api-approved.kubernetes.io': 'https://github.com/kubernetes-sigs/gateway-api/pull/3328',
        'gateway.networking.k8s.io/bundle-version': GATEWAY_API_BUNDLE_VERSION,
        'gateway.networking.k8s.io/channel': channel,
      },
    },
    now,
  );
  delete crd.metadata.labels;
  return crd;
}

/** The CRD's manifest as the channel's files hold it (no status, `creationTimestamp: null`). */
export function gatewayApiCrdManifest(spec: CrdSpec, channel: GatewayApiChannel): KubeObject {
  const crd = gatewayApiCrdObject(spec, '1970-01-01T00:00:00Z', channel);
  delete crd.status;
  return { ...crd, metadata: { ...crd.metadata, creationTimestamp: null as unknown as string } };
}

/**
 * The CRD as `kubectl apply -f` of the channel's install leaves it in a cluster: with kubectl's
 * last-applied-configuration, so a later `kubectl apply` of another channel patches it quietly.
 */
export function gatewayApiInstalledCrd(spec: CrdSpec, now: string, channel: GatewayApiChannel = 'standard'): KubeObject {
  const crd = gatewayApiCrdObject(spec, now, channel);
  crd.metadata.annotations = { ...crd.metadata.annotations, 'kubectl.kubernetes.io/last-applied-configuration': `${JSON.stringify(gatewayApiCrdManifest(spec, channel))}\n` };
  return crd;
}

/** Every CRD of a channel: the standard kinds, and with the experimental channel its own kinds too. */
export function gatewayApiChannelCrds(channel: GatewayApiChannel): CrdSpec[] {
  return channel === 'standard' ? GATEWAY_API_CRDS : [...GATEWAY_API_CRDS, ...GATEWAY_API_EXPERIMENTAL_ONLY_CRDS];
}

/**
 * A channel's CRD files as the release tree has them (config/crd/<channel>/, one CRD a file,
 * `gateway.networking.k8s.io_<plural>.yaml`, and the kustomization.yaml listing them): what
 * `kubectl kustomize "github.com/kubernetes-sigs/gateway-api/config/crd/<channel>?ref=v1.4.0"`
 * builds. The schemas are the open ones this cluster serves.
 */
export function gatewayApiChannelFiles(channel: GatewayApiChannel): Record<string, string> {
  const files: Record<string, string> = {};
  const names: string[] = [];
  for (const spec of gatewayApiChannelCrds(channel)) {
    const name = `${GATEWAY_API_GROUP}_${spec.plural}.yaml`;
    names.push(name);
    files[name] = `---\n${YAML.stringify(gatewayApiCrdManifest(spec, channel))}`;
  }
  files['kustomization.yaml'] = YAML.stringify({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: names.sort() });
  return files;
}

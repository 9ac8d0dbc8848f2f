// The fields each served kind knows, for strict field validation (fieldValidation=Strict →
// `strict decoding error: unknown field "spec.replica"`) and for dropping unknown fields
// otherwise. Data only: an object schema lists its fields; ANY accepts anything below it.
// Built from k8s.io/api types and Istio's networking/v1 API (reasonably complete for what
// learners write; free-form where detail is not worth the risk of false rejections).
import { storeKey } from './kinds/kind.ts';
import type { ResourceType } from './resources.ts';

export const ANY = 'any' as const;
export const LEAF = 'leaf' as const;
/** A map of strings (labels, annotations, data, selectors). */
export const MAP = 'map' as const;
/** A map whose values may be numbers too (resource quantities, endpoint ports). */
export const NUMMAP = 'nummap' as const;

/** An integer (ports, replicas, weights): a quoted number is refused as the real decoders do. */
export const INT = 'int' as const;

export type Schema = typeof ANY | typeof LEAF | typeof MAP | typeof NUMMAP | typeof INT | { [field: string]: Schema } | [Schema];

function fields(names: string): Record<string, Schema> {
  return Object.fromEntries(names.split(/\s+/).filter(Boolean).map((n) => [n, LEAF]));
}

export { fields };

const ownerReference = fields('apiVersion kind name uid controller blockOwnerDeletion');
export const objectMeta: Schema = {
  ...fields('name generateName namespace selfLink uid resourceVersion generation creationTimestamp deletionTimestamp deletionGracePeriodSeconds'),
  labels: MAP,
  annotations: MAP,
  ownerReferences: [ownerReference],
  finalizers: [LEAF],
  managedFields: ANY,
};
export const labelSelector: Schema = { matchLabels: MAP, matchExpressions: [fields('key operator values')] };

const container: Schema = {
  ...fields('name image workingDir terminationMessagePath terminationMessagePolicy imagePullPolicy stdin stdinOnce tty restartPolicy'),
  command: [LEAF],
  args: [LEAF],
  ports: [{ ...fields('name protocol hostIP'), hostPort: INT, containerPort: INT }],
  envFrom: ANY,
  env: [{ ...fields('name value'), valueFrom: ANY }],
  resources: { limits: NUMMAP, requests: NUMMAP, claims: ANY },
  resizePolicy: ANY,
  restartPolicyRules: ANY,
  volumeMounts: [fields('name readOnly recursiveReadOnly mountPath subPath mountPropagation subPathExpr')],
  volumeDevices: ANY,
  livenessProbe: ANY,
  readinessProbe: ANY,
  startupProbe: ANY,
  lifecycle: ANY,
  securityContext: ANY,
  targetContainerName: LEAF,
};

const podSpec: Schema = {
  ...fields('restartPolicy terminationGracePeriodSeconds activeDeadlineSeconds dnsPolicy serviceAccountName serviceAccount automountServiceAccountToken nodeName hostNetwork hostPID hostIPC shareProcessNamespace hostname subdomain schedulerName priorityClassName priority runtimeClassName enableServiceLinks preemptionPolicy setHostnameAsFQDN hostUsers hostnameOverride'),
  volumes: ANY,
  initContainers: [container],
  containers: [container],
  ephemeralContainers: ANY,
  nodeSelector: MAP,
  securityContext: ANY,
  imagePullSecrets: [fields('name')],
  affinity: ANY,
  tolerations: [fields('key operator value effect tolerationSeconds')],
  hostAliases: ANY,
  dnsConfig: ANY,
  readinessGates: ANY,
  overhead: ANY,
  topologySpreadConstraints: ANY,
  os: ANY,
  schedulingGates: ANY,
  resourceClaims: ANY,
  resources: ANY,
};

export const podTemplate: Schema = { metadata: objectMeta, spec: podSpec };

/** A kind's schema: apiVersion, kind, metadata, spec and anything else at the top, status free-form. */
export function kind(spec: Schema | undefined, extra: Record<string, Schema> = {}, status: Schema = ANY): Schema {
  const s: Record<string, Schema> = { apiVersion: LEAF, kind: LEAF, metadata: objectMeta, ...extra };
  if (spec !== undefined) s.spec = spec;
  s.status = status;
  return s;
}

// Istio networking/v1 (istio/api networking/v1alpha3/*.proto, served as v1 and v1beta1).
const stringMatch = fields('exact prefix regex');
const portSelector: Schema = { number: INT };
const destination: Schema = { ...fields('host subset'), port: portSelector };
const headerOps: Schema = { set: MAP, add: MAP, remove: [LEAF] };
const headers: Schema = { request: headerOps, response: headerOps };
const percent = fields('value');
const httpMatch: Schema = {
  ...fields('name port ignoreUriCase sourceNamespace statPrefix'),
  uri: stringMatch,
  scheme: stringMatch,
  method: stringMatch,
  authority: stringMatch,
  headers: ANY,
  queryParams: ANY,
  withoutHeaders: ANY,
  sourceLabels: MAP,
  gateways: [LEAF],
};
const httpRoute: Schema = {
  ...fields('name timeout mirrorPercent mirror_percent'),
  match: [httpMatch],
  route: [{ destination, weight: INT, headers }],
  redirect: fields('uri authority port derivePort scheme redirectCode'),
  directResponse: { status: LEAF, body: fields('string bytes') },
  delegate: fields('name namespace'),
  rewrite: { ...fields('uri authority'), uriRegexRewrite: fields('match rewrite') },
  retries: { ...fields('attempts perTryTimeout retryOn retryRemoteLocalities'), backoff: LEAF, retryIgnorePreviousHosts: LEAF },
  fault: {
    delay: { ...fields('fixedDelay exponentialDelay percent'), percentage: percent },
    abort: { ...fields('httpStatus grpcStatus http2Error'), percentage: percent },
  },
  mirror: destination,
  mirrorPercentage: percent,
  mirrors: [{ destination, percentage: percent }],
  corsPolicy: { allowOrigins: [stringMatch], allowOrigin: [LEAF], allowMethods: [LEAF], allowHeaders: [LEAF], exposeHeaders: [LEAF], ...fields('maxAge allowCredentials unmatchedPreflights') },
  headers,
};
const l4Match: Record<string, Schema> = { ...fields('port sourceSubnet sourceNamespace'), destinationSubnets: [LEAF], sourceLabels: MAP, gateways: [LEAF] };
const l4Route: Schema = [{ destination, weight: INT }];
const virtualService: Schema = {
  hosts: [LEAF],
  gateways: [LEAF],
  http: [httpRoute],
  tls: [{ match: [{ ...l4Match, sniHosts: [LEAF] }], route: l4Route }],
  tcp: [{ match: [l4Match], route: l4Route }],
  exportTo: [LEAF],
};
const clientTls: Schema = { ...fields('mode clientCertificate privateKey caCertificates credentialName sni insecureSkipVerify caCrl'), subjectAltNames: [LEAF] };
const trafficPolicyFields: Record<string, Schema> = {
  loadBalancer: { ...fields('simple warmupDurationSecs'), consistentHash: ANY, localityLbSetting: ANY, warmup: ANY },
  connectionPool: { tcp: ANY, http: ANY },
  outlierDetection: fields('consecutiveErrors consecutive5xxErrors consecutiveGatewayErrors consecutiveLocalOriginFailures interval baseEjectionTime maxEjectionPercent minHealthPercent splitExternalLocalOriginErrors'),
  tls: clientTls,
  tunnel: ANY,
  proxyProtocol: ANY,
  retryBudget: ANY,
};
const trafficPolicy: Schema = { ...trafficPolicyFields, portLevelSettings: [{ port: portSelector, ...trafficPolicyFields }] };
const destinationRule: Schema = {
  host: LEAF,
  trafficPolicy,
  subsets: [{ name: LEAF, labels: MAP, trafficPolicy }],
  exportTo: [LEAF],
  workloadSelector: { matchLabels: MAP },
};
const serverTls: Schema = {
  ...fields('httpsRedirect mode serverCertificate privateKey caCertificates credentialName minProtocolVersion maxProtocolVersion caCrl'),
  credentialNames: [LEAF],
  subjectAltNames: [LEAF],
  verifyCertificateSpki: [LEAF],
  verifyCertificateHash: [LEAF],
  cipherSuites: [LEAF],
  tlsCertificates: ANY,
};
const gateway: Schema = {
  selector: MAP,
  servers: [{ port: { ...fields('protocol name'), number: INT, targetPort: INT }, ...fields('bind defaultEndpoint name'), hosts: [LEAF], tls: serverTls }],
};
const serviceEntry: Schema = {
  hosts: [LEAF],
  addresses: [LEAF],
  ports: [{ ...fields('protocol name'), number: INT, targetPort: INT }],
  location: LEAF,
  resolution: LEAF,
  endpoints: [{ ...fields('address network locality weight serviceAccount'), ports: NUMMAP, labels: MAP }],
  workloadSelector: { labels: MAP },
  exportTo: [LEAF],
  subjectAltNames: [LEAF],
};
const sidecar: Schema = {
  workloadSelector: { labels: MAP },
  ingress: ANY,
  egress: [{ port: fields('number protocol name targetPort'), ...fields('bind captureMode'), hosts: [LEAF] }],
  outboundTrafficPolicy: { mode: LEAF, egressProxy: ANY },
  inboundConnectionPool: ANY,
};

const SCHEMAS: Record<string, Schema> = {
  namespaces: kind({ finalizers: [LEAF] }),
  nodes: kind(ANY),
  pods: kind(podSpec),
  services: kind({
    ports: [{ ...fields('name protocol appProtocol targetPort'), port: INT, nodePort: INT }],
    selector: MAP,
    clusterIPs: [LEAF],
    externalIPs: [LEAF],
    loadBalancerSourceRanges: [LEAF],
    sessionAffinityConfig: ANY,
    ipFamilies: [LEAF],
    ...fields('clusterIP type sessionAffinity loadBalancerIP externalName externalTrafficPolicy healthCheckNodePort publishNotReadyAddresses ipFamilyPolicy allocateLoadBalancerNodePorts loadBalancerClass internalTrafficPolicy trafficDistribution'),
  }),
  endpoints: kind(undefined, { subsets: ANY }),
  'discovery.k8s.io/endpointslices': kind(undefined, { addressType: LEAF, endpoints: ANY, ports: ANY }),
  serviceaccounts: kind(undefined, { secrets: ANY, imagePullSecrets: ANY, automountServiceAccountToken: LEAF }),
  configmaps: kind(undefined, { data: MAP, binaryData: MAP, immutable: LEAF }),
  secrets: kind(undefined, { data: MAP, stringData: MAP, type: LEAF, immutable: LEAF }),
  events: ANY,
  'events.k8s.io/events': ANY,
  'apps/deployments': kind({
    ...fields('minReadySeconds revisionHistoryLimit paused progressDeadlineSeconds'),
    replicas: INT,
    selector: labelSelector,
    template: podTemplate,
    strategy: { type: LEAF, rollingUpdate: fields('maxUnavailable maxSurge') },
  }),
  'apps/replicasets': kind({ ...fields('replicas minReadySeconds'), selector: labelSelector, template: podTemplate }),
  'apiextensions.k8s.io/customresourcedefinitions': kind(ANY),
  'rbac.authorization.k8s.io/roles': kind(undefined, { rules: ANY }),
  'rbac.authorization.k8s.io/clusterroles': kind(undefined, { rules: ANY, aggregationRule: ANY }),
  'rbac.authorization.k8s.io/rolebindings': kind(undefined, { roleRef: ANY, subjects: ANY }),
  'rbac.authorization.k8s.io/clusterrolebindings': kind(undefined, { roleRef: ANY, subjects: ANY }),
  'networking.istio.io/virtualservices': kind(virtualService),
  'networking.istio.io/destinationrules': kind(destinationRule),
  'networking.istio.io/gateways': kind(gateway),
  'networking.istio.io/serviceentries': kind(serviceEntry),
  'networking.istio.io/sidecars': kind(sidecar),
};

// Status is read-only for clients but kubectl sends it back; rbac kinds have no status field.
for (const k of Object.keys(SCHEMAS)) {
  const s = SCHEMAS[k];
  if (k.startsWith('rbac.') && s && typeof s === 'object' && !Array.isArray(s)) delete (s as Record<string, Schema>).status;
}

/** Walks value against schema, calling `found` for every unknown field path; `drop` removes it. */
function walk(value: unknown, schema: Schema, path: string, found: (p: string) => void, drop: boolean, budget: { n: number }): void {
  if (--budget.n < 0) return;
  if (schema === ANY || schema === LEAF || schema === MAP || schema === NUMMAP || schema === INT) return;
  if (Array.isArray(schema)) {
    if (!Array.isArray(value)) return;
    value.forEach((item, i) => walk(item, schema[0], `${path}[${i}]`, found, drop, budget));
    return;
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return;
  const obj = value as Record<string, unknown>;
  for (const key of Object.keys(obj)) {
    const child = schema[key];
    const p = path ? `${path}.${key}` : key;
    if (child === undefined) {
      found(p);
      if (drop) delete obj[key];
      continue;
    }
    walk(obj[key], child, p, found, drop, budget);
  }
}

/** A kind's schema: its strategy's, else the table's (kinds not moved to kinds/ yet). */
function schemaOf(type: ResourceType): Schema | undefined {
  return type.strategy ? type.strategy.schema : SCHEMAS[storeKey(type)];
}

/** Unknown field paths in an object (`spec.replica`, `spec.template.spec.containers[0].imagee`). */
export function unknownFields(type: ResourceType, obj: Record<string, unknown>): string[] {
  const schema = schemaOf(type);
  if (!schema) return [];
  const out: string[] = [];
  walk(obj, schema, '', (p) => out.push(p), false, { n: 100_000 });
  return out;
}

/** Removes unknown fields in place, as decoding into the Go types or CRD pruning does. */
export function pruneUnknown(type: ResourceType, obj: Record<string, unknown>): void {
  const schema = schemaOf(type);
  if (schema) walk(obj, schema, '', () => {}, true, { n: 100_000 });
}

export interface ShapeError {
  path: string;
  got: string;
  want: 'object' | 'array' | 'map' | 'scalar' | 'string' | 'integer';
}

function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  return typeof v === 'object' ? 'object' : typeof v;
}

/**
 * The first place where the object's shape contradicts the schema (an object where a list is
 * expected, a string where an object is expected, ...): the Go decoder refuses such bodies.
 */
export function shapeError(type: ResourceType, obj: Record<string, unknown>): ShapeError | undefined {
  const schema = schemaOf(type);
  if (!schema) return undefined;
  let found: ShapeError | undefined;
  let budget = 100_000;
  const visit = (value: unknown, sch: Schema, path: string): void => {
    if (found || --budget < 0 || value === null || value === undefined || sch === ANY) return;
    const kind = jsonKind(value);
    if (sch === INT) {
      if (kind !== 'number' || !Number.isInteger(value)) found = { path, got: kind === 'number' ? 'number' : kind, want: 'integer' };
      return;
    }
    if (sch === LEAF) {
      if (kind === 'object' || kind === 'array') found = { path, got: kind, want: 'scalar' };
      return;
    }
    if (sch === MAP || sch === NUMMAP) {
      if (kind !== 'object') {
        found = { path, got: kind, want: 'map' };
        return;
      }
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        const vk = jsonKind(v);
        if (vk === 'string' || vk === 'null' || (sch === NUMMAP && vk === 'number')) continue;
        found = { path: `${path}.${k}`, got: vk, want: 'string' };
        return;
      }
      return;
    }
    if (Array.isArray(sch)) {
      if (kind !== 'array') {
        found = { path, got: kind, want: 'array' };
        return;
      }
      (value as unknown[]).forEach((item, i) => {
        // A null list entry cannot become the struct the list holds.
        if (item === null && typeof sch[0] === 'object' && !found) found = { path: `${path}[${i}]`, got: 'null', want: 'object' };
        else visit(item, sch[0], `${path}[${i}]`);
      });
      return;
    }
    if (kind !== 'object') {
      found = { path, got: kind, want: 'object' };
      return;
    }
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const child = sch[k];
      if (child !== undefined) visit(v, child, path ? `${path}.${k}` : k);
    }
  };
  visit(obj, schema, '');
  return found;
}

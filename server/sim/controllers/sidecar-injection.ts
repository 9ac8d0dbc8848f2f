// Istio's sidecar injector as a mutating admission plugin: what istiod's webhook does to a pod
// on a 1.35 kubelet with the default ("sidecar") and "gateway" templates of Istio 1.28.
// Selection follows the istio-sidecar-injector MutatingWebhookConfiguration of the default
// revision: namespace label istio-injection=enabled or istio.io/rev=default (unless the pod's
// sidecar.istio.io/inject label is "false"), or pod label sidecar.istio.io/inject=true (or
// istio.io/rev=default) in a namespace with neither label; then injectRequired() also honours
// the annotation of the same name.
import { parse as parseYaml } from 'yaml';
import type { AdmissionPlugin, AdmissionRequest } from '../apiserver/admission.ts';
import type { KubeObject } from '../store/object-store.ts';

type Obj = Record<string, unknown>;

export interface InjectionOptions {
  /** Registry and tag of the proxy image, e.g. docker.io/istio and 1.28.1. */
  hub: string;
  tag: string;
  /** Native sidecars (restartable init container): on by default for kubelets >= 1.33. */
  nativeSidecars: boolean;
  /** meshConfig.defaultConfig.proxyMetadata at injection time (none when absent). */
  meshProxyMetadata?: () => Record<string, string>;
}

export const ISTIO_VERSION = '1.28.1';
export const defaultInjectionOptions: InjectionOptions = { hub: 'docker.io/istio', tag: ISTIO_VERSION, nativeSidecars: true };

/** Namespaces istiod never injects into (pkg/kube/inject: IgnoredNamespaces). */
const IGNORED_NAMESPACES = new Set(['kube-system', 'kube-public', 'kube-node-lease', 'local-path-storage']);

const SIDECAR_VOLUMES = [
  'workload-socket',
  'credential-socket',
  'workload-certs',
  'istio-envoy',
  'istio-data',
  'istio-podinfo',
  'istio-token',
  'istiod-ca-cert',
  'istio-ca-crl',
];

function labels(o: KubeObject | undefined): Record<string, string> {
  return o?.metadata.labels ?? {};
}

/** Whether the webhook is called and injectRequired() agrees. */
export function injectionRequired(pod: KubeObject, namespace: KubeObject | undefined): boolean {
  const spec = (pod.spec ?? {}) as Obj;
  const ns = pod.metadata.namespace ?? namespace?.metadata.name ?? 'default';
  if (spec.hostNetwork === true || IGNORED_NAMESPACES.has(ns)) return false;
  const annotations = pod.metadata.annotations ?? {};
  if (annotations['sidecar.istio.io/status']) return false;
  const podLabel = labels(pod)['sidecar.istio.io/inject'];
  const podRev = labels(pod)['istio.io/rev'];
  const nsLabels = labels(namespace);
  const nsInjection = nsLabels['istio-injection'];
  const nsRev = nsLabels['istio.io/rev'];
  // The four webhooks of the default revision (bootstrap/webhooks.ts has them as objects).
  const webhookCalled =
    (nsRev === 'default' && nsInjection === undefined && podLabel !== 'false') ||
    (nsRev === undefined && nsInjection === undefined && podLabel !== 'false' && podRev === 'default') ||
    (nsInjection === 'enabled' && podLabel !== 'false') ||
    (nsInjection === undefined && nsRev === undefined && podLabel === 'true' && podRev === undefined);
  if (!webhookCalled) return false;
  // injectRequired: the annotation (then the label) can still say no.
  const said = annotations['sidecar.istio.io/inject'] ?? podLabel;
  if (said !== undefined && ['n', 'no', 'false', 'off'].includes(said.toLowerCase())) return false;
  return true;
}

/** The Deployment (or pod) a pod belongs to, as istiod derives it for ISTIO_META_WORKLOAD_NAME. */
export function workloadOf(pod: KubeObject): { name: string; apiVersion: string; kind: string } {
  const owner = pod.metadata.ownerReferences?.find((r) => r.controller);
  if (owner?.kind === 'ReplicaSet') {
    const hash = labels(pod)['pod-template-hash'];
    if (hash && owner.name.endsWith(`-${hash}`)) return { name: owner.name.slice(0, -hash.length - 1), apiVersion: 'apps/v1', kind: 'Deployment' };
    return { name: owner.name, apiVersion: owner.apiVersion, kind: owner.kind };
  }
  if (owner) return { name: owner.name, apiVersion: owner.apiVersion, kind: owner.kind };
  const name = pod.metadata.name || (pod.metadata.generateName ?? '').replace(/-$/, '');
  return { name, apiVersion: 'v1', kind: 'Pod' };
}

function fieldRef(path: string): Obj {
  return { valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: path } } };
}

function resourceRef(resource: string, divisor?: string): Obj {
  return { valueFrom: { resourceFieldRef: divisor ? { divisor, resource } : { divisor: '0', resource } } };
}

function podPortsJson(containers: Obj[]): string {
  const ports: string[] = [];
  for (const c of containers) for (const p of (c.ports as Obj[] | undefined) ?? []) ports.push(JSON.stringify(p));
  return `[\n${ports.map((p) => `    ${p}`).join('\n    ,')}\n]`;
}

/**
 * The proxy metadata a pod's proxy gets: the mesh-wide defaultConfig.proxyMetadata, with the
 * keys of the pod's `proxy.istio.io/config` annotation (a ProxyConfig in YAML or JSON) winning.
 * An annotation that is not a mapping is ignored.
 */
export function podProxyMetadata(pod: KubeObject, mesh: Record<string, string>): Record<string, string> {
  const out = { ...mesh };
  const raw = pod.metadata.annotations?.['proxy.istio.io/config'];
  if (raw) {
    try {
      const md = (parseYaml(raw) as { proxyMetadata?: unknown } | null)?.proxyMetadata;
      if (md && typeof md === 'object' && !Array.isArray(md)) {
        for (const [k, v] of Object.entries(md as Obj)) if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[k] = String(v);
      }
    } catch {
      // Not YAML: the annotation contributes nothing.
    }
  }
  return out;
}

function proxyEnv(pod: KubeObject, appContainers: Obj[], proxyMetadata: Record<string, string> = {}): Obj[] {
  const ns = pod.metadata.namespace ?? 'default';
  const workload = workloadOf(pod);
  const owner = `kubernetes://apis/${workload.apiVersion}/namespaces/${ns}/${workload.kind.toLowerCase()}s/${workload.name}`;
  return [
    { name: 'PILOT_CERT_PROVIDER', value: 'istiod' },
    { name: 'CA_ADDR', value: 'istiod.istio-system.svc:15012' },
    { name: 'POD_NAME', ...fieldRef('metadata.name') },
    { name: 'POD_NAMESPACE', ...fieldRef('metadata.namespace') },
    { name: 'INSTANCE_IP', ...fieldRef('status.podIP') },
    { name: 'SERVICE_ACCOUNT', ...fieldRef('spec.serviceAccountName') },
    { name: 'HOST_IP', ...fieldRef('status.hostIP') },
    { name: 'ISTIO_CPU_LIMIT', ...resourceRef('limits.cpu') },
    { name: 'PROXY_CONFIG', value: '{}\n' },
    { name: 'ISTIO_META_POD_PORTS', value: podPortsJson(appContainers) },
    { name: 'ISTIO_META_APP_CONTAINERS', value: appContainers.map((c) => c.name).join(',') },
    { name: 'GOMEMLIMIT', ...resourceRef('limits.memory') },
    { name: 'GOMAXPROCS', ...resourceRef('limits.cpu') },
    { name: 'ISTIO_META_CLUSTER_ID', value: 'Kubernetes' },
    { name: 'ISTIO_META_NODE_NAME', ...fieldRef('spec.nodeName') },
    { name: 'ISTIO_META_INTERCEPTION_MODE', value: 'REDIRECT' },
    { name: 'ISTIO_META_WORKLOAD_NAME', value: workload.name },
    { name: 'ISTIO_META_OWNER', value: owner },
    { name: 'ISTIO_META_MESH_ID', value: 'cluster.local' },
    { name: 'TRUST_DOMAIN', value: 'cluster.local' },
    // The injection template ranges over ProxyConfig.ProxyMetadata (Go: sorted by key).
    ...Object.keys(proxyMetadata)
      .sort()
      .map((name) => ({ name, value: proxyMetadata[name] })),
  ];
}

const PROXY_RESOURCES = { limits: { cpu: '2', memory: '1Gi' }, requests: { cpu: '10m', memory: '40Mi' } };

function proxyVolumeMounts(): Obj[] {
  return [
    { mountPath: '/var/run/secrets/workload-spiffe-uds', name: 'workload-socket' },
    { mountPath: '/var/run/secrets/credential-uds', name: 'credential-socket' },
    { mountPath: '/var/run/secrets/workload-spiffe-credentials', name: 'workload-certs' },
    { mountPath: '/var/run/secrets/istio', name: 'istiod-ca-cert' },
    { mountPath: '/var/run/secrets/istio/crl', name: 'istio-ca-crl' },
    { mountPath: '/var/lib/istio/data', name: 'istio-data' },
    { mountPath: '/etc/istio/proxy', name: 'istio-envoy' },
    { mountPath: '/var/run/secrets/tokens', name: 'istio-token' },
    { mountPath: '/etc/istio/pod', name: 'istio-podinfo' },
  ];
}

function proxyVolumes(): Obj[] {
  return [
    { emptyDir: {}, name: 'workload-socket' },
    { emptyDir: {}, name: 'credential-socket' },
    { emptyDir: {}, name: 'workload-certs' },
    { emptyDir: { medium: 'Memory' }, name: 'istio-envoy' },
    { emptyDir: {}, name: 'istio-data' },
    {
      downwardAPI: {
        items: [
          { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.labels' }, path: 'labels' },
          { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.annotations' }, path: 'annotations' },
        ],
      },
      name: 'istio-podinfo',
    },
    { name: 'istio-token', projected: { sources: [{ serviceAccountToken: { audience: 'istio-ca', expirationSeconds: 43200, path: 'istio-token' } }] } },
    { configMap: { name: 'istio-ca-root-cert' }, name: 'istiod-ca-cert' },
    { configMap: { name: 'istio-ca-crl', optional: true }, name: 'istio-ca-crl' },
  ];
}

/** With the startup probe guarding start-up, readiness is checked every 15 s (injection template). */
function readinessProbe(): Obj {
  return { failureThreshold: 4, httpGet: { path: '/healthz/ready', port: 15021, scheme: 'HTTP' }, periodSeconds: 15, successThreshold: 1, timeoutSeconds: 3 };
}

function proxyContainer(pod: KubeObject, appContainers: Obj[], image: string, native: boolean, router: boolean, proxyMetadata: Record<string, string> = {}): Obj {
  const c: Obj = {
    args: [
      'proxy',
      router ? 'router' : 'sidecar',
      '--domain',
      '$(POD_NAMESPACE).svc.cluster.local',
      '--proxyLogLevel=warning',
      '--proxyComponentLogLevel=misc:error',
      '--log_output_level=default:info',
    ],
    env: proxyEnv(pod, appContainers, proxyMetadata),
    image,
    imagePullPolicy: 'IfNotPresent',
    lifecycle: native ? { preStop: { exec: { command: ['pilot-agent', 'request', '--debug-port=15020', 'POST', 'drain'] } } } : undefined,
    name: 'istio-proxy',
    ports: [{ containerPort: 15090, name: 'http-envoy-prom', protocol: 'TCP' }],
    readinessProbe: readinessProbe(),
    resources: PROXY_RESOURCES,
    restartPolicy: native ? 'Always' : undefined,
    securityContext: {
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      privileged: false,
      readOnlyRootFilesystem: true,
      runAsGroup: 1337,
      runAsNonRoot: true,
      runAsUser: 1337,
    },
    startupProbe: router
      ? undefined
      : { failureThreshold: 600, httpGet: { path: '/healthz/ready', port: 15021, scheme: 'HTTP' }, periodSeconds: 1, successThreshold: 1, timeoutSeconds: 3 },
    volumeMounts: proxyVolumeMounts(),
  };
  for (const k of Object.keys(c)) if (c[k] === undefined) delete c[k];
  return structuredClone(c);
}

function initContainer(image: string): Obj {
  return {
    args: [
      'istio-iptables',
      '-p',
      '15001',
      '-z',
      '15006',
      '-u',
      '1337',
      '-m',
      'REDIRECT',
      '-i',
      '*',
      '-x',
      '',
      '-b',
      '*',
      '-d',
      '15090,15021,15020',
      '--log_output_level=default:info',
    ],
    image,
    imagePullPolicy: 'IfNotPresent',
    name: 'istio-init',
    resources: structuredClone(PROXY_RESOURCES),
    securityContext: {
      allowPrivilegeEscalation: false,
      capabilities: { add: ['NET_ADMIN', 'NET_RAW'], drop: ['ALL'] },
      privileged: false,
      readOnlyRootFilesystem: false,
      runAsGroup: 0,
      runAsNonRoot: false,
      runAsUser: 0,
    },
  };
}

function addMetadata(pod: KubeObject, defaultContainer: string | undefined, status: Obj): void {
  const meta = pod.metadata;
  const l = (meta.labels ??= {});
  const canonicalName = l['app.kubernetes.io/name'] ?? l.app ?? workloadOf(pod).name;
  const canonicalRevision = l['app.kubernetes.io/version'] ?? l.version ?? 'latest';
  l['security.istio.io/tlsMode'] = 'istio';
  l['service.istio.io/canonical-name'] ??= canonicalName;
  l['service.istio.io/canonical-revision'] ??= canonicalRevision;
  const a = (meta.annotations ??= {});
  a['istio.io/rev'] = 'default';
  if (defaultContainer) {
    a['kubectl.kubernetes.io/default-container'] ??= defaultContainer;
    a['kubectl.kubernetes.io/default-logs-container'] ??= defaultContainer;
  }
  a['prometheus.io/path'] ??= '/stats/prometheus';
  a['prometheus.io/port'] ??= '15020';
  a['prometheus.io/scrape'] ??= 'true';
  a['sidecar.istio.io/status'] = JSON.stringify(status);
}

function mergeVolumes(spec: Obj, injected: Obj[]): void {
  const existing = (Array.isArray(spec.volumes) ? spec.volumes : []) as Obj[];
  const names = new Set(existing.map((v) => v.name));
  spec.volumes = [...injected.filter((v) => !names.has(v.name)), ...existing];
}

/** Mutates `pod` as the sidecar template would. */
export function injectSidecar(pod: KubeObject, options: InjectionOptions = defaultInjectionOptions): void {
  const spec = (pod.spec ??= {}) as Obj;
  const image = `${options.hub}/proxyv2:${options.tag}`;
  const override = pod.metadata.annotations?.['sidecar.istio.io/nativeSidecar'];
  const native = override === undefined ? options.nativeSidecars : override === 'true';
  const containers = ((spec.containers as Obj[] | undefined) ?? []).filter((c) => c.name !== 'istio-proxy');
  const userInit = ((spec.initContainers as Obj[] | undefined) ?? []).filter((c) => c.name !== 'istio-init' && c.name !== 'istio-proxy');
  const proxy = proxyContainer(pod, containers, image, native, false, podProxyMetadata(pod, options.meshProxyMetadata?.() ?? {}));
  if (native) {
    spec.initContainers = [initContainer(image), proxy, ...userInit];
    spec.containers = containers;
  } else {
    spec.initContainers = [initContainer(image), ...userInit];
    spec.containers = [...containers, proxy];
  }
  mergeVolumes(spec, proxyVolumes());
  const sc = (spec.securityContext ??= {}) as Obj;
  sc.fsGroup ??= 1337;
  addMetadata(pod, containers[0]?.name as string | undefined, {
    initContainers: native ? ['istio-init', 'istio-proxy'] : ['istio-init'],
    containers: native ? null : ['istio-proxy'],
    volumes: SIDECAR_VOLUMES,
    imagePullSecrets: null,
    revision: 'default',
  });
}

/** The "gateway" template: the pod's own istio-proxy container (image: auto) becomes a router. */
export function injectGateway(pod: KubeObject, options: InjectionOptions = defaultInjectionOptions): void {
  const spec = (pod.spec ??= {}) as Obj;
  const image = `${options.hub}/proxyv2:${options.tag}`;
  const containers = ((spec.containers as Obj[] | undefined) ?? []).slice();
  const others = containers.filter((c) => c.name !== 'istio-proxy');
  const mine = containers.find((c) => c.name === 'istio-proxy') ?? {};
  const proxy = proxyContainer(pod, others, image, false, true, podProxyMetadata(pod, options.meshProxyMetadata?.() ?? {}));
  // The pod's own fields win over the template's, except `image: auto`.
  for (const [k, v] of Object.entries(mine)) if (k !== 'image' || v !== 'auto') proxy[k] = v;
  spec.containers = [proxy, ...others];
  mergeVolumes(spec, proxyVolumes());
  const meta = pod.metadata;
  const l = (meta.labels ??= {});
  l['service.istio.io/canonical-name'] ??= l['app.kubernetes.io/name'] ?? l.app ?? workloadOf(pod).name;
  l['service.istio.io/canonical-revision'] ??= l['app.kubernetes.io/version'] ?? l.version ?? 'latest';
  const a = (meta.annotations ??= {});
  a['istio.io/rev'] = 'default';
  a['prometheus.io/path'] ??= '/stats/prometheus';
  a['prometheus.io/port'] ??= '15020';
  a['prometheus.io/scrape'] ??= 'true';
  a['sidecar.istio.io/status'] = JSON.stringify({
    initContainers: null,
    containers: ['istio-proxy'],
    volumes: SIDECAR_VOLUMES,
    imagePullSecrets: null,
    revision: 'default',
  });
}

export function sidecarInjectionAdmission(options: InjectionOptions = defaultInjectionOptions): AdmissionPlugin {
  return {
    name: 'sidecar-injector.istio.io',
    mutate(request: AdmissionRequest) {
      if (request.resource !== 'pods' || request.operation !== 'CREATE') return;
      if (!injectionRequired(request.object, request.namespaceObject)) return;
      const templates = request.object.metadata.annotations?.['inject.istio.io/templates'] ?? 'sidecar';
      if (templates.split(',').map((t) => t.trim()).includes('gateway')) injectGateway(request.object, options);
      else injectSidecar(request.object, options);
    },
  };
}

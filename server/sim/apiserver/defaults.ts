// Defaulting as the real API server's SetDefaults_* and PrepareForCreate do for the kinds
// learners create: what `kubectl get -o yaml` shows that nobody wrote.
import type { KubeObject } from '../store/object-store.ts';
import { establishedStatus } from './crd-registrar.ts';
import type { UntypedObject as Obj } from '../meta/untyped.ts';
import { storeKey } from './kinds/kind.ts';
import type { ResourceType } from './resources.ts';

function defaultContainer(c: Obj): void {
  if (!c || typeof c !== 'object') return;
  c.terminationMessagePath ??= '/dev/termination-log';
  c.terminationMessagePolicy ??= 'File';
  if (c.imagePullPolicy === undefined && typeof c.image === 'string') {
    // PullAlways for :latest or no tag, else IfNotPresent (digests count as pinned).
    const image: string = c.image;
    const lastSlash = image.lastIndexOf('/');
    const tail = image.slice(lastSlash + 1);
    const tagged = tail.includes(':') || image.includes('@');
    const latest = tail.endsWith(':latest');
    c.imagePullPolicy = !tagged || latest ? 'Always' : 'IfNotPresent';
  }
  c.resources ??= {};
  for (const p of Array.isArray(c.ports) ? c.ports : []) if (p && typeof p === 'object') p.protocol ??= 'TCP';
  for (const probe of [c.livenessProbe, c.readinessProbe, c.startupProbe]) {
    if (!probe || typeof probe !== 'object') continue;
    probe.timeoutSeconds ??= 1;
    probe.periodSeconds ??= 10;
    probe.successThreshold ??= 1;
    probe.failureThreshold ??= 3;
    if (probe.httpGet && typeof probe.httpGet === 'object') probe.httpGet.scheme ??= 'HTTP';
  }
  for (const e of Array.isArray(c.env) ? c.env : []) {
    const f = e?.valueFrom?.fieldRef;
    if (f && typeof f === 'object') f.apiVersion ??= 'v1';
  }
}

/** PodSpec defaults (pod and pod templates alike). */
export function defaultPodSpec(spec: Obj): void {
  if (!spec || typeof spec !== 'object') return;
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.securityContext ??= {};
  spec.schedulerName ??= 'default-scheduler';
  for (const c of Array.isArray(spec.containers) ? spec.containers : []) defaultContainer(c);
  for (const c of Array.isArray(spec.initContainers) ? spec.initContainers : []) defaultContainer(c);
  for (const v of Array.isArray(spec.volumes) ? spec.volumes : []) {
    if (v?.configMap && typeof v.configMap === 'object') v.configMap.defaultMode ??= 420;
    if (v?.secret && typeof v.secret === 'object') v.secret.defaultMode ??= 420;
    if (v?.projected && typeof v.projected === 'object') v.projected.defaultMode ??= 420;
    if (v?.downwardAPI && typeof v.downwardAPI === 'object') v.downwardAPI.defaultMode ??= 420;
  }
}

function defaultPod(pod: Obj): void {
  pod.spec ??= {};
  defaultPodSpec(pod.spec);
  // The ServiceAccount admission plugin fills these in.
  pod.spec.serviceAccountName ??= pod.spec.serviceAccount ?? 'default';
  pod.spec.serviceAccount ??= pod.spec.serviceAccountName;
  pod.spec.enableServiceLinks ??= true;
  pod.spec.preemptionPolicy ??= 'PreemptLowerPriority';
  pod.spec.priority ??= 0;
  pod.spec.tolerations ??= [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
  ];
}

/** A workload's pod template (spec.template) with PodSpec defaults. */
export function defaultTemplate(obj: Obj): void {
  obj.spec ??= {};
  obj.spec.template ??= {};
  obj.spec.template.metadata ??= {};
  obj.spec.template.spec ??= {};
  defaultPodSpec(obj.spec.template.spec);
}

function defaultDeployment(d: Obj): void {
  defaultTemplate(d);
  const spec = d.spec;
  spec.replicas ??= 1;
  spec.strategy ??= {};
  spec.strategy.type ??= 'RollingUpdate';
  if (spec.strategy.type === 'RollingUpdate') {
    spec.strategy.rollingUpdate ??= {};
    spec.strategy.rollingUpdate.maxUnavailable ??= '25%';
    spec.strategy.rollingUpdate.maxSurge ??= '25%';
  }
  spec.revisionHistoryLimit ??= 10;
  spec.progressDeadlineSeconds ??= 600;
}

function defaultReplicaSet(rs: Obj): void {
  defaultTemplate(rs);
  rs.spec.replicas ??= 1;
}

/** Service defaults that need no allocation (cluster IPs and node ports come from the allocators). */
function defaultService(svc: Obj): void {
  svc.spec ??= {};
  const spec = svc.spec;
  spec.type ??= 'ClusterIP';
  spec.sessionAffinity ??= 'None';
  if (spec.type !== 'ExternalName') {
    spec.internalTrafficPolicy ??= 'Cluster';
    spec.ipFamilyPolicy ??= 'SingleStack';
    spec.ipFamilies ??= ['IPv4'];
  }
  if ((spec.type === 'NodePort' || spec.type === 'LoadBalancer') && spec.externalTrafficPolicy === undefined) spec.externalTrafficPolicy = 'Cluster';
  if (spec.type === 'LoadBalancer') spec.allocateLoadBalancerNodePorts ??= true;
  for (const p of Array.isArray(spec.ports) ? spec.ports : []) {
    if (!p || typeof p !== 'object') continue;
    p.protocol ??= 'TCP';
    p.targetPort ??= p.port;
  }
}

function defaultSecret(s: Obj): void {
  s.type ??= 'Opaque';
  // stringData is write-only: the API server folds it into data (base64) and drops it.
  if (s.stringData && typeof s.stringData === 'object' && !Array.isArray(s.stringData)) {
    s.data = { ...(s.data && typeof s.data === 'object' ? s.data : {}) };
    for (const [k, v] of Object.entries(s.stringData)) s.data[k] = Buffer.from(String(v ?? '')).toString('base64');
  }
  delete s.stringData;
}

const byKey: Record<string, (o: Obj) => void> = {
  pods: defaultPod,
  services: defaultService,
  secrets: defaultSecret,
  'apps/deployments': defaultDeployment,
  'apps/replicasets': defaultReplicaSet,
  namespaces: (ns) => {
    ns.spec ??= {};
    ns.spec.finalizers ??= ['kubernetes'];
  },
};

/** Defaults applied on create and update, as the decoder's defaulting does. */
export function applyDefaults(resourceKey: string, obj: KubeObject): void {
  byKey[resourceKey]?.(obj as Obj);
  if (resourceKey === 'namespaces') {
    const labels = (obj.metadata.labels ??= {});
    // The NamespaceDefaultLabelName feature: every namespace carries its own name as a label.
    labels['kubernetes.io/metadata.name'] = obj.metadata.name;
  }
}

/** The kind's defaults: its strategy's, else the table's (kinds not moved to kinds/ yet). */
export function defaultObject(type: ResourceType, obj: KubeObject): void {
  if (type.strategy) type.strategy.defaults?.(obj);
  else applyDefaults(storeKey(type), obj);
}

/** The status a new object starts with: the strategy's PrepareForCreate, else the table's. */
export function prepareForCreate(type: ResourceType, obj: KubeObject): void {
  if (type.strategy) type.strategy.prepareForCreate?.(obj);
  else initialStatus(storeKey(type), obj);
}

/** The status a freshly created object starts with (PrepareForCreate). */
export function initialStatus(resourceKey: string, obj: KubeObject): void {
  const o = obj as Obj;
  switch (resourceKey) {
    case 'namespaces':
      o.status = { phase: 'Active' };
      break;
    case 'pods':
      o.status = { phase: 'Pending', qosClass: qosClass(o.spec) };
      break;
    case 'services':
      o.status = { loadBalancer: {} };
      break;
    case 'apps/deployments':
    case 'apps/replicasets':
      o.status = {};
      break;
    case 'apiextensions.k8s.io/customresourcedefinitions':
      o.status = establishedStatus(o, new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'));
      break;
    default:
      if (resourceKey.startsWith('networking.istio.io/')) delete o.status;
  }
}

/** The pod's QoS class from its containers' requests and limits. */
export function qosClass(spec: Obj | undefined): string {
  const containers = [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])].filter((c) => c && typeof c === 'object');
  let any = false;
  let guaranteed = containers.length > 0;
  for (const c of containers) {
    const req = c.resources?.requests ?? {};
    const lim = c.resources?.limits ?? {};
    if (Object.keys(req).length || Object.keys(lim).length) any = true;
    for (const r of ['cpu', 'memory']) {
      if (lim[r] === undefined || (req[r] !== undefined && String(req[r]) !== String(lim[r]))) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

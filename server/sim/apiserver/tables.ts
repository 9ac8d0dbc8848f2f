// Server-side printing (meta.k8s.io/v1 Table) with the columns and cell rules of
// kubernetes/pkg/printers/internalversion/printers.go, and CRD additionalPrinterColumns for
// custom resources. kubectl only aligns what it gets; every cell text is decided here.
import type { KubeObject } from '../store/object-store.ts';
import { findColumnValues, parseColumnPath } from './column-path.ts';
import { ageSince } from './human-duration.ts';
import { storeKey } from './kinds/kind.ts';
import type { ResourceType } from './resources.ts';
import type { UntypedObject as Obj } from '../meta/untyped.ts';

export interface ColumnDefinition {
  name: string;
  type: string;
  format: string;
  description: string;
  priority: number;
}

export type Cell = string | number | boolean | null;

export interface Printer<T = Obj> {
  columns: ColumnDefinition[];
  cells(obj: T, now: Date): Cell[];
}

export function col(name: string, type = 'string', priority = 0, format = '', description = ''): ColumnDefinition {
  return { name, type, format, description: description || `${name} column`, priority };
}

export const NAME = col('Name', 'string', 0, 'name', 'Name must be unique within a namespace. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names');
export const AGE = col('Age', 'string', 0, '', 'CreationTimestamp is a timestamp representing the server time when this object was created.');
const CREATED_AT = col('Created At', 'date', 0, '', 'CreationTimestamp is a timestamp representing the server time when this object was created.');

const NONE = '<none>';

/** A list field as an array without null entries (printers must survive any stored object). */
export function arr<T = Obj>(v: unknown): T[] {
  return Array.isArray(v) ? v.filter((x) => x !== null && x !== undefined) : [];
}

export function age(obj: { metadata?: { creationTimestamp?: string } }, now: Date): string {
  return ageSince(obj.metadata?.creationTimestamp, now);
}

/** labels.FormatLabels: sorted k=v joined by commas, `<none>` when empty. */
export function formatLabels(labels: Record<string, string> | undefined): string {
  if (!labels || Object.keys(labels).length === 0) return NONE;
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',');
}

/** metav1.FormatLabelSelector. */
export function formatLabelSelector(sel: Obj | undefined): string {
  if (!sel) return NONE;
  const parts: string[] = [];
  for (const k of Object.keys(sel.matchLabels ?? {}).sort()) parts.push(`${k}=${sel.matchLabels[k]}`);
  for (const e of arr(sel.matchExpressions)) {
    const op = String(e.operator ?? '');
    const values = arr(e.values).join(',');
    if (op === 'In') parts.push(`${e.key} in (${values})`);
    else if (op === 'NotIn') parts.push(`${e.key} notin (${values})`);
    else if (op === 'Exists') parts.push(`${e.key}`);
    else if (op === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  const s = parts.join(',');
  return s === '' ? NONE : s;
}

function podStatusCells(pod: Obj, now: Date): { ready: string; reason: string; restarts: string } {
  const spec = pod.spec ?? {};
  const status = pod.status ?? {};
  let restarts = 0;
  let restartableInitRestarts = 0;
  let lastRestart = 0;
  let lastRestartableInitRestart = 0;
  let total = arr(spec.containers).length;
  let ready = 0;
  let reason: string = status.phase ?? '';
  if (status.reason) reason = status.reason;
  for (const c of arr(status.conditions)) {
    if (c.type === 'PodScheduled' && c.reason === 'SchedulingGated') reason = 'SchedulingGated';
  }
  const initSpecs = new Map<string, Obj>(arr(spec.initContainers).map((c) => [c.name, c]));
  for (const c of arr(spec.initContainers)) if (c.restartPolicy === 'Always') total++;
  const finishedAt = (c: Obj): number => Date.parse(c.lastState?.terminated?.finishedAt ?? '') || 0;

  let initializing = false;
  const initStatuses = arr(status.initContainerStatuses);
  for (let i = 0; i < initStatuses.length; i++) {
    const c = initStatuses[i];
    restarts += c.restartCount ?? 0;
    lastRestart = Math.max(lastRestart, finishedAt(c));
    const restartable = initSpecs.get(c.name)?.restartPolicy === 'Always';
    if (restartable) {
      restartableInitRestarts += c.restartCount ?? 0;
      lastRestartableInitRestart = Math.max(lastRestartableInitRestart, finishedAt(c));
    }
    const term = c.state?.terminated;
    const waiting = c.state?.waiting;
    if (term && term.exitCode === 0) continue;
    if (restartable && c.started === true) {
      if (c.ready) ready++;
      continue;
    }
    if (term) {
      reason = term.reason ? `Init:${term.reason}` : term.signal ? `Init:Signal:${term.signal}` : `Init:ExitCode:${term.exitCode}`;
    } else if (waiting?.reason && waiting.reason !== 'PodInitializing') {
      reason = `Init:${waiting.reason}`;
    } else {
      reason = `Init:${i}/${arr(spec.initContainers).length}`;
    }
    initializing = true;
    break;
  }
  const initializedTrue = arr(status.conditions).some((c) => c.type === 'Initialized' && c.status === 'True');
  if (!initializing || initializedTrue) {
    restarts = restartableInitRestarts;
    lastRestart = lastRestartableInitRestart;
    let hasRunning = false;
    const statuses = arr(status.containerStatuses);
    for (let i = statuses.length - 1; i >= 0; i--) {
      const c = statuses[i];
      restarts += c.restartCount ?? 0;
      lastRestart = Math.max(lastRestart, finishedAt(c));
      const waiting = c.state?.waiting;
      const term = c.state?.terminated;
      if (waiting?.reason) reason = waiting.reason;
      else if (term?.reason) reason = term.reason;
      else if (term) reason = term.signal ? `Signal:${term.signal}` : `ExitCode:${term.exitCode}`;
      else if (c.ready && c.state?.running) {
        hasRunning = true;
        ready++;
      }
    }
    if (reason === 'Completed' && hasRunning) {
      reason = arr(status.conditions).some((c) => c.type === 'Ready' && c.status === 'True') ? 'Running' : 'NotReady';
    }
  }
  if (pod.metadata?.deletionTimestamp && status.reason === 'NodeLost') reason = 'Unknown';
  else if (pod.metadata?.deletionTimestamp && status.phase !== 'Succeeded' && status.phase !== 'Failed') reason = 'Terminating';
  let restartsText = String(restarts);
  if (restarts !== 0 && lastRestart > 0) restartsText = `${restarts} (${ageSince(new Date(lastRestart).toISOString(), now)} ago)`;
  return { ready: `${ready}/${total}`, reason, restarts: restartsText };
}

function serviceExternalIP(svc: Obj): string {
  const spec = svc.spec ?? {};
  const externalIPs = arr<string>(spec.externalIPs);
  switch (spec.type ?? 'ClusterIP') {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length ? externalIPs.join(',') : NONE;
    case 'LoadBalancer': {
      const ingress = arr(svc.status?.loadBalancer?.ingress)
        .map((i) => i.ip || i.hostname)
        .filter(Boolean);
      let lb = ingress.join(',');
      // Non-wide output cuts long lists (loadBalancerStatusStringer).
      if (lb.length > 16) lb = `${lb.slice(0, 13)}...`;
      if (externalIPs.length) return [...externalIPs, ...ingress].join(',');
      return lb || '<pending>';
    }
    case 'ExternalName':
      return spec.externalName ?? '';
    default:
      return '<unknown>';
  }
}

export function servicePorts(ports: unknown): string {
  const list = arr(ports);
  if (list.length === 0) return NONE;
  return list.map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol ?? ''}` : `${p.port}/${p.protocol ?? ''}`)).join(',');
}

function formatEndpoints(ep: Obj): string {
  const subsets = arr(ep.subsets);
  if (subsets.length === 0) return NONE;
  const max = 3;
  const list: string[] = [];
  let count = 0;
  let more = false;
  for (const ss of subsets) {
    const addresses = arr(ss.addresses);
    const ports = arr(ss.ports);
    if (ports.length === 0) {
      count += addresses.length;
      for (const a of addresses) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(a.ip);
      }
      continue;
    }
    for (const p of ports) {
      count += addresses.length;
      for (const a of addresses) {
        if (list.length === max) {
          more = true;
          break;
        }
        list.push(String(a.ip).includes(':') ? `[${a.ip}]:${p.port}` : `${a.ip}:${p.port}`);
      }
    }
  }
  const s = list.join(',');
  return more ? `${s} + ${count - max} more...` : s;
}

function eventCells(ev: Obj, now: Date): Cell[] {
  const micro = (t: unknown): string => ageSince(t, now);
  let first = ev.firstTimestamp ? ageSince(ev.firstTimestamp, now) : micro(ev.eventTime);
  if (!ev.firstTimestamp && !ev.eventTime) first = '<unknown>';
  let last = ev.lastTimestamp ? ageSince(ev.lastTimestamp, now) : first;
  let count = ev.count ?? 0;
  if (ev.series) {
    last = micro(ev.series.lastObservedTime);
    count = ev.series.count ?? 0;
  } else if (count === 0) count = 1;
  const io = ev.involvedObject ?? ev.regarding ?? {};
  const kind = String(io.kind ?? '').toLowerCase();
  const target = io.name ? `${kind}/${io.name}` : kind;
  const component = ev.source?.component || ev.reportingController || '';
  const instance = ev.source?.host || ev.reportingInstance || '';
  const source = component ? (instance ? `${component}, ${instance}` : component) : '';
  return [last, ev.type ?? '', ev.reason ?? '', target, io.fieldPath ?? '', source, String(ev.message ?? ev.note ?? '').trim(), first, count, ev.metadata?.name ?? ''];
}

const builtin: Record<string, Printer> = {
  namespaces: {
    columns: [NAME, col('Status', 'string', 0, '', 'The status of the namespace'), AGE],
    cells: (o, now) => [o.metadata.name, o.status?.phase ?? '', age(o, now)],
  },
  nodes: {
    columns: [
      NAME,
      col('Status', 'string', 0, '', 'The status of the node'),
      col('Roles', 'string', 0, '', 'The roles of the node'),
      AGE,
      col('Version', 'string', 0, '', 'Kubelet Version reported by the node.'),
      col('Internal-IP', 'string', 1),
      col('External-IP', 'string', 1),
      col('OS-Image', 'string', 1),
      col('Kernel-Version', 'string', 1),
      col('Container-Runtime', 'string', 1),
    ],
    cells: (o, now) => {
      const readyCond = arr(o.status?.conditions).find((c) => c.type === 'Ready');
      let status = readyCond ? (readyCond.status === 'True' ? 'Ready' : 'NotReady') : 'Unknown';
      if (o.spec?.unschedulable) status += ',SchedulingDisabled';
      const roles = Object.keys(o.metadata.labels ?? {})
        .filter((k) => k.startsWith('node-role.kubernetes.io/'))
        .map((k) => k.slice('node-role.kubernetes.io/'.length))
        .filter(Boolean)
        .sort();
      const addr = (t: string): string => arr(o.status?.addresses).find((a) => a.type === t)?.address ?? NONE;
      const info = o.status?.nodeInfo ?? {};
      return [o.metadata.name, status, roles.length ? roles.join(',') : NONE, age(o, now), info.kubeletVersion ?? '', addr('InternalIP'), addr('ExternalIP'), info.osImage ?? '<unknown>', info.kernelVersion ?? '<unknown>', info.containerRuntimeVersion ?? '<unknown>'];
    },
  },
  pods: {
    columns: [
      NAME,
      col('Ready', 'string', 0, '', 'The aggregate readiness state of this pod for accepting traffic.'),
      col('Status', 'string', 0, '', 'The aggregate status of the containers in this pod.'),
      col('Restarts', 'string', 0, '', 'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.'),
      AGE,
      col('IP', 'string', 1, '', 'IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.'),
      col('Node', 'string', 1, '', 'NodeName is a request to schedule this pod onto a specific node.'),
      col('Nominated Node', 'string', 1, '', 'nominatedNodeName is set only when this pod preempts other pods on the node.'),
      col('Readiness Gates', 'string', 1, '', 'If specified, all readiness gates will be evaluated for pod readiness.'),
    ],
    cells: (o, now) => {
      const s = podStatusCells(o, now);
      const ip = arr(o.status?.podIPs)[0]?.ip || o.status?.podIP || NONE;
      const gates = arr(o.spec?.readinessGates);
      let gatesText = NONE;
      if (gates.length) {
        const trueCount = gates.filter((g) => arr(o.status?.conditions).some((c) => c.type === g.conditionType && c.status === 'True')).length;
        gatesText = `${trueCount}/${gates.length}`;
      }
      return [o.metadata.name, s.ready, s.reason, s.restarts, age(o, now), ip, o.spec?.nodeName || NONE, o.status?.nominatedNodeName || NONE, gatesText];
    },
  },
  services: {
    columns: [
      NAME,
      col('Type', 'string', 0, '', 'The type of the service.'),
      col('Cluster-IP', 'string', 0, '', 'The IP address of the service.'),
      col('External-IP', 'string', 0, '', 'The external IP address of the service.'),
      col('Port(s)', 'string', 0, '', 'The ports of the service.'),
      AGE,
      col('Selector', 'string', 1, '', 'Route service traffic to pods with label keys and values matching this selector.'),
    ],
    cells: (o, now) => {
      const ip = arr(o.spec?.clusterIPs)[0] ?? o.spec?.clusterIP;
      return [o.metadata.name, o.spec?.type ?? 'ClusterIP', ip || NONE, serviceExternalIP(o), servicePorts(o.spec?.ports), age(o, now), formatLabels(o.spec?.selector)];
    },
  },
  endpoints: {
    columns: [NAME, col('Endpoints', 'string', 0, '', 'Endpoints of the service'), AGE],
    cells: (o, now) => [o.metadata.name, formatEndpoints(o), age(o, now)],
  },
  'discovery.k8s.io/endpointslices': {
    columns: [NAME, col('AddressType'), col('Ports'), col('Endpoints'), AGE],
    cells: (o, now) => {
      const ports = arr(o.ports).map((p) => String(p.port ?? ''));
      const addrs = arr(o.endpoints).flatMap((e) => arr<string>(e.addresses));
      let endpoints = addrs.slice(0, 3).join(',');
      if (addrs.length > 3) endpoints += ` + ${addrs.length - 3} more...`;
      return [o.metadata.name, o.addressType ?? '', ports.length ? ports.join(',') : '<unset>', addrs.length ? endpoints : '<unset>', age(o, now)];
    },
  },
  serviceaccounts: {
    columns: [NAME, col('Secrets', 'integer', 0, '', 'Secrets is a list of the secrets in the same namespace that pods running using this ServiceAccount are allowed to use.'), AGE],
    cells: (o, now) => [o.metadata.name, arr(o.secrets).length, age(o, now)],
  },
  configmaps: {
    columns: [NAME, col('Data', 'integer', 0, '', 'Data contains the configuration data.'), AGE],
    cells: (o, now) => [o.metadata.name, Object.keys(o.data ?? {}).length + Object.keys(o.binaryData ?? {}).length, age(o, now)],
  },
  secrets: {
    columns: [NAME, col('Type', 'string', 0, '', 'The type of the secret'), col('Data', 'integer', 0, '', 'The number of data items in the secret'), AGE],
    cells: (o, now) => [o.metadata.name, o.type ?? '', Object.keys(o.data ?? {}).length, age(o, now)],
  },
  events: {
    columns: [
      col('Last Seen', 'string', 0, '', 'The last time an event was observed'),
      col('Type', 'string', 0, '', 'The type of the event'),
      col('Reason', 'string', 0, '', 'The reason of the event'),
      col('Object', 'string', 0, '', 'The object the event is about'),
      col('Subobject', 'string', 1, '', 'The subobject the event is about'),
      col('Source', 'string', 1, '', 'The source of the event'),
      col('Message', 'string', 0, '', 'A human-readable description of the status of this operation.'),
      col('First Seen', 'string', 1, '', 'The first time an event was observed'),
      col('Count', 'integer', 1, '', 'The number of times this event has occurred.'),
      col('Name', 'string', 1, 'name', 'The name of the event'),
    ],
    cells: eventCells,
  },
  'apps/deployments': {
    columns: [
      NAME,
      col('Ready', 'string', 0, '', 'Number of the pod with ready state'),
      col('Up-to-date', 'string', 0, '', 'Total number of non-terminated pods targeted by this deployment that have the desired template spec.'),
      col('Available', 'string', 0, '', 'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.'),
      AGE,
      col('Containers', 'string', 1, '', 'Names of each container in the template.'),
      col('Images', 'string', 1, '', 'Images referenced by each container in the template.'),
      col('Selector', 'string', 1, '', 'Label selector for pods. Existing ReplicaSets whose pods are selected by this will be the ones affected by this deployment.'),
    ],
    cells: (o, now) => {
      const containers = arr(o.spec?.template?.spec?.containers);
      const st = o.status ?? {};
      return [o.metadata.name, `${st.readyReplicas ?? 0}/${o.spec?.replicas ?? 0}`, st.updatedReplicas ?? 0, st.availableReplicas ?? 0, age(o, now), containers.map((c) => c.name).join(','), containers.map((c) => c.image).join(','), formatLabelSelector(o.spec?.selector)];
    },
  },
  'apps/replicasets': {
    columns: [
      NAME,
      col('Desired', 'integer', 0, '', 'Replicas is the number of desired replicas.'),
      col('Current', 'integer', 0, '', 'Replicas is the most recently observed number of replicas.'),
      col('Ready', 'integer', 0, '', 'The number of ready replicas for this replica set.'),
      AGE,
      col('Containers', 'string', 1, '', 'Names of each container in the template.'),
      col('Images', 'string', 1, '', 'Images referenced by each container in the template.'),
      col('Selector', 'string', 1, '', 'Selector is a label query over pods that should match the replica count.'),
    ],
    cells: (o, now) => {
      const containers = arr(o.spec?.template?.spec?.containers);
      const st = o.status ?? {};
      return [o.metadata.name, o.spec?.replicas ?? 0, st.replicas ?? 0, st.readyReplicas ?? 0, age(o, now), containers.map((c) => c.name).join(','), containers.map((c) => c.image).join(','), formatLabelSelector(o.spec?.selector)];
    },
  },
};
builtin['events.k8s.io/events'] = builtin.events!;

function webhookPrinter(): Printer {
  return {
    columns: [NAME, col('Webhooks', 'integer', 0, '', 'Webhooks indicates the number of webhooks.'), AGE],
    cells: (o, now) => [o.metadata.name, arr(o.webhooks).length, age(o, now)],
  };
}
builtin['admissionregistration.k8s.io/mutatingwebhookconfigurations'] = webhookPrinter();
builtin['admissionregistration.k8s.io/validatingwebhookconfigurations'] = webhookPrinter();

/** printHorizontalPodAutoscaler: resource metrics print as `cpu: <current>/<target>`. */
function hpaTargets(o: Obj): string {
  const metrics = arr(o.spec?.metrics);
  if (metrics.length === 0) return '<none>';
  const parts = metrics.map((m, i) => {
    if (m.type !== 'Resource' || !m.resource) return '<unknown>';
    const target = m.resource.target ?? {};
    const current = arr(o.status?.currentMetrics)[i]?.resource?.current ?? {};
    if (target.averageUtilization !== undefined) {
      const cur = current.averageUtilization !== undefined ? `${current.averageUtilization}%` : '<unknown>';
      return `${m.resource.name}: ${cur}/${target.averageUtilization}%`;
    }
    const cur = current.averageValue ?? '<unknown>';
    return `${m.resource.name}: ${cur}/${target.averageValue ?? '<unknown>'}`;
  });
  return parts.join(', ');
}

builtin['autoscaling/horizontalpodautoscalers'] = {
  columns: [NAME, col('Reference'), col('Targets'), col('MinPods', 'string'), col('MaxPods', 'integer'), col('Replicas', 'integer'), AGE],
  cells: (o, now) => {
    const ref = o.spec?.scaleTargetRef ?? {};
    return [o.metadata.name, `${ref.kind ?? ''}/${ref.name ?? ''}`, hpaTargets(o), o.spec?.minReplicas !== undefined ? String(o.spec.minReplicas) : '<unset>', o.spec?.maxReplicas ?? 0, o.status?.currentReplicas ?? 0, age(o, now)];
  },
};

builtin['coordination.k8s.io/leases'] = {
  columns: [NAME, col('Holder', 'string', 0, '', 'The holder of the lease.'), AGE],
  cells: (o, now) => [o.metadata.name, o.spec?.holderIdentity ?? '', age(o, now)],
};

/** printResourceQuota: `resource: used/hard` pairs, limits.* in the Limit column, sorted by name. */
builtin.resourcequotas = {
  columns: [NAME, AGE, col('Request', 'string', 0, '', 'Request represents a minimum amount of cpu/memory that a container may consume.'), col('Limit', 'string', 0, '', 'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.')],
  cells: (o, now) => {
    const hard: Record<string, unknown> = o.status?.hard ?? o.spec?.hard ?? {};
    const used: Record<string, unknown> = o.status?.used ?? {};
    const req: string[] = [];
    const lim: string[] = [];
    for (const k of Object.keys(hard).sort()) {
      const text = `${k}: ${String(used[k] ?? '0')}/${String(hard[k])}`;
      (k.startsWith('limits.') ? lim : req).push(text);
    }
    return [o.metadata.name, age(o, now), req.join(', '), lim.join(', ')];
  },
};

builtin['policy/poddisruptionbudgets'] = {
  columns: [NAME, col('Min Available'), col('Max Unavailable'), col('Allowed Disruptions', 'integer'), AGE],
  cells: (o, now) => [o.metadata.name, o.spec?.minAvailable !== undefined ? String(o.spec.minAvailable) : 'N/A', o.spec?.maxUnavailable !== undefined ? String(o.spec.maxUnavailable) : 'N/A', o.status?.disruptionsAllowed ?? 0, age(o, now)],
};

function bindingPrinter(): Printer {
  return {
    columns: [NAME, col('Role', 'string', 0, '', 'RoleRef is the Role being referenced'), AGE, col('Users', 'string', 1), col('Groups', 'string', 1), col('ServiceAccounts', 'string', 1)],
    cells: (o, now) => {
      const subjects = arr(o.subjects);
      const names = (kind: string): string => subjects.filter((s) => s.kind === kind).map((s) => (kind === 'ServiceAccount' && s.namespace ? `${s.namespace}:${s.name}` : s.name)).join(', ');
      return [o.metadata.name, `${o.roleRef?.kind ?? ''}/${o.roleRef?.name ?? ''}`, age(o, now), names('User'), names('Group'), names('ServiceAccount')];
    },
  };
}
builtin['rbac.authorization.k8s.io/rolebindings'] = bindingPrinter();
builtin['rbac.authorization.k8s.io/clusterrolebindings'] = bindingPrinter();

/** An additionalPrinterColumns entry of a CRD. */
export interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  description?: string;
  priority?: number;
}

const AGE_COLUMN: PrinterColumn = { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' };

/** Istio's CRD printer columns (manifests/charts/base/files/crd-all.gen.yaml). */
export const ISTIO_PRINTER_COLUMNS: Record<string, PrinterColumn[]> = {
  'networking.istio.io/gateways': [],
  'networking.istio.io/sidecars': [],
  'networking.istio.io/virtualservices': [
    { name: 'Gateways', type: 'string', jsonPath: '.spec.gateways', description: 'The names of gateways and sidecars that should apply these routes' },
    { name: 'Hosts', type: 'string', jsonPath: '.spec.hosts', description: 'The destination hosts to which traffic is being sent' },
    AGE_COLUMN,
  ],
  'networking.istio.io/destinationrules': [{ name: 'Host', type: 'string', jsonPath: '.spec.host', description: 'The name of a service from the service registry' }, AGE_COLUMN],
  'networking.istio.io/serviceentries': [
    { name: 'Hosts', type: 'string', jsonPath: '.spec.hosts', description: 'The hosts associated with the ServiceEntry' },
    { name: 'Location', type: 'string', jsonPath: '.spec.location', description: 'Whether the service is external to the mesh or part of the mesh (MESH_EXTERNAL or MESH_INTERNAL)' },
    { name: 'Resolution', type: 'string', jsonPath: '.spec.resolution', description: 'Service resolution mode for the hosts (NONE, STATIC, or DNS)' },
    AGE_COLUMN,
  ],
};

/** The apiextensions table convertor: columns from the CRD; a cell is the path's first value. */
function crdPrinter(columns: PrinterColumn[]): Printer {
  const paths = columns.map((c) => {
    try {
      return parseColumnPath(c.jsonPath);
    } catch {
      // A real API server refuses such a CRD; a stored one prints empty cells.
      return undefined;
    }
  });
  return {
    columns: [NAME, ...columns.map((c) => col(c.name, c.type, c.priority ?? 0, '', c.description ?? ''))],
    cells: (o, now) => [
      o.metadata.name,
      ...columns.map((c, i): Cell => {
        const path = paths[i];
        const v = path ? findColumnValues(o, path)[0] : undefined;
        if (v === undefined || v === null) return null;
        if (c.type === 'date') return ageSince(v, now);
        if (c.type === 'string') return typeof v === 'string' ? v : JSON.stringify(v);
        return v as Cell;
      }),
    ],
  };
}

/** The default convertor for kinds without a printer: Name and Created At (RFC 3339). */
const defaultPrinter: Printer = {
  columns: [NAME, CREATED_AT],
  cells: (o) => [o.metadata.name, o.metadata?.creationTimestamp ?? ''],
};

export function printerFor(type: ResourceType): Printer {
  if (type.strategy?.printer) return type.strategy.printer as Printer;
  const key = storeKey(type);
  const p = builtin[key];
  if (p) return p;
  // A CRD without additionalPrinterColumns prints Name and Age; with them, exactly those.
  const columns = type.printerColumns ?? ISTIO_PRINTER_COLUMNS[key];
  if (columns) return crdPrinter(columns.length ? columns : [AGE_COLUMN]);
  if (type.custom) return crdPrinter([AGE_COLUMN]);
  return defaultPrinter;
}

export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: { resourceVersion?: string; continue?: string };
  columnDefinitions: ColumnDefinition[];
  rows: { cells: Cell[]; object: unknown }[];
}

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export function rowObject(obj: KubeObject, include: IncludeObject): unknown {
  if (include === 'None') return null;
  if (include === 'Object') return obj;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: obj.metadata };
}

export function toTable(type: ResourceType, objects: KubeObject[], now: Date, opts: { resourceVersion?: string; include?: IncludeObject; noHeaders?: boolean } = {}): Table {
  const printer = printerFor(type);
  const include = opts.include ?? 'Metadata';
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: opts.resourceVersion ? { resourceVersion: opts.resourceVersion } : {},
    columnDefinitions: opts.noHeaders ? [] : printer.columns,
    rows: objects.map((o) => ({ cells: printer.cells(o as Obj, now), object: rowObject(o, include) })),
  };
}

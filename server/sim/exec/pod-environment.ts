// The environment a container's process sees, built the way the kubelet builds it: Docker-style
// service links for the namespace's services (and the `kubernetes` service), then `envFrom`,
// then `env` (later entries win; `$(VAR)` expands earlier values), plus what the runtime sets
// (PATH from the image, HOSTNAME = the pod's host name).
import type { KubeObject, ObjectStore } from '../store/object-store.ts';

type Obj = Record<string, unknown>;

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const MAX_VALUE = 64 * 1024;

interface ServicePort {
  name?: string;
  port?: number;
  protocol?: string;
}

function envName(serviceName: string): string {
  return serviceName.toUpperCase().replace(/-/g, '_');
}

/** Service link variables (pkg/kubelet/envvars: FromServices). */
export function serviceLinkEnv(services: KubeObject[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const svc of services) {
    const spec = (svc.spec ?? {}) as { clusterIP?: string; ports?: ServicePort[] };
    const ip = spec.clusterIP;
    if (!ip || ip === 'None') continue;
    const name = envName(svc.metadata.name);
    const ports = (spec.ports ?? []).filter((p) => typeof p.port === 'number');
    out[`${name}_SERVICE_HOST`] = ip;
    if (ports.length === 0) continue;
    out[`${name}_SERVICE_PORT`] = String(ports[0]!.port);
    for (const p of ports) if (p.name) out[`${name}_SERVICE_PORT_${envName(p.name)}`] = String(p.port);
    const first = ports[0]!;
    const proto = (first.protocol ?? 'TCP').toLowerCase();
    out[`${name}_PORT`] = `${proto}://${ip}:${first.port}`;
    for (const p of ports) {
      const pr = (p.protocol ?? 'TCP').toUpperCase();
      const prefix = `${name}_PORT_${p.port}_${pr}`;
      out[prefix] = `${pr.toLowerCase()}://${ip}:${p.port}`;
      out[`${prefix}_PROTO`] = pr.toLowerCase();
      out[`${prefix}_PORT`] = String(p.port);
      out[`${prefix}_ADDR`] = ip;
    }
  }
  return out;
}

/** `$(VAR)` expansion as the kubelet does it: known names expand, `$$` escapes, others stay. */
export function expand(value: string, env: Record<string, string>): string {
  return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name: string | undefined) => {
    if (m === '$$') return '$';
    return name !== undefined && name in env ? env[name]! : m;
  });
}

function fieldValue(pod: KubeObject, path: string): string | undefined {
  const meta = pod.metadata;
  const spec = (pod.spec ?? {}) as Obj;
  const status = (pod.status ?? {}) as Obj;
  const m = /^metadata\.(labels|annotations)\['([^']+)'\]$/.exec(path);
  if (m) return (meta[m[1] as 'labels' | 'annotations'] as Record<string, string> | undefined)?.[m[2]!];
  switch (path) {
    case 'metadata.name': return meta.name;
    case 'metadata.namespace': return meta.namespace;
    case 'metadata.uid': return meta.uid;
    case 'spec.nodeName': return spec.nodeName as string | undefined;
    case 'spec.serviceAccountName': return spec.serviceAccountName as string | undefined;
    case 'status.podIP': return status.podIP as string | undefined;
    case 'status.hostIP': return status.hostIP as string | undefined;
    default: return undefined;
  }
}

function dataOf(store: ObjectStore, kind: 'configmaps' | 'secrets', namespace: string, name: unknown): Record<string, string> | undefined {
  if (typeof name !== 'string') return undefined;
  const obj = store.get(kind, namespace, name);
  if (!obj) return undefined;
  const data = (obj.data ?? {}) as Record<string, string>;
  if (kind === 'configmaps') return data;
  const decoded: Record<string, string> = {};
  for (const [k, v] of Object.entries(data)) decoded[k] = Buffer.from(String(v), 'base64').toString('utf8');
  for (const [k, v] of Object.entries((obj.stringData ?? {}) as Record<string, string>)) decoded[k] = String(v);
  return decoded;
}

function container(pod: KubeObject, name: string): Obj | undefined {
  const spec = (pod.spec ?? {}) as { containers?: Obj[]; initContainers?: Obj[] };
  return [...(spec.containers ?? []), ...(spec.initContainers ?? [])].find((c) => c.name === name);
}

/** The full environment of `containerName` in `pod`. */
export function podEnvironment(pod: KubeObject, containerName: string, store: ObjectStore): Record<string, string> {
  const namespace = pod.metadata.namespace ?? 'default';
  const spec = (pod.spec ?? {}) as { enableServiceLinks?: boolean; hostname?: string };
  const env: Record<string, string> = { PATH: DEFAULT_PATH, HOSTNAME: (spec.hostname ?? pod.metadata.name).slice(0, 63) };

  const services = spec.enableServiceLinks === false ? [] : store.list('services', namespace).items;
  const master = store.get('services', 'default', 'kubernetes');
  const linked = master && !services.some((s) => s.metadata.uid === master.metadata.uid) ? [...services, master] : services;
  Object.assign(env, serviceLinkEnv(linked));

  const c = container(pod, containerName) ?? {};
  for (const source of (c.envFrom ?? []) as Obj[]) {
    const prefix = typeof source.prefix === 'string' ? source.prefix : '';
    const cm = source.configMapRef as Obj | undefined;
    const sec = source.secretRef as Obj | undefined;
    const data = cm ? dataOf(store, 'configmaps', namespace, cm.name) : sec ? dataOf(store, 'secrets', namespace, sec.name) : undefined;
    for (const [k, v] of Object.entries(data ?? {})) if (/^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(prefix + k)) env[prefix + k] = String(v).slice(0, MAX_VALUE);
  }
  for (const e of (c.env ?? []) as Obj[]) {
    if (typeof e.name !== 'string' || !e.name) continue;
    let value: string | undefined;
    if (typeof e.value === 'string') value = expand(e.value, env);
    else if (e.valueFrom && typeof e.valueFrom === 'object') {
      const from = e.valueFrom as Obj;
      if (from.fieldRef) value = fieldValue(pod, String((from.fieldRef as Obj).fieldPath ?? ''));
      else if (from.configMapKeyRef) {
        const ref = from.configMapKeyRef as Obj;
        value = dataOf(store, 'configmaps', namespace, ref.name)?.[String(ref.key)];
      } else if (from.secretKeyRef) {
        const ref = from.secretKeyRef as Obj;
        value = dataOf(store, 'secrets', namespace, ref.name)?.[String(ref.key)];
      }
    } else value = '';
    if (value !== undefined) env[e.name] = value.slice(0, MAX_VALUE);
  }
  return env;
}

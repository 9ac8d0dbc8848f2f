// ResourceQuota, as the quota admission plugin and the quota controller do it: every object's
// usage (object counts, node ports, storage requests, stored bytes) is tracked per namespace from
// the store's events; a create or update that would take a namespace past a quota's `hard` is
// refused with Kubernetes' own `exceeded quota` Forbidden error, and each quota's status shows
// hard and used. A per-cluster object budget answers the same way when no quota exists, so one
// learner cannot fill the server's memory with objects.
import type { KubeObject, ObjectStore, StoreEvent } from '../store/object-store.ts';
import { errors, type ApiError } from './status.ts';
import type { UntypedObject as Obj } from '../meta/untyped.ts';

type Usage = Map<string, number>;

/** Budget resource names (domain-qualified, as ResourceQuota allows extended names). */
export const BUDGET_OBJECTS = 'meshlab.dev/objects';
export const BUDGET_BYTES = 'meshlab.dev/object-bytes';
/** The name the per-cluster budget answers under, as if it were a quota. */
export const CLUSTER_BUDGET_NAME = 'meshlab-cluster-budget';

export interface ObjectBudget {
  /** Objects of every kind in the cluster (0: no limit). */
  maxObjects: number;
  /** Bytes of every object stored, as JSON (0: no limit). */
  maxBytes: number;
}

/** A fresh cluster holds about 70 objects (150 KB); a lab adds a few hundred: room for ten times that, bounded for 50 clusters in one process. */
export const DEFAULT_OBJECT_BUDGET: ObjectBudget = { maxObjects: 2000, maxBytes: 16 * 1024 * 1024 };

/** Objects whose usage the quota objects themselves would change (their status) stay out of the bytes. */
const UNMETERED_BYTES = new Set(['resourcequotas', 'events', 'events.k8s.io/events', 'coordination.k8s.io/leases']);

/** Core resources quota also counts under their legacy names (pkg/quota/v1/evaluator/core). */
const LEGACY_COUNTED = new Set(['pods', 'services', 'configmaps', 'secrets', 'persistentvolumeclaims', 'replicationcontrollers', 'resourcequotas']);

const SUFFIXES: Record<string, number> = { '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60, m: 1e-3 };

/** A resource.Quantity as a number ("10", "1Gi", "500m"); NaN when it is not one. */
export function parseQuantity(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return NaN;
  const m = /^([+-]?[0-9.]+(?:[eE][+-]?\d+)?)(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E|m)?$/.exec(value.trim());
  if (!m) return NaN;
  return Number(m[1]) * SUFFIXES[m[2] ?? '']!;
}

/** `count/deployments.apps` for the store key `apps/deployments`. */
export function countName(resourceKey: string): string {
  const slash = resourceKey.indexOf('/');
  return slash < 0 ? `count/${resourceKey}` : `count/${resourceKey.slice(slash + 1)}.${resourceKey.slice(0, slash)}`;
}

/** What one object uses of each quota resource. */
export function usageOf(resourceKey: string, obj: KubeObject): Usage {
  const o = obj as Obj;
  const u: Usage = new Map();
  // Terminal pods no longer count against pods (the pod evaluator).
  const terminal = resourceKey === 'pods' && ['Succeeded', 'Failed'].includes(o.status?.phase);
  if (!terminal) {
    u.set(countName(resourceKey), 1);
    if (LEGACY_COUNTED.has(resourceKey)) u.set(resourceKey, 1);
  }
  if (resourceKey === 'services') {
    const type = o.spec?.type;
    if (type === 'LoadBalancer') u.set('services.loadbalancers', 1);
    if (type === 'NodePort' || type === 'LoadBalancer') u.set('services.nodeports', Array.isArray(o.spec?.ports) ? o.spec.ports.length : 0);
  }
  if (resourceKey === 'persistentvolumeclaims') {
    const storage = parseQuantity(o.spec?.resources?.requests?.storage);
    if (Number.isFinite(storage)) u.set('requests.storage', storage);
  }
  u.set(BUDGET_OBJECTS, 1);
  if (!UNMETERED_BYTES.has(resourceKey)) u.set(BUDGET_BYTES, Buffer.byteLength(JSON.stringify(obj)));
  return u;
}

/** Kubernetes' prettyPrint of a ResourceList: sorted `name=quantity` pairs joined by commas. */
function prettyPrint(list: Map<string, string>): string {
  return [...list.keys()].sort().map((k) => `${k}=${list.get(k)}`).join(',');
}

function formatAmount(resource: string, n: number): string {
  if (resource === BUDGET_BYTES || resource === 'requests.storage') {
    for (const [suffix, size] of [['Gi', 2 ** 30], ['Mi', 2 ** 20], ['Ki', 2 ** 10]] as const) if (n >= size && n % size === 0) return `${n / size}${suffix}`;
  }
  return String(n);
}

/** The 403 the quota admission plugin answers (plugin/pkg/admission/resourcequota). */
export function exceededQuota(group: string, resource: string, name: string, quota: string, failed: { resource: string; requested: number; used: number; hard: string }[]): ApiError {
  const requested = new Map(failed.map((f) => [f.resource, formatAmount(f.resource, f.requested)]));
  const used = new Map(failed.map((f) => [f.resource, formatAmount(f.resource, f.used)]));
  const limited = new Map(failed.map((f) => [f.resource, f.hard]));
  return errors.forbidden(group, resource, name, `exceeded quota: ${quota}, requested: ${prettyPrint(requested)}, used: ${prettyPrint(used)}, limited: ${prettyPrint(limited)}`);
}

export interface QuotaRequest {
  resourceKey: string;
  group: string;
  resource: string;
  object: KubeObject;
  old?: KubeObject;
}

export class QuotaTracker {
  /** Usage per object key (resource, namespace, name). */
  private readonly byObject = new Map<string, { namespace: string; usage: Usage }>();
  /** Summed usage per namespace ('' for cluster-scoped objects). */
  private readonly byNamespace = new Map<string, Usage>();
  private readonly total: Usage = new Map();
  private readonly unwatch: () => void;
  private readonly dirty = new Set<string>();
  private flush: NodeJS.Immediate | undefined;
  private stopped = false;

  constructor(
    private readonly store: ObjectStore,
    private readonly budget: ObjectBudget = DEFAULT_OBJECT_BUDGET,
  ) {
    for (const [resource, items] of store.snapshot()) for (const o of items) this.account(resource, o);
    this.unwatch = store.watch('*', (ev) => this.onEvent(ev));
    for (const q of store.list('resourcequotas').items) this.markDirty(q.metadata.namespace ?? '');
  }

  stop(): void {
    this.stopped = true;
    this.unwatch();
    if (this.flush) clearImmediate(this.flush);
  }

  /** Namespace usage of one quota resource. */
  used(namespace: string, resource: string): number {
    return this.byNamespace.get(namespace)?.get(resource) ?? 0;
  }

  /** Usage of the whole cluster. */
  usedInCluster(resource: string): number {
    return this.total.get(resource) ?? 0;
  }

  /** Throws the `exceeded quota` Forbidden error when the write would pass a quota or the cluster budget. */
  admit(req: QuotaRequest): void {
    const namespace = req.object.metadata.namespace ?? '';
    const next = usageOf(req.resourceKey, req.object);
    const prev = req.old ? usageOf(req.resourceKey, req.old) : new Map<string, number>();
    const delta = new Map<string, number>();
    for (const [r, n] of next) {
      const d = n - (prev.get(r) ?? 0);
      if (d > 0) delta.set(r, d);
    }
    if (delta.size === 0) return;
    const name = req.object.metadata.name;
    if (namespace) {
      for (const quota of this.store.list('resourcequotas', namespace).items) {
        // A quota being created or replaced is not yet in force for itself.
        if (req.resourceKey === 'resourcequotas' && quota.metadata.name === name) continue;
        const hard: Obj = (quota as Obj).spec?.hard ?? {};
        const failed = [];
        for (const [r, d] of delta) {
          if (!(r in hard)) continue;
          const limit = parseQuantity(hard[r]);
          const used = this.used(namespace, r);
          if (Number.isFinite(limit) && used + d > limit) failed.push({ resource: r, requested: d, used, hard: String(hard[r]) });
        }
        if (failed.length) throw exceededQuota(req.group, req.resource, name, quota.metadata.name, failed);
      }
    }
    const failed = [];
    for (const [r, limit] of [[BUDGET_OBJECTS, this.budget.maxObjects], [BUDGET_BYTES, this.budget.maxBytes]] as const) {
      const d = delta.get(r);
      if (!d || limit <= 0) continue;
      const used = this.usedInCluster(r);
      if (used + d > limit) failed.push({ resource: r, requested: d, used, hard: formatAmount(r, limit) });
    }
    if (failed.length) throw exceededQuota(req.group, req.resource, name, CLUSTER_BUDGET_NAME, failed);
  }

  private key(resource: string, o: KubeObject): string {
    return `${resource}\u0000${o.metadata.namespace ?? ''}\u0000${o.metadata.name}`;
  }

  private add(into: Usage, usage: Usage, sign: 1 | -1): void {
    for (const [r, n] of usage) {
      const v = (into.get(r) ?? 0) + sign * n;
      if (v === 0) into.delete(r);
      else into.set(r, v);
    }
  }

  private account(resource: string, o: KubeObject, deleted = false): void {
    const key = this.key(resource, o);
    const before = this.byObject.get(key);
    const namespace = o.metadata.namespace ?? '';
    let ns = this.byNamespace.get(namespace);
    if (!ns) this.byNamespace.set(namespace, (ns = new Map()));
    if (before) {
      this.add(ns, before.usage, -1);
      this.add(this.total, before.usage, -1);
      this.byObject.delete(key);
    }
    if (!deleted) {
      const usage = usageOf(resource, o);
      this.add(ns, usage, 1);
      this.add(this.total, usage, 1);
      this.byObject.set(key, { namespace, usage });
    }
    if (ns.size === 0) this.byNamespace.delete(namespace);
  }

  private onEvent(ev: StoreEvent): void {
    this.account(ev.resource, ev.object, ev.type === 'DELETED');
    const ns = ev.object.metadata.namespace ?? '';
    if (ev.resource === 'resourcequotas' && ev.type !== 'DELETED') this.markDirty(ns);
    else if (ns && this.hasQuotas(ns)) this.markDirty(ns);
  }

  private hasQuotas(namespace: string): boolean {
    return (this.byNamespace.get(namespace)?.get('resourcequotas') ?? 0) > 0;
  }

  private markDirty(namespace: string): void {
    if (this.stopped) return;
    this.dirty.add(namespace);
    // The quota controller's status sync: after the write that changed usage, never inside it.
    this.flush ??= setImmediate(() => {
      this.flush = undefined;
      const namespaces = [...this.dirty];
      this.dirty.clear();
      for (const ns of namespaces) this.syncStatus(ns);
    });
  }

  private syncStatus(namespace: string): void {
    for (const quota of this.store.list('resourcequotas', namespace).items) {
      const hard: Obj = (quota as Obj).spec?.hard ?? {};
      const used: Obj = {};
      for (const r of Object.keys(hard)) used[r] = formatAmount(r, this.used(namespace, r));
      const status = { hard: { ...hard }, used };
      if (JSON.stringify((quota as Obj).status ?? {}) === JSON.stringify(status)) continue;
      this.store.mutate('resourcequotas', namespace, quota.metadata.name, (o) => {
        (o as Obj).status = status;
      });
    }
  }
}

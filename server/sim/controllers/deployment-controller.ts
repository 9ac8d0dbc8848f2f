// Deployment → ReplicaSets: one ReplicaSet per pod template (named <deploy>-<pod-template-hash>),
// rolling updates (the new ReplicaSet scaled up, old ones scaled down once it is available),
// scaling, and the status + conditions `kubectl rollout status` and `kubectl wait` read.
import type { KubeObject, ObjectStore } from '../store/object-store.ts';
import type { Clock } from '../store/object-store.ts';
import type { EventRecorder } from './events.ts';
import { canonicalJson, podTemplateHash } from './names.ts';
import { controllerRef, isOwnedBy, ownerRefTo, replicasOf } from './owners.ts';
import { timestamp } from './pod-status.ts';
import { WorkQueue } from './work-queue.ts';

type Obj = Record<string, unknown>;

const SOURCE = { component: 'deployment-controller' };
const HASH_LABEL = 'pod-template-hash';
const REVISION = 'deployment.kubernetes.io/revision';

function keyOf(ns: string | undefined, name: string): string {
  return `${ns}/${name}`;
}


function statusNum(obj: KubeObject, field: string): number {
  const v = (obj.status as Obj | undefined)?.[field];
  return typeof v === 'number' ? v : 0;
}

/** An int-or-percent (maxSurge/maxUnavailable) against `total`, rounding as the controller does. */
export function resolveIntOrPercent(value: unknown, total: number, roundUp: boolean, fallback: string): number {
  const v = value ?? fallback;
  if (typeof v === 'number') return v;
  const m = /^(\d+)%$/.exec(String(v));
  if (!m) return Number.parseInt(String(v), 10) || 0;
  const exact = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/** The template with its pod-template-hash label removed (EqualIgnoreHash). */
function templateKey(template: unknown): string {
  const t = (template && typeof template === 'object' && !Array.isArray(template) ? structuredClone(template) : {}) as { metadata?: Record<string, unknown> | null };
  if (t.metadata && typeof t.metadata === 'object') {
    const labels = t.metadata.labels;
    if (labels && typeof labels === 'object') delete (labels as Record<string, unknown>)[HASH_LABEL];
    // Absent, null and empty maps mean the same template.
    for (const k of ['labels', 'annotations']) {
      const v = t.metadata[k];
      // ReplicaSets get only map-shaped labels, so anything else counts as none.
      if (!v || typeof v !== 'object' || Array.isArray(v) || !Object.keys(v as object).length) delete t.metadata[k];
    }
  }
  if (t.metadata === null || (t.metadata && !Object.keys(t.metadata).length)) delete t.metadata;
  return canonicalJson(t);
}

/** ReplicaSets one Deployment may own; beyond this something is wrong and no more are made. */
const MAX_REPLICASETS_PER_DEPLOYMENT = 30;

export interface DeploymentCondition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
}

/**
 * SetDeploymentCondition: an unchanged status+reason is left alone; otherwise the condition is
 * moved to the end, keeping lastTransitionTime when only the reason changed.
 */
export function setCondition(conditions: Obj[], c: DeploymentCondition, now: string): Obj[] {
  const current = conditions.find((x) => x.type === c.type);
  if (current && current.status === c.status && current.reason === c.reason) {
    if (current.message !== c.message) {
      current.message = c.message;
      current.lastUpdateTime = now;
    }
    return conditions;
  }
  const next = {
    lastTransitionTime: current && current.status === c.status ? current.lastTransitionTime : now,
    lastUpdateTime: now,
    message: c.message,
    reason: c.reason,
    status: c.status,
    type: c.type,
  };
  return [...conditions.filter((x) => x.type !== c.type), next];
}

export class DeploymentController {
  private readonly queue = new WorkQueue((key) => this.reconcile(key));
  private readonly unwatch: (() => void)[] = [];

  constructor(
    private readonly store: ObjectStore,
    private readonly events: EventRecorder,
    private readonly clock: Clock,
  ) {}

  start(): void {
    for (const d of this.store.list('apps/deployments').items) this.queue.add(keyOf(d.metadata.namespace, d.metadata.name));
    this.unwatch.push(
      this.store.watch('apps/deployments', (ev) => {
        if (ev.type !== 'DELETED') this.queue.add(keyOf(ev.object.metadata.namespace, ev.object.metadata.name));
      }),
      this.store.watch('apps/replicasets', (ev) => {
        const ref = controllerRef(ev.object);
        if (ref?.kind === 'Deployment') this.queue.add(keyOf(ev.object.metadata.namespace, ref.name));
      }),
    );
  }

  stop(): void {
    for (const u of this.unwatch.splice(0)) u();
    this.queue.stop();
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }

  private scale(rs: KubeObject, to: number, deployment: KubeObject): KubeObject | undefined {
    const from = replicasOf(rs);
    if (from === to) return rs;
    const updated = this.store.mutate('apps/replicasets', rs.metadata.namespace, rs.metadata.name, (o) => {
      (o.spec as Obj).replicas = to;
      const a = (o.metadata.annotations ??= {});
      a['deployment.kubernetes.io/desired-replicas'] = String(replicasOf(deployment));
      a['deployment.kubernetes.io/max-replicas'] = String(replicasOf(deployment) + this.maxSurge(deployment));
    });
    this.events.record(SOURCE, deployment, 'Normal', 'ScalingReplicaSet', `Scaled ${to > from ? 'up' : 'down'} replica set ${rs.metadata.name} from ${from} to ${to}`);
    return updated;
  }

  private maxSurge(d: KubeObject): number {
    const strategy = ((d.spec as Obj)?.strategy ?? {}) as { type?: string; rollingUpdate?: { maxSurge?: unknown } };
    if (strategy.type === 'Recreate') return 0;
    return resolveIntOrPercent(strategy.rollingUpdate?.maxSurge, replicasOf(d), true, '25%');
  }

  private maxUnavailable(d: KubeObject): number {
    const strategy = ((d.spec as Obj)?.strategy ?? {}) as { type?: string; rollingUpdate?: { maxUnavailable?: unknown } };
    if (strategy.type === 'Recreate') return 0;
    const desired = replicasOf(d);
    const v = resolveIntOrPercent(strategy.rollingUpdate?.maxUnavailable, desired, false, '25%');
    // Both zero is invalid; the controller then allows one unavailable.
    return v === 0 && this.maxSurge(d) === 0 ? 1 : Math.min(v, desired);
  }

  private reconcile(key: string): void {
    const [namespace, name] = key.split('/') as [string, string];
    const d = this.store.get('apps/deployments', namespace, name);
    if (!d || d.metadata.deletionTimestamp) return;
    const ns = this.store.get('namespaces', undefined, namespace);
    if (!ns || ns.metadata.deletionTimestamp) return;
    const spec = (d.spec ?? {}) as Obj;
    const desired = replicasOf(d);
    const owned = this.store.list('apps/replicasets', namespace).items.filter((rs) => isOwnedBy(rs, d) && !rs.metadata.deletionTimestamp);
    const wanted = templateKey(spec.template);
    let newRS = owned.find((rs) => templateKey((rs.spec as Obj)?.template) === wanted);
    const olds = owned.filter((rs) => rs !== newRS);
    const maxRevision = Math.max(0, ...owned.map((rs) => Number(rs.metadata.annotations?.[REVISION] ?? 0)));
    let created = false;

    if (!spec.paused) {
      if (!newRS && owned.length >= MAX_REPLICASETS_PER_DEPLOYMENT) {
        this.events.record(SOURCE, d, 'Warning', 'ReplicaSetCreateError', `Failed to create new replica set: the deployment already owns ${owned.length} replica sets`);
      } else if (!newRS) {
        newRS = this.createReplicaSet(d, maxRevision + 1, olds);
        created = newRS !== undefined;
      } else if (olds.some((rs) => replicasOf(rs) > 0) === false && replicasOf(newRS) !== desired) {
        newRS = this.scale(newRS, desired, d) ?? newRS;
      }
      if (newRS && !created) newRS = this.promote(newRS, maxRevision) ?? newRS;
      if (newRS && olds.length) this.rollOldReplicaSets(d, newRS, olds);
      if (newRS) this.markRevision(d, created ? maxRevision + 1 : Number(newRS.metadata.annotations?.[REVISION] ?? maxRevision));
      this.cleanupHistory(d, olds);
    }
    this.updateStatus(d, newRS, olds, created);
  }

  private createReplicaSet(d: KubeObject, revision: number, olds: KubeObject[]): KubeObject | undefined {
    const spec = (d.spec ?? {}) as Obj;
    const template = structuredClone((spec.template ?? {}) as { metadata?: { labels?: Record<string, string> }; spec?: Obj });
    const collisionCount = (d.status as Obj | undefined)?.collisionCount as number | undefined;
    const hash = podTemplateHash(template, collisionCount);
    if (!template.metadata || typeof template.metadata !== 'object') template.metadata = {};
    const labels = template.metadata.labels;
    template.metadata.labels = { ...(labels && typeof labels === 'object' && !Array.isArray(labels) ? labels : {}), [HASH_LABEL]: hash };
    const rawSelector = spec.selector && typeof spec.selector === 'object' && !Array.isArray(spec.selector) ? spec.selector : {};
    const selector = structuredClone(rawSelector) as { matchLabels?: Record<string, string> };
    const matchLabels = selector.matchLabels && typeof selector.matchLabels === 'object' ? selector.matchLabels : {};
    selector.matchLabels = { ...matchLabels, [HASH_LABEL]: hash };
    const strategy = (spec.strategy ?? {}) as { type?: string };
    const desired = replicasOf(d);
    // A rollout starts the new ReplicaSet at the surge allowance; a first deployment at full size.
    const oldPods = olds.reduce((n, rs) => n + replicasOf(rs), 0);
    const replicas = oldPods === 0 ? desired : strategy.type === 'Recreate' ? 0 : Math.max(0, Math.min(desired, desired + this.maxSurge(d) - oldPods));
    const rs: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${d.metadata.name}-${hash}`,
        namespace: d.metadata.namespace,
        labels: { ...template.metadata.labels },
        annotations: {
          'deployment.kubernetes.io/desired-replicas': String(desired),
          'deployment.kubernetes.io/max-replicas': String(desired + this.maxSurge(d)),
          [REVISION]: String(revision),
        },
        ownerReferences: [ownerRefTo(d)],
      },
      spec: {
        replicas: 0,
        selector,
        template,
        ...(typeof spec.minReadySeconds === 'number' && spec.minReadySeconds ? { minReadySeconds: spec.minReadySeconds } : {}),
      },
      status: { replicas: 0 },
    };
    let createdRS: KubeObject;
    try {
      createdRS = this.store.create('apps/replicasets', rs);
    } catch {
      // A ReplicaSet of that name with another template: the next hash (collisionCount) is tried.
      this.store.mutate('apps/deployments', d.metadata.namespace, d.metadata.name, (o) => {
        const s = (o.status ??= {}) as Obj;
        s.collisionCount = Number(s.collisionCount ?? 0) + 1;
      });
      return undefined;
    }
    if (replicas > 0) return this.scale(createdRS, replicas, d);
    return createdRS;
  }

  /** Rolling update: grow the new ReplicaSet within maxSurge, shrink old ones within maxUnavailable. */
  private rollOldReplicaSets(d: KubeObject, newRS: KubeObject, olds: KubeObject[]): void {
    const desired = replicasOf(d);
    const strategy = (((d.spec as Obj)?.strategy ?? {}) as { type?: string }).type;
    const oldTotal = () => olds.reduce((n, rs) => n + replicasOf(rs), 0);
    if (strategy === 'Recreate') {
      for (const rs of olds) if (replicasOf(rs) > 0) Object.assign(rs, this.scale(rs, 0, d) ?? rs);
      const oldPods = this.store.list('pods', d.metadata.namespace).items.filter((p) => olds.some((rs) => isOwnedBy(p, rs)));
      if (oldPods.length === 0 && replicasOf(newRS) !== desired) this.scale(newRS, desired, d);
      return;
    }
    // Scale up the new one as far as the surge allows.
    const allowed = desired + this.maxSurge(d) - oldTotal();
    const target = Math.min(desired, Math.max(replicasOf(newRS), allowed));
    if (target > replicasOf(newRS)) newRS = this.scale(newRS, target, d) ?? newRS;
    // Scale down old ones while enough pods stay available.
    const available = statusNum(newRS, 'availableReplicas') + olds.reduce((n, rs) => n + statusNum(rs, 'availableReplicas'), 0);
    const minAvailable = desired - this.maxUnavailable(d);
    let canRemove = Math.max(0, available - minAvailable);
    // Old replicas that are not available can always go.
    for (const rs of olds) {
      const current = replicasOf(rs);
      if (current === 0) continue;
      const unavailable = Math.max(0, current - statusNum(rs, 'availableReplicas'));
      const remove = Math.min(current, unavailable + canRemove);
      if (remove <= 0) continue;
      canRemove -= Math.max(0, remove - unavailable);
      Object.assign(rs, this.scale(rs, current - remove, d) ?? rs);
    }
    // Once every old pod is gone from the plan, the new ReplicaSet takes the full size.
    if (oldTotal() === 0 && replicasOf(newRS) !== desired) this.scale(newRS, desired, d);
  }

  /**
   * An older ReplicaSet whose template is wanted again (rollout undo, or a template changed back)
   * becomes the newest revision, its earlier numbers kept in revision-history.
   */
  private promote(rs: KubeObject, maxRevision: number): KubeObject | undefined {
    const current = Number(rs.metadata.annotations?.[REVISION] ?? 0);
    if (current >= maxRevision) return rs;
    return this.store.mutate('apps/replicasets', rs.metadata.namespace, rs.metadata.name, (o) => {
      const a = (o.metadata.annotations ??= {});
      const history = a['deployment.kubernetes.io/revision-history'];
      a['deployment.kubernetes.io/revision-history'] = history ? `${history},${current}` : String(current);
      a[REVISION] = String(maxRevision + 1);
    });
  }

  /** Old ReplicaSets scaled to zero beyond spec.revisionHistoryLimit (default 10) are deleted, oldest first. */
  private cleanupHistory(d: KubeObject, olds: KubeObject[]): void {
    const raw = (d.spec as Obj | undefined)?.revisionHistoryLimit;
    const limit = typeof raw === 'number' && Number.isInteger(raw) && raw >= 0 ? raw : 10;
    const idle = olds
      .map((rs) => this.store.get('apps/replicasets', rs.metadata.namespace, rs.metadata.name))
      .filter((rs): rs is KubeObject => !!rs && replicasOf(rs) === 0 && statusNum(rs, 'replicas') === 0)
      .sort((a, b) => Number(a.metadata.annotations?.[REVISION] ?? 0) - Number(b.metadata.annotations?.[REVISION] ?? 0));
    for (const rs of idle.slice(0, Math.max(0, idle.length - limit))) {
      try {
        this.store.delete('apps/replicasets', rs.metadata.namespace, rs.metadata.name);
      } catch {
        // Already gone.
      }
    }
  }

  private markRevision(d: KubeObject, revision: number): void {
    if (d.metadata.annotations?.[REVISION] === String(revision)) return;
    this.store.mutate('apps/deployments', d.metadata.namespace, d.metadata.name, (o) => {
      (o.metadata.annotations ??= {})[REVISION] = String(revision);
    });
  }

  private updateStatus(d: KubeObject, newRS: KubeObject | undefined, olds: KubeObject[], created: boolean): void {
    const fresh = (rs: KubeObject) => this.store.get('apps/replicasets', rs.metadata.namespace, rs.metadata.name) ?? rs;
    const all = [...(newRS ? [fresh(newRS)] : []), ...olds.map(fresh)];
    const sum = (f: string) => all.reduce((n, rs) => n + statusNum(rs, f), 0);
    const desired = replicasOf(d);
    const replicas = sum('replicas');
    const updated = newRS ? statusNum(fresh(newRS), 'replicas') : 0;
    const ready = sum('readyReplicas');
    const available = sum('availableReplicas');
    const unavailable = Math.max(0, Math.max(desired, replicas) - available);
    const now = timestamp(this.clock.now());
    const status: Obj = { observedGeneration: d.metadata.generation };
    if (replicas) status.replicas = replicas;
    if (updated) status.updatedReplicas = updated;
    if (ready) status.readyReplicas = ready;
    if (available) status.availableReplicas = available;
    if (unavailable) status.unavailableReplicas = unavailable;
    const old = (d.status ?? {}) as Obj;
    if (old.collisionCount !== undefined) status.collisionCount = old.collisionCount;
    let conditions = structuredClone((old.conditions as Obj[] | undefined) ?? []);
    const minAvailable = desired - this.maxUnavailable(d);
    conditions = setCondition(
      conditions,
      available >= minAvailable
        ? { type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable', message: 'Deployment has minimum availability.' }
        : { type: 'Available', status: 'False', reason: 'MinimumReplicasUnavailable', message: 'Deployment does not have minimum availability.' },
      now,
    );
    if ((d.spec as Obj | undefined)?.paused === true) {
      conditions = setCondition(conditions, { type: 'Progressing', status: 'Unknown', reason: 'DeploymentPaused', message: 'Deployment is paused' }, now);
    } else if (newRS) {
      const rsName = newRS.metadata.name;
      const oldReplicas = all.slice(1).reduce((n, rs) => n + statusNum(rs, 'replicas'), 0);
      const complete = updated === desired && replicas === desired && available === desired && oldReplicas === 0;
      if (complete) {
        conditions = setCondition(conditions, { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable', message: `ReplicaSet "${rsName}" has successfully progressed.` }, now);
      } else if (created) {
        conditions = setCondition(conditions, { type: 'Progressing', status: 'True', reason: 'NewReplicaSetCreated', message: `Created new replica set "${rsName}"` }, now);
      } else {
        conditions = setCondition(conditions, { type: 'Progressing', status: 'True', reason: 'ReplicaSetUpdated', message: `ReplicaSet "${rsName}" is progressing.` }, now);
      }
    }
    status.conditions = conditions;
    this.store.mutate('apps/deployments', d.metadata.namespace, d.metadata.name, (o) => {
      const prev = (o.status ?? {}) as Obj;
      // Leave lastUpdateTime alone when nothing else changed, so an idle deployment stays quiet.
      if (JSON.stringify({ ...prev, conditions: undefined }) === JSON.stringify({ ...status, conditions: undefined })
        && JSON.stringify(prev.conditions) === JSON.stringify(status.conditions)) return;
      o.status = status;
    });
  }
}

// ReplicaSet → Pods: keep spec.replicas pods from the template alive, named <rs>-<5 chars>,
// owned by the ReplicaSet; report replicas/ready/available in status.
import type { KubeObject, ObjectStore } from '../store/object-store.ts';
import type { EventRecorder } from './events.ts';
import { randomSuffix } from './names.ts';
import { selectorMatches } from '../meta/label-selector.ts';
import { MAX_PODS_PER_CLUSTER, controllerRef, isOwnedBy, ownerRefTo, replicasOf } from './owners.ts';
import { isPodReady, pendingStatus } from './pod-status.ts';
import { WorkQueue } from './work-queue.ts';

type Obj = Record<string, unknown>;

/** Runs the cluster's mutating admission (defaults, sidecar injection) on a pod the controller creates. */
export type PodAdmitter = (pod: KubeObject, namespace: KubeObject | undefined) => void;

const SOURCE = { component: 'replicaset-controller' };

function keyOf(ns: string | undefined, name: string): string {
  return `${ns}/${name}`;
}

export class ReplicaSetController {
  private readonly queue = new WorkQueue((key) => this.reconcile(key));
  private readonly unwatch: (() => void)[] = [];

  constructor(
    private readonly store: ObjectStore,
    private readonly events: EventRecorder,
    private readonly admit: PodAdmitter,
  ) {}

  start(): void {
    for (const rs of this.store.list('apps/replicasets').items) this.queue.add(keyOf(rs.metadata.namespace, rs.metadata.name));
    this.unwatch.push(
      this.store.watch('apps/replicasets', (ev) => {
        if (ev.type !== 'DELETED') this.queue.add(keyOf(ev.object.metadata.namespace, ev.object.metadata.name));
      }),
      this.store.watch('pods', (ev) => {
        const ref = controllerRef(ev.object);
        if (ref?.kind === 'ReplicaSet') this.queue.add(keyOf(ev.object.metadata.namespace, ref.name));
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

  private reconcile(key: string): void {
    const [namespace, name] = key.split('/') as [string, string];
    const rs = this.store.get('apps/replicasets', namespace, name);
    if (!rs || rs.metadata.deletionTimestamp) return;
    const ns = this.store.get('namespaces', undefined, namespace);
    if (!ns || ns.metadata.deletionTimestamp) return;
    const desired = replicasOf(rs);
    const owned = this.store.list('pods', namespace).items.filter((p) => isOwnedBy(p, rs));
    const active = owned.filter((p) => !p.metadata.deletionTimestamp && !['Succeeded', 'Failed'].includes(String((p.status as Obj)?.phase)));

    if (active.length < desired) {
      let room = MAX_PODS_PER_CLUSTER - this.store.list('pods').items.length;
      for (let i = active.length; i < desired; i++) {
        if (room-- <= 0) {
          const name = `${rs.metadata.name}-${randomSuffix(5)}`;
          this.events.record(SOURCE, rs, 'Warning', 'FailedCreate', `Error creating: pods "${name}" is forbidden: the embedded cluster runs at most ${MAX_PODS_PER_CLUSTER} pods`);
          break;
        }
        const pod = this.createPod(rs, ns);
        if (pod) active.push(pod);
      }
    } else if (active.length > desired) {
      // Delete the least useful first: not ready before ready, newer before older.
      const victims = active
        .slice()
        .sort((a, b) => Number(isPodReady(a)) - Number(isPodReady(b)) || String(b.metadata.creationTimestamp).localeCompare(String(a.metadata.creationTimestamp)))
        .slice(0, active.length - desired);
      for (const v of victims) {
        this.store.markDeleting('pods', namespace, v.metadata.name);
        this.events.record(SOURCE, rs, 'Normal', 'SuccessfulDelete', `Deleted pod: ${v.metadata.name}`);
      }
      const gone = new Set(victims.map((v) => v.metadata.uid));
      active.splice(0, active.length, ...active.filter((p) => !gone.has(p.metadata.uid)));
    }
    this.updateStatus(rs, active);
  }

  private createPod(rs: KubeObject, ns: KubeObject): KubeObject | undefined {
    const template = ((rs.spec as Obj)?.template ?? {}) as { metadata?: Obj; spec?: Obj };
    const tmeta = (template.metadata ?? {}) as { labels?: Record<string, string>; annotations?: Record<string, string> };
    const pod: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        generateName: `${rs.metadata.name}-`,
        name: `${rs.metadata.name}-${randomSuffix(5)}`,
        namespace: rs.metadata.namespace,
        ownerReferences: [ownerRefTo(rs)],
      },
      spec: structuredClone(template.spec ?? {}),
    };
    if (tmeta.labels && Object.keys(tmeta.labels).length) pod.metadata.labels = { ...tmeta.labels };
    if (tmeta.annotations && Object.keys(tmeta.annotations).length) pod.metadata.annotations = { ...tmeta.annotations };
    try {
      this.admit(pod, ns);
      pod.status = pendingStatus(pod);
      const created = this.store.create('pods', pod);
      this.events.record(SOURCE, rs, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
      return created;
    } catch (err) {
      this.events.record(SOURCE, rs, 'Warning', 'FailedCreate', `Error creating: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    }
  }

  private updateStatus(rs: KubeObject, active: KubeObject[]): void {
    const selector = (rs.spec as Obj)?.selector;
    const labeled = active.filter((p) => selectorMatches(selector, p.metadata.labels)).length;
    const ready = active.filter(isPodReady).length;
    const status: Obj = { replicas: active.length };
    if (labeled) status.fullyLabeledReplicas = labeled;
    if (ready) status.readyReplicas = ready;
    if (ready) status.availableReplicas = ready;
    status.observedGeneration = rs.metadata.generation;
    this.store.mutate('apps/replicasets', rs.metadata.namespace, rs.metadata.name, (o) => {
      const old = (o.status ?? {}) as Obj;
      // Keep unrelated fields (conditions) a real controller would also keep.
      o.status = old.conditions ? { ...status, conditions: old.conditions } : status;
    });
  }
}

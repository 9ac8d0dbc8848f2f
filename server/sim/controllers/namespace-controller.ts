// Namespaces: every active namespace gets the `default` ServiceAccount (serviceaccount-controller)
// and the `kube-root-ca.crt` ConfigMap (root-ca-cert-publisher); a namespace being deleted is
// Terminating until its contents are gone, then it goes too (namespace-controller).
import type { KubeObject, ObjectStore } from '../store/object-store.ts';
import type { Clock } from '../store/object-store.ts';
import { timestamp } from './pod-status.ts';
import type { Timers } from './timers.ts';
import { WorkQueue } from './work-queue.ts';

type Obj = Record<string, unknown>;

export const ROOT_CA_DESCRIPTION =
  'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.';

/** istiod does not publish its root certificate into these (IgnoredNamespaces). */
const ISTIO_IGNORED_NAMESPACES = new Set(['kube-system', 'kube-public', 'kube-node-lease', 'local-path-storage']);

/** How often a Terminating namespace is looked at again while content remains. */
const RECHECK_MS = 25;

function condition(type: string, status: boolean, reason: string, message: string, now: string): Obj {
  return { lastTransitionTime: now, message, reason, status: status ? 'True' : 'False', type };
}

export class NamespaceController {
  private readonly queue = new WorkQueue((name) => this.reconcile(name));
  private readonly unwatch: (() => void)[] = [];
  private readonly rechecks = new Map<string, () => void>();

  constructor(
    private readonly store: ObjectStore,
    private readonly timers: Timers & Clock,
    private readonly caPem: string,
    /** istiod's root certificate, published as istio-ca-root-cert (istiod's namespace controller); none when unset. */
    private readonly istioCaPem?: string,
    /** Whether this controller empties and removes Terminating namespaces (else someone else does). */
    private readonly finalizes = true,
  ) {}

  start(): void {
    for (const ns of this.store.list('namespaces').items) this.queue.add(ns.metadata.name);
    this.unwatch.push(
      this.store.watch('namespaces', (ev) => {
        if (ev.type !== 'DELETED') this.queue.add(ev.object.metadata.name);
      }),
      // Someone deleted the default ServiceAccount or the CA ConfigMap: put it back.
      this.store.watch('serviceaccounts', (ev) => {
        if (ev.type === 'DELETED' && ev.object.metadata.name === 'default') this.queue.add(ev.object.metadata.namespace!);
      }),
      this.store.watch('configmaps', (ev) => {
        if (ev.object.metadata.name === 'kube-root-ca.crt' || ev.object.metadata.name === 'istio-ca-root-cert') this.queue.add(ev.object.metadata.namespace!);
      }),
    );
  }

  stop(): void {
    for (const u of this.unwatch.splice(0)) u();
    for (const cancel of this.rechecks.values()) cancel();
    this.rechecks.clear();
    this.queue.stop();
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }

  private reconcile(name: string): void {
    const ns = this.store.get('namespaces', undefined, name);
    if (!ns) return;
    if (ns.metadata.deletionTimestamp) {
      if (this.finalizes) this.finalize(ns);
    } else this.populate(ns);
  }

  private populate(ns: KubeObject): void {
    const name = ns.metadata.name;
    if ((ns.status as Obj | undefined)?.phase !== 'Active') {
      this.store.mutate('namespaces', undefined, name, (o) => {
        o.status = { ...((o.status as Obj) ?? {}), phase: 'Active' };
      });
    }
    if (!this.store.get('serviceaccounts', name, 'default')) {
      this.tryCreate('serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace: name } });
    }
    this.publish(name, 'kube-root-ca.crt', { 'ca.crt': this.caPem }, { annotations: { 'kubernetes.io/description': ROOT_CA_DESCRIPTION } });
    if (this.istioCaPem !== undefined && !ISTIO_IGNORED_NAMESPACES.has(name)) {
      this.publish(name, 'istio-ca-root-cert', { 'root-cert.pem': this.istioCaPem }, { labels: { 'istio.io/config': 'true' } });
    }
  }

  private publish(namespace: string, name: string, data: Record<string, string>, meta: { labels?: Record<string, string>; annotations?: Record<string, string> }): void {
    const cm = this.store.get('configmaps', namespace, name);
    if (!cm) {
      this.tryCreate('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace, ...meta }, data });
    } else if (JSON.stringify(cm.data) !== JSON.stringify(data)) {
      cm.data = data;
      this.store.update('configmaps', cm);
    }
  }

  private finalize(ns: KubeObject): void {
    const name = ns.metadata.name;
    const now = timestamp(this.timers.now());
    for (const resource of this.store.resources()) {
      if (resource === 'namespaces') continue;
      for (const obj of this.store.list(resource, name).items) {
        if (obj.metadata.namespace !== name) continue;
        if (resource === 'pods') {
          // Pods get graceful deletion: the kubelet stops them and removes the object.
          if (!obj.metadata.deletionTimestamp) this.store.markDeleting('pods', name, obj.metadata.name);
        } else {
          try {
            this.store.delete(resource, name, obj.metadata.name);
          } catch {
            // Already gone.
          }
        }
      }
    }
    const podsLeft = this.store.list('pods', name).items.length;
    const status = (ns.status ?? {}) as Obj;
    const contentMessage = podsLeft ? `Some resources are remaining: pods. has ${podsLeft} resource instances` : 'All content successfully removed';
    const conditions = [
      condition('NamespaceDeletionDiscoveryFailure', false, 'ResourcesDiscovered', 'All resources successfully discovered', now),
      condition('NamespaceDeletionGroupVersionParsingFailure', false, 'ParsedGroupVersions', 'All legacy kube types successfully parsed', now),
      condition('NamespaceDeletionContentFailure', false, 'ContentDeleted', 'All content successfully deleted, may be waiting on finalization', now),
      condition('NamespaceContentRemaining', podsLeft > 0, podsLeft ? 'SomeResourcesRemain' : 'ContentRemoved', contentMessage, now),
      condition('NamespaceFinalizersRemaining', false, 'ContentHasNoFinalizers', 'All content-preserving finalizers finished', now),
    ];
    if (status.phase !== 'Terminating' || JSON.stringify((status.conditions as Obj[] | undefined)?.map((c) => [c.type, c.status])) !== JSON.stringify(conditions.map((c) => [c.type, c.status]))) {
      const previous = new Map(((status.conditions as Obj[] | undefined) ?? []).map((c) => [c.type, c]));
      for (const c of conditions) {
        const p = previous.get(c.type);
        if (p && p.status === c.status) c.lastTransitionTime = p.lastTransitionTime;
      }
      this.store.mutate('namespaces', undefined, name, (o) => {
        o.status = { conditions, phase: 'Terminating' };
      });
    }
    if (podsLeft > 0) {
      this.recheck(name);
      return;
    }
    // Content gone: drop the `kubernetes` finalizer, then the namespace itself.
    const current = this.store.get('namespaces', undefined, name);
    if (!current) return;
    const finalizers = (((current.spec as Obj | undefined)?.finalizers as string[] | undefined) ?? []).filter((f) => f !== 'kubernetes');
    if (finalizers.length || current.metadata.finalizers?.length) {
      this.store.mutate('namespaces', undefined, name, (o) => {
        o.spec = { ...((o.spec as Obj) ?? {}), finalizers };
      });
      this.recheck(name);
      return;
    }
    try {
      this.store.delete('namespaces', undefined, name);
    } catch {
      // Already gone.
    }
  }

  private recheck(name: string): void {
    if (this.rechecks.has(name)) return;
    this.rechecks.set(
      name,
      this.timers.after(RECHECK_MS, () => {
        this.rechecks.delete(name);
        this.queue.add(name);
      }),
    );
  }

  private tryCreate(resource: string, obj: KubeObject): void {
    try {
      this.store.create(resource, obj);
    } catch {
      // Someone made it first.
    }
  }
}

// Garbage collection driven by the store's watch, as kube-controller-manager's garbage collector
// and namespace controller do: dependents of a deleted owner (ownerReferences by uid) are
// deleted in the background; a namespace marked for deletion (phase Terminating) is emptied,
// then removed; an object whose last finalizer was removed while it was being deleted goes away.
import type { KubeObject, ObjectStore, StoreEvent } from '../store/object-store.ts';
import type { ResourceRegistry } from './resources.ts';

interface Dependent {
  resource: string;
  namespace: string | undefined;
  name: string;
  uid: string | undefined;
}

export class GarbageCollector {
  private readonly unwatch: () => void;
  private readonly queue: (() => void)[] = [];
  private scheduled = false;
  private stopped = false;
  /** owner uid → dependents, kept from the watch so a deletion never scans the whole store. */
  private readonly dependents = new Map<string, Map<string, Dependent>>();
  /** Owners in foreground deletion, by uid, waiting for their dependents to go. */
  private readonly foreground = new Map<string, { resource: string; owner: KubeObject }>();
  /** dependent key → the owner uids it was indexed under. */
  private readonly ownersOf = new Map<string, string[]>();

  constructor(
    private readonly store: ObjectStore,
    private readonly registry: ResourceRegistry,
  ) {
    for (const resource of store.resources()) for (const o of store.list(resource).items) this.index(resource, o);
    this.unwatch = store.watch('*', (ev) => this.observe(ev));
  }

  private static keyOf(resource: string, o: KubeObject): string {
    return `${resource}|${o.metadata.namespace ?? ''}|${o.metadata.name}`;
  }

  private index(resource: string, o: KubeObject): void {
    const key = GarbageCollector.keyOf(resource, o);
    this.unindex(key);
    const owners = (o.metadata.ownerReferences ?? []).map((r) => r.uid).filter((u): u is string => typeof u === 'string');
    if (owners.length === 0) return;
    this.ownersOf.set(key, owners);
    for (const uid of owners) {
      let set = this.dependents.get(uid);
      if (!set) this.dependents.set(uid, (set = new Map()));
      set.set(key, { resource, namespace: o.metadata.namespace, name: o.metadata.name, uid: o.metadata.uid });
    }
  }

  private unindex(key: string): void {
    for (const uid of this.ownersOf.get(key) ?? []) {
      const set = this.dependents.get(uid);
      set?.delete(key);
      if (set && set.size === 0) this.dependents.delete(uid);
    }
    this.ownersOf.delete(key);
  }

  stop(): void {
    this.stopped = true;
    this.unwatch();
  }

  private enqueue(work: () => void): void {
    this.queue.push(work);
    if (this.scheduled) return;
    this.scheduled = true;
    // Work runs after the write that triggered it, never inside the store's listener loop.
    setImmediate(() => {
      this.scheduled = false;
      while (!this.stopped && this.queue.length) {
        try {
          this.queue.shift()!();
        } catch {
          // An object that vanished meanwhile is fine.
        }
      }
    });
  }

  private observe(ev: StoreEvent): void {
    const obj = ev.object;
    if (ev.type === 'DELETED') this.unindex(GarbageCollector.keyOf(ev.resource, obj));
    else this.index(ev.resource, obj);
    if (ev.type === 'DELETED') {
      const uid = obj.metadata.uid;
      if (uid) this.enqueue(() => this.deleteDependents(uid));
      if (uid) this.foreground.delete(uid);
      // A dependent went away: an owner waiting in foreground deletion may now finish.
      for (const ref of obj.metadata.ownerReferences ?? []) {
        const waiting = this.foreground.get(ref.uid);
        if (waiting) this.enqueue(() => this.finishForeground(waiting.resource, waiting.owner));
      }
      if (ev.resource === 'namespaces') return;
      if (obj.metadata.namespace) this.enqueue(() => this.finishNamespace(obj.metadata.namespace!));
      return;
    }
    if (!obj.metadata.deletionTimestamp) return;
    if (ev.resource === 'namespaces') {
      this.enqueue(() => this.emptyNamespace(obj.metadata.name));
      return;
    }
    const finalizers = obj.metadata.finalizers ?? [];
    if (finalizers.includes('foregroundDeletion')) {
      if (obj.metadata.uid) this.foreground.set(obj.metadata.uid, { resource: ev.resource, owner: obj });
      this.enqueue(() => this.finishForeground(ev.resource, obj));
      return;
    }
    if (finalizers.length === 0) {
      this.enqueue(() => this.remove(ev.resource, obj));
    }
  }

  /** Foreground deletion: dependents first, then the owner's foregroundDeletion finalizer goes. */
  private finishForeground(resource: string, owner: KubeObject): void {
    const uid = owner.metadata.uid;
    if (!uid) return;
    this.deleteDependents(uid);
    const remaining = [...(this.dependents.get(uid)?.values() ?? [])].some((d) => this.store.get(d.resource, d.namespace, d.name)?.metadata.uid === d.uid);
    if (remaining) return;
    this.store.mutate(resource, owner.metadata.namespace, owner.metadata.name, (o) => {
      o.metadata.finalizers = (o.metadata.finalizers ?? []).filter((f) => f !== 'foregroundDeletion');
    });
  }

  private remove(resource: string, obj: KubeObject): void {
    const current = this.store.get(resource, obj.metadata.namespace, obj.metadata.name);
    if (!current || current.metadata.uid !== obj.metadata.uid) return;
    this.store.delete(resource, obj.metadata.namespace, obj.metadata.name);
  }

  private deleteDependents(uid: string): void {
    for (const d of [...(this.dependents.get(uid)?.values() ?? [])]) {
      const o = this.store.get(d.resource, d.namespace, d.name);
      if (!o || o.metadata.uid !== d.uid) continue;
      if ((o.metadata.finalizers ?? []).length) this.store.markDeleting(d.resource, d.namespace, d.name);
      else this.store.delete(d.resource, d.namespace, d.name);
    }
  }

  private emptyNamespace(namespace: string): void {
    for (const resource of this.store.resources()) {
      const type = this.registry.byStoreKey(resource);
      if (resource === 'namespaces' || (type && !type.namespaced)) continue;
      for (const o of this.store.list(resource, namespace).items) {
        // The namespace controller removes content regardless of owner order.
        this.store.delete(resource, namespace, o.metadata.name);
      }
    }
    this.finishNamespace(namespace);
  }

  private finishNamespace(namespace: string): void {
    const ns = this.store.get('namespaces', undefined, namespace);
    if (!ns?.metadata.deletionTimestamp) return;
    for (const resource of this.store.resources()) {
      if (resource === 'namespaces') continue;
      if (this.store.list(resource, namespace).items.length) return;
    }
    this.store.delete('namespaces', undefined, namespace);
  }
}

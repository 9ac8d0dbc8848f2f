// The garbage collector's background propagation: when an object goes, everything whose
// ownerReferences name its uid goes too (deployment → replicasets → pods, service → slices).
// Pods are deleted gracefully (the kubelet removes them), everything else at once.
import type { GroupResource, ObjectStore } from '../store/object-store.ts';
import { WorkQueue } from './work-queue.ts';

interface Ref {
  resource: GroupResource;
  namespace?: string;
  name: string;
}

export class GarbageCollector {
  /** owner uid → dependents. */
  private readonly dependents = new Map<string, Map<string, Ref>>();
  private readonly orphanedOwners = new Set<string>();
  private readonly queue = new WorkQueue((uid) => this.collect(uid));
  private unwatch?: () => void;

  constructor(private readonly store: ObjectStore) {}

  start(): void {
    for (const resource of this.store.resources()) {
      for (const obj of this.store.list(resource).items) this.index(resource, obj.metadata, true);
    }
    this.unwatch = this.store.watch('*', (ev) => {
      const meta = ev.object.metadata;
      if (ev.type === 'DELETED') {
        this.index(ev.resource, meta, false);
        if (meta.uid && this.dependents.has(meta.uid)) this.queue.add(meta.uid);
      } else {
        this.index(ev.resource, meta, true);
        // An owner that was deleted before its dependent appeared.
        for (const ref of meta.ownerReferences ?? []) if (this.orphanedOwners.has(ref.uid)) this.queue.add(ref.uid);
      }
    });
  }

  stop(): void {
    this.unwatch?.();
    this.queue.stop();
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }

  private index(resource: GroupResource, meta: { name: string; namespace?: string; ownerReferences?: { uid: string }[] }, present: boolean): void {
    const id = `${resource}|${meta.namespace ?? ''}|${meta.name}`;
    for (const ref of meta.ownerReferences ?? []) {
      let deps = this.dependents.get(ref.uid);
      if (present) {
        if (!deps) this.dependents.set(ref.uid, (deps = new Map()));
        deps.set(id, { resource, namespace: meta.namespace, name: meta.name });
      } else if (deps) {
        deps.delete(id);
        if (!deps.size && !this.orphanedOwners.has(ref.uid)) this.dependents.delete(ref.uid);
      }
    }
  }

  private ownerExists(uid: string): boolean {
    // Owners are found by uid among objects that still exist; a recreated owner has a new uid.
    for (const resource of this.store.resources()) {
      for (const obj of this.store.list(resource).items) if (obj.metadata.uid === uid) return true;
    }
    return false;
  }

  private collect(uid: string): void {
    const deps = this.dependents.get(uid);
    if (!deps?.size) {
      this.orphanedOwners.delete(uid);
      this.dependents.delete(uid);
      return;
    }
    if (this.ownerExists(uid)) return;
    this.orphanedOwners.add(uid);
    for (const ref of [...deps.values()]) {
      const obj = this.store.get(ref.resource, ref.namespace, ref.name);
      if (!obj) continue;
      // Still owned by someone alive: only this reference is dropped.
      const others = (obj.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid);
      if (others.length && others.some((r) => this.ownerExists(r.uid))) {
        this.store.mutate(ref.resource, ref.namespace, ref.name, (o) => {
          o.metadata.ownerReferences = others;
        });
        continue;
      }
      try {
        if (ref.resource === 'pods') this.store.markDeleting('pods', ref.namespace, ref.name);
        else this.store.delete(ref.resource, ref.namespace, ref.name);
      } catch {
        // Already gone.
      }
    }
    this.orphanedOwners.delete(uid);
  }
}

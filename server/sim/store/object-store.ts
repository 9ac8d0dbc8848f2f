// The embedded cluster's storage: what etcd plus the registry's generic store do for a real
// API server. Everything above it (API handlers, controllers, the mesh) reads and writes here,
// and learns about changes only through watch().
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  generateName?: string;
  managedFields?: unknown[];
  [key: string]: unknown;
}

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

/** "pods", "apps/deployments", "networking.istio.io/gateways": group/resource, core group empty. */
export type GroupResource = string;

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  type: WatchEventType;
  resource: GroupResource;
  object: KubeObject;
  /** The global revision this event produced. */
  revision: number;
}

export type StoreListener = (event: StoreEvent) => void;

export class StoreError extends Error {
  constructor(
    readonly reason: 'NotFound' | 'AlreadyExists' | 'Conflict' | 'Expired',
    message: string,
  ) {
    super(message);
  }
}

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

interface Bucket {
  objects: Map<string, KubeObject>;
}

/** Fields that never count as a spec change when deciding whether to bump metadata.generation. */
const NON_SPEC_FIELDS = new Set(['apiVersion', 'kind', 'metadata', 'status']);

const HISTORY_LIMIT = 2000;

function keyOf(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

function specOf(obj: KubeObject): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) if (!NON_SPEC_FIELDS.has(k)) out[k] = v;
  return out;
}

export interface ListResult {
  items: KubeObject[];
  revision: number;
}

export interface WatchOptions {
  namespace?: string;
  /** Replay events newer than this revision first; throws StoreError('Expired') if too old. */
  sinceRevision?: number;
}

/**
 * One cluster's objects, with a single increasing revision (resourceVersion) and a bounded
 * event history so watches can resume from a recent resourceVersion like etcd allows.
 * Objects handed out are copies: callers may mutate them freely.
 */
export class ObjectStore {
  private revision = 1;
  private readonly buckets = new Map<GroupResource, Bucket>();
  private readonly listeners = new Set<{ resource: GroupResource | '*'; namespace?: string; fn: StoreListener }>();
  private readonly history: StoreEvent[] = [];

  constructor(private readonly clock: Clock = systemClock) {}

  get currentRevision(): number {
    return this.revision;
  }

  /** The oldest revision a watch may still resume from. */
  get oldestResumableRevision(): number {
    return this.history.length ? this.history[0]!.revision - 1 : this.revision;
  }

  get(resource: GroupResource, namespace: string | undefined, name: string): KubeObject | undefined {
    const obj = this.bucket(resource).objects.get(keyOf(namespace, name));
    return obj ? structuredClone(obj) : undefined;
  }

  list(resource: GroupResource, namespace?: string): ListResult {
    const items: KubeObject[] = [];
    for (const obj of this.bucket(resource).objects.values()) {
      if (namespace && obj.metadata.namespace !== namespace) continue;
      items.push(structuredClone(obj));
    }
    items.sort((a, b) => keyOf(a.metadata.namespace, a.metadata.name).localeCompare(keyOf(b.metadata.namespace, b.metadata.name)));
    return { items, revision: this.revision };
  }

  /** Every resource that currently holds at least one object (used for namespace deletion). */
  resources(): GroupResource[] {
    return [...this.buckets.entries()].filter(([, b]) => b.objects.size > 0).map(([r]) => r);
  }

  create(resource: GroupResource, input: KubeObject): KubeObject {
    const obj = structuredClone(input);
    const meta = obj.metadata;
    const key = keyOf(meta.namespace, meta.name);
    const bucket = this.bucket(resource);
    if (bucket.objects.has(key)) {
      throw new StoreError('AlreadyExists', `${resource} "${meta.name}" already exists`);
    }
    meta.uid = meta.uid ?? randomUUID();
    meta.creationTimestamp = meta.creationTimestamp ?? this.timestamp();
    meta.generation = 1;
    meta.resourceVersion = String(++this.revision);
    bucket.objects.set(key, obj);
    this.emit({ type: 'ADDED', resource, object: obj, revision: this.revision });
    return structuredClone(obj);
  }

  /**
   * Replace an object. With `expectedResourceVersion` set, a stale writer gets a Conflict
   * (optimistic concurrency, as kubectl replace and controllers rely on).
   * Bumps generation when anything outside metadata/status changed. A write that changes
   * nothing at all keeps the old resourceVersion and emits no event, like a real API server.
   */
  update(resource: GroupResource, input: KubeObject, expectedResourceVersion?: string): KubeObject {
    const obj = structuredClone(input);
    const key = keyOf(obj.metadata.namespace, obj.metadata.name);
    const bucket = this.bucket(resource);
    const old = bucket.objects.get(key);
    if (!old) throw new StoreError('NotFound', `${resource} "${obj.metadata.name}" not found`);
    if (expectedResourceVersion && expectedResourceVersion !== old.metadata.resourceVersion) {
      throw new StoreError(
        'Conflict',
        `Operation cannot be fulfilled on ${resource} "${obj.metadata.name}": the object has been modified; please apply your changes to the latest version and try again`,
      );
    }
    // Identity fields are owned by the store.
    obj.metadata.uid = old.metadata.uid;
    obj.metadata.creationTimestamp = old.metadata.creationTimestamp;
    obj.metadata.generation = old.metadata.generation;
    obj.metadata.resourceVersion = old.metadata.resourceVersion;
    if (old.metadata.deletionTimestamp) obj.metadata.deletionTimestamp = old.metadata.deletionTimestamp;
    if (isDeepStrictEqual(obj, old)) return structuredClone(old);
    if (!isDeepStrictEqual(specOf(obj), specOf(old))) obj.metadata.generation = (old.metadata.generation ?? 1) + 1;
    obj.metadata.resourceVersion = String(++this.revision);
    bucket.objects.set(key, obj);
    this.emit({ type: 'MODIFIED', resource, object: obj, revision: this.revision });
    return structuredClone(obj);
  }

  /** Read-modify-write helper for controllers; retries never needed since the store is single-threaded. */
  mutate(resource: GroupResource, namespace: string | undefined, name: string, fn: (obj: KubeObject) => void): KubeObject | undefined {
    const current = this.get(resource, namespace, name);
    if (!current) return undefined;
    fn(current);
    return this.update(resource, current);
  }

  /** Marks an object as being deleted (finalizers pending); emits MODIFIED. */
  markDeleting(resource: GroupResource, namespace: string | undefined, name: string): KubeObject | undefined {
    const bucket = this.bucket(resource);
    const old = bucket.objects.get(keyOf(namespace, name));
    if (!old) return undefined;
    if (old.metadata.deletionTimestamp) return structuredClone(old);
    const obj = structuredClone(old);
    obj.metadata.deletionTimestamp = this.timestamp();
    obj.metadata.resourceVersion = String(++this.revision);
    bucket.objects.set(keyOf(namespace, name), obj);
    this.emit({ type: 'MODIFIED', resource, object: obj, revision: this.revision });
    return structuredClone(obj);
  }

  delete(resource: GroupResource, namespace: string | undefined, name: string): KubeObject {
    const bucket = this.bucket(resource);
    const key = keyOf(namespace, name);
    const old = bucket.objects.get(key);
    if (!old) throw new StoreError('NotFound', `${resource} "${name}" not found`);
    bucket.objects.delete(key);
    const gone = structuredClone(old);
    gone.metadata.resourceVersion = String(++this.revision);
    this.emit({ type: 'DELETED', resource, object: gone, revision: this.revision });
    return structuredClone(gone);
  }

  /**
   * Subscribe to changes of one resource ('*' for all). Listeners run synchronously after each
   * write; they must not throw (errors are caught and dropped so one bad listener cannot break writes).
   */
  watch(resource: GroupResource | '*', listener: StoreListener, options: WatchOptions = {}): () => void {
    if (options.sinceRevision !== undefined) {
      if (options.sinceRevision < this.oldestResumableRevision) {
        throw new StoreError('Expired', `too old resource version: ${options.sinceRevision} (${this.oldestResumableRevision})`);
      }
      for (const ev of this.history) {
        if (ev.revision <= options.sinceRevision) continue;
        if (resource !== '*' && ev.resource !== resource) continue;
        if (options.namespace && ev.object.metadata.namespace !== options.namespace) continue;
        listener({ ...ev, object: structuredClone(ev.object) });
      }
    }
    const entry = { resource, namespace: options.namespace, fn: listener };
    this.listeners.add(entry);
    return () => {
      this.listeners.delete(entry);
    };
  }

  /** A snapshot of every object, for reset and for tests that assert state did not change. */
  snapshot(): Map<GroupResource, KubeObject[]> {
    const out = new Map<GroupResource, KubeObject[]>();
    for (const [resource] of this.buckets) out.set(resource, this.list(resource).items);
    return out;
  }

  private timestamp(): string {
    // Kubernetes timestamps have second precision.
    return this.clock.now().toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  private bucket(resource: GroupResource): Bucket {
    let b = this.buckets.get(resource);
    if (!b) {
      b = { objects: new Map() };
      this.buckets.set(resource, b);
    }
    return b;
  }

  private emit(event: StoreEvent): void {
    this.history.push(event);
    if (this.history.length > HISTORY_LIMIT) this.history.splice(0, this.history.length - HISTORY_LIMIT);
    for (const l of [...this.listeners]) {
      if (l.resource !== '*' && l.resource !== event.resource) continue;
      if (l.namespace && event.object.metadata.namespace !== l.namespace) continue;
      try {
        l.fn({ ...event, object: structuredClone(event.object) });
      } catch {
        // A listener's failure must not undo or block the write.
      }
    }
  }
}

import { describe, expect, it } from 'vitest';
import { ObjectStore, type KubeObject } from '../store/object-store.ts';
import { GarbageCollector } from './garbage-collector.ts';
import { ResourceRegistry } from './resources.ts';

const tick = () => new Promise((r) => setImmediate(r));
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await tick();
}

function obj(kind: string, name: string, namespace?: string, extra: Partial<KubeObject['metadata']> = {}): KubeObject {
  return { apiVersion: 'v1', kind, metadata: { name, ...(namespace ? { namespace } : {}), ...extra } };
}

describe('garbage collector', () => {
  it('cascades deployment → replicaset → pods, including owners indexed before it started', async () => {
    const store = new ObjectStore();
    const d = store.create('apps/deployments', obj('Deployment', 'web', 'default'));
    const rs = store.create('apps/replicasets', obj('ReplicaSet', 'web-1', 'default', { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'web', uid: d.metadata.uid! }] }));
    const gc = new GarbageCollector(store, new ResourceRegistry());
    store.create('pods', obj('Pod', 'web-1-a', 'default', { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web-1', uid: rs.metadata.uid! }] }));
    store.create('pods', obj('Pod', 'other', 'default'));
    store.delete('apps/deployments', 'default', 'web');
    await settle();
    expect(store.list('apps/replicasets').items).toEqual([]);
    expect(store.list('pods').items.map((p) => p.metadata.name)).toEqual(['other']);
    gc.stop();
  });

  it('empties a terminating namespace, then removes it', async () => {
    const store = new ObjectStore();
    const gc = new GarbageCollector(store, new ResourceRegistry());
    store.create('namespaces', obj('Namespace', 'lab'));
    store.create('configmaps', obj('ConfigMap', 'c', 'lab'));
    store.create('configmaps', obj('ConfigMap', 'keep', 'default'));
    store.markDeleting('namespaces', undefined, 'lab');
    await settle();
    expect(store.get('namespaces', undefined, 'lab')).toBeUndefined();
    expect(store.list('configmaps').items.map((c) => c.metadata.name)).toEqual(['keep']);
    gc.stop();
  });

  it('an object being deleted goes once its last finalizer is removed', async () => {
    const store = new ObjectStore();
    const gc = new GarbageCollector(store, new ResourceRegistry());
    store.create('configmaps', obj('ConfigMap', 'f', 'default', { finalizers: ['example.com/hold'] }));
    store.markDeleting('configmaps', 'default', 'f');
    await settle();
    expect(store.get('configmaps', 'default', 'f')).toBeDefined();
    store.mutate('configmaps', 'default', 'f', (o) => (o.metadata.finalizers = []));
    await settle();
    expect(store.get('configmaps', 'default', 'f')).toBeUndefined();
    gc.stop();
  });
});

describe('foreground deletion', () => {
  it('removes dependents first, then the owner', async () => {
    const store = new ObjectStore();
    const gc = new GarbageCollector(store, new ResourceRegistry());
    const d = store.create('apps/deployments', obj('Deployment', 'fg', 'default'));
    store.create('apps/replicasets', obj('ReplicaSet', 'fg-1', 'default', { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'fg', uid: d.metadata.uid! }] }));
    const order: string[] = [];
    store.watch('*', (ev) => {
      if (ev.type === 'DELETED') order.push(ev.object.metadata.name);
    });
    store.mutate('apps/deployments', 'default', 'fg', (o) => (o.metadata.finalizers = ['foregroundDeletion']));
    store.markDeleting('apps/deployments', 'default', 'fg');
    await settle();
    expect(order).toEqual(['fg-1', 'fg']);
    gc.stop();
  });
});

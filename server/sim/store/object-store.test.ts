import { describe, expect, it } from 'vitest';
import { ObjectStore, StoreError, type KubeObject, type StoreEvent } from './object-store.ts';

const clock = { now: () => new Date('2026-01-02T03:04:05.678Z') };

function cm(name: string, data: Record<string, string> = {}, namespace = 'default'): KubeObject {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data };
}

describe('ObjectStore', () => {
  it('assigns identity on create: uid, second-precision timestamp, generation 1, increasing resourceVersion', () => {
    const store = new ObjectStore(clock);
    const a = store.create('configmaps', cm('a'));
    const b = store.create('configmaps', cm('b'));
    expect(a.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(a.metadata.creationTimestamp).toBe('2026-01-02T03:04:05Z');
    expect(a.metadata.generation).toBe(1);
    expect(Number(b.metadata.resourceVersion)).toBeGreaterThan(Number(a.metadata.resourceVersion));
  });

  it('rejects a duplicate create with AlreadyExists', () => {
    const store = new ObjectStore(clock);
    store.create('configmaps', cm('a'));
    expect(() => store.create('configmaps', cm('a'))).toThrowError(expect.objectContaining({ reason: 'AlreadyExists' }) as unknown as Error);
  });

  it('keeps namespaces apart', () => {
    const store = new ObjectStore(clock);
    store.create('configmaps', cm('a', {}, 'one'));
    store.create('configmaps', cm('a', {}, 'two'));
    expect(store.list('configmaps', 'one').items).toHaveLength(1);
    expect(store.list('configmaps').items).toHaveLength(2);
  });

  it('bumps generation only for changes outside metadata and status', () => {
    const store = new ObjectStore(clock);
    const created = store.create('apps/deployments', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd', namespace: 'default' }, spec: { replicas: 1 } });
    const labelled = store.update('apps/deployments', { ...created, metadata: { ...created.metadata, labels: { a: 'b' } } });
    expect(labelled.metadata.generation).toBe(1);
    const status = store.update('apps/deployments', { ...labelled, status: { replicas: 1 } });
    expect(status.metadata.generation).toBe(1);
    const scaled = store.update('apps/deployments', { ...status, spec: { replicas: 2 } });
    expect(scaled.metadata.generation).toBe(2);
  });

  it('a write that changes nothing keeps the resourceVersion and emits nothing', () => {
    const store = new ObjectStore(clock);
    const a = store.create('configmaps', cm('a', { k: 'v' }));
    const events: StoreEvent[] = [];
    store.watch('configmaps', (e) => events.push(e));
    const same = store.update('configmaps', cm('a', { k: 'v' }));
    expect(same.metadata.resourceVersion).toBe(a.metadata.resourceVersion);
    expect(events).toHaveLength(0);
  });

  it('rejects a stale writer with Conflict', () => {
    const store = new ObjectStore(clock);
    const a = store.create('configmaps', cm('a'));
    store.update('configmaps', cm('a', { k: '1' }));
    expect(() => store.update('configmaps', cm('a', { k: '2' }), a.metadata.resourceVersion)).toThrow(StoreError);
  });

  it('hands out copies: mutating a result does not change the store', () => {
    const store = new ObjectStore(clock);
    const a = store.create('configmaps', cm('a', { k: 'v' }));
    (a.data as Record<string, string>).k = 'changed';
    expect((store.get('configmaps', 'default', 'a')!.data as Record<string, string>).k).toBe('v');
  });

  it('replays history to a watch resuming from a revision, then streams live events', () => {
    const store = new ObjectStore(clock);
    const a = store.create('configmaps', cm('a'));
    store.update('configmaps', cm('a', { k: '1' }));
    store.delete('configmaps', 'default', 'a');
    const seen: string[] = [];
    store.watch('configmaps', (e) => seen.push(`${e.type}:${e.object.metadata.name}`), { sinceRevision: Number(a.metadata.resourceVersion) });
    store.create('configmaps', cm('b'));
    expect(seen).toEqual(['MODIFIED:a', 'DELETED:a', 'ADDED:b']);
  });

  it('answers Expired for a resourceVersion older than the kept history', () => {
    const store = new ObjectStore(clock);
    for (let i = 0; i < 2100; i++) store.create('configmaps', cm(`c${i}`));
    expect(() => store.watch('configmaps', () => {}, { sinceRevision: 2 })).toThrowError(expect.objectContaining({ reason: 'Expired' }) as unknown as Error);
  });

  it('a throwing listener neither blocks the write nor other listeners', () => {
    const store = new ObjectStore(clock);
    let seen = 0;
    store.watch('*', () => {
      throw new Error('boom');
    });
    store.watch('*', () => seen++);
    store.create('configmaps', cm('a'));
    expect(seen).toBe(1);
    expect(store.get('configmaps', 'default', 'a')).toBeDefined();
  });

  it('markDeleting sets deletionTimestamp once and later updates keep it', () => {
    const store = new ObjectStore(clock);
    store.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' } });
    const marked = store.markDeleting('namespaces', undefined, 'x')!;
    expect(marked.metadata.deletionTimestamp).toBe('2026-01-02T03:04:05Z');
    const updated = store.update('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'x' }, status: { phase: 'Terminating' } });
    expect(updated.metadata.deletionTimestamp).toBe('2026-01-02T03:04:05Z');
  });
});

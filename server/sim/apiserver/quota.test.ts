// Quota usage and the exceeded-quota message of plugin/pkg/admission/resourcequota.
import { afterEach, describe, expect, it } from 'vitest';
import { ObjectStore, type KubeObject } from '../store/object-store.ts';
import { ApiError } from './status.ts';
import { QuotaTracker, countName, parseQuantity, usageOf } from './quota.ts';

const cm = (name: string, ns = 'default', data: Record<string, string> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: ns }, data }) as KubeObject;
const quota = (name: string, hard: Record<string, string>, ns = 'default'): KubeObject => ({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name, namespace: ns }, spec: { hard } }) as KubeObject;

let trackers: QuotaTracker[] = [];
afterEach(() => {
  for (const t of trackers) t.stop();
  trackers = [];
});

function tracker(store: ObjectStore, budget = { maxObjects: 0, maxBytes: 0 }): QuotaTracker {
  const t = new QuotaTracker(store, budget);
  trackers.push(t);
  return t;
}

function refusal(fn: () => void): ApiError {
  try {
    fn();
  } catch (err) {
    return err as ApiError;
  }
  throw new Error('not refused');
}

describe('quota resource names and quantities', () => {
  it.each([
    ['configmaps', 'count/configmaps'],
    ['apps/deployments', 'count/deployments.apps'],
    ['networking.istio.io/virtualservices', 'count/virtualservices.networking.istio.io'],
  ])('%s → %s', (key, name) => expect(countName(key)).toBe(name));

  it.each([
    ['10', 10],
    ['1k', 1000],
    ['1Mi', 1048576],
    ['500m', 0.5],
    ['x', NaN],
  ])('%s = %d', (q, n) => expect(parseQuantity(q)).toBe(n));

  it('a pod that has finished no longer counts as a pod', () => {
    const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, status: { phase: 'Succeeded' } } as KubeObject;
    expect(usageOf('pods', pod).get('pods')).toBeUndefined();
    expect(usageOf('pods', { ...pod, status: { phase: 'Running' } } as KubeObject).get('pods')).toBe(1);
  });

  it('NodePort services count their node ports', () => {
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's', namespace: 'default' }, spec: { type: 'NodePort', ports: [{ port: 80 }, { port: 443 }] } } as KubeObject;
    expect(usageOf('services', svc).get('services.nodeports')).toBe(2);
  });
});

describe('QuotaTracker', () => {
  it('refuses the write that would pass a quota, in the real words', () => {
    const store = new ObjectStore();
    store.create('resourcequotas', quota('small', { configmaps: '2', 'count/secrets': '5' }));
    const t = tracker(store);
    store.create('configmaps', cm('a'));
    store.create('configmaps', cm('b'));
    const err = refusal(() => t.admit({ resourceKey: 'configmaps', group: '', resource: 'configmaps', object: cm('c') }));
    expect(err.code).toBe(403);
    expect(err.message).toBe('configmaps "c" is forbidden: exceeded quota: small, requested: configmaps=1, used: configmaps=2, limited: configmaps=2');
    // Another namespace has its own usage.
    expect(() => t.admit({ resourceKey: 'configmaps', group: '', resource: 'configmaps', object: cm('c', 'other') })).not.toThrow();
  });

  it('counts deletions back, and an update that does not grow passes', () => {
    const store = new ObjectStore();
    store.create('resourcequotas', quota('small', { 'count/configmaps': '1' }));
    const t = tracker(store);
    store.create('configmaps', cm('a'));
    expect(() => t.admit({ resourceKey: 'configmaps', group: '', resource: 'configmaps', object: cm('a', 'default', { k: 'v' }), old: cm('a') })).not.toThrow();
    store.delete('configmaps', 'default', 'a');
    expect(() => t.admit({ resourceKey: 'configmaps', group: '', resource: 'configmaps', object: cm('b') })).not.toThrow();
  });

  it('the cluster budget answers like a quota when there is none', () => {
    const store = new ObjectStore();
    const t = tracker(store, { maxObjects: 0, maxBytes: 1000 });
    store.create('configmaps', cm('a', 'default', { k: 'x'.repeat(900) }));
    const err = refusal(() => t.admit({ resourceKey: 'configmaps', group: '', resource: 'configmaps', object: cm('b', 'default', { k: 'x'.repeat(200) }) }));
    expect(err.code).toBe(403);
    expect(err.message).toMatch(/^configmaps "b" is forbidden: exceeded quota: meshlab-cluster-budget, requested: meshlab\.dev\/object-bytes=\d+, used: meshlab\.dev\/object-bytes=\d+, limited: meshlab\.dev\/object-bytes=1000$/);
  });

  it('writes hard and used into the quota status, as the quota controller does', async () => {
    const store = new ObjectStore();
    tracker(store);
    store.create('resourcequotas', quota('q', { 'count/configmaps': '10', configmaps: '10' }));
    store.create('configmaps', cm('a'));
    await new Promise((r) => setImmediate(r));
    expect(store.get('resourcequotas', 'default', 'q')?.status).toEqual({ hard: { 'count/configmaps': '10', configmaps: '10' }, used: { 'count/configmaps': '1', configmaps: '1' } });
  });
});

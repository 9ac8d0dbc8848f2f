// Objects the API server would normally refuse, written straight into the store: the controllers
// must neither throw nor spin, and keep serving well-formed objects afterwards.
import { afterEach, describe, expect, it } from 'vitest';
import { ObjectStore, type KubeObject } from '../store/object-store.ts';
import { ControllerManager } from './controller-manager.ts';
import { podDefaultsAdmission } from './pod-defaults.ts';
import { sidecarInjectionAdmission } from './sidecar-injection.ts';

type Obj = Record<string, any>;

const managers: ControllerManager[] = [];
afterEach(async () => {
  for (const m of managers.splice(0)) await m.stop();
});

const weird: unknown[] = [null, 0, -1, Number.POSITIVE_INFINITY, 'x', [], [null], {}, { a: { b: null } }, true, NaN];

function* hostileObjects(): Generator<[string, KubeObject]> {
  let i = 0;
  for (const w of weird) {
    i++;
    yield ['apps/deployments', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: `d${i}`, namespace: 'demo' }, spec: { replicas: w, selector: w, template: w } } as KubeObject];
    yield ['apps/deployments', { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: `e${i}`, namespace: 'demo' }, spec: { replicas: 1, selector: { matchLabels: { a: 'b' } }, strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: w, maxUnavailable: w } }, template: { metadata: { labels: w }, spec: { containers: w, initContainers: w, volumes: w } } } } as KubeObject];
    yield ['apps/replicasets', { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: { name: `r${i}`, namespace: 'demo' }, spec: { replicas: 1, selector: w, template: { spec: { containers: [{ name: w, image: w, ports: w }] } } } } as KubeObject];
    yield ['pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: `p${i}`, namespace: 'demo', labels: { app: 'x' } }, spec: { containers: w, nodeSelector: w, hostNetwork: w }, status: w } as KubeObject];
    yield ['services', { apiVersion: 'v1', kind: 'Service', metadata: { name: `s${i}`, namespace: 'demo' }, spec: { selector: { app: 'x' }, ports: [{ port: 80, targetPort: w }, w] } } as KubeObject];
    yield ['services', { apiVersion: 'v1', kind: 'Service', metadata: { name: `t${i}`, namespace: 'demo' }, spec: { selector: w, ports: w, type: w } } as KubeObject];
  }
}

describe('controllers given objects no API server would accept', () => {
  it('stay up, settle, and still run a well-formed deployment', async () => {
    const store = new ObjectStore();
    const manager = new ControllerManager({ store, timing: { podScheduleMs: 0, podStartMs: 0, podReadyMs: 0 }, admission: [sidecarInjectionAdmission(), podDefaultsAdmission], caPem: 'CA' });
    managers.push(manager);
    manager.start();
    store.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo', labels: { 'istio-injection': 'enabled' } } });
    for (const [resource, obj] of hostileObjects()) store.create(resource, obj);
    await manager.idle();
    await new Promise((r) => setTimeout(r, 100));
    await manager.idle();
    // Settled: nothing keeps writing.
    const revision = store.currentRevision;
    await new Promise((r) => setTimeout(r, 100));
    expect(store.currentRevision).toBe(revision);
    expect(store.list('pods', 'demo').items.length).toBeLessThan(200);

    store.create('apps/deployments', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'good', namespace: 'demo' },
      spec: { replicas: 1, selector: { matchLabels: { app: 'good' } }, template: { metadata: { labels: { app: 'good' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } } },
    });
    for (let i = 0; i < 200; i++) {
      if ((store.get('apps/deployments', 'demo', 'good') as Obj).status?.availableReplicas === 1) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    expect((store.get('apps/deployments', 'demo', 'good') as Obj).status.availableReplicas).toBe(1);
  });
});

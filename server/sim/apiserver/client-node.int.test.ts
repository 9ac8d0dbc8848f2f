// @kubernetes/client-node 1.4 against the embedded API server: typed and generic clients,
// watch, log and exec.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PassThrough, Writable } from 'node:stream';
import * as k8s from '@kubernetes/client-node';
import type { ExecBackend } from '../exec/exec-backend.ts';
import { startTestApiServer, type TestApiServer } from './testing/server.ts';

const backend: ExecBackend = {
  async exec(req, io) {
    io.stdout(Buffer.from(`${req.command.join(' ')}\n`));
    return { kind: 'exited', exitCode: req.command.includes('fail') ? 2 : 0 };
  },
};

let t: TestApiServer;
let kc: k8s.KubeConfig;
let core: k8s.CoreV1Api;

beforeAll(async () => {
  t = await startTestApiServer({ exec: backend });
  kc = new k8s.KubeConfig();
  kc.loadFromString(t.api.kubeconfig());
  core = kc.makeApiClient(k8s.CoreV1Api);
  t.store.create('pods', {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'worker', namespace: 'default', labels: { app: 'worker' } },
    spec: { nodeName: 'meshlab-control-plane', containers: [{ name: 'main', image: 'busybox' }] },
    status: { phase: 'Running', containerStatuses: [{ name: 'main', ready: true, restartCount: 0, image: 'busybox', imageID: '', state: { running: { startedAt: '2026-01-01T00:00:00Z' } } }] },
  });
});

afterAll(async () => {
  await t?.close();
});

function collect(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _enc, cb) {
      text += chunk.toString();
      cb();
    },
  });
  return { stream, text: () => text };
}

describe('client-node', () => {
  it('create, read, list, patch, delete a ConfigMap', async () => {
    const created = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'cfg', labels: { tier: 'web' } }, data: { a: '1' } } });
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    const read = await core.readNamespacedConfigMap({ name: 'cfg', namespace: 'default' });
    expect(read.data).toEqual({ a: '1' });
    const list = await core.listNamespacedConfigMap({ namespace: 'default', labelSelector: 'tier=web' });
    expect(list.items.map((i) => i.metadata?.name)).toEqual(['cfg']);
    const patched = await core.patchNamespacedConfigMap({ name: 'cfg', namespace: 'default', body: { data: { b: '2' } } }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch));
    expect(patched.data).toEqual({ a: '1', b: '2' });
    const jsonPatched = await core.patchNamespacedConfigMap({ name: 'cfg', namespace: 'default', body: [{ op: 'remove', path: '/data/a' }] }, k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.JsonPatch));
    expect(jsonPatched.data).toEqual({ b: '2' });
    await core.deleteNamespacedConfigMap({ name: 'cfg', namespace: 'default' });
    await expect(core.readNamespacedConfigMap({ name: 'cfg', namespace: 'default' })).rejects.toMatchObject({ code: 404 });
  });

  it('the generic object API reads Istio kinds', async () => {
    const objects = k8s.KubernetesObjectApi.makeApiClient(kc);
    await objects.create({ apiVersion: 'networking.istio.io/v1', kind: 'DestinationRule', metadata: { name: 'dr', namespace: 'default' }, spec: { host: 'reviews' } } as k8s.KubernetesObject);
    const read = (await objects.read({ apiVersion: 'networking.istio.io/v1beta1', kind: 'DestinationRule', metadata: { name: 'dr', namespace: 'default' } })) as k8s.KubernetesObject & { spec: { host: string } };
    expect(read.apiVersion).toBe('networking.istio.io/v1beta1');
    expect(read.spec.host).toBe('reviews');
  });

  it('watch delivers ADDED and DELETED', async () => {
    const events: string[] = [];
    const watch = new k8s.Watch(kc);
    const done = new Promise<void>((resolve) => {
      void watch
        .watch('/api/v1/namespaces/default/configmaps', {}, (type, obj) => {
          events.push(`${type} ${obj.metadata.name}`);
          if (type === 'DELETED') resolve();
        }, () => resolve())
        .then(async (req) => {
          await new Promise((r) => setTimeout(r, 200));
          await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'w1' } } });
          await core.deleteNamespacedConfigMap({ name: 'w1', namespace: 'default' });
          await done;
          req.abort();
        });
    });
    await done;
    expect(events).toEqual(['ADDED w1', 'DELETED w1']);
  });

  it('log reads a container log', async () => {
    t.logs.append('default', 'worker', 'main', 'hello\nworld');
    const out = collect();
    const log = new k8s.Log(kc);
    await log.log('default', 'worker', 'main', out.stream, { tailLines: 1 });
    for (let i = 0; i < 50 && out.text() === ''; i++) await new Promise((r) => setTimeout(r, 20));
    expect(out.text()).toBe('world\n');
  });

  it('exec runs through the backend with a status', async () => {
    const out = collect();
    const statuses: k8s.V1Status[] = [];
    const exec = new k8s.Exec(kc);
    await new Promise<void>((resolve, reject) => {
      exec
        .exec('default', 'worker', 'main', ['sh', '-c', 'fail'], out.stream, new PassThrough(), null, false, (s) => {
          statuses.push(s);
          resolve();
        })
        .catch(reject);
    });
    expect(out.text()).toBe('sh -c fail\n');
    expect(statuses[0]).toMatchObject({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '2' }] } });
  });
});

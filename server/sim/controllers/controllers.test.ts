import { afterEach, describe, expect, it } from 'vitest';
import { ObjectStore, type KubeObject } from '../store/object-store.ts';
import { ControllerManager } from './controller-manager.ts';
import { podDefaultsAdmission } from './pod-defaults.ts';
import { sidecarInjectionAdmission } from './sidecar-injection.ts';
import { stageOf } from './pod-lifecycle.ts';

type Obj = Record<string, any>;

const managers: ControllerManager[] = [];
afterEach(async () => {
  for (const m of managers.splice(0)) await m.stop();
});

function setup(runtime?: { startPod(p: KubeObject): Promise<void>; stopPod(p: KubeObject): Promise<void> }) {
  const store = new ObjectStore();
  const manager = new ControllerManager({
    store,
    timing: { podScheduleMs: 0, podStartMs: 0, podReadyMs: 0 },
    admission: [sidecarInjectionAdmission(), podDefaultsAdmission],
    caPem: 'CA',
    podRuntime: runtime,
  });
  managers.push(manager);
  manager.start();
  return { store, manager };
}

async function until<T>(what: string, fn: () => T | undefined | false, timeoutMs = 3000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function namespace(name: string, labels?: Record<string, string>): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } };
}

function deployment(name: string, replicas: number, image = 'docker.io/kennethreitz/httpbin'): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'demo' },
    spec: {
      replicas,
      selector: { matchLabels: { app: name, version: 'v1' } },
      template: {
        metadata: { labels: { app: name, version: 'v1' } },
        spec: { containers: [{ name, image, ports: [{ containerPort: 80, name: 'http' }] }] },
      },
    },
  };
}

describe('controllers', () => {
  it('give a new namespace its default ServiceAccount and kube-root-ca.crt', async () => {
    const { store } = setup();
    store.create('namespaces', namespace('demo'));
    await until('service account', () => store.get('serviceaccounts', 'demo', 'default'));
    const cm = await until('configmap', () => store.get('configmaps', 'demo', 'kube-root-ca.crt'));
    expect((cm as Obj).data).toEqual({ 'ca.crt': 'CA' });
  });

  it('roll a deployment out to ready pods, with status a rollout waits for', async () => {
    const started: string[] = [];
    const { store } = setup({ async startPod(p) { started.push(p.metadata.name); }, async stopPod() {} });
    store.create('namespaces', namespace('demo'));
    store.create('apps/deployments', deployment('httpbin', 2));
    const d = await until('available deployment', () => {
      const d = store.get('apps/deployments', 'demo', 'httpbin') as Obj | undefined;
      return d?.status?.availableReplicas === 2 && d.status.conditions?.find((c: Obj) => c.type === 'Progressing')?.reason === 'NewReplicaSetAvailable' ? d : undefined;
    });
    expect(d.status).toMatchObject({ observedGeneration: 1, replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2 });
    expect(d.status.conditions.map((c: Obj) => [c.type, c.status, c.reason])).toEqual([
      ['Available', 'True', 'MinimumReplicasAvailable'],
      ['Progressing', 'True', 'NewReplicaSetAvailable'],
    ]);
    const [rs] = store.list('apps/replicasets', 'demo').items as Obj[];
    expect(rs!.metadata.name).toMatch(/^httpbin-[bcdfghjklmnpqrstvwxz2456789]{8,10}$/);
    expect(rs!.metadata.ownerReferences[0]).toMatchObject({ kind: 'Deployment', name: 'httpbin', controller: true });
    expect(rs!.spec.selector.matchLabels['pod-template-hash']).toBe(rs!.metadata.name.slice('httpbin-'.length));
    const pods = store.list('pods', 'demo').items as Obj[];
    expect(pods).toHaveLength(2);
    for (const p of pods) {
      expect(p.metadata.name).toMatch(new RegExp(`^${rs!.metadata.name}-[bcdfghjklmnpqrstvwxz2456789]{5}$`));
      expect(p.spec.nodeName).toBe('meshlab-control-plane');
      expect(p.status.phase).toBe('Running');
      expect(p.status.podIP).toMatch(/^10\.244\.\d+\.\d+$/);
      expect(p.status.conditions.map((c: Obj) => `${c.type}=${c.status}`)).toEqual([
        'PodReadyToStartContainers=True', 'Initialized=True', 'Ready=True', 'ContainersReady=True', 'PodScheduled=True',
      ]);
      expect(p.status.containerStatuses[0]).toMatchObject({ name: 'httpbin', ready: true, started: true, image: 'docker.io/kennethreitz/httpbin:latest' });
      expect(p.status.containerStatuses[0].containerID).toMatch(/^containerd:\/\/[0-9a-f]{64}$/);
    }
    expect(new Set(pods.map((p) => p.status.podIP)).size).toBe(2);
    expect(started.sort()).toEqual(pods.map((p) => p.metadata.name).sort());
    const reasons = (store.list('events', 'demo').items as Obj[]).map((e) => e.reason);
    for (const r of ['ScalingReplicaSet', 'SuccessfulCreate', 'Scheduled', 'Pulling', 'Pulled', 'Created', 'Started']) expect(reasons).toContain(r);
    const scaling = (store.list('events', 'demo').items as Obj[]).find((e) => e.reason === 'ScalingReplicaSet');
    expect(scaling!.message).toBe(`Scaled up replica set ${rs!.metadata.name} from 0 to 2`);
  });

  it('inject a native sidecar in a labelled namespace (2/2 containers)', async () => {
    const { store } = setup();
    store.create('namespaces', namespace('demo', { 'istio-injection': 'enabled' }));
    store.create('apps/deployments', deployment('httpbin', 1));
    const pod = await until('ready pod', () => (store.list('pods', 'demo').items as Obj[]).find((p) => stageOf(p as KubeObject) === 'ready'));
    expect(pod.spec.initContainers.map((c: Obj) => c.name)).toEqual(['istio-init', 'istio-proxy']);
    expect(pod.spec.containers.map((c: Obj) => c.name)).toEqual(['httpbin']);
    expect(pod.metadata.annotations['kubectl.kubernetes.io/default-container']).toBe('httpbin');
    expect(pod.status.initContainerStatuses.map((s: Obj) => Object.keys(s.state)[0])).toEqual(['terminated', 'running']);
  });

  it('roll out a new template: new ReplicaSet up, old one down to 0', async () => {
    const { store } = setup();
    store.create('namespaces', namespace('demo'));
    store.create('apps/deployments', deployment('web', 1, 'nginx:1.25'));
    await until('first rollout', () => (store.get('apps/deployments', 'demo', 'web') as Obj)?.status?.availableReplicas === 1);
    store.mutate('apps/deployments', 'demo', 'web', (d: Obj) => {
      d.spec.template.spec.containers[0].image = 'nginx:1.27';
    });
    const d = await until('second rollout', () => {
      const d = store.get('apps/deployments', 'demo', 'web') as Obj;
      return d.status.observedGeneration === 2 && d.status.updatedReplicas === 1 && d.status.replicas === 1 && d.status.availableReplicas === 1 ? d : undefined;
    });
    expect(d.metadata.annotations['deployment.kubernetes.io/revision']).toBe('2');
    const rss = store.list('apps/replicasets', 'demo').items as Obj[];
    expect(rss).toHaveLength(2);
    expect(rss.map((r) => r.spec.replicas).sort()).toEqual([0, 1]);
    await until('old pod gone', () => store.list('pods', 'demo').items.length === 1);
  });

  it('keep Endpoints and EndpointSlices on ready pods, named target ports resolved', async () => {
    const { store } = setup();
    store.create('namespaces', namespace('demo'));
    store.create('services', {
      apiVersion: 'v1', kind: 'Service', metadata: { name: 'httpbin', namespace: 'demo', labels: { app: 'httpbin' } },
      spec: { selector: { app: 'httpbin' }, ports: [{ name: 'http', port: 8000, targetPort: 'http', protocol: 'TCP' }] },
    });
    store.create('apps/deployments', deployment('httpbin', 1));
    const ep = await until('endpoints', () => (store.get('endpoints', 'demo', 'httpbin') as Obj)?.subsets?.[0]?.addresses ? store.get('endpoints', 'demo', 'httpbin') as Obj : undefined);
    expect(ep.subsets[0].ports).toEqual([{ name: 'http', port: 80, protocol: 'TCP' }]);
    const [slice] = store.list('discovery.k8s.io/endpointslices', 'demo').items as Obj[];
    expect(slice!.metadata.labels['kubernetes.io/service-name']).toBe('httpbin');
    expect(slice!.endpoints[0].conditions).toEqual({ ready: true, serving: true, terminating: false });
    expect(slice!.ports).toEqual([{ name: 'http', port: 80, protocol: 'TCP' }]);
  });

  it('delete a Terminating namespace after its contents', async () => {
    const stopped: string[] = [];
    const { store } = setup({ async startPod() {}, async stopPod(p) { stopped.push(p.metadata.name); } });
    store.create('namespaces', namespace('demo'));
    store.create('apps/deployments', deployment('httpbin', 1));
    await until('ready', () => (store.get('apps/deployments', 'demo', 'httpbin') as Obj)?.status?.availableReplicas === 1);
    store.markDeleting('namespaces', undefined, 'demo');
    await until('namespace gone', () => !store.get('namespaces', undefined, 'demo'));
    for (const r of ['pods', 'apps/deployments', 'apps/replicasets', 'configmaps', 'serviceaccounts', 'events']) {
      expect(store.list(r, 'demo').items, r).toEqual([]);
    }
    expect(stopped).toHaveLength(1);
  });

  it('collect a deleted deployment’s replicasets and pods', async () => {
    const { store } = setup();
    store.create('namespaces', namespace('demo'));
    store.create('apps/deployments', deployment('httpbin', 2));
    await until('ready', () => (store.get('apps/deployments', 'demo', 'httpbin') as Obj)?.status?.availableReplicas === 2);
    store.delete('apps/deployments', 'demo', 'httpbin');
    await until('all gone', () => store.list('apps/replicasets', 'demo').items.length === 0 && store.list('pods', 'demo').items.length === 0);
  });

  it('scale a deployment down and up', async () => {
    const { store } = setup();
    store.create('namespaces', namespace('demo'));
    store.create('apps/deployments', deployment('httpbin', 3));
    await until('3 ready', () => (store.get('apps/deployments', 'demo', 'httpbin') as Obj)?.status?.availableReplicas === 3);
    store.mutate('apps/deployments', 'demo', 'httpbin', (d: Obj) => { d.spec.replicas = 1; });
    await until('1 pod', () => store.list('pods', 'demo').items.length === 1 && (store.get('apps/deployments', 'demo', 'httpbin') as Obj).status.replicas === 1);
    const msgs = (store.list('events', 'demo').items as Obj[]).filter((e) => e.reason === 'ScalingReplicaSet').map((e) => e.message);
    expect(msgs.some((m) => / from 3 to 1$/.test(m) && m.startsWith('Scaled down replica set httpbin-'))).toBe(true);
  });

  it('bound a runaway deployment: at most 500 pods, 110 on the node, the rest Pending with the scheduler’s reason', async () => {
    const { store, manager } = setup();
    store.create('namespaces', namespace('demo'));
    store.create('apps/deployments', deployment('many', 600));
    await until('pods created', () => store.list('pods', 'demo').items.length === 500, 20_000);
    await until('node full', () => (store.list('pods', 'demo').items as Obj[]).filter((p) => p.spec.nodeName).length === 110, 20_000);
    await manager.idle();
    const pending = (store.list('pods', 'demo').items as Obj[]).filter((p) => !p.spec.nodeName);
    expect(pending).toHaveLength(390);
    expect(pending[0]!.status.conditions[0]).toMatchObject({ type: 'PodScheduled', status: 'False', reason: 'Unschedulable' });
    const events = store.list('events', 'demo').items as Obj[];
    expect(events.some((e) => e.reason === 'FailedCreate' && /at most 500 pods/.test(e.message))).toBe(true);
    expect(events.some((e) => e.reason === 'FailedScheduling' && e.message.startsWith('0/1 nodes are available: 1 Too many pods.'))).toBe(true);
    // Room on the node lets a waiting pod in.
    const running = (store.list('pods', 'demo').items as Obj[]).find((p) => p.spec.nodeName)!;
    store.delete('pods', 'demo', running.metadata.name);
    await until('a waiting pod scheduled', () => (store.list('pods', 'demo').items as Obj[]).filter((p) => p.spec.nodeName).length === 110, 20_000);
  }, 60_000);

  it('treat nonsense replica counts as zero', async () => {
    const { store, manager } = setup();
    store.create('namespaces', namespace('demo'));
    const d = deployment('odd', 1) as Obj;
    d.spec.replicas = -3;
    store.create('apps/deployments', d as KubeObject);
    await manager.idle();
    await new Promise((r) => setTimeout(r, 50));
    await manager.idle();
    expect(store.list('pods', 'demo').items).toEqual([]);
  });

  it('roll back to an earlier template: its ReplicaSet becomes the newest revision', async () => {
    const { store } = setup();
    store.create('namespaces', namespace('demo'));
    store.create('apps/deployments', deployment('web', 1, 'nginx:1.25'));
    const image = (img: string) => store.mutate('apps/deployments', 'demo', 'web', (d: Obj) => { d.spec.template.spec.containers[0].image = img; });
    const settled = (gen: number) => until(`generation ${gen}`, () => {
      const d = store.get('apps/deployments', 'demo', 'web') as Obj;
      return d.status?.observedGeneration === gen && d.status.updatedReplicas === 1 && d.status.replicas === 1 && d.status.availableReplicas === 1;
    });
    await settled(1);
    image('nginx:1.27');
    await settled(2);
    image('nginx:1.25');
    await settled(3);
    const rss = (store.list('apps/replicasets', 'demo').items as Obj[]).map((r) => [r.spec.template.spec.containers[0].image, r.metadata.annotations['deployment.kubernetes.io/revision'], r.metadata.annotations['deployment.kubernetes.io/revision-history']]);
    expect(rss.sort()).toEqual([['nginx:1.25', '3', '1'], ['nginx:1.27', '2', undefined]]);
    expect((store.get('apps/deployments', 'demo', 'web') as Obj).metadata.annotations['deployment.kubernetes.io/revision']).toBe('3');
  });

  it('keep only revisionHistoryLimit old ReplicaSets', async () => {
    const { store } = setup();
    store.create('namespaces', namespace('demo'));
    const d = deployment('web', 1, 'nginx:1.0') as Obj;
    d.spec.revisionHistoryLimit = 1;
    store.create('apps/deployments', d as KubeObject);
    for (let i = 1; i <= 3; i++) {
      await until(`rollout ${i}`, () => (store.get('apps/deployments', 'demo', 'web') as Obj).status?.conditions?.find((c: Obj) => c.type === 'Progressing')?.reason === 'NewReplicaSetAvailable' && (store.get('apps/deployments', 'demo', 'web') as Obj).status.observedGeneration === i);
      store.mutate('apps/deployments', 'demo', 'web', (x: Obj) => { x.spec.template.spec.containers[0].image = `nginx:1.${i}`; });
    }
    await until('old ones pruned', () => store.list('apps/replicasets', 'demo').items.length === 2);
  });

  it('mark a paused deployment as such', async () => {
    const { store } = setup();
    store.create('namespaces', namespace('demo'));
    const d = deployment('web', 1) as Obj;
    d.spec.paused = true;
    store.create('apps/deployments', d as KubeObject);
    const got = await until('paused condition', () => (store.get('apps/deployments', 'demo', 'web') as Obj).status?.conditions?.find((c: Obj) => c.type === 'Progressing'));
    expect(got).toMatchObject({ status: 'Unknown', reason: 'DeploymentPaused', message: 'Deployment is paused' });
    expect(store.list('apps/replicasets', 'demo').items).toEqual([]);
  });
});

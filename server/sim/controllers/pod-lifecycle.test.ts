// The pod lifecycle as data: with a manual clock, a pod's state at each moment after creation.
import { afterEach, describe, expect, it } from 'vitest';
import { ObjectStore, type KubeObject } from '../store/object-store.ts';
import { ControllerManager } from './controller-manager.ts';
import { podDefaultsAdmission } from './pod-defaults.ts';
import { stageOf, type PodStage } from './pod-lifecycle.ts';
import { sidecarInjectionAdmission } from './sidecar-injection.ts';
import { ManualTimers } from './timers.ts';

type Obj = Record<string, any>;

const managers: ControllerManager[] = [];
afterEach(async () => {
  for (const m of managers.splice(0)) await m.stop();
});

function start(runtime?: { startPod(p: KubeObject): Promise<void>; stopPod(p: KubeObject): Promise<void> }) {
  const timers = new ManualTimers(new Date('2026-03-01T10:00:00Z'));
  const store = new ObjectStore(timers);
  const manager = new ControllerManager({
    store,
    timers,
    timing: { podScheduleMs: 50, podStartMs: 160, podReadyMs: 100 },
    admission: [sidecarInjectionAdmission(), podDefaultsAdmission],
    podRuntime: runtime,
  });
  managers.push(manager);
  manager.start();
  const settle = async () => {
    for (let i = 0; i < 8; i++) {
      timers.advance(0);
      await manager.idle();
      await new Promise((r) => setImmediate(r));
    }
  };
  // Steps of 10 ms: each stage schedules the next only after its own (async) write settled.
  const advance = async (ms: number) => {
    await settle();
    for (let left = ms; left > 0; left -= 10) {
      timers.advance(Math.min(10, left));
      await settle();
    }
  };
  return { timers, store, manager, advance, settle };
}

/** What `kubectl get pods` would show in STATUS and READY (printers.go rules). */
function summary(pod: Obj): { stage: PodStage; status: string; ready: string } {
  const st = pod.status ?? {};
  const init = pod.spec.initContainers ?? [];
  const total = pod.spec.containers.length + init.filter((c: Obj) => c.restartPolicy === 'Always').length;
  let ready = 0;
  let reason: string = st.reason ?? st.phase;
  let initializing = false;
  (st.initContainerStatuses ?? []).forEach((c: Obj, i: number) => {
    if (initializing) return;
    const sidecar = init[i]?.restartPolicy === 'Always';
    if (c.state?.terminated?.exitCode === 0) return;
    if (sidecar && c.started) {
      if (c.ready) ready++;
      return;
    }
    initializing = true;
    reason = c.state?.waiting?.reason && c.state.waiting.reason !== 'PodInitializing' ? `Init:${c.state.waiting.reason}` : `Init:${i}/${init.length}`;
  });
  if (!initializing) {
    for (const c of st.containerStatuses ?? []) {
      if (c.state?.waiting?.reason) reason = c.state.waiting.reason;
      if (c.ready && c.state?.running) ready++;
    }
  }
  return { stage: stageOf(pod as KubeObject), status: reason, ready: `${ready}/${total}` };
}

function bare(name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'demo' }, spec: { containers: [{ name: 'app', image: 'nginx' }] }, status: { phase: 'Pending' } };
}

describe('pod lifecycle (schedule 50 ms, start 160 ms, ready 100 ms)', () => {
  const timeline: { name: string; injected: boolean; at: { ms: number; want: { stage: PodStage; status: string; ready: string } }[] }[] = [
    {
      name: 'a plain pod',
      injected: false,
      at: [
        { ms: 0, want: { stage: 'unscheduled', status: 'Pending', ready: '0/1' } },
        { ms: 40, want: { stage: 'unscheduled', status: 'Pending', ready: '0/1' } },
        { ms: 50, want: { stage: 'creating', status: 'ContainerCreating', ready: '0/1' } },
        { ms: 200, want: { stage: 'creating', status: 'ContainerCreating', ready: '0/1' } },
        { ms: 210, want: { stage: 'running', status: 'Running', ready: '0/1' } },
        { ms: 300, want: { stage: 'running', status: 'Running', ready: '0/1' } },
        { ms: 310, want: { stage: 'ready', status: 'Running', ready: '1/1' } },
      ],
    },
    {
      name: 'an injected pod (native sidecar)',
      injected: true,
      at: [
        { ms: 0, want: { stage: 'unscheduled', status: 'Pending', ready: '0/2' } },
        { ms: 50, want: { stage: 'creating', status: 'Init:0/2', ready: '0/2' } },
        { ms: 120, want: { stage: 'creating', status: 'Init:0/2', ready: '0/2' } },
        // istio-init done, istio-proxy up: what `kubectl get pods` shows on a real cluster.
        { ms: 130, want: { stage: 'initializing', status: 'PodInitializing', ready: '1/2' } },
        { ms: 210, want: { stage: 'running', status: 'Running', ready: '1/2' } },
        { ms: 310, want: { stage: 'ready', status: 'Running', ready: '2/2' } },
      ],
    },
  ];
  for (const t of timeline) {
    it(t.name, async () => {
      const { store, advance, settle } = start();
      store.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo', labels: t.injected ? { 'istio-injection': 'enabled' } : {} } });
      store.create('apps/replicasets', {
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        metadata: { name: 'web-5d8f7c9b4d', namespace: 'demo' },
        spec: { replicas: 1, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'nginx' }] } } },
      });
      await settle();
      let elapsed = 0;
      for (const step of t.at) {
        await advance(step.ms - elapsed);
        elapsed = step.ms;
        const [pod] = store.list('pods', 'demo').items as Obj[];
        expect(summary(pod!), `at ${step.ms} ms`).toEqual(step.want);
      }
    });
  }

  it('marks a pod Ready only after the runtime has started it', async () => {
    let release!: () => void;
    const started = new Promise<void>((r) => (release = r));
    const { store, advance } = start({ startPod: () => started, async stopPod() {} });
    store.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo' } });
    store.create('pods', bare('slow'));
    await advance(1000);
    expect(summary(store.get('pods', 'demo', 'slow') as Obj).stage).toBe('running');
    release();
    await advance(0);
    expect(summary(store.get('pods', 'demo', 'slow') as Obj)).toEqual({ stage: 'ready', status: 'Running', ready: '1/1' });
  });

  it('keeps a pod Running but not Ready when the runtime cannot start it, with a Warning event', async () => {
    const { store, advance } = start({ startPod: async () => Promise.reject(new Error('no such image')), async stopPod() {} });
    store.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo' } });
    store.create('pods', bare('broken'));
    await advance(2000);
    expect(summary(store.get('pods', 'demo', 'broken') as Obj).ready).toBe('0/1');
    expect((store.list('events', 'demo').items as Obj[]).some((e) => e.type === 'Warning' && e.message === 'Error: no such image')).toBe(true);
  });

  it('stops a gracefully deleted pod, then removes it', async () => {
    const stopped: string[] = [];
    const { store, advance } = start({ async startPod() {}, async stopPod(p) { stopped.push(p.metadata.name); } });
    store.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo' } });
    store.create('pods', bare('web'));
    await advance(300);
    store.markDeleting('pods', 'demo', 'web');
    await advance(0);
    expect(store.get('pods', 'demo', 'web')).toBeUndefined();
    expect(stopped).toEqual(['web']);
    await advance(0);
    const killing = (store.list('events', 'demo').items as Obj[]).filter((e) => e.reason === 'Killing');
    expect(killing.map((e) => [e.message, e.involvedObject.fieldPath])).toEqual([['Stopping container app', 'spec.containers{app}']]);
  });

  it('gives every pod its own IP from 10.244.0.0/16 and reuses none while in use', async () => {
    const { store, advance } = start();
    store.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo' } });
    for (let i = 0; i < 30; i++) store.create('pods', bare(`p${i}`));
    await advance(300);
    const ips = (store.list('pods', 'demo').items as Obj[]).map((p) => p.status.podIP);
    expect(ips.every((ip) => /^10\.244\.\d+\.\d+$/.test(ip))).toBe(true);
    expect(new Set(ips).size).toBe(30);
  });

  const unschedulable: { name: string; spec: Record<string, unknown>; want: string }[] = [
    { name: 'a nodeSelector no node matches', spec: { nodeSelector: { disktype: 'ssd' } }, want: "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector." },
  ];
  for (const c of unschedulable) {
    it(`leaves Pending, with the scheduler's reason: ${c.name}`, async () => {
      const { store, advance } = start();
      store.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo' } });
      store.create('nodes', { apiVersion: 'v1', kind: 'Node', metadata: { name: 'meshlab-control-plane', labels: { 'kubernetes.io/os': 'linux' } } });
      const p = bare('picky') as Obj;
      Object.assign(p.spec, c.spec);
      store.create('pods', p as KubeObject);
      await advance(500);
      const pod = store.get('pods', 'demo', 'picky') as Obj;
      expect(summary(pod).stage).toBe('unschedulable');
      expect(pod.status.conditions[0].message.startsWith(c.want)).toBe(true);
      expect((store.list('events', 'demo').items as Obj[]).some((e) => e.reason === 'FailedScheduling' && e.type === 'Warning')).toBe(true);
    });
  }

  it('leaves a pod bound to another node alone (no kubelet there)', async () => {
    const { store, advance } = start();
    store.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo' } });
    const p = bare('elsewhere') as Obj;
    p.spec.nodeName = 'worker-7';
    store.create('pods', p as KubeObject);
    await advance(500);
    expect((store.get('pods', 'demo', 'elsewhere') as Obj).status).toEqual({ phase: 'Pending' });
  });
});

// The pod statuses a scheduler and a 1.35 kubelet write, one function per stage of a pod's
// start-up. Pure functions of (pod, time, facts), so the stages can be tested as data.
import { createHash } from 'node:crypto';
import type { KubeObject } from '../store/object-store.ts';

type Obj = Record<string, unknown>;

export const NODE_NAME = 'meshlab-control-plane';
/** kind's node address on its docker network. */
export const NODE_IP = '172.18.0.2';

export function timestamp(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The image reference a container runtime reports: registry and tag made explicit. */
export function normalizeImage(image: string): string {
  let ref = image;
  const firstSlash = ref.indexOf('/');
  const first = firstSlash < 0 ? '' : ref.slice(0, firstSlash);
  if (firstSlash < 0) ref = `docker.io/library/${ref}`;
  else if (!first.includes('.') && !first.includes(':') && first !== 'localhost') ref = `docker.io/${ref}`;
  const last = ref.slice(ref.lastIndexOf('/') + 1);
  if (!last.includes(':') && !ref.includes('@')) ref = `${ref}:latest`;
  return ref;
}

/** A stable digest per image name, so the same image has the same imageID everywhere. */
export function imageIdOf(image: string): string {
  const normalized = normalizeImage(image);
  const repo = normalized.replace(/@.*$/, '').replace(/:[^/:]+$/, '');
  return `${repo}@sha256:${createHash('sha256').update(normalized).digest('hex')}`;
}

export interface ContainerSpec {
  name: string;
  image: string;
  restartPolicy?: string;
}

export function containersOf(pod: KubeObject): { init: ContainerSpec[]; main: ContainerSpec[] } {
  const spec = (pod.spec ?? {}) as Obj;
  const list = (v: unknown) => (Array.isArray(v) ? (v as ContainerSpec[]).filter((c) => c && typeof c.name === 'string') : []);
  return { init: list(spec.initContainers), main: list(spec.containers) };
}

export function isSidecar(c: ContainerSpec): boolean {
  return c.restartPolicy === 'Always';
}

function condition(type: string, status: boolean, at: string, observedGeneration: number | undefined, reason?: string, message?: string): Obj {
  const c: Obj = { lastProbeTime: null, lastTransitionTime: at };
  if (message) c.message = message;
  if (observedGeneration !== undefined) c.observedGeneration = observedGeneration;
  if (reason) c.reason = reason;
  c.status = status ? 'True' : 'False';
  c.type = type;
  return c;
}

function qosClass(pod: KubeObject): string {
  const spec = (pod.spec ?? {}) as Obj;
  const all = [...((spec.containers as Obj[]) ?? []), ...((spec.initContainers as Obj[]) ?? [])];
  let any = false;
  let guaranteed = all.length > 0;
  for (const c of all) {
    const r = (c.resources ?? {}) as { requests?: Obj; limits?: Obj };
    const req = r.requests ?? {};
    const lim = r.limits ?? {};
    if (Object.keys(req).length || Object.keys(lim).length) any = true;
    for (const k of ['cpu', 'memory']) {
      const l = lim[k];
      const q = req[k] ?? l;
      if (l === undefined || q !== l) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}

/** Pending, unscheduled: what the API server stores on create. */
export function pendingStatus(pod: KubeObject): Obj {
  return { phase: 'Pending', qosClass: qosClass(pod) };
}

/** After binding: the scheduler's PodScheduled condition. */
export function scheduledStatus(pod: KubeObject, now: Date): Obj {
  const at = timestamp(now);
  return { ...pendingStatus(pod), conditions: [condition('PodScheduled', true, at, pod.metadata.generation)] };
}

function waitingStatus(c: ContainerSpec, reason: string, init: boolean): Obj {
  const s: Obj = {
    image: normalizeImage(c.image),
    imageID: '',
    lastState: {},
    name: c.name,
    ready: false,
    restartCount: 0,
    started: false,
    state: { waiting: { reason } },
  };
  if (init && isSidecar(c)) s.started = false;
  return s;
}

function names(list: ContainerSpec[]): string {
  return `[${list.map((c) => c.name).join(' ')}]`;
}

/** The kubelet accepted the pod: sandbox being created, containers waiting. */
export function creatingStatus(pod: KubeObject, now: Date, scheduledAt: string): Obj {
  const at = timestamp(now);
  const gen = pod.metadata.generation;
  const { init, main } = containersOf(pod);
  const conditions = [
    condition('PodReadyToStartContainers', false, at, gen),
    init.length
      ? condition('Initialized', false, at, gen, 'ContainersNotInitialized', `containers with incomplete status: ${names(init)}`)
      : condition('Initialized', true, at, gen),
    condition('Ready', false, at, gen, 'ContainersNotReady', `containers with unready status: ${names([...main, ...init.filter(isSidecar)])}`),
    condition('ContainersReady', false, at, gen, 'ContainersNotReady', `containers with unready status: ${names([...main, ...init.filter(isSidecar)])}`),
    condition('PodScheduled', true, scheduledAt, gen),
  ];
  const status: Obj = {
    conditions,
    containerStatuses: main.map((c) => waitingStatus(c, init.length ? 'PodInitializing' : 'ContainerCreating', false)),
    hostIP: NODE_IP,
    hostIPs: [{ ip: NODE_IP }],
    phase: 'Pending',
    qosClass: qosClass(pod),
    startTime: at,
  };
  if (init.length) status.initContainerStatuses = init.map((c, i) => waitingStatus(c, i === 0 ? 'PodInitializing' : 'PodInitializing', true));
  if (gen !== undefined) status.observedGeneration = gen;
  return status;
}

export interface RunningFacts {
  podIP: string;
  startedAt: string;
  /** containerd IDs by container name. */
  containerIds: Record<string, string>;
  ready: boolean;
  /** When Ready (and ContainersReady) last changed. */
  readyAt: string;
  initializedAt: string;
  sandboxAt: string;
  scheduledAt: string;
}

function runningContainer(c: ContainerSpec, facts: RunningFacts, ready: boolean): Obj {
  return {
    containerID: `containerd://${facts.containerIds[c.name] ?? ''}`,
    image: normalizeImage(c.image),
    imageID: imageIdOf(c.image),
    lastState: {},
    name: c.name,
    ready,
    restartCount: 0,
    started: true,
    state: { running: { startedAt: facts.startedAt } },
  };
}

function initStatuses(init: ContainerSpec[], facts: RunningFacts): Obj[] {
  return init.map((c) =>
    isSidecar(c)
      ? // A native sidecar is up (and passed its startup probe) before the app containers start.
        runningContainer(c, facts, true)
      : {
          containerID: `containerd://${facts.containerIds[c.name] ?? ''}`,
          image: normalizeImage(c.image),
          imageID: imageIdOf(c.image),
          lastState: {},
          name: c.name,
          ready: true,
          restartCount: 0,
          started: false,
          state: {
            terminated: {
              containerID: `containerd://${facts.containerIds[c.name] ?? ''}`,
              exitCode: 0,
              finishedAt: facts.initializedAt,
              reason: 'Completed',
              startedAt: facts.sandboxAt,
            },
          },
        },
  );
}

/**
 * Init containers done and native sidecars running, app containers still starting: kubectl
 * shows `PodInitializing` with the sidecars counted ready (`1/2`).
 */
export function initializedStatus(pod: KubeObject, facts: RunningFacts): Obj {
  const gen = pod.metadata.generation;
  const { init, main } = containersOf(pod);
  const status: Obj = {
    conditions: [
      condition('PodReadyToStartContainers', true, facts.sandboxAt, gen),
      condition('Initialized', true, facts.initializedAt, gen),
      condition('Ready', false, facts.initializedAt, gen, 'ContainersNotReady', `containers with unready status: ${names(main)}`),
      condition('ContainersReady', false, facts.initializedAt, gen, 'ContainersNotReady', `containers with unready status: ${names(main)}`),
      condition('PodScheduled', true, facts.scheduledAt, gen),
    ],
    containerStatuses: main.map((c) => waitingStatus(c, 'PodInitializing', false)),
    hostIP: NODE_IP,
    hostIPs: [{ ip: NODE_IP }],
    initContainerStatuses: initStatuses(init, facts),
    phase: 'Pending',
    podIP: facts.podIP,
    podIPs: [{ ip: facts.podIP }],
    qosClass: qosClass(pod),
    startTime: facts.sandboxAt,
  };
  if (gen !== undefined) status.observedGeneration = gen;
  return status;
}

/** Containers started; Ready once `facts.ready` (the runtime has them listening). */
export function runningStatus(pod: KubeObject, facts: RunningFacts): Obj {
  const gen = pod.metadata.generation;
  const { init, main } = containersOf(pod);
  const unready = facts.ready ? [] : main;
  const conditions = [
    condition('PodReadyToStartContainers', true, facts.sandboxAt, gen),
    condition('Initialized', true, facts.initializedAt, gen),
    facts.ready
      ? condition('Ready', true, facts.readyAt, gen)
      : condition('Ready', false, facts.readyAt, gen, 'ContainersNotReady', `containers with unready status: ${names(unready)}`),
    facts.ready
      ? condition('ContainersReady', true, facts.readyAt, gen)
      : condition('ContainersReady', false, facts.readyAt, gen, 'ContainersNotReady', `containers with unready status: ${names(unready)}`),
    condition('PodScheduled', true, facts.scheduledAt, gen),
  ];
  const status: Obj = {
    conditions,
    containerStatuses: main.map((c) => runningContainer(c, facts, facts.ready)),
    hostIP: NODE_IP,
    hostIPs: [{ ip: NODE_IP }],
    phase: 'Running',
    podIP: facts.podIP,
    podIPs: [{ ip: facts.podIP }],
    qosClass: qosClass(pod),
    startTime: facts.sandboxAt,
  };
  if (init.length) status.initContainerStatuses = initStatuses(init, facts);
  if (gen !== undefined) status.observedGeneration = gen;
  return status;
}

export function isPodReady(pod: KubeObject): boolean {
  const conditions = ((pod.status as Obj | undefined)?.conditions ?? []) as Obj[];
  return conditions.some((c) => c.type === 'Ready' && c.status === 'True');
}


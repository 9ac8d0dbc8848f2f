// The scheduler and the kubelet of the embedded cluster's single node. A pod's life is a list
// of stages (data below): each stage says when it applies (from the pod object alone), how long
// after the previous one it happens, and what it writes. One generic engine runs them, so
// reset, restarts and tests see the same behaviour.
import type { LogBook } from '../logs/log-book.ts';
import type { KubeObject, ObjectStore } from '../store/object-store.ts';
import type { EventRecorder } from './events.ts';
import { randomHex } from './names.ts';
import { PodIPAllocator } from './pod-ip-allocator.ts';
import type { PodRuntime } from './pod-runtime.ts';
import {
  NODE_IP,
  NODE_NAME,
  containersOf,
  creatingStatus,
  isPodReady,
  initializedStatus,
  runningStatus,
  scheduledStatus,
  timestamp,
  type RunningFacts,
} from './pod-status.ts';
import { podIPOf } from '../meta/pod.ts';
import type { Timers } from './timers.ts';
import { WorkQueue } from './work-queue.ts';
import type { Logger } from 'pino';
import { componentLogger, createLogger } from '../../util/logger.ts';

let logger: Logger | undefined;
/** A pod's runtime that fails to stop leaves processes behind: say so, and go on deleting the pod. */
function logStopFailure(err: unknown): void {
  (logger ??= componentLogger(createLogger(), 'controllers')).error({ err }, 'pod runtime failed to stop');
}

type Obj = Record<string, unknown>;

export interface LifecycleTiming {
  /** Creation → bound to the node (PodScheduled). */
  podScheduleMs: number;
  /** Bound → containers running (ContainerCreating meanwhile). */
  podStartMs: number;
  /** Running → Ready (after the runtime's startPod resolved). */
  podReadyMs: number;
}

export const defaultTiming: LifecycleTiming = { podScheduleMs: 50, podStartMs: 150, podReadyMs: 100 };

export type PodStage = 'unscheduled' | 'unschedulable' | 'scheduled' | 'creating' | 'initializing' | 'running' | 'ready' | 'terminating';

/** The node's pod capacity (kubelet maxPods default, as status.capacity.pods says). */
export const NODE_MAX_PODS = 110;

const TOO_MANY_PODS = '0/1 nodes are available: 1 Too many pods. preemption: 0/1 nodes are available: 1 No preemption victims found for incoming pod.';
const SELECTOR_MISMATCH = "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector. preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.";

/** Where a pod is in its life, read from the object only. */
export function stageOf(pod: KubeObject): PodStage {
  if (pod.metadata.deletionTimestamp) return 'terminating';
  const spec = (pod.spec ?? {}) as Obj;
  const status = (pod.status ?? {}) as Obj;
  if (!spec.nodeName) {
    const scheduled = ((status.conditions as Obj[] | undefined) ?? []).find((c) => c.type === 'PodScheduled');
    return scheduled?.status === 'False' && scheduled.reason === 'Unschedulable' ? 'unschedulable' : 'unscheduled';
  }
  if (!Array.isArray(status.containerStatuses)) return 'scheduled';
  if (status.phase !== 'Running') {
    const init = status.initContainerStatuses;
    const initDone =
      Array.isArray(init) &&
      init.length > 0 &&
      (init as Obj[]).every((c) => ((c.state as Obj | undefined)?.terminated as Obj | undefined)?.exitCode === 0 || (c.started === true && (c.state as Obj | undefined)?.running));
    return initDone ? 'initializing' : 'creating';
  }
  return isPodReady(pod) ? 'ready' : 'running';
}

type StepName = 'schedule' | 'accept' | 'startInit' | 'startContainers' | 'markReady' | 'terminate';

/**
 * The pod lifecycle as data: for each stage (read from the pod object by stageOf), how long after
 * reaching it the next step runs, which step that is, and whether the containers must be running
 * meanwhile. One engine (reconcile) applies it; each step writes the pod's next status.
 */
export const POD_STAGES: Record<PodStage, { delay: (t: LifecycleTiming) => number; step?: StepName; needsRuntime?: boolean }> = {
  unscheduled: { delay: (t) => t.podScheduleMs, step: 'schedule' },
  // Waits for room on the node; a deleted pod elsewhere retries it.
  unschedulable: { delay: () => 0 },
  scheduled: { delay: () => 0, step: 'accept' },
  // With init containers, start-up is split in two halves: init (and sidecars), then the app.
  creating: { delay: (t) => t.podStartMs, step: 'startInit' },
  initializing: { delay: (t) => t.podStartMs / 2, step: 'startContainers' },
  // Ready only after the runtime's startPod resolved (markReady waits for it).
  running: { delay: (t) => t.podReadyMs, step: 'markReady', needsRuntime: true },
  // Pods that arrive Ready (bootstrap, reset) still need their containers running.
  ready: { delay: () => 0, needsRuntime: true },
  terminating: { delay: () => 0, step: 'terminate' },
};

interface PodState {
  uid: string;
  cancel?: () => void;
  runtime?: Promise<boolean>;
  runtimeStarted: boolean;
  terminating?: boolean;
  /** Waiting for room on the node. */
  unschedulable?: boolean;
  /** startPod rejected: the pod stays Running but never Ready. */
  runtimeFailed?: boolean;
  ip?: string;
  facts?: RunningFacts;
}

export interface PodLifecycleOptions {
  store: ObjectStore;
  timers: Timers;
  timing: LifecycleTiming;
  runtime: PodRuntime;
  events: EventRecorder;
  logs?: LogBook;
  ips?: PodIPAllocator;
}

const KUBELET = { component: 'kubelet', host: NODE_NAME };
const SCHEDULER = { component: 'default-scheduler' };

function keyOf(pod: KubeObject): string {
  return `${pod.metadata.namespace}/${pod.metadata.name}`;
}

export class PodLifecycleController {
  private readonly pods = new Map<string, PodState>();
  /** Pods bound to the node and not being deleted (the scheduler's view of node capacity). */
  private readonly bound = new Set<string>();
  private readonly queue = new WorkQueue((key) => this.reconcile(key));
  private readonly ips: PodIPAllocator;
  private unwatch?: () => void;

  constructor(private readonly o: PodLifecycleOptions) {
    this.ips = o.ips ?? new PodIPAllocator();
  }

  start(): void {
    for (const pod of this.o.store.list('pods').items) {
      if ((pod.spec as Obj | undefined)?.nodeName && !pod.metadata.deletionTimestamp) this.bound.add(keyOf(pod));
      const ip = podIPOf(pod);
      if (ip) this.ips.claim(ip);
      this.queue.add(keyOf(pod));
    }
    this.unwatch = this.o.store.watch('pods', (ev) => {
      const key = keyOf(ev.object);
      if (ev.type !== 'DELETED' && (ev.object.spec as Obj | undefined)?.nodeName && !ev.object.metadata.deletionTimestamp) this.bound.add(key);
      else this.bound.delete(key);
      if (ev.type === 'DELETED') {
        this.forget(ev.object);
        // Room on the node: pods waiting for it get another try.
        for (const [key, state] of this.pods) if (state.unschedulable) this.retry(key, state);
      } else this.queue.add(keyOf(ev.object));
    });
  }

  async stop(): Promise<void> {
    this.unwatch?.();
    this.queue.stop();
    const stops: Promise<unknown>[] = [];
    for (const [key, state] of this.pods) {
      state.cancel?.();
      if (state.runtimeStarted) {
        const [namespace, name] = key.split('/');
        stops.push(this.o.runtime.stopPod({ apiVersion: 'v1', kind: 'Pod', metadata: { name: name!, namespace, uid: state.uid } }).catch(logStopFailure));
      }
    }
    this.pods.clear();
    this.bound.clear();
    await Promise.all(stops);
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }

  private state(pod: KubeObject): PodState {
    const key = keyOf(pod);
    let s = this.pods.get(key);
    if (s && s.uid !== pod.metadata.uid) {
      // Same name, new pod: the old one is gone.
      this.forget({ ...pod, metadata: { ...pod.metadata, uid: s.uid } });
      s = undefined;
    }
    if (!s) {
      s = { uid: pod.metadata.uid!, runtimeStarted: false };
      this.pods.set(key, s);
    }
    return s;
  }

  private forget(pod: KubeObject): void {
    const key = keyOf(pod);
    const s = this.pods.get(key);
    if (!s || s.uid !== pod.metadata.uid) return;
    s.cancel?.();
    this.pods.delete(key);
    this.ips.release(s.ip ?? podIPOf(pod));
    if (s.runtimeStarted) {
      void this.o.runtime.stopPod(pod).catch(logStopFailure);
      // The kubelet's Killing events outlive the pod (written after the store's dispatch).
      queueMicrotask(() => this.recordKilling(pod));
    }
    this.o.logs?.dropPod(pod.metadata.namespace ?? 'default', pod.metadata.name);
  }

  private recordKilling(pod: KubeObject): void {
    const status = (pod.status ?? {}) as Obj;
    const running = (list: unknown, path: string) =>
      ((Array.isArray(list) ? list : []) as Obj[]).filter((c) => (c.state as Obj | undefined)?.running).map((c) => ({ name: String(c.name), path }));
    for (const c of [...running(status.containerStatuses, 'containers'), ...running(status.initContainerStatuses, 'initContainers')]) {
      this.o.events.record(KUBELET, pod, 'Normal', 'Killing', `Stopping container ${c.name}`, { fieldPath: `spec.${c.path}{${c.name}}` });
    }
  }

  /** Schedule the next stage of a pod, once: a pending step is never doubled. */
  private later(key: string, state: PodState, ms: number, step: () => void | Promise<void>): void {
    if (state.cancel) return;
    state.cancel = this.o.timers.after(ms, () => {
      state.cancel = undefined;
      void Promise.resolve()
        .then(step)
        .catch(() => {})
        // Look again: the pod may have moved on (or been changed) while the step was pending.
        .then(() => this.queue.add(key));
    });
  }

  private current(key: string, uid: string): KubeObject | undefined {
    const [namespace, name] = key.split('/');
    const pod = this.o.store.get('pods', namespace, name!);
    return pod && pod.metadata.uid === uid ? pod : undefined;
  }

  private reconcile(key: string): void {
    const [namespace, name] = key.split('/');
    const pod = this.o.store.get('pods', namespace, name!);
    if (!pod) return;
    const state = this.state(pod);
    const uid = pod.metadata.uid!;
    const { timing } = this.o;
    const nodeName = (pod.spec as Obj | undefined)?.nodeName;
    // Bound to a node that does not exist here: no kubelet will ever start it (it stays Pending).
    if (nodeName && nodeName !== NODE_NAME && !pod.metadata.deletionTimestamp) return;
    const stage = stageOf(pod);
    const rule = POD_STAGES[stage];
    if (rule.needsRuntime) this.ensureRuntime(pod, state);
    if (stage === 'unschedulable') state.unschedulable = true;
    if (stage === 'terminating' && !state.terminating) {
      // Deletion overrides whatever step was pending.
      state.terminating = true;
      state.cancel?.();
      state.cancel = undefined;
    }
    if (!rule.step || (stage === 'running' && state.runtimeFailed)) return;
    const step = rule.step;
    const hasInit = containersOf(pod).init.length > 0;
    const delay = stage === 'creating' && hasInit ? timing.podStartMs / 2 : rule.delay(timing);
    this.later(key, state, delay, () => this[step](key, uid));
  }

  /** Why the one node cannot take this pod (the scheduler's filter plugins), or undefined. */
  private unfit(pod: KubeObject): string | undefined {
    const selector = (pod.spec as Obj | undefined)?.nodeSelector;
    if (selector && typeof selector === 'object') {
      const labels = this.o.store.get('nodes', undefined, NODE_NAME)?.metadata.labels ?? {};
      for (const [k, v] of Object.entries(selector as Record<string, unknown>)) if (labels[k] !== v) return SELECTOR_MISMATCH;
    }
    if (this.bound.size >= NODE_MAX_PODS) return TOO_MANY_PODS;
    return undefined;
  }

  private retry(key: string, state: PodState): void {
    state.unschedulable = false;
    this.later(key, state, 0, () => this.schedule(key, state.uid));
  }

  private schedule(key: string, uid: string): void {
    const pod = this.current(key, uid);
    if (!pod) return;
    const stage = stageOf(pod);
    if (stage !== 'unscheduled' && stage !== 'unschedulable') return;
    const now = this.o.timers.now();
    const reason = this.unfit(pod);
    if (reason) {
      if (stage === 'unschedulable') return;
      const waiting = this.o.store.mutate('pods', pod.metadata.namespace, pod.metadata.name, (p) => {
        p.status = {
          ...((p.status as Obj) ?? {}),
          conditions: [{ lastProbeTime: null, lastTransitionTime: timestamp(now), message: reason, reason: 'Unschedulable', status: 'False', type: 'PodScheduled' }],
        };
      });
      if (waiting) this.o.events.record(SCHEDULER, waiting, 'Warning', 'FailedScheduling', reason, { action: 'Scheduling' });
      return;
    }
    const bound = this.o.store.mutate('pods', pod.metadata.namespace, pod.metadata.name, (p) => {
      (p.spec as Obj).nodeName = NODE_NAME;
      p.status = scheduledStatus(p, now);
    });
    if (bound) {
      this.o.events.record(SCHEDULER, bound, 'Normal', 'Scheduled', `Successfully assigned ${pod.metadata.namespace}/${pod.metadata.name} to ${NODE_NAME}`, { action: 'Binding' });
    }
  }

  private accept(key: string, uid: string): void {
    const pod = this.current(key, uid);
    if (!pod || stageOf(pod) !== 'scheduled') return;
    const now = this.o.timers.now();
    const scheduled = (((pod.status as Obj)?.conditions as Obj[]) ?? []).find((c) => c.type === 'PodScheduled');
    this.o.store.mutate('pods', pod.metadata.namespace, pod.metadata.name, (p) => {
      p.status = creatingStatus(p, now, (scheduled?.lastTransitionTime as string) ?? timestamp(now));
    });
  }

  /** Sandbox up, init containers run to completion, native sidecars started. */
  private startInit(key: string, uid: string): void {
    const pod = this.current(key, uid);
    if (!pod || stageOf(pod) !== 'creating') return;
    const { init } = containersOf(pod);
    if (!init.length) return this.startContainers(key, uid);
    const state = this.state(pod);
    const facts = this.factsFor(pod, state);
    const written = this.o.store.mutate('pods', pod.metadata.namespace, pod.metadata.name, (p) => {
      p.status = initializedStatus(p, facts);
    });
    if (written) this.containerEvents(written, init, 'initContainers');
  }

  private factsFor(pod: KubeObject, state: PodState): RunningFacts {
    if (state.facts) return state.facts;
    const now = timestamp(this.o.timers.now());
    const status = (pod.status ?? {}) as Obj;
    const scheduled = ((status.conditions as Obj[]) ?? []).find((c) => c.type === 'PodScheduled');
    // Host-network pods share the node's address; the rest get one from the pod CIDR.
    state.ip ??= (pod.spec as Obj | undefined)?.hostNetwork === true ? NODE_IP : this.ips.allocate();
    const { init, main } = containersOf(pod);
    const containerIds: Record<string, string> = {};
    for (const c of [...init, ...main]) containerIds[c.name] = randomHex(32);
    state.facts = {
      podIP: state.ip,
      startedAt: now,
      containerIds,
      ready: false,
      readyAt: (status.startTime as string) ?? now,
      initializedAt: now,
      sandboxAt: (status.startTime as string) ?? now,
      scheduledAt: (scheduled?.lastTransitionTime as string) ?? now,
    };
    return state.facts;
  }

  private containerEvents(pod: KubeObject, list: { name: string; image: string }[], path: 'initContainers' | 'containers'): void {
    const declared = (((pod.spec as Obj)?.[path] as Obj[]) ?? []);
    for (const c of list) {
      const fieldPath = `spec.${path}{${c.name}}`;
      const spec = declared.find((x) => x.name === c.name) ?? {};
      if (spec.imagePullPolicy === 'Always') {
        this.o.events.record(KUBELET, pod, 'Normal', 'Pulling', `Pulling image "${c.image}"`, { fieldPath });
        this.o.events.record(KUBELET, pod, 'Normal', 'Pulled', `Successfully pulled image "${c.image}" in 1.021s (1.021s including waiting). Image size: 18250496 bytes.`, { fieldPath });
      } else {
        this.o.events.record(KUBELET, pod, 'Normal', 'Pulled', `Container image "${c.image}" already present on machine and can be accessed by the pod`, { fieldPath });
      }
      this.o.events.record(KUBELET, pod, 'Normal', 'Created', `Created container: ${c.name}`, { fieldPath });
      this.o.events.record(KUBELET, pod, 'Normal', 'Started', `Started container ${c.name}`, { fieldPath });
    }
  }

  private startContainers(key: string, uid: string): void {
    const pod = this.current(key, uid);
    if (!pod) return;
    const stage = stageOf(pod);
    if (stage !== 'creating' && stage !== 'initializing') return;
    const state = this.state(pod);
    if (stage === 'initializing' && !state.facts) {
      // Picked up mid-way (controllers restarted): carry on from what the status says.
      const status = pod.status as Obj;
      const ids: Record<string, string> = {};
      for (const c of ((status.initContainerStatuses as Obj[]) ?? [])) ids[c.name as string] = String(c.containerID ?? '').replace(/^containerd:\/\//, '');
      state.ip = podIPOf(pod);
      const facts = this.factsFor(pod, state);
      Object.assign(facts.containerIds, ids);
    }
    const facts = this.factsFor(pod, state);
    facts.startedAt = timestamp(this.o.timers.now());
    const running = this.o.store.mutate('pods', pod.metadata.namespace, pod.metadata.name, (p) => {
      p.status = runningStatus(p, facts);
    });
    if (!running) return;
    const { init, main } = containersOf(pod);
    if (stage === 'creating') this.containerEvents(running, init, 'initContainers');
    this.containerEvents(running, main, 'containers');
  }

  private ensureRuntime(pod: KubeObject, state: PodState): void {
    if (state.runtime) return;
    const ip = podIPOf(pod);
    if (ip) {
      state.ip = ip;
      this.ips.claim(ip);
    }
    state.runtimeStarted = true;
    state.runtime = this.o.runtime.startPod(pod).then(
      () => true,
      (err: unknown) => {
        state.runtimeFailed = true;
        this.o.events.record(KUBELET, pod, 'Warning', 'Failed', `Error: ${err instanceof Error ? err.message : String(err)}`);
        return false;
      },
    );
  }

  private async markReady(key: string, uid: string): Promise<void> {
    const pod = this.current(key, uid);
    if (!pod || stageOf(pod) !== 'running') return;
    const state = this.state(pod);
    const ok = await (state.runtime ?? Promise.resolve(true));
    if (!ok) return;
    const again = this.current(key, uid);
    if (!again || stageOf(again) !== 'running') return;
    const status = again.status as Obj;
    const cs = ((status.containerStatuses as Obj[]) ?? [])[0];
    const conds = (status.conditions as Obj[]) ?? [];
    const at = (t: string) => (conds.find((c) => c.type === t)?.lastTransitionTime as string) ?? timestamp(this.o.timers.now());
    const ids: Record<string, string> = {};
    for (const s of [...((status.containerStatuses as Obj[]) ?? []), ...((status.initContainerStatuses as Obj[]) ?? [])]) {
      ids[s.name as string] = String(s.containerID ?? '').replace(/^containerd:\/\//, '');
    }
    const facts: RunningFacts = state.facts ?? {
      podIP: podIPOf(again)!,
      startedAt: ((cs?.state as Obj)?.running as Obj)?.startedAt as string,
      containerIds: ids,
      ready: false,
      readyAt: '',
      initializedAt: at('Initialized'),
      sandboxAt: at('PodReadyToStartContainers'),
      scheduledAt: at('PodScheduled'),
    };
    const readyFacts = { ...facts, containerIds: ids, ready: true, readyAt: timestamp(this.o.timers.now()) };
    this.o.store.mutate('pods', again.metadata.namespace, again.metadata.name, (p) => {
      p.status = runningStatus(p, readyFacts);
    });
  }

  /** Graceful deletion: stop the containers, then remove the object (the kubelet's final delete). */
  private async terminate(key: string, uid: string): Promise<void> {
    const pod = this.current(key, uid);
    if (!pod) return;
    const state = this.state(pod);
    if (state.runtimeStarted) {
      state.runtimeStarted = false;
      this.recordKilling(pod);
      await this.o.runtime.stopPod(pod).catch(logStopFailure);
    }
    const still = this.current(key, uid);
    if (!still) return;
    if (still.metadata.finalizers?.length) return;
    try {
      this.o.store.delete('pods', still.metadata.namespace, still.metadata.name);
    } catch {
      // Already gone.
    }
  }
}

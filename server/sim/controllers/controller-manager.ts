// All of the embedded cluster's controllers, started and stopped together: what
// kube-controller-manager, kube-scheduler and the node's kubelet do for a real cluster.
import type { AdmissionPlugin } from '../apiserver/admission.ts';
import { applyDefaults } from '../apiserver/defaults.ts';
import { BUILT_IN_KINDS } from '../apiserver/kinds/index.ts';
import type { LogBook } from '../logs/log-book.ts';
import type { KubeObject, ObjectStore } from '../store/object-store.ts';
import { DeploymentController } from './deployment-controller.ts';
import { EndpointsController } from './endpoints-controller.ts';
import { EventRecorder } from './events.ts';
import { GarbageCollector } from './garbage-collector.ts';
import { NamespaceController } from './namespace-controller.ts';
import { PodIPAllocator } from './pod-ip-allocator.ts';
import { PodLifecycleController, defaultTiming, type LifecycleTiming } from './pod-lifecycle.ts';
import { noopPodRuntime, type PodRuntime } from './pod-runtime.ts';
import { ReplicaSetController } from './replicaset-controller.ts';
import { realTimers, type Timers } from './timers.ts';

export interface ControllerManagerOptions {
  store: ObjectStore;
  logs?: LogBook;
  timers?: Timers;
  timing?: Partial<LifecycleTiming>;
  podRuntime?: PodRuntime;
  /** Mutating admission applied to pods the ReplicaSet controller creates (they do not pass the API server). */
  admission?: AdmissionPlugin[];
  /** The cluster CA, published in every namespace's kube-root-ca.crt ConfigMap. */
  caPem?: string;
  /** istiod's root certificate for the istio-ca-root-cert ConfigMaps; unset = not published. */
  istioCaPem?: string;
  /** Turn off when the API server collects garbage itself. */
  garbageCollector?: boolean;
  /** Empty and remove Terminating namespaces; turn off when the API server does it. */
  namespaceFinalizer?: boolean;
}

export class ControllerManager {
  readonly events: EventRecorder;
  readonly timers: Timers;
  readonly ips = new PodIPAllocator();
  private readonly parts: { start(): void; stop(): void | Promise<void>; idle(): Promise<void> }[] = [];

  constructor(o: ControllerManagerOptions) {
    this.timers = o.timers ?? realTimers;
    this.events = new EventRecorder(o.store, this.timers);
    const timing = { ...defaultTiming, ...(o.timing ?? {}) };
    const admit = (pod: KubeObject, namespace: KubeObject | undefined) => {
      // Decoding defaults first, admission next, and defaults again for containers a webhook added.
      applyDefaults('pods', pod);
      for (const plugin of o.admission ?? []) {
        plugin.mutate?.({ resource: 'pods', operation: 'CREATE', object: pod, namespaceObject: namespace, dryRun: false });
      }
      applyDefaults('pods', pod);
      for (const plugin of o.admission ?? []) {
        const denial = plugin.validate?.({ resource: 'pods', operation: 'CREATE', object: pod, namespaceObject: namespace, dryRun: false });
        if (denial) throw new Error(`admission webhook "${denial.webhook}" denied the request: ${denial.message}`);
      }
    };
    this.parts.push(
      new NamespaceController(o.store, this.timers, o.caPem ?? '', o.istioCaPem, o.namespaceFinalizer !== false),
      new DeploymentController(o.store, this.events, this.timers),
      new ReplicaSetController(o.store, this.events, admit),
      new PodLifecycleController({
        store: o.store,
        timers: this.timers,
        timing,
        runtime: o.podRuntime ?? noopPodRuntime,
        events: this.events,
        logs: o.logs,
        ips: this.ips,
      }),
      new EndpointsController(o.store, this.timers),
    );
    // The controllers of the kinds declared in apiserver/kinds/ (the Job controller, ...).
    const kindContext = { store: o.store, admitPod: admit, now: () => this.timers.now(), event: (component: string, about: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string) => this.events.record({ component }, about, type, reason, message) };
    for (const t of BUILT_IN_KINDS) {
      const controller = t.strategy?.controller?.(kindContext);
      if (controller) this.parts.push(controller);
    }
    if (o.garbageCollector !== false) this.parts.push(new GarbageCollector(o.store));
  }

  start(): void {
    for (const p of this.parts) p.start();
  }

  async stop(): Promise<void> {
    for (const p of this.parts) await p.stop();
  }

  /** Resolves when no controller has queued work (timed lifecycle steps may still be pending). */
  async idle(): Promise<void> {
    for (let round = 0; round < 3; round++) for (const p of this.parts) await p.idle();
  }
}

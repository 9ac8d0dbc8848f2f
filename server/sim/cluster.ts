// EmbeddedCluster: one in-process cluster: object store, API server, controllers, preinstalled
// Istio, and (when present) the mesh data plane and workloads. Many can run in one process.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AdmissionPlugin } from './apiserver/admission.ts';
import { ApiServer } from './apiserver/api-server.ts';
import { ApiExtensions } from './apiserver/extensions.ts';
import { ServiceAllocations } from './apiserver/service-allocations.ts';
import { bootstrapCluster } from './bootstrap/bootstrap.ts';
import { meshProxyMetadata, type OutboundTrafficPolicyMode } from './bootstrap/mesh-config.ts';
import { ControllerManager } from './controllers/controller-manager.ts';
import { randomSuffix } from './controllers/names.ts';
import { podDefaultsAdmission } from './controllers/pod-defaults.ts';
import type { LifecycleTiming } from './controllers/pod-lifecycle.ts';
import { noopPodRuntime, type PodRuntime } from './controllers/pod-runtime.ts';
import { defaultInjectionOptions, sidecarInjectionAdmission, type InjectionOptions } from './controllers/sidecar-injection.ts';
import { realTimers, type Timers } from './controllers/timers.ts';
import { TrackedTimers } from './controllers/tracked-timers.ts';
import type { ExecBackend } from './exec/exec-backend.ts';
import { LogBook } from './logs/log-book.ts';
import type { MeshDataPlane } from './mesh/mesh-data-plane.ts';
import { ClusterNetwork } from './network/cluster-network.ts';
import type { SimulatedInternet } from './world/simulated-internet.ts';
import { ObjectStore, type GroupResource, type KubeObject } from './store/object-store.ts';
import { dataDir as defaultDataDir } from '../tools/binaries.ts';
import type { UntypedObject } from './meta/untyped.ts';
import type { Logger } from 'pino';
import { componentLogger, createLogger } from '../util/logger.ts';

let logger: Logger | undefined;
/** The simulator's own log (stderr, JSON lines); MESHLAB_DEBUG=cluster turns on its debug level. */
const clusterLog = (): Logger => (logger ??= componentLogger(createLogger(), 'cluster'));

/** Something that runs beside the cluster (the mesh data plane, the simulated internet, ...). */
export interface ClusterAddon {
  /** Back to the state right after start (e.g. drop learned routes); optional. */
  reset?(): Promise<void> | void;
  stop(): Promise<void> | void;
  /** Extra variables a learner's shell needs to reach this addon. */
  shellEnv?(): Record<string, string>;
  /** Loopback ports of this addon a learner's sandbox must reach (its network gate forwards only these). */
  sandboxPorts?(): { tcp: number[]; udp: number[] };
  /** Resolves once the addon has acted on every change made so far (e.g. mesh configuration pushed). */
  settled?(): Promise<void>;
  /** The parts this addon contributes to the cluster (its mesh data plane, its simulated internet). */
  provides?: AddonParts;
}

/**
 * What addons contribute, filled in as each one starts: the cluster exposes them as fields, and
 * parts started earlier read them lazily through `ClusterContext.parts` (an exec before the mesh
 * is up finds none).
 */
export interface AddonParts {
  mesh?: MeshDataPlane;
  world?: SimulatedInternet;
}

/** What an addon factory gets: the cluster's parts, already running. */
export interface ClusterContext {
  id: string;
  name: string;
  dir: string;
  store: ObjectStore;
  logs: LogBook;
  timers: Timers;
  /** Virtual addresses → loopback sockets: the workloads register, the mesh and exec look up. */
  network: ClusterNetwork;
  /** Non-resource paths served by the cluster's API server (`kubectl get --raw`). */
  extensions: ApiExtensions;
  /** The addons' parts, as far as they have started. */
  parts: Readonly<AddonParts>;
  meshPropagationMs?: number;
}

export interface EmbeddedClusterOptions {
  /** Cluster name as kubectl shows it in the context (kind-<name>); default "meshlab". */
  name?: string;
  /** Directory under `<dataDir>/clusters/`; default: name plus a random suffix. */
  id?: string;
  /** meshlab's data directory (default .meshlab/ in the project or MESHLAB_DATA_DIR). */
  dataDir?: string;
  /** Clock and timers for the controllers (tests pass ManualTimers). */
  clock?: Timers;
  timing?: Partial<LifecycleTiming>;
  /** Delay between a config change and the mesh acting on it (passed to the mesh addon). */
  meshPropagationMs?: number;
  outboundTrafficPolicy?: OutboundTrafficPolicyMode;
  podRuntime?: PodRuntime | ((ctx: ClusterContext) => PodRuntime);
  exec?: ExecBackend | ((ctx: ClusterContext) => ExecBackend);
  /** Extra admission plugins (e.g. Istio's validation), run after the built-in ones. */
  admission?: AdmissionPlugin[];
  injection?: Partial<InjectionOptions>;
  /** Addons started after the API server and controllers (mesh, world), stopped first. */
  addons?: ((ctx: ClusterContext) => Promise<ClusterAddon> | ClusterAddon)[];
}

const NAME_PATTERN = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** Where an object lives: resource, namespace and name (its uid says whether it is the same one). */
function identity(resource: GroupResource, o: KubeObject): string {
  return `${resource}|${o.metadata.namespace ?? ''}|${o.metadata.name}`;
}

/** Fields that say nothing about what the learner did (bookkeeping the store owns). */
function comparable(o: KubeObject): unknown {
  const c = structuredClone(o) as KubeObject;
  delete c.metadata.resourceVersion;
  delete c.metadata.generation;
  delete c.metadata.managedFields;
  return c;
}

export class EmbeddedCluster {
  readonly store: ObjectStore;
  readonly logs: LogBook;
  readonly apiServer: ApiServer;
  readonly controllers: ControllerManager;
  readonly network: ClusterNetwork;
  readonly ingress: { host: string; port: number; securePort: number };
  private addons: ClusterAddon[] = [];
  private readonly parts: AddonParts;
  private snapshot = new Map<string, { resource: GroupResource; object: KubeObject }>();
  private stopped = false;
  private resetting: Promise<void> | undefined;
  private readonly services: ServiceAllocations;
  private timers?: TrackedTimers;

  private constructor(
    readonly id: string,
    readonly name: string,
    readonly dir: string,
    readonly kubeconfigPath: string,
    parts: {
      store: ObjectStore;
      logs: LogBook;
      apiServer: ApiServer;
      controllers: ControllerManager;
      network: ClusterNetwork;
      addonParts: AddonParts;
      services: ServiceAllocations;
      ingress: { host: string; port: number; securePort: number };
    },
  ) {
    this.store = parts.store;
    this.logs = parts.logs;
    this.apiServer = parts.apiServer;
    this.controllers = parts.controllers;
    this.network = parts.network;
    this.parts = parts.addonParts;
    this.services = parts.services;
    this.ingress = parts.ingress;
  }

  /** The mesh data plane (gateways and sidecars), when an addon provides one. */
  get mesh(): MeshDataPlane | undefined {
    return this.parts.mesh;
  }

  /** The simulated internet this cluster's pods and learner reach, when an addon provides it. */
  get world(): SimulatedInternet | undefined {
    return this.parts.world;
  }

  static async start(options: EmbeddedClusterOptions = {}): Promise<EmbeddedCluster> {
    const name = options.name ?? 'meshlab';
    if (!NAME_PATTERN.test(name)) throw new Error(`invalid cluster name "${name}": use lower-case letters, digits and '-', at most 63 characters`);
    const id = options.id ?? `${name}-${randomSuffix(6)}`;
    if (!NAME_PATTERN.test(id)) throw new Error(`invalid cluster id "${id}"`);
    const timers = new TrackedTimers(options.clock ?? realTimers);
    const dir = join(options.dataDir ?? defaultDataDir(), 'clusters', id);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const store = new ObjectStore(timers);
    const logs = new LogBook(() => timers.now());
    const network = new ClusterNetwork(store);
    const extensions = new ApiExtensions();
    const addonParts: AddonParts = {};
    const ctx: ClusterContext = { id, name, dir, store, logs, timers, network, extensions, parts: addonParts, meshPropagationMs: options.meshPropagationMs };
    const podRuntime = typeof options.podRuntime === 'function' ? options.podRuntime(ctx) : (options.podRuntime ?? noopPodRuntime);
    const exec = typeof options.exec === 'function' ? options.exec(ctx) : options.exec;
    const admission: AdmissionPlugin[] = [
      sidecarInjectionAdmission({ ...defaultInjectionOptions, meshProxyMetadata: () => meshProxyMetadata(store), ...(options.injection ?? {}) }),
      podDefaultsAdmission,
      ...(options.admission ?? []),
    ];
    const apiServer = new ApiServer({ store, logs, exec, admission, extensions, clock: timers, clusterName: name });
    let controllers: ControllerManager | undefined;
    let started: EmbeddedCluster | undefined;
    const services = new ServiceAllocations(store);
    try {
      await apiServer.listen();
      controllers = new ControllerManager({
        store,
        logs,
        timers,
        timing: options.timing,
        podRuntime,
        admission,
        caPem: apiServer.caPem,
        istioCaPem: apiServer.caPem,
        // The API server's garbage collector owns ownerReference cascades and emptying namespaces.
        garbageCollector: false,
        namespaceFinalizer: false,
      });
      const boot = bootstrapCluster({
        store,
        clusterName: name,
        now: timers.now(),
        ips: controllers.ips,
        outboundTrafficPolicy: options.outboundTrafficPolicy,
        caPem: apiServer.caPem,
        addressing: services,
      });
      controllers.start();
      const kubeconfigPath = join(dir, 'kubeconfig');
      await writeFile(kubeconfigPath, apiServer.kubeconfig(), { mode: 0o600 });
      const cluster = new EmbeddedCluster(
        id,
        name,
        dir,
        kubeconfigPath,
        { store, logs, apiServer, controllers, network, addonParts, services, ingress: { host: '127.0.0.1', port: boot.ingressHttpNodePort, securePort: boot.ingressHttpsNodePort } },
      );
      // Settle the controllers' first pass (default SAs, CA ConfigMaps, endpoints), then remember
      // this state as what reset() returns to.
      await controllers.idle();
      cluster.takeSnapshot();
      cluster.timers = timers;
      started = cluster;
      for (const factory of options.addons ?? []) {
        const addon = await factory(ctx);
        cluster.addons.push(addon);
        Object.assign(addonParts, addon.provides);
      }
      return cluster;
    } catch (err) {
      // Addons that did start are stopped, newest first.
      for (const a of (started?.addons ?? []).reverse()) await Promise.resolve(a.stop()).catch(() => {}); // cleaning up after a failed start: the start error is the one thrown
      await controllers?.stop().catch(() => {}); // cleaning up after a failed start: the start error is the one thrown
      await apiServer.close().catch(() => {}); // cleaning up after a failed start: the start error is the one thrown
      for (const s of store.list('services').items) services.release('services', s as UntypedObject);
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
  }

  /** Environment for a learner's shell or a runner command. */
  /**
   * The host loopback ports a learner's sandbox may reach: the API server, every node port of the
   * cluster's Services (read now, so ports created later count), and the addons' own ports.
   */
  sandboxPorts(): { tcp: number[]; udp: number[] } {
    const tcp = [Number(new URL(this.apiServer.url).port)];
    const udp: number[] = [];
    for (const svc of this.store.list('services').items) {
      for (const p of ((svc.spec as { ports?: { nodePort?: unknown }[] } | undefined)?.ports ?? [])) {
        if (typeof p.nodePort === 'number') tcp.push(p.nodePort);
      }
    }
    for (const a of this.addons) {
      const ports = a.sandboxPorts?.();
      if (ports) tcp.push(...ports.tcp), udp.push(...ports.udp);
    }
    return { tcp, udp };
  }

  shellEnv(): Record<string, string> {
    const env: Record<string, string> = {
      KUBECONFIG: this.kubeconfigPath,
      INGRESS_HOST: this.ingress.host,
      INGRESS_PORT: String(this.ingress.port),
      SECURE_INGRESS_PORT: String(this.ingress.securePort),
    };
    for (const a of this.addons) Object.assign(env, a.shellEnv?.() ?? {});
    return env;
  }

  /**
   * Whether the cluster has acted on every change made so far: controllers idle, no lifecycle
   * stage waiting on a timer, addons (the mesh's configuration) applied, and nothing written
   * meanwhile. A check still wrong then stays wrong until someone changes something.
   */
  async settled(): Promise<boolean> {
    if (this.stopped || this.resetting) return false;
    for (let round = 0; round < 3; round++) {
      const revision = this.store.currentRevision;
      await this.controllers.idle();
      for (const a of this.addons) await a.settled?.();
      // A timer that just fired may have queued work a moment later: look twice.
      await new Promise((r) => setTimeout(r, 0));
      await this.controllers.idle();
      if ((this.timers?.pending ?? 0) > 0) return false;
      if (this.store.currentRevision === revision) return true;
    }
    return false;
  }

  private takeSnapshot(): void {
    this.snapshot.clear();
    for (const [resource, items] of this.store.snapshot()) {
      if (resource === 'events') continue;
      for (const object of items) this.snapshot.set(identity(resource, object), { resource, object });
    }
  }

  /** Back to the state right after start: the learner's objects go, bootstrap objects come back as they were. */
  reset(): Promise<void> {
    if (this.stopped) return Promise.reject(new Error('cluster is stopped'));
    // Two Reset clicks share one reset.
    this.resetting ??= this.resetOnce().finally(() => {
      this.resetting = undefined;
    });
    return this.resetting;
  }

  private async resetOnce(): Promise<void> {
    for (let pass = 0; pass < 5; pass++) {
      let changed = false;
      // 1. Everything not in the snapshot goes, namespaces last (their content first).
      const current = this.store.snapshot();
      for (const wantNamespaces of [false, true]) {
        for (const [resource, items] of current) {
          if ((resource === 'namespaces') !== wantNamespaces) continue;
          for (const o of items) {
            const kept = this.snapshot.get(identity(resource, o));
            if (kept && kept.object.metadata.uid === o.metadata.uid) {
              // A bootstrap object on its way out (a Terminating namespace) is replaced whole.
              if (o.metadata.deletionTimestamp) {
                this.safeDelete(resource, o);
                changed = true;
              }
              continue;
            }
            if (resource === 'events' && !kept) {
              this.safeDelete(resource, o);
              continue;
            }
            if (!kept) {
              // The API server returns a deleted Service's addresses to the pools.
              this.safeDelete(resource, o);
              changed = true;
            }
          }
        }
      }
      // Let deletions queued by the garbage collector run before anything comes back.
      await this.controllers.idle();
      // 2. Bootstrap objects missing or changed are written back as they were.
      for (const { resource, object } of this.snapshot.values()) {
        const now = this.store.get(resource, object.metadata.namespace, object.metadata.name);
        if (now && now.metadata.uid !== object.metadata.uid) {
          this.safeDelete(resource, now);
        }
        const live = now && now.metadata.uid === object.metadata.uid ? now : undefined;
        if (!live) {
          const copy = structuredClone(object);
          delete copy.metadata.resourceVersion;
          delete copy.metadata.deletionTimestamp;
          if (resource === 'services') this.reserveAddresses(copy);
          try {
            this.store.create(resource, copy);
            changed = true;
          } catch {
            // Recreated meanwhile by a controller.
          }
        } else if (JSON.stringify(comparable(live)) !== JSON.stringify(comparable(object))) {
          const copy = structuredClone(object);
          copy.metadata.resourceVersion = live.metadata.resourceVersion;
          delete copy.metadata.deletionTimestamp;
          this.store.update(resource, copy);
          changed = true;
        }
      }
      await this.controllers.idle();
      if (!changed) break;
    }
    // Events the reset itself caused.
    for (const e of this.store.list('events').items) this.safeDelete('events', e);
    for (const a of this.addons) await a.reset?.();
  }

  private reserveAddresses(svc: KubeObject): void {
    // A bootstrap Service coming back keeps its addresses if nobody took them meanwhile.
    const spec = (svc.spec ?? {}) as UntypedObject;
    const copy = structuredClone(svc) as UntypedObject;
    const causes = this.services.prepare('services', copy, undefined, false);
    if (causes.length) {
      delete spec.clusterIP;
      delete spec.clusterIPs;
      for (const p of spec.ports ?? []) delete p.nodePort;
      this.services.prepare('services', svc as UntypedObject, undefined, false);
    }
  }

  private safeDelete(resource: GroupResource, o: KubeObject): void {
    try {
      this.store.delete(resource, o.metadata.namespace, o.metadata.name);
    } catch {
      // Already gone.
    }
  }

  /** Closes every listener and timer; the cluster's directory is removed. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    for (const a of this.addons.reverse()) await Promise.resolve(a.stop()).catch((err: unknown) => clusterLog().error({ err }, 'an addon failed to stop; the cluster stops anyway'));
    this.addons = [];
    await this.controllers.stop();
    await this.apiServer.close();
    // The API server stopped watching: what its Services still hold goes back to the pools here.
    for (const s of this.store.list('services').items) this.services.release('services', s as UntypedObject);
    await rm(this.dir, { recursive: true, force: true });
  }
}

// The one interface every cluster driver implements. The runner, the terminals and the site
// talk to clusters only through it, so a lab works unchanged on embedded, kind and existing.

import type { SandboxOwner } from '../sandbox/confinement.ts';
import type { RouteDecision } from '../sim/mesh/decisions.ts';

export type DriverName = 'embedded' | 'kind' | 'existing';

export interface PreflightProblem {
  /** What is wrong, in one line. */
  message: string;
  /** What the user should do about it (a command, a link, a flag). */
  fix: string;
}

export interface PreflightResult {
  ok: boolean;
  problems: PreflightProblem[];
}

/** Progress for long operations, shown to the user; separate from logs. */
export interface ProgressSink {
  start(task: string): void;
  end(task: string, ok: boolean, detail?: string): void;
  info(message: string): void;
}

export const silentProgress: ProgressSink = { start() {}, end() {}, info() {} };

export interface IngressAddress {
  host: string;
  port: number;
  /** The HTTPS (443) node port, when the gateway exposes one. */
  securePort?: number;
}

export interface ClusterHandle {
  readonly id: string;
  readonly driver: DriverName;
  /** Absolute path of a kubeconfig file for this cluster (what KUBECONFIG points at). */
  readonly kubeconfigPath: string;
  readonly ingress: IngressAddress;
  /** The namespace a learner works in when the cluster is shared (existing driver); else undefined. */
  readonly learnerNamespace?: string;
  /**
   * Environment a learner's shell or a runner command gets: KUBECONFIG, INGRESS_HOST,
   * INGRESS_PORT, and whatever else the driver needs (e.g. how the embedded cluster's
   * simulated internet is reached). Never includes the server's own environment.
   */
  shellEnv(): Record<string, string>;
  /**
   * The host loopback ports a learner's sandboxed shell may reach (API server, ingress and other
   * node ports, the driver's own helpers), read again as the cluster changes. Drivers with it get
   * sandboxes with a network namespace of their own; without it, sandboxes share the host's network.
   */
  sandboxPorts?(): { tcp: number[]; udp: number[] };
  /** Return the cluster to the state it had right after create(). */
  reset(progress?: ProgressSink): Promise<void>;
  /**
   * Optional: resolves true once the cluster has acted on every change made so far (controllers
   * idle, mesh configuration applied), false while work is still under way. A check that is still
   * wrong once settled fails at once; drivers that cannot tell omit this and checks retry.
   */
  settled?(): Promise<boolean>;
  /**
   * Optional: the mesh's recent requests with what it decided for each (the Traffic panel's
   * source). Only a cluster whose data plane records its decisions (embedded) has them.
   */
  recentRequests?(): RecentRequests | undefined;
  destroy(): Promise<void>;
}

/** A bounded, newest-last record of the mesh's decisions, and a way to hear of new ones. */
export interface RecentRequests {
  list(limit?: number): RouteDecision[];
  subscribe(fn: (d: RouteDecision) => void): () => void;
}

export interface CreateOptions {
  /** A stable name (kind cluster name, learner id, ...). */
  name?: string;
  progress?: ProgressSink;
  signal?: AbortSignal;
  /** The learner the cluster is for: what runs in it for them (`kubectl exec`) shares their sandbox limits. */
  owner?: SandboxOwner;
}

export interface ClusterDriver {
  readonly name: DriverName;
  /** Whether several clusters from this driver may run at once (verify runs labs in parallel then). */
  readonly parallel: boolean;
  preflight(): Promise<PreflightResult>;
  create(options?: CreateOptions): Promise<ClusterHandle>;
}

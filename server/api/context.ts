// What every route module of the site server receives. The app shell (app.ts) creates it:
// one learner per browser session (httpOnly cookie), each with a home directory and a cluster
// from the configured driver, created on first use.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import type { ClusterDriver, ClusterHandle } from '../drivers/types.ts';
import type { Terminal } from '../terminals/terminal.ts';

export interface ServerConfig {
  port: number;
  host: string;
  /** Where per-learner homes, clusters and the progress database live. */
  dataDir: string;
  /** Directory of the built site. */
  siteDir: string;
  /** Directory of the labs (labs/). */
  labsDir: string;
  /** Extra origins allowed to open WebSockets and send state-changing requests. */
  allowedOrigins: string[];
  /** Host names the server answers to besides localhost, 127.0.0.1 and [::1] (DNS rebinding defence). */
  allowedHosts?: string[];
  /** The URL learners open, for a deployment behind a proxy (its host and origin are allowed). */
  publicUrl?: string;
  /** Cluster counts, creation rates, idle reclaim and capacity reserves (see learners.ts). */
  environmentLimits?: Partial<import('./learners.ts').EnvironmentLimits>;
  /** HTTP requests one client address may make a minute (more get 429 with Retry-After); 0: no limit. */
  requestsPerMinute?: number;
  /** Addresses or CIDR ranges of reverse proxies whose X-Forwarded-For names the client. */
  trustProxy?: string[];
  /** Run terminals without bubblewrap (single-user local use only). */
  unsafeNoSandbox: boolean;
  /** Bearer token of the instructor routes (workshops); without it they answer 401 to everyone. */
  instructorToken?: string;
}

export interface Learner {
  readonly id: string;
  /** Host directory used as the learner's sandboxed home. */
  readonly homeDir: string;
  /** The learner's cluster, created on first call. */
  cluster(): Promise<ClusterHandle>;
  /** The cluster if it was created already. */
  currentCluster(): ClusterHandle | undefined;
  /** Stops the learner's cluster (a workshop ended); the next cluster() starts a new one. */
  release(): Promise<void>;
}

export interface Learners {
  /** The learner of a request, from its session cookie; undefined if it has none or an unknown one. */
  fromRequest(req: IncomingMessage): Learner | undefined;
  get(id: string): Learner | undefined;
}

/** What learners did, for features that follow them (workshops). Listeners must not throw. */
export type LearnerEvent =
  | { kind: 'check'; learnerId: string; lab: string; step: string; passed: boolean; at: Date }
  | { kind: 'solve'; learnerId: string; lab: string; step: string; at: Date };

export interface LearnerEvents {
  emit(event: LearnerEvent): void;
  subscribe(listener: (event: LearnerEvent) => void): () => void;
}

export interface NewSession {
  learnerId: string;
  learner(): Learner;
  sendTo(reply: FastifyReply): void;
}

export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer, learner: Learner) => void;

export interface ServerContext {
  config: ServerConfig;
  driver: ClusterDriver;
  learners: Learners;
  /** A new session: its learner id, its learner (to start an environment ahead), and how to hand it over (sets the cookie). */
  newSession(): NewSession;
  events: LearnerEvents;
  /** The live terminals, by learner: set by the terminal routes (the instructor's view watches them). */
  terminals?: { listFor(learnerId: string): Terminal[] };
  logger: Logger;
  /**
   * Register a WebSocket endpoint. The shell has already checked the Origin and the session
   * cookie before calling the handler; unauthenticated upgrades never reach it.
   */
  onUpgrade(path: string, handler: UpgradeHandler): void;
  /** Run on shutdown, in reverse order of registration. */
  onClose(fn: () => Promise<void> | void): void;
}

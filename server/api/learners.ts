// Learner identity and environments. A browser session is a random id the server issued, sent
// back in a signed httpOnly cookie and recorded in the session store: a forged or unknown cookie
// is no session (the visitor gets a new one). The learner id is derived from the session id, so
// the same browser finds its progress again after a restart. A learner's home and cluster are
// made only when a terminal or a lab needs them, creation is rate-limited and refused before the
// server runs out of memory or descriptors, and idle environments are reclaimed (progress stays).
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { freemem } from 'node:os';
import { join } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import type { Logger } from 'pino';
import type { ClusterDriver, ClusterHandle } from '../drivers/types.ts';
import { DEFAULT_HOME_QUOTA_BYTES, homeImagePath, mountHomeDisk, unmountHomeDisk } from '../sandbox/home-disk.ts';
import type { SessionStore } from '../store/session-store.ts';
import type { Learner, Learners } from './context.ts';

export const SESSION_COOKIE = 'meshlab_session';
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

export function newSessionId(): string {
  return randomBytes(32).toString('base64url');
}

export function isSessionId(value: unknown): value is string {
  return typeof value === 'string' && SESSION_ID.test(value);
}

export function learnerIdFor(sessionId: string): string {
  return createHash('sha256').update(`meshlab-learner:${sessionId}`).digest('hex').slice(0, 16);
}

/** The value of one cookie in a raw Cookie header (used on WebSocket upgrades, outside fastify). */
export function readCookie(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  // The last occurrence wins: the shell appends a fresh session after a bad one.
  let value: string | undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    try {
      value = decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      value = undefined; // malformed percent-encoding: not a cookie this server set
    }
  }
  return value;
}

/** Refusal of a new environment; the routes answer 503 with Retry-After. */
export class CapacityError extends Error {
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

export interface EnvironmentLimits {
  /** At most this many learners hold a cluster at once. */
  maxClusters: number;
  /** New clusters per minute for the whole server, and for one session. */
  clustersPerMinute: number;
  clustersPerSessionPerMinute: number;
  /** A cluster and home unused this long (no request, no open terminal) are reclaimed. */
  idleMs: number;
  /** New environments are refused with less free memory than this, or fewer free descriptors. */
  minFreeMemoryBytes: number;
  minFreeDescriptors: number;
  /** Size of each learner's home file system, bytes (home-disk.ts); 0: no quota across files. */
  homeQuotaBytes: number;
}

export const DEFAULT_ENVIRONMENT_LIMITS: EnvironmentLimits = {
  maxClusters: 50,
  clustersPerMinute: 30,
  clustersPerSessionPerMinute: 3,
  idleMs: 60 * 60 * 1000,
  minFreeMemoryBytes: 1024 ** 3,
  minFreeDescriptors: 2048,
  homeQuotaBytes: DEFAULT_HOME_QUOTA_BYTES,
};

/** Open descriptors of this process and its soft limit (Linux /proc; unknown elsewhere). */
export function descriptorUse(): { open: number; limit: number } | undefined {
  try {
    const open = readdirSync('/proc/self/fd').length;
    const m = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    const limit = !m || m[1] === 'unlimited' ? Number.POSITIVE_INFINITY : Number(m[1]);
    return { open, limit };
  } catch { // no such file or not a number: the limit is unknown
    return undefined;
  }
}

/** Why a new environment cannot start now, or undefined when there is room. */
export function capacityProblem(limits: EnvironmentLimits): string | undefined {
  const fds = descriptorUse();
  if (fds && fds.limit - fds.open < limits.minFreeDescriptors) return `the server has ${fds.open} of ${fds.limit} file descriptors in use`;
  const heap = getHeapStatistics();
  const heapFree = heap.heap_size_limit - heap.used_heap_size;
  const free = Math.min(freemem(), heapFree);
  if (free < limits.minFreeMemoryBytes) return `the server has ${Math.round(free / 1024 ** 2)} MiB of memory left`;
  return undefined;
}

export interface HomeDisk {
  /** Makes `dir` (existing) a file system of `bytes`; false when this host cannot. */
  mount(dir: string, bytes: number): boolean;
  unmount(dir: string): void;
}

const loopHomeDisk: HomeDisk = { mount: mountHomeDisk, unmount: unmountHomeDisk };

/** Sliding one-minute windows of creation times. */
class MinuteWindow {
  private readonly times: number[] = [];
  constructor(private readonly max: number) {}

  /** Seconds until another fits, 0 when one fits now. */
  wait(now: number): number {
    while (this.times.length && this.times[0]! <= now - 60_000) this.times.shift();
    if (this.max <= 0 || this.times.length < this.max) return 0;
    return Math.ceil((this.times[0]! + 60_000 - now) / 1000);
  }

  add(now: number): void {
    this.times.push(now);
  }
}

export interface LearnerRegistryOptions {
  dataDir: string;
  driver: ClusterDriver;
  logger: Logger;
  sessions: SessionStore;
  limits?: Partial<EnvironmentLimits>;
  /** Mounting a home's own file system and taking it away (home-disk.ts; tests replace it). */
  homeDisk?: HomeDisk;
  /** Capacity probe (tests replace it). */
  capacity?: (limits: EnvironmentLimits) => string | undefined;
  now?: () => number;
}

class LearnerSession implements Learner {
  private clusterPromise?: Promise<ClusterHandle>;
  private handle?: ClusterHandle;
  private homeMade = false;
  readonly window: MinuteWindow;
  /** Open WebSockets (terminals): a learner with one is never idle. */
  openSockets = 0;
  lastSeen: number;

  constructor(
    readonly id: string,
    readonly sessionId: string,
    private readonly home: string,
    private readonly registry: LearnerRegistry,
    now: number,
    perMinute: number,
  ) {
    this.lastSeen = now;
    this.window = new MinuteWindow(perMinute);
  }

  /** Created on first use: a visitor who only reads pages costs no directory. */
  get homeDir(): string {
    if (!this.homeMade) {
      mkdirSync(this.home, { recursive: true, mode: 0o700 });
      this.registry.mountHome(this.home);
      this.homeMade = true;
    }
    return this.home;
  }

  get hasEnvironment(): boolean {
    return this.homeMade || this.clusterPromise !== undefined;
  }

  cluster(): Promise<ClusterHandle> {
    this.registry.touch(this);
    if (!this.clusterPromise) {
      this.clusterPromise = this.registry.createCluster(this).then(
        (h) => (this.handle = h),
        (err: unknown) => {
          this.clusterPromise = undefined; // let the next call try again
          throw err;
        },
      );
    }
    return this.clusterPromise;
  }

  currentCluster(): ClusterHandle | undefined {
    return this.handle;
  }

  /** Stops the cluster (a workshop ended) and tells the registry; the next cluster() starts a new one. */
  async release(): Promise<void> {
    const had = this.clusterPromise !== undefined;
    await this.destroy();
    if (had) this.registry.clusterReleased();
  }

  /** Destroys the cluster; with `home`, the home directory too. */
  async destroy(home = false): Promise<void> {
    const pending = this.clusterPromise;
    this.clusterPromise = undefined;
    this.handle = undefined;
    if (pending) await (await pending.catch(() => undefined))?.destroy(); // a cluster that failed to start has nothing to destroy; its error went to the request that started it
    if (home) this.unmountHome(true);
  }

  /**
   * Unmounts the home's file system (reclaim, shutdown); `remove` also deletes the home and its
   * image (progress is in the progress store). Never while the environment goes on: a second mount
   * of a lazily unmounted image would corrupt it.
   */
  unmountHome(remove = false): void {
    if (!this.homeMade) return;
    this.registry.unmountHome(this.home);
    if (remove) {
      rmSync(this.home, { recursive: true, force: true });
      rmSync(homeImagePath(this.home), { force: true });
    }
    this.homeMade = false;
  }
}

export class LearnerRegistry implements Learners {
  private readonly learners = new Map<string, LearnerSession>();
  private clusters = 0;
  private readonly limits: EnvironmentLimits;
  private readonly global: MinuteWindow;
  private readonly now: () => number;
  private readonly reclaimTimer: NodeJS.Timeout;

  constructor(private readonly options: LearnerRegistryOptions) {
    this.limits = { ...DEFAULT_ENVIRONMENT_LIMITS, ...options.limits };
    this.global = new MinuteWindow(this.limits.clustersPerMinute);
    this.now = options.now ?? Date.now;
    this.reclaimTimer = setInterval(() => void this.reclaimIdle(), Math.min(60_000, Math.max(1000, this.limits.idleMs / 4)));
    this.reclaimTimer.unref();
  }

  mountHome(dir: string): void {
    (this.options.homeDisk ?? loopHomeDisk).mount(dir, this.limits.homeQuotaBytes);
  }

  unmountHome(dir: string): void {
    try {
      (this.options.homeDisk ?? loopHomeDisk).unmount(dir);
    } catch (err) {
      this.options.logger.error({ err, dir }, 'unmounting a home failed');
    }
  }

  /** A new session, recorded as issued by this server. */
  issue(): string {
    const id = newSessionId();
    this.options.sessions.create(id, this.now());
    return id;
  }

  /** The learner of a session id the server issued; undefined for anything else. */
  forSession(sessionId: string | undefined): Learner | undefined {
    if (!isSessionId(sessionId) || !this.options.sessions.has(sessionId)) return undefined;
    const id = learnerIdFor(sessionId);
    let learner = this.learners.get(id);
    if (!learner) {
      learner = new LearnerSession(id, sessionId, join(this.options.dataDir, 'learners', id, 'home'), this, this.now(), this.limits.clustersPerSessionPerMinute);
      this.learners.set(id, learner);
    }
    this.touch(learner);
    return learner;
  }

  /** Set by the site server: the session id in a request's signed cookie, if the signature holds. */
  sessionOf: (req: IncomingMessage) => string | undefined = () => undefined;

  fromRequest(req: IncomingMessage): Learner | undefined {
    return this.forSession(this.sessionOf(req));
  }

  get(id: string): Learner | undefined {
    return this.learners.get(id);
  }

  touch(learner: Learner): void {
    const l = learner as LearnerSession;
    l.lastSeen = this.now();
    this.options.sessions.touch(l.sessionId, l.lastSeen);
  }

  /** Counts a learner's open WebSocket; the returned function is called when it closes. */
  holdOpen(learner: Learner): () => void {
    const l = learner as LearnerSession;
    l.openSockets++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      l.openSockets--;
      this.touch(l);
    };
  }

  get clusterCount(): number {
    return this.clusters;
  }

  async createCluster(learner: LearnerSession): Promise<ClusterHandle> {
    const now = this.now();
    if (this.clusters >= this.limits.maxClusters) {
      throw new CapacityError(`this server already runs ${this.clusters} learner clusters (its limit is ${this.limits.maxClusters}); idle ones are reclaimed after ${Math.round(this.limits.idleMs / 60_000)} minutes, try again in a few minutes`, 60);
    }
    const mine = learner.window.wait(now);
    if (mine) throw new CapacityError(`your cluster was started ${this.limits.clustersPerSessionPerMinute} times in the last minute; try again in ${mine} s`, mine);
    const all = this.global.wait(now);
    if (all) throw new CapacityError(`many clusters are starting on this server right now (${this.limits.clustersPerMinute} a minute at most); try again in ${all} s`, all);
    const problem = (this.options.capacity ?? capacityProblem)(this.limits);
    if (problem) throw new CapacityError(`this server is full: ${problem}; try again in a few minutes`, 60);
    learner.window.add(now);
    this.global.add(now);
    this.clusters++;
    try {
      const started = Date.now();
      const handle = await this.options.driver.create({ name: learner.id, owner: { id: learner.id, homeDir: learner.homeDir } });
      this.options.logger.info({ learner: learner.id, cluster: handle.id, ms: Date.now() - started }, 'cluster ready');
      return handle;
    } catch (err) {
      this.clusters--;
      throw err;
    }
  }

  /** Reclaims the clusters and homes of learners idle longer than the limit; progress stays. */
  async reclaimIdle(): Promise<number> {
    const before = this.now() - this.limits.idleMs;
    const idle = this.options.sessions.idleSince(before, 1000);
    let reclaimed = 0;
    for (const s of idle) {
      const learner = this.learners.get(learnerIdFor(s.id));
      if (!learner || learner.openSockets > 0 || learner.lastSeen >= before) continue;
      this.learners.delete(learner.id);
      if (learner.currentCluster() || learner.hasEnvironment) {
        const had = learner.currentCluster() !== undefined;
        await learner.destroy(true).catch((err: unknown) => this.options.logger.error({ err, learner: learner.id }, 'reclaiming failed'));
        if (had) this.clusters--;
        reclaimed++;
        this.options.logger.info({ learner: learner.id }, 'idle environment reclaimed');
      }
    }
    // Sessions not seen for much longer are forgotten; a returning visitor simply gets a new one.
    this.options.sessions.forgetOlderThan(this.now() - Math.max(this.limits.idleMs * 24 * 30, 30 * 24 * 3600_000));
    return reclaimed;
  }

  clusterReleased(): void {
    this.clusters = Math.max(0, this.clusters - 1);
  }

  async closeAll(): Promise<void> {
    clearInterval(this.reclaimTimer);
    await Promise.allSettled([...this.learners.values()].map((l) => l.destroy()));
    for (const l of this.learners.values()) l.unmountHome();
    this.learners.clear();
    this.clusters = 0;
  }
}

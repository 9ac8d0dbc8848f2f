// Learner identity: a browser session is an unguessable secret in an httpOnly cookie; the
// learner id is derived from it, so the same browser is the same learner after a server
// restart (its progress is found again) and the secret itself never appears in logs or URLs.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { ClusterDriver, ClusterHandle } from '../drivers/types.ts';
import type { Learner, Learners } from './context.ts';

export const SESSION_COOKIE = 'meshlab_session';
const SECRET_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export function newSessionSecret(): string {
  return randomBytes(32).toString('base64url');
}

export function isSessionSecret(value: unknown): value is string {
  return typeof value === 'string' && SECRET_PATTERN.test(value);
}

export function learnerIdFor(secret: string): string {
  return createHash('sha256').update(`meshlab-learner:${secret}`).digest('hex').slice(0, 16);
}

/** The value of one cookie in a raw Cookie header (used on WebSocket upgrades, outside fastify). */
export function readCookie(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  // The last occurrence wins: the shell appends a fresh session after a malformed one.
  let value: string | undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0 || part.slice(0, eq).trim() !== name) continue;
    try {
      value = decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      value = undefined;
    }
  }
  return value;
}

export interface LearnerRegistryOptions {
  dataDir: string;
  driver: ClusterDriver;
  logger: Logger;
  /** At most this many learners may hold a cluster at once. */
  maxClusters: number;
}

class LearnerSession implements Learner {
  private clusterPromise?: Promise<ClusterHandle>;
  private handle?: ClusterHandle;
  lastSeen = Date.now();

  constructor(
    readonly id: string,
    readonly homeDir: string,
    private readonly registry: LearnerRegistry,
  ) {}

  cluster(): Promise<ClusterHandle> {
    this.lastSeen = Date.now();
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

  async destroy(): Promise<void> {
    const pending = this.clusterPromise;
    this.clusterPromise = undefined;
    this.handle = undefined;
    if (pending) await (await pending.catch(() => undefined))?.destroy();
  }
}

export class LearnerRegistry implements Learners {
  private readonly learners = new Map<string, LearnerSession>();
  private clusters = 0;

  constructor(private readonly options: LearnerRegistryOptions) {}

  fromRequest(req: IncomingMessage): Learner | undefined {
    const secret = readCookie(req, SESSION_COOKIE);
    return isSessionSecret(secret) ? this.forSecret(secret) : undefined;
  }

  forSecret(secret: string): Learner {
    const id = learnerIdFor(secret);
    let learner = this.learners.get(id);
    if (!learner) {
      const homeDir = join(this.options.dataDir, 'learners', id, 'home');
      mkdirSync(homeDir, { recursive: true, mode: 0o700 });
      learner = new LearnerSession(id, homeDir, this);
      this.learners.set(id, learner);
    }
    return learner;
  }

  get(id: string): Learner | undefined {
    return this.learners.get(id);
  }

  async createCluster(learner: Learner): Promise<ClusterHandle> {
    if (this.clusters >= this.options.maxClusters) {
      throw new Error(`this server already runs ${this.clusters} learner clusters (limit ${this.options.maxClusters}); try again later`);
    }
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

  async closeAll(): Promise<void> {
    await Promise.allSettled([...this.learners.values()].map((l) => l.destroy()));
    this.learners.clear();
    this.clusters = 0;
  }
}

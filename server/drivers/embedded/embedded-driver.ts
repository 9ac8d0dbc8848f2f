// The embedded driver: each handle is an in-process EmbeddedCluster. Needs no Docker and no
// network beyond loopback, so many clusters run side by side (one per learner, or per lab in CI).
import { access, mkdir, constants } from 'node:fs/promises';
import { join } from 'node:path';
import { EmbeddedCluster, type EmbeddedClusterOptions } from '../../sim/cluster.ts';
import { fullClusterOptions, type FullClusterOptions } from './composition.ts';
import { dataDir as defaultDataDir } from '../../tools/binaries.ts';
import { silentProgress, type ClusterDriver, type ClusterHandle, type CreateOptions, type IngressAddress, type PreflightResult, type ProgressSink, type RecentRequests } from '../types.ts';

export type EmbeddedDriverOptions = Omit<FullClusterOptions, 'id' | 'name'> & {
  /** Only the Kubernetes parts (API server, controllers, preinstalled objects): no mesh, world or exec. */
  bare?: boolean;
};

/** A cluster id from a free-form name (learner id, lab id): DNS-label characters, bounded. */
export function clusterIdFor(name: string | undefined): string | undefined {
  if (!name) return undefined;
  const cleaned = name
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 50)
    .replace(/-+$/, '');
  return cleaned || undefined;
}

export class EmbeddedClusterHandle implements ClusterHandle {
  readonly driver = 'embedded' as const;

  constructor(readonly cluster: EmbeddedCluster) {}

  get id(): string {
    return this.cluster.id;
  }

  get kubeconfigPath(): string {
    return this.cluster.kubeconfigPath;
  }

  get ingress(): IngressAddress {
    return { ...this.cluster.ingress };
  }

  shellEnv(): Record<string, string> {
    return this.cluster.shellEnv();
  }

  sandboxPorts(): { tcp: number[]; udp: number[] } {
    return this.cluster.sandboxPorts();
  }

  async reset(progress: ProgressSink = silentProgress): Promise<void> {
    progress.start('Reset the embedded cluster');
    try {
      await this.cluster.reset();
      progress.end('Reset the embedded cluster', true);
    } catch (err) {
      progress.end('Reset the embedded cluster', false, (err as Error).message);
      throw err;
    }
  }

  settled(): Promise<boolean> {
    return this.cluster.settled();
  }

  recentRequests(): RecentRequests | undefined {
    return this.cluster.mesh?.decisions;
  }

  destroy(): Promise<void> {
    return this.cluster.stop();
  }
}

export class EmbeddedDriver implements ClusterDriver {
  readonly name = 'embedded' as const;
  readonly parallel = true;
  private seq = 0;

  constructor(private readonly options: EmbeddedDriverOptions = {}) {}

  async preflight(): Promise<PreflightResult> {
    const dir = join(this.options.dataDir ?? defaultDataDir(), 'clusters');
    try {
      await mkdir(dir, { recursive: true });
      await access(dir, constants.W_OK);
      return { ok: true, problems: [] };
    } catch (err) {
      return {
        ok: false,
        problems: [{ message: `cannot write cluster files under ${dir}: ${(err as Error).message}`, fix: 'set MESHLAB_DATA_DIR to a writable directory' }],
      };
    }
  }

  async create(options: CreateOptions = {}): Promise<ClusterHandle> {
    const progress = options.progress ?? silentProgress;
    options.signal?.throwIfAborted();
    const base = clusterIdFor(options.name);
    // Names repeat (a learner reconnecting, a lab run twice): a counter keeps directories apart.
    const id = base ? `${base}-${++this.seq}-${process.pid}` : undefined;
    const owner = options.owner;
    progress.start('Start the embedded cluster');
    let cluster: EmbeddedCluster;
    try {
      const { bare, ...rest } = this.options;
      const options: EmbeddedClusterOptions = bare ? { ...rest, id } : fullClusterOptions({ ...rest, id, owner });
      cluster = await EmbeddedCluster.start(options);
    } catch (err) {
      progress.end('Start the embedded cluster', false, (err as Error).message);
      throw err;
    }
    if (options.signal?.aborted) {
      await cluster.stop();
      progress.end('Start the embedded cluster', false, 'cancelled');
      options.signal.throwIfAborted();
    }
    progress.end('Start the embedded cluster', true, `API ${cluster.apiServer.url}, ingress ${cluster.ingress.host}:${cluster.ingress.port}`);
    return new EmbeddedClusterHandle(cluster);
  }
}

export function createEmbeddedDriver(options: EmbeddedDriverOptions = {}): EmbeddedDriver {
  return new EmbeddedDriver(options);
}

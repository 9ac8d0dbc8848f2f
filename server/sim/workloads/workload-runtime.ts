// The embedded cluster's "container runtime": each pod's containers are simulated by image.
// httpbin images get a real HTTP server on 127.0.0.1 (registered in the cluster network as
// podIP:port); curl/sleep images are clients and serve nothing; unknown images just run.
// Istio proxies (gateways, sidecars) are the mesh's business, not this layer's.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { LogBook } from '../logs/log-book.ts';
import type { PodRuntime } from '../controllers/pod-runtime.ts';
import type { KubeObject } from '../store/object-store.ts';
import type { ClusterNetwork } from '../network/cluster-network.ts';
import { serveHttpbin, type HttpbinFlavour } from './httpbin.ts';
import { peerOf } from '../mesh/peer-identity.ts';
import { gunicornPort, httpbinServerLog, type ServerLog } from './server-logs.ts';

type Obj = Record<string, unknown>;

export type ContainerKind = { kind: 'httpbin'; flavour: HttpbinFlavour; port: number } | { kind: 'client' } | { kind: 'proxy' } | { kind: 'other' };

/** Image name without registry, tag and digest: `docker.io/mccutchen/go-httpbin:v2.15.0` → `mccutchen/go-httpbin`. */
export function imageRepository(image: string): string {
  let s = image.trim().toLowerCase().split('@')[0]!;
  const lastSlash = s.lastIndexOf('/');
  const colon = s.lastIndexOf(':');
  if (colon > lastSlash) s = s.slice(0, colon);
  const parts = s.split('/');
  if (parts.length > 1 && (parts[0]!.includes('.') || parts[0]!.includes(':') || parts[0] === 'localhost')) parts.shift();
  if (parts[0] === 'library') parts.shift();
  return parts.join('/');
}

/** What a container does, decided by its image (and, for go-httpbin, its PORT env). */
export function classifyContainer(container: Obj): ContainerKind {
  const image = typeof container.image === 'string' ? container.image : '';
  const repo = imageRepository(image);
  const env = (container.env as Obj[] | undefined) ?? [];
  const envPort = env.find((e) => e.name === 'PORT')?.value;
  if (repo === 'kennethreitz/httpbin' || repo === 'citizenstig/httpbin' || repo === 'httpbin') return { kind: 'httpbin', flavour: 'python', port: gunicornPort(container) };
  if (repo === 'mccutchen/go-httpbin' || repo === 'istio/httpbin' || repo.endsWith('/go-httpbin')) {
    // go-httpbin takes its port from `-port N` (or `--port=N`), else the PORT variable, else 8080.
    const argv = [...(((container.command as unknown[] | undefined) ?? []) as unknown[]), ...(((container.args as unknown[] | undefined) ?? []) as unknown[])].map(String);
    const flagAt = argv.findIndex((a) => a === '-port' || a === '--port');
    const flagEq = argv.find((a) => /^--?port=\d+$/.test(a))?.split('=')[1];
    const candidate = flagEq ?? (flagAt >= 0 ? argv[flagAt + 1] : undefined) ?? (typeof envPort === 'string' ? envPort : undefined);
    const port = candidate !== undefined && /^\d{1,5}$/.test(candidate) && Number(candidate) > 0 && Number(candidate) < 65536 ? Number(candidate) : 8080;
    return { kind: 'httpbin', flavour: 'go', port };
  }
  if (repo === 'curlimages/curl' || repo.endsWith('/curl') || repo.endsWith('/sleep') || repo === 'curl' || repo === 'sleep' || repo === 'busybox' || repo === 'alpine') return { kind: 'client' };
  if (repo.endsWith('/proxyv2') || repo === 'proxyv2' || image === 'auto') return { kind: 'proxy' };
  return { kind: 'other' };
}

interface RunningPod {
  servers: Server[];
  ip?: string;
  registrations: { ip: string; port: number; loopbackPort: number }[];
}

export interface WorkloadRuntimeOptions {
  network: ClusterNetwork;
  logs: LogBook;
  now?: () => Date;
}

export class WorkloadRuntime implements PodRuntime {
  private readonly pods = new Map<string, RunningPod>();
  private readonly now: () => Date;

  constructor(private readonly o: WorkloadRuntimeOptions) {
    this.now = o.now ?? (() => new Date());
  }

  private key(pod: KubeObject): string {
    return `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name}/${pod.metadata.uid ?? ''}`;
  }

  async startPod(pod: KubeObject): Promise<void> {
    const key = this.key(pod);
    if (this.pods.has(key)) return;
    const running: RunningPod = { servers: [], registrations: [] };
    this.pods.set(key, running);
    const ip = (pod.status as Obj | undefined)?.podIP;
    running.ip = typeof ip === 'string' ? ip : undefined;
    const ns = pod.metadata.namespace ?? 'default';
    const containers = ((pod.spec as Obj | undefined)?.containers as Obj[] | undefined) ?? [];
    try {
      for (const c of containers) {
        const name = typeof c.name === 'string' ? c.name : 'app';
        const kind = classifyContainer(c);
        if (kind.kind !== 'httpbin') continue;
        const server = await this.startHttpbin(ns, pod.metadata.name, name, kind.flavour, httpbinServerLog(c, kind.flavour, kind.port));
        running.servers.push(server);
        if (running.ip) {
          const loopbackPort = (server.address() as AddressInfo).port;
          this.o.network.register(running.ip, kind.port, loopbackPort);
          running.registrations.push({ ip: running.ip, port: kind.port, loopbackPort });
        }
      }
    } catch (err) {
      await this.stopPod(pod);
      throw err;
    }
  }

  async stopPod(pod: KubeObject): Promise<void> {
    const key = this.key(pod);
    const running = this.pods.get(key);
    if (!running) {
      // stopPod may come with only name/namespace/uid: match by prefix when uid is absent.
      const prefix = `${pod.metadata.namespace ?? 'default'}/${pod.metadata.name}/`;
      for (const k of [...this.pods.keys()]) if (k.startsWith(prefix) && (!pod.metadata.uid || k === key)) await this.stopKey(k);
      return;
    }
    await this.stopKey(key);
  }

  private async stopKey(key: string): Promise<void> {
    const running = this.pods.get(key);
    if (!running) return;
    this.pods.delete(key);
    for (const r of running.registrations) this.o.network.unregister(r.ip, r.port, r.loopbackPort);
    await Promise.all(running.servers.map((s) => new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    })));
  }

  async stopAll(): Promise<void> {
    for (const k of [...this.pods.keys()]) await this.stopKey(k);
  }

  private startHttpbin(ns: string, pod: string, container: string, flavour: HttpbinFlavour, serverLog: ServerLog): Promise<Server> {
    const log = (text: string) => this.o.logs.append(ns, pod, container, text);
    const server = createServer({ maxHeaderSize: 64 * 1024 }, (req, res) => {
      serveHttpbin(flavour, req, res, (status, bytes, durationMs) => {
        const remoteAddress = peerOf(req.socket) ?? (req.socket.remoteAddress ?? '-').replace(/^::ffff:/, '');
        const line = serverLog.request({ remoteAddress, method: req.method ?? 'GET', url: req.url ?? '/', httpVersion: req.httpVersion, status, bytes, durationMs, headers: req.headers }, this.now());
        if (line !== undefined) log(line);
      });
    });
    server.keepAliveTimeout = 5000;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject);
        for (const line of serverLog.startup(this.now())) log(line);
        resolve(server);
      });
    });
  }
}

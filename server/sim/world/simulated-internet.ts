// The simulated internet: one per process, shared by every embedded cluster. Each named host gets
// its own loopback listeners, one plain HTTP (port 80) and one HTTPS with ALPN h2 and http/1.1
// (port 443), so a connection to a host reaches that host whatever Host header it sends, as on
// the real internet. Started by the first `acquireSimulatedInternet()`, stopped when the last
// holder releases it.
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createSecureServer, type Http2SecureServer } from 'node:http2';
import type { AddressInfo, Socket } from 'node:net';
import type { ExternalNetwork, LoopbackAddress } from './external-network.ts';
import { ChartRepository, CHART_REPO_HOST } from './chart-repository.ts';
import { GitHubSite, GITHUB_HOST } from './github.ts';
import { httpbinOrg, type AnyRequest, type AnyResponse } from './httpbin-org.ts';
import { editionCnnCom, wwwGoogleCom } from './named-sites.ts';
import { caBundle, createWorldCertificates, type WorldCertificates } from './world-ca.ts';

type SiteHandler = (req: AnyRequest, res: AnyResponse, scheme: 'http' | 'https') => void | Promise<void>;

export const WORLD_HOSTS = ['httpbin.org', 'edition.cnn.com', 'www.google.com', CHART_REPO_HOST, GITHUB_HOST] as const;

interface SiteListeners {
  http: HttpServer;
  https: Http2SecureServer;
  sockets: Set<Socket>[];
  httpPort: number;
  httpsPort: number;
}

/** A normalised host name (lower case, no trailing dot) or undefined when it is not a plausible DNS name. */
export function normalizeHost(host: string): string | undefined {
  const h = host.trim().toLowerCase().replace(/\.$/, '');
  if (h.length === 0 || h.length > 253 || !/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(h)) return undefined;
  return h;
}

function listen(server: HttpServer | Http2SecureServer): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

/** Remember a server's raw connections, so stopping can end kept-alive HTTP/1.1 and HTTP/2 clients. */
function trackConnections(server: HttpServer | Http2SecureServer): Set<Socket> {
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  return sockets;
}

function close(server: HttpServer | Http2SecureServer, sockets: Set<Socket>): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    for (const s of sockets) s.destroy();
  });
}

function guard(handler: SiteHandler, scheme: 'http' | 'https') {
  return (req: AnyRequest, res: AnyResponse) => {
    Promise.resolve(handler(req, res, scheme)).catch(() => {
      if (!res.headersSent) {
        res.statusCode = 500;
        res.end();
      } else res.destroy?.();
    });
  };
}

export class SimulatedInternet implements ExternalNetwork {
  private readonly sites = new Map<string, SiteListeners>();
  private readonly github = new GitHubSite();

  private constructor(readonly certificates: WorldCertificates) {}

  static async start(): Promise<SimulatedInternet> {
    const world = new SimulatedInternet(createWorldCertificates([...WORLD_HOSTS]));
    const charts = await ChartRepository.build();
    const handlers: Record<string, SiteHandler> = {
      'httpbin.org': httpbinOrg,
      'edition.cnn.com': editionCnnCom,
      'www.google.com': wwwGoogleCom,
      [CHART_REPO_HOST]: (req, res) => charts.handle(req, res),
      [GITHUB_HOST]: (req, res) => world.github.handle(req, res),
    };
    try {
      for (const [host, handler] of Object.entries(handlers)) {
        const http = createHttpServer(guard(handler, 'http'));
        http.keepAliveTimeout = 5000;
        const https = createSecureServer(
          { cert: world.certificates.serverCert, key: world.certificates.serverKey, allowHTTP1: true, ALPNProtocols: ['h2', 'http/1.1'] },
          guard(handler, 'https'),
        );
        // Raw TLS errors (a client giving up mid-handshake) must not crash the process.
        https.on('tlsClientError', () => {});
        https.on('sessionError', () => {});
        const sockets = [trackConnections(http), trackConnections(https)];
        const [httpPort, httpsPort] = await Promise.all([listen(http), listen(https)]);
        world.sites.set(host, { http, https, sockets, httpPort, httpsPort });
      }
    } catch (err) {
      await world.stop();
      throw err;
    }
    return world;
  }

  /** The world's host names. */
  get hosts(): string[] {
    return [...this.sites.keys()];
  }

  /** Whether the name resolves at all (a known host, whatever the port). */
  resolves(host: string): boolean {
    const h = normalizeHost(host);
    return h !== undefined && this.sites.has(h);
  }

  lookup(host: string, port: number): LoopbackAddress | undefined {
    const h = normalizeHost(host);
    const site = h === undefined ? undefined : this.sites.get(h);
    if (!site) return undefined;
    if (port === 80) return { host: '127.0.0.1', port: site.httpPort };
    if (port === 443) return { host: '127.0.0.1', port: site.httpsPort };
    return undefined;
  }

  /** PEM of the CA that signs every world certificate. */
  get caCert(): string {
    return this.certificates.caCert;
  }

  /** The system's CAs followed by the world's CA: the file clients get as CURL_CA_BUNDLE / SSL_CERT_FILE. */
  caBundle(): string {
    return caBundle(this.certificates.caCert);
  }

  async stop(): Promise<void> {
    const all = [...this.sites.values()];
    this.sites.clear();
    this.github.close();
    await Promise.all(all.flatMap((s) => [close(s.http, s.sockets[0]!), close(s.https, s.sockets[1]!)]));
  }
}

let shared: { world: Promise<SimulatedInternet>; holders: number } | undefined;

export interface SimulatedInternetLease {
  world: SimulatedInternet;
  /** Give the lease back; the last release stops the world. Idempotent. */
  release(): Promise<void>;
}

/** Take a lease on the process's simulated internet, starting it if nobody holds one. */
export async function acquireSimulatedInternet(): Promise<SimulatedInternetLease> {
  if (!shared) {
    const starting = SimulatedInternet.start();
    shared = { world: starting, holders: 0 };
    starting.catch(() => {
      if (shared?.world === starting) shared = undefined;
    });
  }
  const entry = shared;
  entry.holders++;
  let world: SimulatedInternet;
  try {
    world = await entry.world;
  } catch (err) {
    entry.holders--;
    throw err;
  }
  let released = false;
  return {
    world,
    async release() {
      if (released) return;
      released = true;
      entry.holders--;
      if (entry.holders === 0 && shared === entry) {
        shared = undefined;
        await world.stop();
      }
    },
  };
}

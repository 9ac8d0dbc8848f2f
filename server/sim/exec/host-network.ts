// The learner's own machine on the simulated internet (their terminal and the runner's commands):
// dynamically linked programs (curl, wget, bash's /dev/tcp) go through proxychains to a loopback
// "laptop uplink" that reaches only the simulated internet's hosts (anything else fails like a
// DNS failure); helm, a static Go binary that LD_PRELOAD cannot reach, gets a wrapper script that
// points it at the same uplink as its HTTP(S) proxy. Loopback (the API server, the ingress
// gateway's node ports) stays direct. Every file is written under the cluster's directory, so a
// sandbox binding it at the same path sees the same environment.
import { connect, type AddressInfo, type Socket } from 'node:net';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ExternalNetwork } from '../world/external-network.ts';
import { LaptopNames, type OutsideWorld } from './pod-names.ts';
import { proxychainsConfig, proxychainsEnv, proxychainsLibrary } from './proxychains-config.ts';
import { parseConnectLine } from './sidecar-interceptor.ts';
import { startRemoteDns, type NameTable, type RemoteDnsServer } from './remote-dns.ts';

export interface HostNetworkWorld extends ExternalNetwork, OutsideWorld {
  caBundle(): string;
}

export interface HostNetworkOptions {
  clusterDir: string;
  world: HostNetworkWorld;
  /** Absolute path of the real helm binary the wrapper runs. */
  helmPath: string;
}

const MAX_TUNNELS = 256;

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The helm wrapper: proxies only for helm, loopback direct. */
export function helmWrapper(helmPath: string, proxyPort: number): string {
  const proxy = `http://127.0.0.1:${proxyPort}`;
  return [
    '#!/bin/sh',
    '# meshlab: helm reaches the simulated internet through this cluster\'s uplink (generated).',
    `HTTPS_PROXY=${proxy} HTTP_PROXY=${proxy} https_proxy=${proxy} http_proxy=${proxy} NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost`,
    'export HTTPS_PROXY HTTP_PROXY https_proxy http_proxy NO_PROXY no_proxy',
    `exec ${shellQuote(helmPath)} "$@"`,
    '',
  ].join('\n');
}

/** The uplink: CONNECT tunnels and absolute-form HTTP requests to the simulated internet only. */
function createUplink(world: ExternalNetwork, names: NameTable, sockets: Set<Socket>): Server {
  const targetOf = (host: string, port: number) => {
    const name = names.nameOf(host) ?? host;
    return world.lookup(name, port);
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let url: URL;
    try {
      url = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end();
      return;
    }
    const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
    const address = url.protocol === 'http:' ? targetOf(url.hostname, port) : undefined;
    if (!address) {
      res.writeHead(502, { 'content-length': '0' }).end();
      return;
    }
    const headers = { ...req.headers };
    delete headers['proxy-connection'];
    delete headers['proxy-authorization'];
    const upstream = httpRequest({ host: address.host, port: address.port, method: req.method, path: `${url.pathname}${url.search}`, headers }, (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    });
    upstream.on('error', () => (res.headersSent ? res.destroy() : res.writeHead(502, { 'content-length': '0' }).end()));
    req.pipe(upstream);
  });
  server.on('connect', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    socket.on('error', () => {});
    const target = parseConnectLine(`CONNECT ${req.url ?? ''} HTTP/1.1`);
    const address = target ? targetOf(target.host, target.port) : undefined;
    if (!address || sockets.size >= MAX_TUNNELS) {
      socket.end('HTTP/1.1 502 Bad Gateway\r\ncontent-length: 0\r\n\r\n');
      return;
    }
    const upstream = connect(address.port, address.host);
    sockets.add(upstream);
    sockets.add(socket);
    upstream.on('error', () => socket.destroy());
    // A clean end travels through the pipes (pending bytes are flushed); an error resets.
    upstream.once('close', () => sockets.delete(upstream));
    socket.once('close', () => {
      sockets.delete(socket);
      upstream.destroy();
    });
    upstream.once('connect', () => {
      socket.write('HTTP/1.1 200 Connection established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      socket.pipe(upstream);
      upstream.pipe(socket);
    });
  });
  server.on('clientError', (_e, socket) => socket.destroy());
  return server;
}

export class HostNetwork {
  private constructor(
    /** The uplink as an HTTP proxy URL (what helm's wrapper sets as HTTP(S)_PROXY). */
    readonly proxyUrl: string,
    readonly binDir: string,
    readonly configPath: string,
    readonly caBundlePath: string,
    private readonly server: Server,
    private readonly dns: RemoteDnsServer,
    private readonly sockets: Set<Socket>,
  ) {}

  static async start(options: HostNetworkOptions): Promise<HostNetwork> {
    const networkDir = join(options.clusterDir, 'network');
    const binDir = join(options.clusterDir, 'bin');
    mkdirSync(networkDir, { recursive: true, mode: 0o755 });
    mkdirSync(binDir, { recursive: true, mode: 0o755 });
    const names = new LaptopNames(options.world);
    const sockets = new Set<Socket>();
    const server = createUplink(options.world, names, sockets);
    const port = await new Promise<number>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
    });
    let dns: RemoteDnsServer;
    try {
      dns = await startRemoteDns(names);
    } catch (err) {
      server.close();
      throw err;
    }
    const configPath = join(networkDir, 'laptop-proxychains.conf');
    const caBundlePath = join(networkDir, 'ca-bundle.pem');
    writeFileSync(configPath, proxychainsConfig({ proxyPort: port, dnsPort: dns.port }), { mode: 0o644 });
    writeFileSync(caBundlePath, options.world.caBundle(), { mode: 0o644 });
    const helm = join(binDir, 'helm');
    writeFileSync(helm, helmWrapper(options.helmPath, port), { mode: 0o755 });
    chmodSync(helm, 0o755);
    return new HostNetwork(`http://127.0.0.1:${port}`, binDir, configPath, caBundlePath, server, dns, sockets);
  }

  /**
   * Environment for the learner's shell and runner commands. `PATH` holds only the wrapper
   * directory: it must come before the directory of the real helm.
   */
  env(): Record<string, string> {
    return {
      // Without proxychains installed the shell simply has no simulated internet (doctor says why).
      ...(proxychainsLibrary() ? proxychainsEnv(this.configPath) : {}),
      CURL_CA_BUNDLE: this.caBundlePath,
      SSL_CERT_FILE: this.caBundlePath,
      // git's HTTPS (libcurl with GnuTLS) reads neither of those: `kubectl kustomize github.com/...` clones with it.
      GIT_SSL_CAINFO: this.caBundlePath,
      PATH: this.binDir,
    };
  }

  /** The uplink's loopback ports (HTTP proxy, and the DNS proxychains asks) for a sandbox's network gate. */
  ports(): { tcp: number[]; udp: number[] } {
    return { tcp: [Number(new URL(this.proxyUrl).port)], udp: [this.dns.port] };
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    this.server.closeAllConnections();
    await Promise.all([new Promise<void>((r) => this.server.close(() => r())), this.dns.close()]);
  }
}

/** Start the laptop uplink for a cluster and return it (call `env()` for the variables, `stop()` at the end). */
export function startHostNetwork(options: HostNetworkOptions): Promise<HostNetwork> {
  return HostNetwork.start(options);
}

// The transparent interception point of one pod's processes: proxychains turns every TCP
// connect() into `CONNECT host:port` to this loopback listener, and its remote DNS daemon (also
// here) answers name lookups with the pod's view of DNS. Each tunnelled connection is then
// handled as Istio's sidecar would: plain HTTP ports are parsed and each request handed to the
// mesh (`handleOutboundHttp`); other ports (TLS, opaque TCP) are routed as a whole
// (`routeOutboundTcp`, with the TLS server name when there is one) and piped or reset.
// `pod` null means a pod without a sidecar: same transport, the mesh routes it directly.
import { createServer as createHttpServer } from 'node:http';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { LogBook } from '../logs/log-book.ts';
import { formatAccessLog } from '../mesh/access-log.ts';
import type { KubeObject } from '../store/object-store.ts';
import type { OutboundTarget, SidecarDataPlane } from '../mesh/sidecar-data-plane.ts';
import type { LoopbackAddress } from '../world/external-network.ts';
import { startRemoteDns, type NameTable, type RemoteDnsServer } from './remote-dns.ts';
import { serverNameOf, looksLikeTls } from './tls-client-hello.ts';
import { EPHEMERAL_PORT_FIRST, EPHEMERAL_PORT_LAST } from '../network/ephemeral-port.ts';
import type { Logger } from 'pino';
import { componentLogger, createLogger } from '../../util/logger.ts';

let logger: Logger | undefined;
const execLog = (): Logger => (logger ??= componentLogger(createLogger(), 'exec'));

const MAX_CONNECT_HEAD = 8 * 1024;
const HEAD_TIMEOUT_MS = 10_000;
/** How long to wait for a client's first bytes (a TLS ClientHello) before routing without them. */
const FIRST_BYTES_TIMEOUT_MS = 1_000;
const MAX_CONNECTIONS = 256;
const CONNECT_REPLY = 'HTTP/1.0 200 Connection established\r\n\r\n';

export interface InterceptorOptions {
  /** The pod whose sidecar this is, or null for a pod without one. */
  pod: KubeObject | null;
  dataPlane: SidecarDataPlane;
  names: NameTable;
  /**
   * Where the pod's own port is served, for connections to its loopback (localhost:8080 in an
   * httpbin pod); undefined = nothing listens (connection refused). Istio never intercepts loopback.
   */
  podLoopback?: (port: number) => LoopbackAddress | undefined;
  /** Where the pod's istio-proxy log lines go (TCP connections; the mesh logs HTTP requests). */
  logs?: LogBook;
  now?: () => Date;
}

export interface Interceptor {
  proxyPort: number;
  dnsPort: number;
  close(): Promise<void>;
}

/** Parse `CONNECT host:port HTTP/1.x`; undefined when malformed. */
export function parseConnectLine(line: string): OutboundTarget | undefined {
  const m = /^CONNECT (\S+) HTTP\/1\.[01]$/.exec(line);
  if (!m) return undefined;
  const authority = m[1]!;
  const hp = /^(?:\[([0-9a-fA-F:.]+)\]|([A-Za-z0-9_.-]{1,253})):(\d{1,5})$/.exec(authority);
  if (!hp) return undefined;
  const port = Number(hp[3]);
  if (port < 1 || port > 65535) return undefined;
  return { host: (hp[1] ?? hp[2]!).toLowerCase(), port };
}

/** Read the CONNECT request head; resolves with the target and any bytes after the head. */
function readConnectHead(socket: Socket): Promise<{ target: OutboundTarget; rest: Buffer } | undefined> {
  return new Promise((resolve) => {
    let buf = Buffer.alloc(0);
    const done = (v: { target: OutboundTarget; rest: Buffer } | undefined) => {
      clearTimeout(timer);
      socket.removeListener('data', onData);
      socket.removeListener('close', onClose);
      // Without a data listener a flowing socket would drop bytes: hold them for the next reader.
      socket.pause();
      resolve(v);
    };
    const timer = setTimeout(() => done(undefined), HEAD_TIMEOUT_MS);
    const onClose = () => done(undefined);
    const onData = (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      const end = buf.indexOf('\r\n\r\n');
      if (end === -1) {
        if (buf.length > MAX_CONNECT_HEAD) done(undefined);
        return;
      }
      const line = buf.subarray(0, end).toString('latin1').split('\r\n')[0] ?? '';
      const target = parseConnectLine(line);
      done(target ? { target, rest: buf.subarray(end + 4) } : undefined);
    };
    socket.on('data', onData);
    socket.once('close', onClose);
  });
}

/** The client's first bytes (or an empty buffer after the timeout or on close). */
function firstBytes(socket: Socket, already: Buffer): Promise<Buffer> {
  if (already.length > 0) return Promise.resolve(already);
  return new Promise((resolve) => {
    const done = (b: Buffer) => {
      clearTimeout(timer);
      socket.removeListener('data', onData);
      socket.removeListener('close', onClose);
      socket.pause();
      resolve(b);
    };
    const timer = setTimeout(() => done(Buffer.alloc(0)), FIRST_BYTES_TIMEOUT_MS);
    const onData = (b: Buffer) => done(b);
    const onClose = () => done(Buffer.alloc(0));
    socket.on('data', onData);
    socket.once('close', onClose);
    socket.resume();
  });
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

function reset(socket: Socket): void {
  if (typeof socket.resetAndDestroy === 'function' && !socket.destroyed) socket.resetAndDestroy();
  else socket.destroy();
}

let ephemeralPort = 40_000 + Math.floor(Math.random() * 10_000);
function nextEphemeralPort(): number {
  ephemeralPort = ephemeralPort >= EPHEMERAL_PORT_LAST ? EPHEMERAL_PORT_FIRST : ephemeralPort + 1;
  return ephemeralPort;
}

export async function startInterceptor(options: InterceptorOptions): Promise<Interceptor> {
  const { pod, dataPlane } = options;
  const now = options.now ?? (() => new Date());
  const podIP = (pod?.status as { podIP?: string } | undefined)?.podIP;

  /** Envoy's TCP proxy access log line (Istio's default format), written when the connection ends. */
  const logTcp = (target: OutboundTarget & { sni?: string }, cluster: string, flags: string, start: Date, down: Socket, headBytes: number, upstreamOpen: boolean) => {
    if (!pod || !options.logs) return;
    let ip: string | undefined;
    try {
      ip = /^\d+\.\d+\.\d+\.\d+$/.test(target.host) ? target.host : options.names.addressOf(target.host);
    } catch {
      ip = undefined; // an unresolvable host: the access log names the host without an address
    }
    const original = ip ? `${ip}:${target.port}` : undefined;
    const line = formatAccessLog({
      start,
      method: '-',
      path: '-',
      protocol: '-',
      status: 0,
      flags,
      details: '-',
      bytesReceived: Math.max(0, down.bytesRead - headBytes),
      bytesSent: Math.max(0, down.bytesWritten - CONNECT_REPLY.length),
      durationMs: now().getTime() - start.getTime(),
      upstreamHost: upstreamOpen ? original : undefined,
      upstreamCluster: cluster,
      upstreamLocalAddress: upstreamOpen && podIP ? `${podIP}:${nextEphemeralPort()}` : undefined,
      downstreamLocalAddress: original,
      downstreamRemoteAddress: podIP ? `${podIP}:${nextEphemeralPort()}` : undefined,
      requestedServerName: target.sni,
    });
    options.logs.append(pod.metadata.namespace ?? 'default', pod.metadata.name, 'istio-proxy', line);
  };
  const targets = new WeakMap<Socket, OutboundTarget>();
  const sockets = new Set<Socket>();

  // Requests read from tunnelled plain-HTTP connections; never listens itself.
  const http = createHttpServer((req, res) => {
    const target = targets.get(req.socket as Socket);
    if (!target) {
      res.destroy();
      return;
    }
    try {
      dataPlane.handleOutboundHttp(pod, target, req, res);
    } catch (err) {
      execLog().error({ err, pod: pod?.metadata.name, target }, 'sidecar failed to route an outbound request; answered 503');
      if (!res.headersSent) {
        res.statusCode = 503;
        res.setHeader('server', 'envoy');
        res.setHeader('content-length', '0');
        res.end();
      } else res.destroy();
    }
  });
  http.on('clientError', (_err, socket) => socket.destroy());

  const handle = async (socket: Socket) => {
    socket.on('error', () => {});
    const head = await readConnectHead(socket);
    if (!head) {
      if (!socket.destroyed) socket.end('HTTP/1.0 400 Bad Request\r\n\r\n');
      return;
    }
    const { target, rest } = head;
    if (isLoopback(target.host)) {
      const own = options.podLoopback?.(target.port);
      if (!own) {
        // proxychains turns a refused CONNECT into ECONNREFUSED for the application.
        socket.end('HTTP/1.0 503 Service Unavailable\r\n\r\n');
        return;
      }
      socket.write(CONNECT_REPLY);
      pipeTo(socket, own, rest);
      return;
    }
    // What the application sent and got is the stream after the CONNECT exchange.
    const headBytes = socket.bytesRead - rest.length;
    socket.write(CONNECT_REPLY);
    let isHttp = false;
    try {
      isHttp = dataPlane.isHttpPort(pod, target);
    } catch {
      isHttp = false; // a target the mesh cannot place is passed through as plain TCP, as Envoy's passthrough does
    }
    if (isHttp) {
      targets.set(socket, target);
      if (rest.length > 0) socket.unshift(rest);
      http.emit('connection', socket);
      socket.resume();
      return;
    }
    socket.pause();
    const first = await firstBytes(socket, rest);
    if (socket.destroyed) return;
    const sni = looksLikeTls(first) ? serverNameOf(first) : undefined;
    let decision: ReturnType<SidecarDataPlane['routeOutboundTcp']>;
    try {
      decision = dataPlane.routeOutboundTcp(pod, sni ? { ...target, sni } : target);
    } catch (err) {
      decision = { kind: 'deny', reason: String(err) };
    }
    const started = now();
    const routed = sni ? { ...target, sni } : target;
    if (decision.kind === 'deny') {
      // Envoy sends what it cannot route to the BlackHoleCluster, which has no hosts (UH).
      reset(socket);
      logTcp(routed, 'BlackHoleCluster', 'UH', started, socket, headBytes, false);
      return;
    }
    const cluster = decision.cluster;
    let upstreamOpen = false;
    socket.once('close', () => logTcp(routed, cluster, upstreamOpen ? '-' : 'UF', started, socket, headBytes, upstreamOpen));
    pipeTo(socket, decision.address, first, () => (upstreamOpen = true));
  };

  /** Splice the client's stream onto a loopback upstream, starting with bytes already read. */
  const pipeTo = (socket: Socket, address: LoopbackAddress, first: Buffer, onOpen?: () => void) => {
    const upstream = connect(address.port, address.host);
    sockets.add(upstream);
    // A clean end travels through the pipes (pending bytes are flushed); an error resets.
    upstream.once('close', () => sockets.delete(upstream));
    upstream.on('error', () => reset(socket));
    socket.once('close', () => upstream.destroy());
    upstream.once('connect', () => {
      onOpen?.();
      if (first.length > 0) upstream.write(first);
      socket.pipe(upstream);
      upstream.pipe(socket);
      socket.resume();
    });
  };

  const server: Server = createServer((socket) => {
    if (sockets.size >= MAX_CONNECTIONS) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    handle(socket).catch((err: unknown) => {
      execLog().error({ err }, 'sidecar interceptor connection failed');
      socket.destroy();
    });
  });
  server.on('error', (err) => execLog().error({ err }, 'sidecar interceptor listener failed'));

  const proxyPort = await new Promise<number>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
  let dns: RemoteDnsServer;
  try {
    dns = await startRemoteDns(options.names);
  } catch (err) {
    server.close();
    throw err;
  }

  return {
    proxyPort,
    dnsPort: dns.port,
    async close() {
      for (const s of sockets) s.destroy();
      await Promise.all([new Promise<void>((r) => server.close(() => r())), dns.close()]);
      http.close();
    },
  };
}

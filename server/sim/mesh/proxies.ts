// Which pods are Istio gateways, and the real sockets their listeners get: one per
// LoadBalancer/NodePort Service port on 127.0.0.1:<nodePort> (what `$INGRESS_HOST:$INGRESS_PORT`
// reaches), and one per gateway pod and target port, registered in the cluster network as
// podIP:targetPort (how sidecars reach an egress gateway).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createSecureServer, createServer as createH2cServer, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import { connect as netConnect, createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { parseSni } from './sni.ts';
import type { SecureContext, TLSSocket } from 'node:tls';
import type { KubeObject } from '../store/object-store.ts';
import type { ClusterNetwork } from '../network/cluster-network.ts';
import { servicePorts } from '../network/cluster-network.ts';
import { connectAs, peerOf } from './peer-identity.ts';

type Obj = Record<string, unknown>;

/** The node's side of the pod network: what kind's kube-proxy SNATs node-port traffic to. */
export const NODE_PORT_SOURCE_IP = '10.244.0.1';

/** pilot-agent's health port on every Istio proxy. */
export const STATUS_PORT = 15021;

/** GET /healthz/ready → 200 with an empty body, as pilot-agent answers once Envoy is ready. */
function statusHandler(req: IncomingMessage, res: ServerResponse): void {
  req.resume();
  res.sendDate = false;
  res.removeHeader('connection');
  res.appendHeader('date', new Date().toUTCString());
  res.appendHeader('content-length', '0');
  res.writeHead((req.url ?? '').split('?')[0] === '/healthz/ready' ? 200 : 404);
  res.end();
}

/** A pod running Istio's proxy as a gateway (router mode), not as a sidecar. */
export function isGatewayPod(pod: KubeObject): boolean {
  const a = pod.metadata.annotations ?? {};
  if (String(a['inject.istio.io/templates'] ?? '').split(',').map((t) => t.trim()).includes('gateway')) return true;
  const containers = ((pod.spec as Obj | undefined)?.containers as Obj[] | undefined) ?? [];
  return containers.some((c) => c.name === 'istio-proxy' && Array.isArray(c.args) && (c.args as unknown[]).includes('router'));
}

export function podIPOf(pod: KubeObject): string | undefined {
  const ip = (pod.status as Obj | undefined)?.podIP;
  return typeof ip === 'string' && ip ? ip : undefined;
}

export function isRunning(pod: KubeObject): boolean {
  return (pod.status as Obj | undefined)?.phase === 'Running' && !pod.metadata.deletionTimestamp && !!podIPOf(pod);
}

function selects(svc: KubeObject, pod: KubeObject): boolean {
  const sel = (svc.spec as Obj | undefined)?.selector as Record<string, string> | undefined;
  if (!sel || !Object.keys(sel).length) return false;
  if ((svc.metadata.namespace ?? 'default') !== (pod.metadata.namespace ?? 'default')) return false;
  const labels = pod.metadata.labels ?? {};
  return Object.entries(sel).every(([k, v]) => labels[k] === v);
}

/** A Service targetPort (number or container port name) on a pod. */
export function resolveTargetPort(pod: KubeObject, target: number | string): number | undefined {
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  for (const c of ((pod.spec as Obj | undefined)?.containers as Obj[] | undefined) ?? []) {
    for (const p of (c.ports as Obj[] | undefined) ?? []) if (p.name === target && typeof p.containerPort === 'number') return p.containerPort;
  }
  return undefined;
}

export interface GatewayRequestTarget {
  pod: KubeObject;
  /** The Service port (Gateway server port numbers are Service ports). */
  servicePort: number;
  /** The pod port the proxy listens on (DOWNSTREAM_LOCAL_ADDRESS). */
  targetPort: number;
  remoteAddress: string;
}

export type GatewayHandler = (target: GatewayRequestTarget, req: IncomingMessage, res: ServerResponse) => void;

export interface TcpRoute {
  address: { host: string; port: number };
  /** Called once when the connection ends (access log). */
  done(bytesReceived: number, bytesSent: number, durationMs: number): void;
}

/** The client connection preface of HTTP/2 (RFC 9113 §3.4). */
const H2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

interface ListenerSpec {
  key: string;
  kind: 'nodePort' | 'pod';
  secure: boolean;
  passthrough: boolean;
  /** The status port (15021): health answers from pilot-agent, not routing. */
  status: boolean;
  /**
   * TLS ports with MUTUAL or OPTIONAL_MUTUAL servers: the handshake asks for the client's
   * certificate; `required` fails it without one (TLS 1.3 alert certificate required).
   */
  clientCert?: 'required' | 'optional';
  bindPort: number; // 0 = any
  /** nodePort: the Service; pod: the pod and its ports. */
  service?: { namespace: string; name: string; port: number; targetPort: number | string; pods: string[] };
  pod?: { namespace: string; name: string; ip: string; servicePort: number; targetPort: number };
}

interface Listener {
  spec: ListenerSpec;
  server: Server | NetServer;
  sockets: Set<Socket>;
  loopbackPort: number;
}

export class GatewayListeners {
  private readonly listeners = new Map<string, Listener>();
  private readonly rr = new Map<string, number>();
  private stopped = false;
  /** Node ports that could not be bound (in use by something else), for diagnostics. */
  readonly bindErrors = new Map<string, string>();

  constructor(
    private readonly network: ClusterNetwork,
    private readonly pods: () => KubeObject[],
    private readonly services: () => KubeObject[],
    private readonly handler: GatewayHandler,
    private readonly pod: (namespace: string, name: string) => KubeObject | undefined,
    /** Whether the pod's proxy has a Gateway server on that Service port (Envoy has a listener), and which kind. */
    private readonly serves: (pod: KubeObject, servicePort: number) => 'http' | 'https' | 'tls' | undefined,
    /** The certificate for an SNI name on a TLS port (from the Gateway server's credentialName). */
    private readonly tlsContext: (pod: KubeObject, servicePort: number, servername: string) => SecureContext | undefined,
    /** Where a passed-through TLS connection for an SNI name goes (VS tls routes), with its log writer. */
    private readonly tcpRoute?: (pod: KubeObject, servicePort: number, targetPort: number, sni: string, remoteAddress: string) => TcpRoute | undefined,
    /** Whether a TLS port's servers ask for the client's certificate (MUTUAL: required; OPTIONAL_MUTUAL: optional). */
    private readonly clientCertificate?: (pod: KubeObject, servicePort: number) => 'required' | 'optional' | 'mixed' | undefined,
  ) {}

  /** Bring the sockets in line with the Services and gateway pods now in the store. */
  async reconcile(): Promise<void> {
    if (this.stopped) return;
    const gwPods = this.pods().filter((p) => isGatewayPod(p) && isRunning(p));
    const desired = new Map<string, ListenerSpec>();
    for (const svc of this.services()) {
      const spec = (svc.spec as Obj | undefined) ?? {};
      const ns = svc.metadata.namespace ?? 'default';
      const targets = gwPods.filter((p) => selects(svc, p));
      if (!targets.length) continue;
      for (const port of servicePorts(svc)) {
        if (port.protocol !== 'TCP') continue;
        // pilot-agent's status port answers /healthz/ready whatever the Gateways say.
        const status = targets.some((p) => resolveTargetPort(p, port.targetPort) === STATUS_PORT);
        const kinds = targets.map((p) => (status ? 'status' : this.serves(p, port.port)));
        const serving = targets.filter((_p, i) => kinds[i] !== undefined);
        if (!serving.length) continue;
        const secure = kinds.find((k) => k !== undefined) === 'https';
        const isStatus = kinds.find((k) => k !== undefined) === 'status';
        const passthrough = kinds.find((k) => k !== undefined) === 'tls';
        const certModes = secure ? serving.map((p) => this.clientCertificate?.(p, port.port)) : [];
        // Envoy asks per filter chain (SNI); one Node server per port asks as its servers agree,
        // and optionally when they differ (a MUTUAL host beside a SIMPLE one is not enforced).
        const modes = new Set(certModes);
        const clientCert = modes.size === 1 && certModes[0] !== 'mixed' ? certModes[0] : certModes.some(Boolean) ? 'optional' : undefined;
        if ((spec.type === 'NodePort' || spec.type === 'LoadBalancer') && port.nodePort) {
          desired.set(`np:${port.nodePort}`, { key: `np:${port.nodePort}`, kind: 'nodePort', secure, passthrough, status: isStatus, ...(clientCert ? { clientCert } : {}), bindPort: port.nodePort, service: { namespace: ns, name: svc.metadata.name, port: port.port, targetPort: port.targetPort, pods: serving.map((p) => p.metadata.name).sort() } });
        }
        for (const pod of serving) {
          const tp = resolveTargetPort(pod, port.targetPort);
          const ip = podIPOf(pod)!;
          if (!tp) continue;
          const key = `pod:${ns}/${pod.metadata.name}:${ip}:${tp}`;
          if (!desired.has(key)) desired.set(key, { key, kind: 'pod', secure, passthrough, status: isStatus, ...(clientCert ? { clientCert } : {}), bindPort: 0, pod: { namespace: ns, name: pod.metadata.name, ip, servicePort: port.port, targetPort: tp } });
        }
      }
    }
    for (const [key, l] of [...this.listeners]) {
      const want = desired.get(key);
      if (!want || JSON.stringify(want) !== JSON.stringify(l.spec)) await this.close(key);
    }
    for (const [key, spec] of desired) {
      if (this.listeners.has(key)) continue;
      await this.open(spec);
    }
  }

  /** The node ports currently served (for tests and `shellEnv`). */
  nodePorts(): number[] {
    return [...this.listeners.values()].filter((l) => l.spec.kind === 'nodePort').map((l) => l.spec.bindPort);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    for (const key of [...this.listeners.keys()]) await this.close(key);
  }

  private async open(spec: ListenerSpec): Promise<void> {
    const sockets = new Set<Socket>();
    if (spec.passthrough) return this.openPassthrough(spec);
    const handler = spec.status ? statusHandler : (req: IncomingMessage, res: ServerResponse) => this.dispatch(spec, req, res);
    // TLS ports pick the certificate by SNI like Envoy's filter chain match; no match (or no
    // SNI) fails the handshake.
    // Envoy offers h2 and http/1.1 by ALPN on TLS ports, so curl speaks HTTP/2 there.
    const server: Server = spec.secure
      ? (createSecureServer(
          {
            allowHTTP1: true,
            // MUTUAL: the CA comes with each SNI's context; Node's server fails the handshake
            // without a valid client certificate as Envoy's require_client_certificate does.
            ...(spec.clientCert ? { requestCert: true, rejectUnauthorized: spec.clientCert === 'required' } : {}),
            maxSessionMemory: 10,
            settings: { maxHeaderListSize: 64 * 1024 },
            SNICallback: (servername, cb) => {
              const ctx = this.contextFor(spec, servername);
              if (ctx) cb(null, ctx);
              else cb(new Error(`no certificate for ${servername}`));
            },
          },
          handler as unknown as (req: Http2ServerRequest, res: Http2ServerResponse) => void,
        ) as unknown as Server)
      : createServer({ maxHeaderSize: 64 * 1024 }, handler);
    // A failed handshake: the alert goes out, then the connection closes as Envoy's delayed close
    // does (FIN, reading on for a moment), so the client reads the alert instead of a reset.
    if (spec.secure) {
      server.on('tlsClientError', (_err, socket) => {
        socket.end();
        setTimeout(() => socket.destroy(), 1000).unref();
      });
    }
    // OPTIONAL_MUTUAL: no certificate is fine, an untrusted one is not (Envoy validates what is presented).
    if (spec.clientCert === 'optional') {
      server.on('secureConnection', (socket: TLSSocket) => {
        if (!socket.authorized && socket.getPeerCertificate()?.raw) socket.destroy();
      });
    }
    server.keepAliveTimeout = 0; // no Node `Keep-Alive` header; idle sockets end by server.timeout
    server.timeout = 120_000;
    server.on('connection', (s: Socket) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    server.on('clientError', (_err, socket) => socket.destroy());
    // Plain-text HTTP ports take HTTP/1.1 and HTTP/2 with prior knowledge alike, as Envoy's
    // codec AUTO does: a sidecar whose cluster to this gateway is HTTP2 (its Service port named
    // `http2`) speaks h2c here.
    const front = spec.secure || spec.status ? server : this.plaintextFront(server, handler, sockets);
    const ok = await new Promise<boolean>((resolve) => {
      front.once('error', (err) => {
        this.bindErrors.set(spec.key, String((err as Error).message));
        resolve(false);
      });
      front.listen(spec.bindPort, '127.0.0.1', () => resolve(true));
    });
    if (!ok || this.stopped) {
      front.close();
      return;
    }
    this.bindErrors.delete(spec.key);
    this.listeners.set(spec.key, { spec, server: front, sockets, loopbackPort: (front.address() as AddressInfo).port });
    if (spec.pod) this.network.register(spec.pod.ip, spec.pod.targetPort, (front.address() as AddressInfo).port);
  }

  /**
   * A TCP listener that hands each connection to `h1`, or, when it opens with the HTTP/2 preface,
   * pipes it to an HTTP/2 server on another loopback port over a connection that speaks for the
   * same peer (Node's HTTP/2 session reads its socket natively, past any bytes already read).
   */
  private plaintextFront(h1: Server, handler: (req: IncomingMessage, res: ServerResponse) => void, sockets: Set<Socket>): NetServer {
    const h2 = createH2cServer({ maxSessionMemory: 10, settings: { maxHeaderListSize: 64 * 1024 } }, handler as unknown as (req: Http2ServerRequest, res: Http2ServerResponse) => void);
    h2.on('sessionError', () => {});
    h2.setTimeout(120_000);
    h2.on('connection', (s: Socket) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    const h2Port = new Promise<number>((resolve, reject) => {
      h2.once('error', reject);
      h2.listen(0, '127.0.0.1', () => resolve((h2.address() as AddressInfo).port));
    });
    h2Port.catch(() => {}); // awaited below; this only keeps an early listen error from being an unhandled rejection
    const front = createNetServer((socket) => {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => socket.destroy());
      let head = Buffer.alloc(0);
      const onData = (chunk: Buffer) => {
        head = Buffer.concat([head, chunk]);
        const n = Math.min(head.length, H2_PREFACE.length);
        const h2Start = head.subarray(0, n).equals(H2_PREFACE.subarray(0, n));
        if (h2Start && head.length < H2_PREFACE.length) return;
        socket.off('data', onData);
        socket.pause();
        if (!h2Start) {
          socket.unshift(head);
          h1.emit('connection', socket);
          socket.resume();
          return;
        }
        void h2Port.then(
          (port) => {
            const peer = peerOf(socket);
            const inner = peer ? connectAs(peer, '127.0.0.1', port) : netConnect(port, '127.0.0.1');
            inner.on('error', () => socket.destroy());
            socket.on('close', () => inner.destroy());
            inner.on('close', () => socket.destroy());
            inner.write(head);
            socket.pipe(inner);
            inner.pipe(socket);
            socket.resume();
          },
          () => socket.destroy(),
        );
      };
      socket.on('data', onData);
    });
    front.on('close', () => h2.close());
    return front;
  }

  /** A TCP listener that reads the ClientHello's SNI and pipes the connection where VS tls routes say. */
  private async openPassthrough(spec: ListenerSpec): Promise<void> {
    const sockets = new Set<Socket>();
    const server = createNetServer((client) => {
      sockets.add(client);
      client.on('close', () => sockets.delete(client));
      client.on('error', () => client.destroy());
      const started = performance.now();
      let buffered = Buffer.alloc(0);
      const onData = (chunk: Buffer) => {
        buffered = Buffer.concat([buffered, chunk]);
        const sni = buffered.length > 16 * 1024 ? undefined : parseSni(buffered);
        if (sni === 'need-more') return;
        client.off('data', onData);
        client.pause();
        const route = sni ? this.passthroughRoute(spec, sni, client) : undefined;
        if (!route) return void client.destroy();
        const upstream = netConnect(route.address.port, route.address.host);
        let sent = 0;
        let received = buffered.length;
        upstream.on('data', (d: Buffer) => (sent += d.length));
        client.on('data', (d: Buffer) => (received += d.length));
        upstream.on('connect', () => {
          upstream.write(buffered);
          client.pipe(upstream);
          upstream.pipe(client);
          client.resume();
        });
        let ended = false;
        const end = () => {
          if (ended) return;
          ended = true;
          client.destroy();
          upstream.destroy();
          route.done(received, sent, performance.now() - started);
        };
        upstream.on('error', end);
        upstream.on('close', end);
        client.on('close', end);
      };
      client.on('data', onData);
    });
    const ok = await new Promise<boolean>((resolve) => {
      server.once('error', (err) => {
        this.bindErrors.set(spec.key, String((err as Error).message));
        resolve(false);
      });
      server.listen(spec.bindPort, '127.0.0.1', () => resolve(true));
    });
    if (!ok || this.stopped) {
      server.close();
      return;
    }
    const loopbackPort = (server.address() as AddressInfo).port;
    this.listeners.set(spec.key, { spec, server: server as unknown as Server, sockets, loopbackPort });
    if (spec.pod) this.network.register(spec.pod.ip, spec.pod.targetPort, loopbackPort);
  }

  private passthroughRoute(spec: ListenerSpec, sni: string, client: Socket): TcpRoute | undefined {
    if (!this.tcpRoute) return undefined;
    if (spec.pod) {
      const pod = this.pod(spec.pod.namespace, spec.pod.name);
      return pod ? this.tcpRoute(pod, spec.pod.servicePort, spec.pod.targetPort, sni, `127.0.0.1:${client.remotePort ?? 0}`) : undefined;
    }
    const s = spec.service!;
    for (const name of s.pods) {
      const pod = this.pod(s.namespace, name);
      if (!pod) continue;
      const tp = resolveTargetPort(pod, s.targetPort) ?? s.port;
      const r = this.tcpRoute(pod, s.port, tp, sni, `${NODE_PORT_SOURCE_IP}:${client.remotePort ?? 0}`);
      if (r) return r;
    }
    return undefined;
  }

  private contextFor(spec: ListenerSpec, servername: string): SecureContext | undefined {
    if (spec.pod) {
      const pod = this.pod(spec.pod.namespace, spec.pod.name);
      return pod ? this.tlsContext(pod, spec.pod.servicePort, servername) : undefined;
    }
    const s = spec.service!;
    for (const name of s.pods) {
      const pod = this.pod(s.namespace, name);
      const ctx = pod ? this.tlsContext(pod, s.port, servername) : undefined;
      if (ctx) return ctx;
    }
    return undefined;
  }

  private async close(key: string): Promise<void> {
    const l = this.listeners.get(key);
    if (!l) return;
    this.listeners.delete(key);
    if (l.spec.pod) this.network.unregister(l.spec.pod.ip, l.spec.pod.targetPort, l.loopbackPort);
    for (const s of l.sockets) s.destroy();
    await new Promise<void>((resolve) => l.server.close(() => resolve()));
  }

  private dispatch(spec: ListenerSpec, req: IncomingMessage, res: ServerResponse): void {
    if (spec.kind === 'pod') {
      const pod = this.pod(spec.pod!.namespace, spec.pod!.name);
      if (!pod || !isRunning(pod)) return void res.destroy();
      const remoteIP = peerOf(req.socket) ?? '127.0.0.1';
      this.handler({ pod, servicePort: spec.pod!.servicePort, targetPort: spec.pod!.targetPort, remoteAddress: `${remoteIP}:${req.socket.remotePort ?? 0}` }, req, res);
      return;
    }
    // The gateway pods behind this node port as of the last reconcile (pod and Service changes
    // trigger one), read individually so a request never lists the whole store.
    const s = spec.service!;
    const n = this.rr.get(spec.key) ?? 0;
    this.rr.set(spec.key, n + 1);
    for (let k = 0; k < s.pods.length; k++) {
      const pod = this.pod(s.namespace, s.pods[(n + k) % s.pods.length]!);
      if (!pod || !isRunning(pod)) continue;
      const tp = resolveTargetPort(pod, s.targetPort) ?? s.port;
      this.handler({ pod, servicePort: s.port, targetPort: tp, remoteAddress: `${NODE_PORT_SOURCE_IP}:${req.socket.remotePort ?? 0}` }, req, res);
      return;
    }
    res.destroy();
  }
}

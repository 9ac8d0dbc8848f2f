// The embedded cluster's Istio data plane: watches the store, turns config into route tables
// after a propagation delay (as istiod's push would), serves the gateways' listeners, routes
// sidecars' outbound traffic (SidecarDataPlane), records decisions, and validates Istio config.
import { randomUUID } from 'node:crypto';
import { request as httpRequest, type IncomingMessage, type RequestOptions, type ServerResponse } from 'node:http';
import { createSecureContext, type SecureContext } from 'node:tls';
import type { Logger } from 'pino';
import { componentLogger, createLogger } from '../../util/logger.ts';
import type { LogBook } from '../logs/log-book.ts';
import type { AdmissionPlugin } from '../apiserver/admission.ts';
import type { Clock, KubeObject, ObjectStore } from '../store/object-store.ts';
import type { ClusterNetwork } from '../network/cluster-network.ts';
import { servicePorts } from '../network/cluster-network.ts';
import type { ExternalNetwork, LoopbackAddress } from '../world/external-network.ts';
import { PeerAgent } from './peer-identity.ts';
import { peerMetadataHeaders } from './peer-metadata.ts';
import { formatAccessLog } from './access-log.ts';
import { DecisionLog } from './decisions.ts';
import { hostMatches } from './hosts.ts';
import { GatewayListeners, isGatewayPod, podIPOf, type GatewayRequestTarget, type TcpRoute } from './proxies.ts';
import { HttpRouter, isInjected, type ProxyInfo, type RoutingContext } from './router.ts';
import { envoyReasonPhrase } from './local-reply.ts';
import type { OutboundTarget, SidecarDataPlane, TcpDecision } from './sidecar-data-plane.ts';
import { buildGatewayTable, outboundModeFor, serviceEntriesFor, sidecarAllowsHost, sidecarFor, snapshotOf, MESH_CONFIG_RESOURCES, SidecarRouteTable, type ConfigConverter, type GatewayRouteTable, type MeshSnapshot } from './translate.ts';
import { UpstreamDirectory } from './upstreams.ts';
import { serviceAccountOf } from '../meta/pod.ts';
import { randomEphemeralPort } from '../network/ephemeral-port.ts';
import { plan, simulate, type RoutePlan, type SimulatedCall, type SimulationInput, type SimulationResult } from './simulate.ts';
import { istioValidationPlugin } from './validation.ts';

/** Pod-to-pod connections without a sidecar: one connection per request, carrying the caller's identity. */
const DIRECT_AGENT = new PeerAgent({ keepAlive: false });

type Obj = Record<string, unknown>;

let defaultLogger: Logger | undefined;

/** How long config takes to reach the proxies (real Istio: about a second). */
export const DEFAULT_PROPAGATION_DELAY_MS = 100;

export interface MeshDataPlaneOptions {
  store: ObjectStore;
  logs: LogBook;
  network: ClusterNetwork;
  external: ExternalNetwork;
  clock?: Clock;
  /** Random source in [0, 1) for weights, fault percentages, mirrors and load balancing (tests pass a fixed one). */
  random?: () => number;
  /** Where the mesh reports what it cannot handle (one child logger per cluster). */
  logger?: Logger;
  propagationDelayMs?: number;
  /** Other APIs' objects turned into Istio config before translation (the Gateway API). */
  configConverters?: ConfigConverter[];
}


export class MeshDataPlane {
  readonly decisions = new DecisionLog();
  readonly validationPlugin: AdmissionPlugin = istioValidationPlugin;
  readonly sidecar: SidecarDataPlane;
  readonly propagationDelayMs: number;
  private snapshot: MeshSnapshot;
  private readonly upstreams: UpstreamDirectory;
  private readonly router: HttpRouter;
  private readonly listeners: GatewayListeners;
  private readonly tableCache = new Map<string, { revision: number; table: GatewayRouteTable }>();
  /** Each sidecar's outbound table for the current push, by pod. */
  private readonly sidecarTables = new Map<string, SidecarRouteTable>();
  private readonly random: () => number;
  private readonly now: () => Date;
  private readonly logger: Logger;
  private readonly tlsCache = new Map<string, SecureContext>();
  /**
   * Pods as the gateways read them per request (the store hands out a deep copy per `get`):
   * shared, read-only, each dropped when the store reports a change to it. Used while watching.
   */
  private readonly podCache = new Map<string, KubeObject | undefined>();
  private unwatch?: () => void;
  private configTimer?: NodeJS.Timeout;
  /** Config changed while a push was in flight. */
  private dirty = false;
  private listenerTimer?: NodeJS.Timeout;
  private reconciling: Promise<void> = Promise.resolve();
  private readonly appliedWaiters: { revision: number; resolve: () => void }[] = [];

  private readonly converters: ConfigConverter[];
  private readonly configResources: Set<string>;

  constructor(private readonly o: MeshDataPlaneOptions) {
    this.converters = o.configConverters ?? [];
    this.configResources = new Set([...MESH_CONFIG_RESOURCES, ...this.converters.flatMap((c) => c.resources)]);
    this.propagationDelayMs = o.propagationDelayMs ?? DEFAULT_PROPAGATION_DELAY_MS;
    this.snapshot = snapshotOf(o.store, this.converters);
    this.upstreams = new UpstreamDirectory(o.network, o.external, o.store);
    const clock = o.clock;
    this.now = clock ? () => clock.now() : () => new Date();
    this.random = o.random ?? Math.random;
    this.logger = o.logger ?? componentLogger((defaultLogger ??= createLogger()), 'mesh');
    if (this.logger.isLevelEnabled('debug')) {
      this.decisions.subscribe((d) =>
        this.logger.debug(
          { proxy: `${d.proxy.kind} ${d.proxy.namespace}/${d.proxy.pod}`, listener: d.listener.port, request: `${d.request.method} ${d.request.authority}${d.request.path}`, virtualService: d.virtualService, destination: d.destination, upstream: d.upstreamHost, response: d.response },
          'route decision',
        ),
      );
    }
    this.router = new HttpRouter({
      logs: o.logs,
      decisions: this.decisions,
      now: this.now,
      random: this.random,
      logger: this.logger,
      // PassthroughCluster: the original destination as the node's network reaches it (the
      // outside world, a pod IP, or a Service through kube-proxy).
      passthrough: (host, port, ns) => o.external.lookup(host, port) ?? o.network.socketOf(host, port) ?? o.network.connectTarget(host, port, ns),
    });
    this.listeners = new GatewayListeners(
      o.network,
      () => o.store.list('pods').items,
      () => o.store.list('services').items,
      (target, req, res) => {
        try {
          this.serveGateway(target, req, res);
        } catch (err) {
          this.logger.error({ err, pod: `${target.pod.metadata.namespace}/${target.pod.metadata.name}`, port: target.servicePort }, 'gateway failed to take a request');
          res.destroy();
        }
      },
      (ns, name) => this.podNamed(ns, name),
      (pod, servicePort) => {
        const l = this.gatewayTable(pod).listeners.find((x) => x.port === servicePort);
        return l ? (l.passthrough ? 'tls' : l.secure ? 'https' : 'http') : undefined;
      },
      (pod, servicePort, servername) => this.tlsContext(pod, servicePort, servername),
      (pod, servicePort, targetPort, sni, remote) => this.gatewayTcpRoute(pod, servicePort, targetPort, sni, remote),
      (pod, servicePort) => {
        const servers = this.gatewayTable(pod).listeners.find((x) => x.port === servicePort && x.secure)?.servers ?? [];
        const modes = new Set(servers.map((s) => (s.tlsMode === 'MUTUAL' ? 'required' : s.tlsMode === 'OPTIONAL_MUTUAL' ? 'optional' : 'none')));
        if (modes.size > 1) return 'mixed';
        const [m] = modes;
        return m === 'required' || m === 'optional' ? m : undefined;
      },
    );
    // Entry points never throw: malformed config written straight to the store must not take
    // the process down (the request fails the way a broken proxy config would).
    this.sidecar = {
      handleOutboundHttp: (pod, target, req, res) => {
        try {
          this.handleOutboundHttp(pod, target, req, res);
        } catch (err) {
          this.logger.error({ err, pod: pod ? `${pod.metadata.namespace}/${pod.metadata.name}` : undefined, target: `${target.host}:${target.port}` }, 'sidecar failed to take a request');
          res.destroy();
        }
      },
      routeOutboundTcp: (pod, target) => {
        try {
          return this.routeOutboundTcp(pod, target);
        } catch (err) {
          this.logger.error({ err, target: `${target.host}:${target.port}` }, 'sidecar failed to route a TCP connection');
          return { kind: 'deny', reason: `no route: ${(err as Error).message}` };
        }
      },
      isHttpPort: (pod, target) => {
        try {
          return this.isHttpPort(pod, target);
        } catch (err) {
          this.logger.error({ err, target: `${target.host}:${target.port}` }, 'sidecar failed to classify a port');
          return target.port !== 443;
        }
      },
    };
  }

  async start(): Promise<void> {
    this.snapshot = snapshotOf(this.o.store, this.converters);
    this.unwatch = this.o.store.watch('*', (e) => {
      if (this.configResources.has(e.resource)) {
        if (this.configTimer) this.dirty = true;
        else this.scheduleConfig();
      }
      if (e.resource === 'pods') this.podCache.delete(`${e.object.metadata.namespace ?? 'default'}/${e.object.metadata.name}`);
      if (e.resource === 'pods' || e.resource === 'services') this.scheduleListeners();
    });
    await this.reconcileListeners();
  }

  /** A pod by name, from the cache while the store is watched (callers must not change it). */
  private podNamed(namespace: string, name: string): KubeObject | undefined {
    if (!this.unwatch) return this.o.store.get('pods', namespace, name);
    const key = `${namespace}/${name}`;
    if (this.podCache.has(key)) return this.podCache.get(key);
    const pod = this.o.store.get('pods', namespace, name);
    if (this.podCache.size > 5000) this.podCache.clear();
    this.podCache.set(key, pod);
    return pod;
  }

  async stop(): Promise<void> {
    this.unwatch?.();
    this.unwatch = undefined;
    this.podCache.clear();
    clearTimeout(this.configTimer);
    clearTimeout(this.listenerTimer);
    await this.reconciling;
    await this.listeners.stop();
    this.router.close();
    for (const w of this.appliedWaiters.splice(0)) w.resolve();
  }

  /** The config revision the proxies currently route by. */
  get appliedRevision(): number {
    return this.snapshot.revision;
  }

  /** Resolves once config at least as new as the store's current revision is in effect. */
  whenApplied(revision = this.o.store.currentRevision): Promise<void> {
    if (this.snapshot.revision >= revision && !this.configTimer) return Promise.resolve();
    return new Promise((resolve) => {
      this.appliedWaiters.push({ revision, resolve });
      this.scheduleConfig();
    });
  }

  /** Node ports with a gateway listener bound. */
  gatewayNodePorts(): number[] {
    return this.listeners.nodePorts();
  }

  /** What a proxy would answer for a call under the config in effect, without sending anything. */
  simulate(call: SimulatedCall, proxyPod?: KubeObject): SimulationResult {
    return simulate(this.simulationInput(call, proxyPod), call);
  }

  /** The pushed tables a proxy pod simulates against: its gateway table, or its sidecar table. */
  private simulationInput(call: SimulatedCall, proxyPod: KubeObject | undefined): SimulationInput {
    const snapshot = this.snapshot;
    return {
      snapshot,
      gatewayTable: proxyPod && call.proxy.kind === 'gateway' ? this.gatewayTable(proxyPod) : undefined,
      sidecarTable: proxyPod && call.proxy.kind === 'sidecar' ? this.sidecarTable(proxyPod) : undefined,
      cluster: (q) => this.upstreams.lookup(snapshot, q),
      random: this.random,
    };
  }

  private plan(call: SimulatedCall, proxyPod: KubeObject): RoutePlan {
    return plan(this.simulationInput(call, proxyPod), call);
  }

  /** A sidecar's outbound table for the current push (built once per pod and push). */
  sidecarTable(pod: KubeObject): SidecarRouteTable {
    const key = pod.metadata.uid ?? `${pod.metadata.namespace}/${pod.metadata.name}`;
    const cached = this.sidecarTables.get(key);
    if (cached && cached.revision === this.snapshot.revision) return cached;
    const table = new SidecarRouteTable(this.snapshot, { namespace: pod.metadata.namespace ?? 'default', labels: pod.metadata.labels ?? {} });
    if (this.sidecarTables.size > 500) this.sidecarTables.clear();
    this.sidecarTables.set(key, table);
    return table;
  }

  /** A gateway pod's current route table (for inspection and tests). */
  gatewayTable(pod: KubeObject): GatewayRouteTable {
    const key = pod.metadata.uid ?? `${pod.metadata.namespace}/${pod.metadata.name}`;
    const cached = this.tableCache.get(key);
    if (cached && cached.revision === this.snapshot.revision) return cached.table;
    const table = buildGatewayTable(this.snapshot, { namespace: pod.metadata.namespace ?? 'default', name: pod.metadata.name, labels: pod.metadata.labels ?? {} });
    if (this.tableCache.size > 500) this.tableCache.clear();
    this.tableCache.set(key, { revision: this.snapshot.revision, table });
    return table;
  }

  private scheduleConfig(): void {
    if (this.configTimer) return;
    this.configTimer = setTimeout(() => {
      this.snapshot = snapshotOf(this.o.store, this.converters);
      this.tableCache.clear();
      this.sidecarTables.clear();
      // Listeners follow the Gateway servers (no server on a port = nothing listening there);
      // waiters resolve once they are in place, then the timer slot frees.
      void this.reconcileListeners().then(() => {
        this.configTimer = undefined;
        for (const w of [...this.appliedWaiters]) {
          if (this.snapshot.revision >= w.revision) {
            this.appliedWaiters.splice(this.appliedWaiters.indexOf(w), 1);
            w.resolve();
          }
        }
        if (this.appliedWaiters.length || this.o.store.currentRevision > this.snapshot.revision) this.scheduleConfigIfConfigChanged();
      });
    }, this.propagationDelayMs);
    this.configTimer.unref?.();
  }

  /** After a push, another one only if config (or a waiter) changed meanwhile. */
  private scheduleConfigIfConfigChanged(): void {
    if (this.appliedWaiters.length || this.dirty) {
      this.dirty = false;
      this.scheduleConfig();
    }
  }

  private scheduleListeners(): void {
    if (this.listenerTimer) return;
    this.listenerTimer = setTimeout(() => {
      this.listenerTimer = undefined;
      void this.reconcileListeners();
    }, 20);
    this.listenerTimer.unref?.();
  }

  private reconcileListeners(): Promise<void> {
    this.reconciling = this.reconciling.then(() => this.listeners.reconcile()).catch((err: unknown) => this.logger.error({ err }, 'gateway listeners failed to follow the configuration'));
    return this.reconciling;
  }

  private proxyInfo(pod: KubeObject, kind: 'gateway' | 'sidecar'): ProxyInfo {
    const podIP = podIPOf(pod) ?? '0.0.0.0';
    return {
      kind,
      namespace: pod.metadata.namespace ?? 'default',
      pod: pod.metadata.name,
      podIP,
      serviceAccount: serviceAccountOf(pod),
      labels: pod.metadata.labels ?? {},
      ...(kind === 'sidecar' ? { peerMetadata: peerMetadataHeaders(pod, podIP) } : {}),
    };
  }

  private ephemeralPort(): number {
    return randomEphemeralPort(this.random);
  }

  /**
   * The certificate of the HTTPS server whose hosts match the SNI name, from its credentialName
   * Secret; MUTUAL and OPTIONAL_MUTUAL servers also trust the CA that verifies clients, in the
   * formats Istio reads: `ca.crt` (or `cacert`) in the same Secret, else the `<name>-cacert` Secret.
   */
  private tlsContext(pod: KubeObject, servicePort: number, servername: string): SecureContext | undefined {
    const listener = this.gatewayTable(pod).listeners.find((l) => l.port === servicePort && l.secure);
    if (!listener) return undefined;
    const name = servername.toLowerCase();
    const server = listener.servers.find((s) => s.credentialName && s.hosts.some((h) => hostMatches(h.slice(h.indexOf('/') + 1), name)));
    if (!server) return undefined;
    const ns = pod.metadata.namespace ?? 'default';
    const secret = this.o.store.get('secrets', ns, server.credentialName!);
    const data = (secret?.data as Record<string, string> | undefined) ?? {};
    const cert = data['tls.crt'] ?? data.cert;
    const key = data['tls.key'] ?? data.key;
    if (!cert || !key) return undefined;
    const mutual = server.tlsMode === 'MUTUAL' || server.tlsMode === 'OPTIONAL_MUTUAL';
    let ca: string | undefined;
    let caVersion = '';
    if (mutual) {
      ca = data['ca.crt'] ?? data.cacert;
      if (!ca) {
        const caSecret = this.o.store.get('secrets', ns, `${server.credentialName}-cacert`);
        const caData = (caSecret?.data as Record<string, string> | undefined) ?? {};
        ca = caData.cacert ?? caData['ca.crt'];
        caVersion = caSecret ? `${caSecret.metadata.uid}/${caSecret.metadata.resourceVersion}` : '';
      }
      // No CA to verify clients with: Envoy gets no validation context and the handshake fails.
      if (!ca) return undefined;
    }
    const cacheKey = `${secret!.metadata.uid}/${secret!.metadata.resourceVersion}|${mutual ? `ca:${caVersion}` : ''}`;
    let ctx = this.tlsCache.get(cacheKey);
    if (!ctx) {
      try {
        ctx = createSecureContext({ cert: Buffer.from(cert, 'base64'), key: Buffer.from(key, 'base64'), ...(ca ? { ca: Buffer.from(ca, 'base64') } : {}) });
      } catch (err) {
        // As Envoy rejects an invalid SDS secret: the listener serves no TLS for it.
        this.logger.warn({ err, secret: `${secret!.metadata.namespace}/${secret!.metadata.name}` }, 'credential secret is not a usable certificate and key');
        return undefined;
      }
      if (this.tlsCache.size > 100) this.tlsCache.clear();
      this.tlsCache.set(cacheKey, ctx);
    }
    return ctx;
  }

  /**
   * Where a TLS connection with this SNI goes, as simulated for the proxy (PASSTHROUGH server
   * and VirtualService `tls` route at a gateway, mesh `tls` routes at a sidecar): the cluster and
   * one of its endpoints, or undefined when the simulation closes the connection.
   */
  private tlsDestination(proxyPod: KubeObject, kind: 'gateway' | 'sidecar', sni: string, port: number): { cluster: string; endpoint: { address: string; socket: LoopbackAddress } } | undefined {
    return this.tlsPlan(proxyPod, kind, sni, port).destination;
  }

  /** The simulation of a TLS connection by SNI, and the in-cluster endpoint it reaches (when it reaches one). */
  private tlsPlan(proxyPod: KubeObject, kind: 'gateway' | 'sidecar', sni: string, port: number): { result: SimulationResult; destination?: { cluster: string; endpoint: { address: string; socket: LoopbackAddress } } } {
    const { result, clusters } = this.plan({ proxy: { kind, namespace: proxyPod.metadata.namespace ?? 'default', labels: proxyPod.metadata.labels ?? {} }, port, authority: sni, path: '', sni, passthrough: true }, proxyPod);
    if (result.response.kind !== 'tls_passthrough') return { result };
    const lookup = clusters.get(result.cluster ?? '');
    const eps = lookup?.kind === 'ok' ? lookup.endpoints.filter((e) => e.socket) : [];
    if (!eps.length) return { result };
    const ep = eps[Math.floor(this.random() * eps.length)]!;
    return { result, destination: { cluster: result.cluster!, endpoint: { address: ep.address, socket: ep.socket! } } };
  }

  private gatewayTcpRoute(pod: KubeObject, servicePort: number, targetPort: number, sni: string, remote: string): TcpRoute | undefined {
    const ns = pod.metadata.namespace ?? 'default';
    const d = this.tlsDestination(pod, 'gateway', sni, servicePort);
    if (!d) return undefined;
    const start = this.now();
    const podIP = podIPOf(pod) ?? '0.0.0.0';
    return {
      address: d.endpoint.socket,
      done: (received, sent, ms) =>
        this.o.logs.append(
          ns,
          pod.metadata.name,
          'istio-proxy',
          formatAccessLog({
            start,
            method: '-',
            path: '-',
            protocol: '-',
            status: 0,
            flags: '-',
            details: '-',
            bytesReceived: received,
            bytesSent: sent,
            durationMs: ms,
            upstreamHost: d.endpoint.address,
            upstreamCluster: d.cluster,
            upstreamLocalAddress: `${podIP}:${this.ephemeralPort()}`,
            downstreamLocalAddress: `${podIP}:${targetPort}`,
            downstreamRemoteAddress: remote,
            requestedServerName: sni,
          }),
        ),
    };
  }

  private serveGateway(target: GatewayRequestTarget, req: IncomingMessage, res: ServerResponse): void {
    const listener = this.gatewayTable(target.pod).listeners.find((l) => l.port === target.servicePort);
    if (!listener) {
      // No Gateway server on this port: Envoy has no listener there.
      res.destroy();
      return;
    }
    const proxy = this.proxyInfo(target.pod, 'gateway');
    const ctx: RoutingContext = {
      proxy,
      listenerPort: target.servicePort,
      localAddress: `${proxy.podIP}:${target.targetPort}`,
      remoteAddress: target.remoteAddress,
      scheme: listener.secure ? 'https' : 'http',
      plan: (call) => this.plan(call, target.pod),
    };
    void this.router.handle(ctx, req, res);
  }

  private handleOutboundHttp(pod: KubeObject | null, target: OutboundTarget, req: IncomingMessage, res: ServerResponse): void {
    if (!pod || !isInjected(pod)) {
      this.forwardWithoutSidecar(pod, target, req, res);
      return;
    }
    const proxy = this.proxyInfo(pod, 'sidecar');
    const port = target.port;
    const isIP = /^\d+\.\d+\.\d+\.\d+$/.test(target.host);
    const svc = isIP ? this.o.network.resolveService(target.host, proxy.namespace) : undefined;
    const ctx: RoutingContext = {
      proxy,
      listenerPort: port,
      // The address the application connected to: a Service name resolves to its cluster IP.
      localAddress: `${isIP ? target.host : (((this.o.network.resolveService(target.host, proxy.namespace)?.service.spec as Obj | undefined)?.clusterIP as string | undefined) ?? target.host)}:${port}`,
      remoteAddress: `${proxy.podIP}:${this.ephemeralPort()}`,
      originalDestination: { host: target.host, port, ...(isIP && !svc && this.o.network.podByIP(target.host) ? { pod: true } : {}) },
      plan: (call) => this.plan(call, pod),
    };
    void this.router.handle(ctx, req, res);
  }

  /** Traffic from a pod without a sidecar: kube-proxy semantics, no Envoy in the path. */
  private forwardWithoutSidecar(pod: KubeObject | null, target: OutboundTarget, req: IncomingMessage, res: ServerResponse): void {
    const ns = pod?.metadata.namespace ?? 'default';
    const clusterSocket = this.o.network.connectTarget(target.host, target.port, ns);
    const socket = clusterSocket ?? this.o.external.lookup(target.host, target.port);
    if (!socket) {
      res.destroy();
      return;
    }
    const headers: Record<string, string | string[]> = {};
    for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
      const k = req.rawHeaders[i]!;
      const prev = headers[k];
      headers[k] = prev === undefined ? req.rawHeaders[i + 1]! : ([] as string[]).concat(prev, req.rawHeaders[i + 1]!);
    }
    const podIP = pod ? podIPOf(pod) : undefined;
    let peer = podIP && clusterSocket ? podIP : undefined;
    let path = req.url ?? '/';
    const abs = /^https?:\/\/[^/?#]+([^#]*)/i.exec(path);
    if (abs) path = abs[1] || '/';
    // An injected server's own sidecar still handles the request on its inbound side (PERMISSIVE
    // mTLS accepts plaintext): request id and proto added, `server: istio-envoy`, its access log.
    const dst = this.o.network.addressOfSocket(socket);
    const dstPod = dst ? this.o.network.podByIP(dst.ip) : undefined;
    const inbound = dstPod && isInjected(dstPod) ? dstPod : undefined;
    const start = this.now();
    const t0 = performance.now();
    if (inbound) {
      const lower = new Set(Object.keys(headers).map((k) => k.toLowerCase()));
      if (!lower.has('x-forwarded-proto')) headers['x-forwarded-proto'] = 'http';
      if (!lower.has('x-request-id')) headers['x-request-id'] = randomUUID();
      peer = '127.0.0.6';
    }
    const up = httpRequest({ host: socket.host, port: socket.port, method: req.method, path, headers, agent: DIRECT_AGENT, setHost: false, peer } as RequestOptions, (resp) => {
      if (!inbound) {
        // No Envoy on the path: the client reads the server's own status line.
        res.writeHead(resp.statusCode ?? 502, resp.statusMessage ?? '', resp.rawHeaders);
        resp.pipe(res);
        return;
      }
      const ms = performance.now() - t0;
      const out: string[] = ['server', 'istio-envoy'];
      for (let i = 0; i + 1 < resp.rawHeaders.length; i += 2) {
        const k = resp.rawHeaders[i]!.toLowerCase();
        if (k === 'server' || k === 'connection' || k === 'keep-alive') continue;
        out.push(k, resp.rawHeaders[i + 1]!);
      }
      out.push('x-envoy-upstream-service-time', String(Math.round(ms)));
      res.sendDate = false;
      res.removeHeader('connection');
      res.writeHead(resp.statusCode ?? 502, envoyReasonPhrase(resp.statusCode ?? 502), out);
      let bytes = 0;
      resp.on('data', (c: Buffer) => (bytes += c.length));
      resp.on('end', () => {
        const hv = (name: string) => {
          const v = headers[Object.keys(headers).find((k) => k.toLowerCase() === name) ?? ''];
          return Array.isArray(v) ? v.join(',') : v;
        };
        this.o.logs.append(
          inbound.metadata.namespace ?? 'default',
          inbound.metadata.name,
          'istio-proxy',
          formatAccessLog({
            start,
            method: req.method ?? 'GET',
            path,
            protocol: `HTTP/${req.httpVersion === '1.0' ? '1.0' : '1.1'}`,
            status: resp.statusCode ?? 0,
            flags: '-',
            details: 'via_upstream',
            bytesReceived: Number(req.headers['content-length'] ?? 0) || 0,
            bytesSent: bytes,
            durationMs: performance.now() - t0,
            upstreamServiceTimeMs: ms,
            xForwardedFor: hv('x-forwarded-for'),
            userAgent: hv('user-agent'),
            requestId: hv('x-request-id'),
            authority: hv('host'),
            upstreamHost: `${dst!.ip}:${dst!.port}`,
            upstreamCluster: `inbound|${dst!.port}||`,
            upstreamLocalAddress: `127.0.0.6:${this.ephemeralPort()}`,
            downstreamLocalAddress: `${dst!.ip}:${dst!.port}`,
            downstreamRemoteAddress: `${podIP ?? '10.244.0.1'}:${this.ephemeralPort()}`,
            routeName: 'default',
          }),
        );
      });
      resp.pipe(res);
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  }

  private routeOutboundTcp(pod: KubeObject | null, target: OutboundTarget & { sni?: string }): TcpDecision {
    const ns = pod?.metadata.namespace ?? 'default';
    const host = (target.sni ?? target.host).toLowerCase();
    const svc = this.o.network.resolveService(target.host, ns);
    if (svc) {
      const socket = this.o.network.connectTarget(target.host, target.port, ns);
      return socket ? { kind: 'forward', address: socket, cluster: `outbound|${target.port}||${svc.fqdn}` } : { kind: 'deny', reason: 'no healthy upstream' };
    }
    const direct = this.o.network.socketOf(target.host, target.port);
    if (direct) return { kind: 'forward', address: direct, cluster: 'PassthroughCluster' };
    const meshed = pod && isInjected(pod) && !isGatewayPod(pod);
    // VirtualService `tls` routes by SNI (e.g. to an egress gateway in PASSTHROUGH mode); without
    // one, the simulation's outbound traffic policy says whether the connection is closed.
    if (pod && isInjected(pod) && target.sni) {
      const { result, destination } = this.tlsPlan(pod, 'sidecar', target.sni.toLowerCase(), target.port);
      if (destination) return { kind: 'forward', address: destination.endpoint.socket, cluster: destination.cluster };
      if (meshed && result.cluster === 'BlackHoleCluster') return { kind: 'deny', reason: result.reason };
    }
    const sidecarConfig = pod ? sidecarFor(this.snapshot, { namespace: ns, labels: pod.metadata.labels ?? {} }) : undefined;
    const seNs = serviceEntriesFor(this.snapshot, host, ns)[0]?.metadata.namespace;
    const inRegistry = !!this.upstreams.serviceEntryPort(this.snapshot, host, target.port, ns) && sidecarAllowsHost(sidecarConfig, ns, host, seNs);
    if (meshed && !inRegistry && outboundModeFor(this.snapshot, sidecarConfig) === 'REGISTRY_ONLY') return { kind: 'deny', reason: 'REGISTRY_ONLY: no ServiceEntry for ' + host };
    const address = this.o.external.lookup(host, target.port) ?? this.o.external.lookup(target.host, target.port);
    if (!address) return { kind: 'deny', reason: `${host} does not resolve` };
    return { kind: 'forward', address, cluster: inRegistry ? `outbound|${target.port}||${host}` : 'PassthroughCluster' };
  }

  private isHttpPort(pod: KubeObject | null, target: OutboundTarget): boolean {
    const ns = pod?.metadata.namespace ?? 'default';
    const svc = this.o.network.resolveService(target.host, ns);
    if (svc) {
      const p = servicePorts(svc.service).find((x) => x.port === target.port);
      const name = (p?.appProtocol ?? p?.name ?? '').toLowerCase();
      if (/^(https|tls|tcp|mongo|mysql|redis)/.test(name)) return false;
      return true;
    }
    const sePort = this.upstreams.serviceEntryPort(this.snapshot, target.host.toLowerCase(), target.port, ns);
    if (sePort) return /^(HTTP|HTTP2|GRPC)$/i.test(String(sePort.protocol ?? ''));
    return target.port !== 443;
  }
}

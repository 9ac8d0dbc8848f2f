// One HTTP request through a simulated Envoy (a gateway, or a sidecar's outbound side). The proxy
// reads the request, asks the simulation of its pushed tables what to do (`plan`: route, redirect,
// direct response, fault, rewrite, headers, retries, timeout, mirrors, destination cluster and
// endpoints, response flag) and carries that out: local replies, mirrors, and the exchange with an
// upstream endpoint under the circuit breaker, outlier detection, retries and timeout. It answers
// as Envoy answers (`server`, `x-envoy-upstream-service-time`) and writes the access log and a
// RouteDecision carrying the simulation it executed.
import { createHash, randomUUID } from 'node:crypto';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { request as httpRequest, type IncomingMessage, type RequestOptions, type ServerResponse } from 'node:http';
import { connect as http2Connect, type ClientHttp2Session, type ClientHttp2Stream } from 'node:http2';
import { connect as netConnect } from 'node:net';
import type { Logger } from 'pino';
import type { LogBook } from '../logs/log-book.ts';
import type { KubeObject } from '../store/object-store.ts';
import type { LoopbackAddress } from '../world/external-network.ts';
import { PeerAgent, connectAs } from './peer-identity.ts';
import { PEER_METADATA_HEADER, PEER_METADATA_ID_HEADER } from './peer-metadata.ts';
import { formatAccessLog, type AccessLogEntry } from './access-log.ts';
import { decisionOf } from './explain.ts';
import type { DecisionLog, ResponseKind } from './decisions.ts';
import { ClusterState } from './cluster-state.ts';
import { writeLocalReply, writeResponseHead, type LocalReply } from './local-reply.ts';
import type { MeshRequest } from './match.ts';
import type { HeaderOperations } from './routes.ts';
import type { RoutePlan, SimulatedCall, SimulationResult } from './simulate.ts';
import type { ClusterLookup, UpstreamEndpoint } from './upstreams.ts';
import { readBoundedBody } from '../../util/read-body.ts';

export const MAX_REQUEST_BODY = 8 * 1024 * 1024;
export { DEFAULT_RETRIES } from './routes.ts';
/** 127.0.0.6: the source address an Istio sidecar uses for inbound traffic it passes to the app. */
const INBOUND_PASSTHROUGH_SOURCE = '127.0.0.6';
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'proxy-authenticate']);
const UNLIMITED = 2 ** 32 - 1;

export interface ProxyInfo {
  kind: 'gateway' | 'sidecar';
  namespace: string;
  pod: string;
  podIP: string;
  serviceAccount: string;
  labels?: Record<string, string>;
  /** A sidecar's metadata-exchange headers (peer-metadata.ts), put on every outbound request. */
  peerMetadata?: Record<string, string>;
}

export interface RouterDeps {
  logs: LogBook;
  decisions: DecisionLog;
  now(): Date;
  /** The mesh's random source (load balancing start, mirrors' endpoint, ephemeral ports). */
  random(): number;
  /** What the proxies cannot handle (a failure inside the mesh), per cluster. */
  logger: Logger;
  /** Where an original destination outside the registry really is (PassthroughCluster). */
  passthrough(host: string, port: number, clientNamespace: string): LoopbackAddress | undefined;
}

/** The proxy and connection a request arrived on, and the simulation of the tables pushed to it. */
export interface RoutingContext {
  proxy: ProxyInfo;
  listenerPort: number;
  /** DOWNSTREAM_LOCAL_ADDRESS. */
  localAddress: string;
  /** DOWNSTREAM_REMOTE_ADDRESS (ip:port). */
  remoteAddress: string;
  /** Sidecars: what the application connected to. */
  originalDestination?: SimulatedCall['originalDestination'];
  /** `https` when the gateway terminated TLS. */
  scheme?: 'http' | 'https';
  /** Simulates one call against this proxy's current tables, keeping the clusters it looked up. */
  plan(call: SimulatedCall): RoutePlan;
}

interface Outcome {
  status: number;
  kind: ResponseKind;
  flags: string;
  details: string;
  bytesSent: number;
  upstreamHost?: string;
  upstreamCluster?: string;
  upstreamLocal?: string;
  upstreamServiceTime?: number;
  attempts?: number;
}

/** One request in flight: what the proxy read, and how it records the outcome. */
interface Exchange {
  ctx: RoutingContext;
  req: IncomingMessage;
  res: ServerResponse;
  /** The request as routed (before rewrites). */
  mreq: MeshRequest;
  body: Buffer;
  requestId: string;
  xff?: string;
  sim?: SimulationResult;
  finish(o: Outcome): void;
}

type Obj = Record<string, unknown>;
type OkCluster = ClusterLookup & { kind: 'ok' };

function isPrivate(ip: string): boolean {
  return /^10\./.test(ip) || /^192\.168\./.test(ip) || /^172\.(1[6-9]|2\d|3[01])\./.test(ip) || /^127\./.test(ip);
}

function ipOf(address: string): string {
  const i = address.lastIndexOf(':');
  return i > 0 ? address.slice(0, i) : address;
}

/**
 * Header names a `Connection` header nominates (RFC 9110 §7.6.1): hop-by-hop for this connection
 * only, so the proxy drops them with `Connection` itself before routing or forwarding.
 */
export function connectionNominated(connection: string | undefined): Set<string> {
  const out = new Set<string>();
  for (const token of (connection ?? '').split(',')) {
    const name = token.trim().toLowerCase();
    // `close`/`keep-alive` are options, not names; the Host and pseudo-headers are never dropped.
    if (name && name !== 'close' && name !== 'host' && !name.startsWith(':')) out.add(name);
  }
  return out;
}

/** Request headers as the proxy sees them: lowercase, joined, hop-by-hop ones gone. */
function flatHeaders(req: IncomingMessage): Record<string, string> {
  const out = rawFlatHeaders(req);
  for (const name of connectionNominated(out.connection)) delete out[name];
  for (const name of HOP_BY_HOP) delete out[name];
  return out;
}

function rawFlatHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    let k = req.rawHeaders[i]!.toLowerCase();
    const v = req.rawHeaders[i + 1]!;
    // HTTP/2 (TLS gateway ports): pseudo-headers; :authority is the Host.
    if (k.startsWith(':')) {
      if (k !== ':authority') continue;
      k = 'host';
    }
    out[k] = out[k] !== undefined ? `${out[k]},${v}` : v;
  }
  return out;
}

/** The protocol as Envoy's access log names it. */
function protocolOf(req: IncomingMessage): string {
  return req.httpVersion === '2.0' ? 'HTTP/2' : req.httpVersion === '1.0' ? 'HTTP/1.0' : 'HTTP/1.1';
}


/** Request headers as a route's header operations change them (set, then add, then remove). */
function applyRequestOps(h: Record<string, string>, ops: HeaderOperations[]): void {
  for (const op of ops) {
    for (const [k, v] of op.set) h[k] = v;
    for (const [k, v] of op.add) h[k] = h[k] !== undefined ? `${h[k]},${v}` : v;
    for (const k of op.remove) delete h[k];
  }
}

/** Response headers (ordered, repeatable) as header operations change them. */
function applyResponseOps(out: [string, string][], ops: HeaderOperations[]): void {
  for (const op of ops) {
    for (const [key, v] of op.set) {
      const i = out.findIndex(([x]) => x === key);
      if (i >= 0) {
        out[i] = [key, v];
        for (let j = out.length - 1; j > i; j--) if (out[j]![0] === key) out.splice(j, 1);
      } else out.push([key, v]);
    }
    for (const [k, v] of op.add) out.push([k, v]);
    for (const k of op.remove) for (let j = out.length - 1; j >= 0; j--) if (out[j]![0] === k) out.splice(j, 1);
  }
}

function retriable(retryOn: Set<string>, codes: number[], status: number): boolean {
  return (
    (retryOn.has('5xx') && status >= 500) ||
    (retryOn.has('gateway-error') && (status === 502 || status === 503 || status === 504)) ||
    (retryOn.has('retriable-4xx') && status === 409) ||
    (retryOn.has('retriable-status-codes') && codes.includes(status))
  );
}

export class HttpRouter {
  private readonly clusters = new Map<string, ClusterState>();
  /** Upstream connections are reused like Envoy's pools (loopback sockets, so cheap to keep). */
  private readonly agent = new PeerAgent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 64, timeout: 60_000 });
  private readonly tlsAgent = new HttpsAgent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 64, timeout: 60_000 });

  constructor(private readonly d: RouterDeps) {}

  private state(proxy: ProxyInfo, cluster: string): ClusterState {
    const key = `${proxy.namespace}/${proxy.pod}|${cluster}`;
    let s = this.clusters.get(key);
    if (!s) {
      s = new ClusterState();
      if (this.clusters.size > 10_000) this.clusters.clear();
      this.clusters.set(key, s);
    }
    return s;
  }

  /** Close pooled upstream connections (the data plane is stopping). */
  /** HTTP/2 (h2c) connections to endpoints of HTTP2 clusters, one per endpoint and peer. */
  private readonly h2Sessions = new Map<string, ClientHttp2Session>();

  close(): void {
    this.agent.destroy();
    this.tlsAgent.destroy();
    for (const s of this.h2Sessions.values()) s.destroy();
    this.h2Sessions.clear();
  }

  /** Serve one request in a routing context; never throws. A failure inside is logged and answered 500. */
  async handle(ctx: RoutingContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      await this.process(ctx, req, res);
    } catch (err) {
      this.d.logger.error({ err, proxy: `${ctx.proxy.namespace}/${ctx.proxy.pod}`, method: req.method, url: req.url, host: req.headers.host }, 'mesh proxy failed to handle a request');
      if (!res.headersSent) writeLocalReply(res, { status: 500, details: 'internal_error' }, this.serverName(ctx), this.d.now());
      else res.destroy();
    }
  }

  private serverName(ctx: RoutingContext): string {
    return ctx.proxy.kind === 'gateway' ? 'istio-envoy' : 'envoy';
  }

  private ephemeralPort(): number {
    return 32768 + Math.floor(this.d.random() * 28000);
  }

  /** The one place a local reply is written and recorded. */
  private reply(x: Exchange, reply: LocalReply, o: Omit<Outcome, 'status' | 'details' | 'bytesSent'>): void {
    const bytesSent = writeLocalReply(x.res, reply, this.serverName(x.ctx), this.d.now());
    x.finish({ ...o, status: reply.status, details: reply.details, bytesSent });
  }

  private async process(ctx: RoutingContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const start = this.d.now();
    const t0 = performance.now();
    const headers = flatHeaders(req);
    let path = req.url ?? '/';
    let authority = headers.host ?? '';
    // Absolute-form request target (a client talking to a proxy).
    const abs = /^https?:\/\/([^/?#]+)([^#]*)/i.exec(path);
    if (abs) {
      authority = authority || abs[1]!;
      path = abs[2] || '/';
    }
    if (!path.startsWith('/')) path = `/${path}`;
    const mreq: MeshRequest = { method: (req.method ?? 'GET').toUpperCase(), path, authority, scheme: ctx.scheme ?? 'http', port: ctx.listenerPort, headers };
    const requestId = headers['x-request-id'] && /^[\w.-]{1,128}$/.test(headers['x-request-id']) ? headers['x-request-id'] : randomUUID();
    const xff = this.forwardedFor(ctx, headers);
    const body = await readBoundedBody(req, MAX_REQUEST_BODY);
    if (body === 'error') {
      res.destroy();
      return;
    }
    const x: Exchange = {
      ctx,
      req,
      res,
      mreq,
      body: Buffer.isBuffer(body) ? body : Buffer.alloc(0),
      requestId,
      xff,
      finish: (o) => this.record(x, o, start, t0),
    };
    if (body === 'too_large') {
      this.reply(x, { status: 413, details: 'request_payload_too_large' }, { kind: 'direct_response', flags: '-' });
      return;
    }
    const { result: sim, clusters } = ctx.plan({ proxy: { kind: ctx.proxy.kind, namespace: ctx.proxy.namespace, labels: ctx.proxy.labels }, port: ctx.listenerPort, method: mreq.method, authority, path, headers, scheme: ctx.scheme, originalDestination: ctx.originalDestination });
    x.sim = sim;
    if (sim.noListener) {
      // No Gateway server on this port: Envoy has no listener there.
      res.destroy();
      return;
    }
    await this.execute(x, sim, clusters);
  }

  /** Carries out a simulation result. */
  private async execute(x: Exchange, sim: SimulationResult, clusters: RoutePlan['clusters']): Promise<void> {
    const r = sim.response;
    const base = { kind: r.kind, flags: r.flags, upstreamCluster: sim.cluster };
    // Fault injection runs before the router: the delay first, whatever follows.
    if (sim.fault?.delayMs !== undefined) {
      await new Promise((resolve) => setTimeout(resolve, sim.fault!.delayMs));
      if (x.res.destroyed) return;
    }
    switch (r.kind) {
      case 'no_route':
      case 'fault_abort':
      case 'registry_only_blocked':
        this.reply(x, { status: r.status!, details: r.details }, base);
        return;
      case 'redirect':
        this.reply(x, { status: r.status!, details: r.details, location: sim.redirect?.location }, base);
        return;
      case 'direct_response':
        this.reply(x, { status: r.status!, details: r.details, body: sim.directResponseBody }, base);
        return;
    }
    this.mirror(x, sim, clusters);
    if (r.kind === 'cluster_not_found' || r.kind === 'no_healthy_upstream') {
      this.reply(x, { status: r.status!, details: r.details }, base);
      return;
    }
    const lookup = sim.cluster === 'PassthroughCluster' ? this.passthroughCluster(x) : clusters.get(sim.cluster ?? '');
    if (!lookup || lookup.kind !== 'ok') throw new Error(`simulation chose cluster ${sim.cluster} but no lookup of it was recorded`);
    await this.forward(x, sim, lookup);
  }

  /** ORIGINAL_DST: the address the application connected to, reached as the node would. */
  private passthroughCluster(x: Exchange): OkCluster {
    const od = x.ctx.originalDestination ?? { host: x.mreq.authority.replace(/:\d+$/, ''), port: x.ctx.listenerPort };
    const endpoint: UpstreamEndpoint = { address: `${od.host}:${od.port}`, socket: this.d.passthrough(od.host, od.port, x.ctx.proxy.namespace) };
    return { kind: 'ok', name: 'PassthroughCluster', host: od.host, port: od.port, endpoints: [endpoint], limits: { maxConnections: UNLIMITED, http1MaxPendingRequests: UNLIMITED, http2MaxRequests: UNLIMITED, maxRequestsPerConnection: 0 }, external: true };
  }

  /** Access log line and RouteDecision for the outcome, with the simulation that produced it. */
  private record(x: Exchange, o: Outcome, start: Date, t0: number): void {
    const { ctx, mreq, sim } = x;
    const headers = mreq.headers;
    const entry: AccessLogEntry = {
      start,
      method: mreq.method,
      path: mreq.path,
      protocol: protocolOf(x.req),
      status: o.status,
      flags: o.flags,
      details: o.details,
      bytesReceived: x.body.length,
      bytesSent: o.bytesSent,
      durationMs: performance.now() - t0,
      upstreamServiceTimeMs: o.upstreamServiceTime,
      xForwardedFor: x.xff,
      userAgent: headers['user-agent'],
      requestId: x.requestId,
      authority: mreq.authority,
      upstreamHost: o.upstreamHost,
      upstreamCluster: o.upstreamCluster,
      upstreamLocalAddress: o.upstreamLocal,
      downstreamLocalAddress: ctx.localAddress,
      downstreamRemoteAddress: ctx.remoteAddress,
      routeName: sim?.routeName,
    };
    this.d.logs.append(ctx.proxy.namespace, ctx.proxy.pod, 'istio-proxy', formatAccessLog(entry));
    const decision = decisionOf(sim, {
      time: start.toISOString(),
      requestId: x.requestId,
      proxy: { kind: ctx.proxy.kind, namespace: ctx.proxy.namespace, pod: ctx.proxy.pod },
      listener: { port: ctx.listenerPort, address: ctx.localAddress },
      request: { method: mreq.method, authority: mreq.authority, path: mreq.path },
      upstreamCluster: o.upstreamCluster,
      upstreamHost: o.upstreamHost,
      attempts: o.attempts,
      response: { status: o.status, kind: o.kind, flags: o.flags, details: o.details },
    });
    this.d.decisions.record(decision);
  }

  /** X-Forwarded-For as this proxy passes it on (gateways append the downstream address). */
  private forwardedFor(ctx: RoutingContext, headers: Record<string, string>): string | undefined {
    if (ctx.proxy.kind !== 'gateway') return headers['x-forwarded-for'];
    const remote = ipOf(ctx.remoteAddress);
    return headers['x-forwarded-for'] ? `${headers['x-forwarded-for']},${remote}` : remote;
  }

  /**
   * Envoy's request mirroring: a copy of the request as the route sends it upstream (the mesh's
   * headers, rewrites and header operations, attempt 1) to an endpoint of each mirror's cluster,
   * with `-shadow` appended to the host part of Host (Envoy's shadowAppendedHost), fire and forget.
   * It reaches the mirror's pod like any mesh request: through that pod's sidecar (inbound access
   * log, XFCC, 127.0.0.6 as the peer) when it has one. The client proxy logs no line of its own.
   */
  private mirror(x: Exchange, sim: SimulationResult, clusters: RoutePlan['clusters']): void {
    const main = clusters.get(sim.cluster ?? '');
    for (const name of sim.mirrorClusters ?? []) {
      const ml = clusters.get(name);
      if (ml?.kind !== 'ok' || !ml.endpoints.length) continue;
      const ep = ml.endpoints[Math.floor(this.d.random() * ml.endpoints.length)]!;
      // The route's decorator names the route's destination, not the mirror's.
      const headers = this.upstreamHeaders(x, sim, main?.kind === 'ok' ? main : ml);
      headers.host = shadowHost(headers.host ?? x.mreq.authority);
      headers['x-envoy-attempt-count'] = '1';
      const upstream: MeshRequest = { ...x.mreq, path: sim.upstreamRequest?.path ?? x.mreq.path, authority: headers.host };
      // Envoy gives the shadow the route's timeout; a minute bounds one without.
      void this.attempt(x.ctx, ep, upstream, headers, x.body, sim.timeoutMs && sim.timeoutMs > 0 ? sim.timeoutMs : 60_000, ml).then((r) => {
        if (r.kind === 'response') r.response.resume();
      });
    }
  }

  /**
   * The exchange with the upstream cluster: outlier-ejected hosts left out (Istio's default
   * minHealthPercent 0 turns off Envoy's panic mode, so all ejected = no healthy upstream), the
   * circuit breaker, then attempts with the route's retry policy and timeout.
   */
  private async forward(x: Exchange, sim: SimulationResult, lookup: OkCluster): Promise<void> {
    const { ctx } = x;
    const delayed = sim.fault?.delayMs !== undefined ? 'DI' : '';
    const withFlag = (f: string) => [delayed, f].filter(Boolean).join(',') || '-';
    const common = { upstreamCluster: lookup.name };
    const st = this.state(ctx.proxy, lookup.name);
    const allHosts = lookup.endpoints.length;
    const endpoints = lookup.outlier ? lookup.endpoints.filter((e) => !st.ejected(e.address, this.d.now().getTime())) : lookup.endpoints;
    if (!endpoints.length) {
      this.reply(x, { status: 503, details: 'no_healthy_upstream' }, { ...common, kind: 'no_healthy_upstream', flags: withFlag('UH') });
      return;
    }
    // Circuit breaking: active requests up to maxConnections (HTTP/1.1: one request per
    // connection), then a pending queue up to http1MaxPendingRequests, then overflow.
    const maxActive = Math.min(lookup.limits.maxConnections, lookup.limits.http2MaxRequests);
    if (st.active >= maxActive) {
      if (st.pending.length >= lookup.limits.http1MaxPendingRequests) {
        this.reply(x, { status: 503, details: 'upstream_reset_before_response_started{overflow}' }, { ...common, kind: 'overflow', flags: withFlag('UO') });
        return;
      }
      await new Promise<void>((resolve) => st.pending.push(resolve));
    }
    st.active++;
    try {
      await this.attempts(x, sim, { ...lookup, endpoints }, st, allHosts, withFlag);
    } finally {
      st.active--;
      st.pending.shift()?.();
    }
  }

  private async attempts(x: Exchange, sim: SimulationResult, lookup: OkCluster, st: ClusterState, allHosts: number, withFlag: (f: string) => string): Promise<void> {
    const retries = sim.retries ?? { attempts: 0, retryOn: '' };
    const attemptsAllowed = 1 + retries.attempts;
    const retryOn = new Set(retries.retryOn.split(','));
    const codes = retries.retriableStatusCodes ?? [];
    const perTry = retries.perTryTimeoutMs;
    const started = performance.now();
    const deadline = sim.timeoutMs && sim.timeoutMs > 0 ? started + sim.timeoutMs : undefined;
    const upstreamHeaders = this.upstreamHeaders(x, sim, lookup);
    const upstream: MeshRequest = { ...x.mreq, path: sim.upstreamRequest?.path ?? x.mreq.path, authority: sim.upstreamRequest?.authority ?? x.mreq.authority };
    const common = { upstreamCluster: lookup.name };
    const tried = new Set<number>();
    let attempt = 0;
    let lastFailure: 'connect' | 'timeout' | undefined;
    let lastEndpoint: UpstreamEndpoint | undefined;
    while (attempt < attemptsAllowed) {
      attempt++;
      // Round robin, skipping hosts already tried (Istio's previous_hosts retry predicate).
      let idx = st.rr++ % lookup.endpoints.length;
      if (retries.previousHosts !== false) for (let k = 0; k < lookup.endpoints.length && tried.has(idx); k++) idx = (idx + 1) % lookup.endpoints.length;
      tried.add(idx);
      const ep = lookup.endpoints[idx]!;
      lastEndpoint = ep;
      const remaining = deadline !== undefined ? deadline - performance.now() : undefined;
      if (remaining !== undefined && remaining <= 0) {
        lastFailure = 'timeout';
        break;
      }
      const budget = Math.min(remaining ?? Infinity, perTry ?? Infinity);
      upstreamHeaders['x-envoy-attempt-count'] = String(attempt);
      const result = await this.attempt(x.ctx, ep, upstream, upstreamHeaders, x.body, budget, lookup);
      if (lookup.outlier) {
        // Connection failures count as 5xx (Envoy's default, local and external origin not split).
        const observed = result.kind === 'response' ? (result.response.statusCode ?? 502) : result.kind === 'timeout' ? 504 : 503;
        st.observe(ep.address, observed, lookup.outlier, allHosts, this.d.now().getTime());
      }
      if (result.kind === 'connect_failure') {
        lastFailure = 'connect';
        if (retryOn.has('connect-failure') || retryOn.has('5xx') || retryOn.has('gateway-error') || retryOn.has('reset')) continue;
        break;
      }
      if (result.kind === 'timeout') {
        lastFailure = 'timeout';
        if (deadline !== undefined && performance.now() >= deadline - 1) break;
        if (perTry !== undefined && (retryOn.has('5xx') || retryOn.has('gateway-error') || retryOn.has('reset'))) continue;
        break;
      }
      const status = result.response.statusCode ?? 502;
      const again = retriable(retryOn, codes, status);
      if (again && attempt < attemptsAllowed) {
        result.response.resume();
        continue;
      }
      // The last attempt's answer goes to the client; Envoy flags an exhausted retry budget.
      const flags = again && attemptsAllowed > 1 ? withFlag('URX') : withFlag('');
      await this.respond(x, sim, result.response, performance.now() - started, ep, lookup, attempt, flags, result.localAddress);
      return;
    }
    const failed = { ...common, upstreamHost: lastEndpoint?.address, attempts: attempt };
    if (lastFailure === 'timeout') {
      this.reply(x, { status: 504, details: 'response_timeout' }, { ...failed, kind: 'timeout', flags: withFlag('UT') });
      return;
    }
    this.reply(x, { status: 503, details: 'upstream_reset_before_response_started{connection_failure}', retried: attempt > 1 }, { ...failed, kind: 'connection_failure', flags: withFlag(attempt > 1 ? 'UF,URX' : 'UF') });
  }

  /** What the upstream receives: the client's headers (edge-cleaned at a gateway), Envoy's own, then the route's operations. */
  private upstreamHeaders(x: Exchange, sim: SimulationResult, lookup: OkCluster): Record<string, string> {
    const { ctx, mreq } = x;
    const h: Record<string, string> = {};
    for (const [k, v] of Object.entries(mreq.headers)) {
      if (HOP_BY_HOP.has(k) || k === 'host') continue;
      if (ctx.proxy.kind === 'gateway' && k.startsWith('x-envoy-')) continue; // edge: untrusted internal headers dropped
      h[k] = v;
    }
    h.host = sim.upstreamRequest?.authority ?? mreq.authority;
    h['x-forwarded-proto'] = mreq.headers['x-forwarded-proto'] && ctx.proxy.kind !== 'gateway' ? mreq.headers['x-forwarded-proto'] : mreq.scheme;
    h['x-request-id'] = x.requestId;
    // Envoy keeps the path from before a rewrite for the upstream (and the access log).
    if (sim.upstreamRequest?.rewritten) h['x-envoy-original-path'] = mreq.path;
    if (x.xff) h['x-forwarded-for'] = x.xff;
    else delete h['x-forwarded-for'];
    if (ctx.proxy.kind === 'gateway') {
      const remote = ipOf(ctx.remoteAddress);
      if (!mreq.headers['x-forwarded-for'] && isPrivate(remote)) h['x-envoy-internal'] = 'true';
    }
    if (lookup.name !== 'PassthroughCluster' && !h['x-envoy-decorator-operation']) h['x-envoy-decorator-operation'] = `${lookup.host}:${lookup.port}/*`;
    if (ctx.proxy.peerMetadata) Object.assign(h, ctx.proxy.peerMetadata);
    applyRequestOps(h, sim.headers?.request ?? []);
    for (const k of Object.keys(h)) if (/[\r\n]/.test(h[k]!)) delete h[k];
    return h;
  }

  private attempt(
    ctx: RoutingContext,
    ep: UpstreamEndpoint,
    mreq: MeshRequest,
    headers: Record<string, string>,
    body: Buffer,
    budgetMs: number,
    lookup: ClusterLookup & { kind: 'ok' },
  ): Promise<{ kind: 'response'; response: IncomingMessage; localAddress: string } | { kind: 'connect_failure' } | { kind: 'timeout' }> {
    if (!ep.socket) return Promise.resolve({ kind: 'connect_failure' });
    const h: Record<string, string> = { ...headers, 'content-length': String(body.length) };
    if (!body.length && (mreq.method === 'GET' || mreq.method === 'HEAD')) delete h['content-length'];
    // The upstream workload sees the proxy's pod as its peer; an injected upstream pod's own
    // sidecar adds the client identity (XFCC) and shows 127.0.0.6 as peer.
    const upstreamSidecar = ep.pod && isInjected(ep.pod);
    if (upstreamSidecar) {
      h['x-forwarded-client-cert'] = xfcc(ep.pod!, ctx.proxy);
      // The server's sidecar consumes the metadata-exchange headers; its app never sees them.
      delete h[PEER_METADATA_HEADER];
      delete h[PEER_METADATA_ID_HEADER];
    }
    // Only cluster workloads learn their peer, from the connection the proxy opens for it.
    const peer = upstreamSidecar ? INBOUND_PASSTHROUGH_SOURCE : ep.pod ? ctx.proxy.podIP : undefined;
    const localAddress = `${ctx.proxy.podIP}:${this.ephemeralPort()}`;
    const inboundStart = this.d.now();
    const t0 = performance.now();
    return new Promise((resolve) => {
      let settled = false;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const done = (v: Parameters<typeof resolve>[0]) => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        resolve(v);
      };
      if (lookup.http2 && !lookup.tls) {
        // An HTTP2 cluster: Envoy speaks HTTP/2 (prior knowledge) to the endpoint.
        const stream = this.h2Request(ep.socket!, peer, mreq, h);
        if (!stream) return done({ kind: 'connect_failure' });
        timer = Number.isFinite(budgetMs)
          ? setTimeout(() => {
              stream.destroy();
              done({ kind: 'timeout' });
            }, Math.max(1, budgetMs))
          : undefined;
        stream.on('response', (headers) => {
          const resp = asIncomingMessage(stream, headers);
          if (upstreamSidecar && ep.pod) {
            resp.on('end', () => this.inboundLog(ep, mreq, h, resp, inboundStart, performance.now() - t0, body.length, lookup, ctx.proxy.podIP));
          }
          done({ kind: 'response', response: resp, localAddress });
        });
        stream.on('error', () => done({ kind: 'connect_failure' }));
        stream.end(body);
        return;
      }
      // TLS origination (DestinationRule tls SIMPLE): the proxy speaks TLS to the upstream with
      // the DR's SNI. The simulated world's certificates are trusted as Envoy trusts real ones.
      const r = lookup.tls
        ? httpsRequest({ host: ep.socket!.host, port: ep.socket!.port, method: mreq.method, path: mreq.path, headers: h, agent: this.tlsAgent, setHost: false, servername: lookup.tls.sni, rejectUnauthorized: false })
        : httpRequest({ host: ep.socket!.host, port: ep.socket!.port, method: mreq.method, path: mreq.path, headers: h, agent: this.agent, setHost: false, peer } as RequestOptions);
      timer = Number.isFinite(budgetMs)
        ? setTimeout(() => {
            r.destroy();
            done({ kind: 'timeout' });
          }, Math.max(1, budgetMs))
        : undefined;
      r.on('response', (resp) => {
        if (upstreamSidecar && ep.pod) {
          resp.on('end', () => this.inboundLog(ep, mreq, h, resp, inboundStart, performance.now() - t0, body.length, lookup, ctx.proxy.podIP));
        }
        done({ kind: 'response', response: resp, localAddress });
      });
      r.on('error', () => done({ kind: 'connect_failure' }));
      r.end(body);
    });
  }

  /** A request on the pooled h2c session to `socket` for `peer`; undefined when the session cannot be used. */
  private h2Request(socket: LoopbackAddress, peer: string | undefined, mreq: MeshRequest, h: Record<string, string>): ClientHttp2Stream | undefined {
    const key = `${socket.host}:${socket.port}|${peer ?? ''}`;
    let session = this.h2Sessions.get(key);
    if (!session || session.closed || session.destroyed) {
      const s = http2Connect(`http://${socket.host}:${socket.port}`, { createConnection: () => (peer ? connectAs(peer, socket.host, socket.port) : netConnect(socket.port, socket.host)) });
      s.on('error', () => {});
      s.on('close', () => {
        if (this.h2Sessions.get(key) === s) this.h2Sessions.delete(key);
      });
      s.setTimeout(60_000, () => s.close());
      this.h2Sessions.set(key, s);
      session = s;
    }
    const headers: Record<string, string> = { ':method': mreq.method, ':path': mreq.path, ':authority': h.host ?? mreq.authority, ':scheme': 'http' };
    for (const [k, v] of Object.entries(h)) if (k !== 'host' && !H2_FORBIDDEN.has(k)) headers[k] = v;
    try {
      return session.request(headers, { endStream: false });
    } catch {
      return undefined;
    }
  }

  /** The upstream pod's own sidecar writes its inbound access log line. */
  private inboundLog(ep: UpstreamEndpoint, mreq: MeshRequest, h: Record<string, string>, resp: IncomingMessage, start: Date, ms: number, received: number, lookup: ClusterLookup & { kind: 'ok' }, clientIP: string): void {
    const pod = ep.pod!;
    const [ip, port] = [ipOf(ep.address), ep.address.slice(ep.address.lastIndexOf(':') + 1)];
    const bytes = Number(resp.headers['content-length'] ?? 0) || 0;
    this.d.logs.append(
      pod.metadata.namespace ?? 'default',
      pod.metadata.name,
      'istio-proxy',
      formatAccessLog({
        start,
        method: mreq.method,
        path: mreq.path,
        protocol: lookup.http2 && !lookup.tls ? 'HTTP/2' : 'HTTP/1.1',
        status: resp.statusCode ?? 0,
        flags: '-',
        details: 'via_upstream',
        bytesReceived: received,
        bytesSent: bytes,
        durationMs: ms,
        upstreamServiceTimeMs: ms,
        xForwardedFor: h['x-forwarded-for'],
        userAgent: h['user-agent'],
        requestId: h['x-request-id'],
        authority: h.host,
        upstreamHost: `${ip}:${port}`,
        upstreamCluster: `inbound|${port}||`,
        upstreamLocalAddress: `127.0.0.6:${this.ephemeralPort()}`,
        downstreamLocalAddress: `${ip}:${port}`,
        downstreamRemoteAddress: `${clientIP}:${this.ephemeralPort()}`,
        requestedServerName: `outbound_.${lookup.port}_.${lookup.subset ?? ''}_.${lookup.host}`,
        routeName: 'default',
      }),
    );
  }

  private async respond(x: Exchange, sim: SimulationResult, up: IncomingMessage, serviceMs: number, ep: UpstreamEndpoint, lookup: OkCluster, attempts: number, flags: string, upstreamLocal: string): Promise<void> {
    const { res } = x;
    const out: [string, string][] = [['server', this.serverName(x.ctx)]];
    const nominated = connectionNominated(up.headers.connection);
    for (let i = 0; i + 1 < up.rawHeaders.length; i += 2) {
      const k = up.rawHeaders[i]!.toLowerCase();
      if (HOP_BY_HOP.has(k) || nominated.has(k) || k === 'server') continue;
      out.push([k, up.rawHeaders[i + 1]!]);
    }
    if (!out.some(([k]) => k === 'date')) out.splice(1, 0, ['date', this.d.now().toUTCString()]);
    const chunked = !out.some(([k]) => k === 'content-length') && up.headers['transfer-encoding'] !== undefined;
    out.push(['x-envoy-upstream-service-time', String(Math.round(serviceMs))]);
    applyResponseOps(out, sim.headers?.response ?? []);
    const clean = out.filter(([k, v]) => /^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(k) && !/[\r\n]/.test(v));
    if (chunked) clean.push(['transfer-encoding', 'chunked']);
    const status = up.statusCode ?? 502;
    writeResponseHead(res, status, clean);
    let bytes = 0;
    await new Promise<void>((resolve) => {
      up.on('data', (c: Buffer) => {
        bytes += c.length;
        res.write(c);
      });
      up.on('end', () => {
        res.end();
        resolve();
      });
      up.on('error', () => {
        res.destroy();
        resolve();
      });
      res.on('close', () => {
        up.destroy();
        resolve();
      });
    });
    x.finish({ status, kind: lookup.name === 'PassthroughCluster' ? 'passthrough' : 'upstream', flags, details: 'via_upstream', bytesSent: bytes, upstreamHost: ep.address, upstreamCluster: lookup.name, upstreamLocal, upstreamServiceTime: serviceMs, attempts });
  }
}

/** Connection-specific headers HTTP/2 forbids (RFC 9113 §8.2.2). */
const H2_FORBIDDEN = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade']);

/** An HTTP/2 response stream with the IncomingMessage fields the router reads (status, headers, raw headers). */
function asIncomingMessage(stream: ClientHttp2Stream, headers: Record<string, unknown>): IncomingMessage {
  const plain: Record<string, string> = {};
  const raw: string[] = [];
  for (const [k, v] of Object.entries(headers)) {
    if (k.startsWith(':') || v === undefined) continue;
    for (const one of Array.isArray(v) ? v : [v]) raw.push(k, String(one));
    plain[k] = Array.isArray(v) ? v.join(', ') : String(v);
  }
  return Object.assign(stream, { statusCode: Number(headers[':status']), headers: plain, rawHeaders: raw, httpVersion: '2.0' }) as unknown as IncomingMessage;
}

/** `host-shadow`, keeping a port: `httpbin:8000` → `httpbin-shadow:8000` (Envoy's shadowAppendedHost). */
export function shadowHost(host: string): string {
  const m = /^(\[[^\]]*\]|[^:]*)(:\d*)?$/.exec(host);
  return m ? `${m[1]}-shadow${m[2] ?? ''}` : `${host}-shadow`;
}

/** A pod with an Istio sidecar (injected, not a gateway). */
export function isInjected(pod: KubeObject): boolean {
  const a = pod.metadata.annotations ?? {};
  if (!a['sidecar.istio.io/status']) return false;
  return !String(a['inject.istio.io/templates'] ?? '').split(',').includes('gateway');
}

function serviceAccountOf(pod: KubeObject): string {
  const sa = (pod.spec as Obj | undefined)?.serviceAccountName;
  return typeof sa === 'string' && sa ? sa : 'default';
}

/** X-Forwarded-Client-Cert as the server-side sidecar sets it after mTLS. */
export function xfcc(server: KubeObject, client: ProxyInfo): string {
  const by = `spiffe://cluster.local/ns/${server.metadata.namespace ?? 'default'}/sa/${serviceAccountOf(server)}`;
  const uri = `spiffe://cluster.local/ns/${client.namespace}/sa/${client.serviceAccount}`;
  const hash = createHash('sha256').update(uri).digest('hex');
  return `By=${by};Hash=${hash};Subject="";URI=${uri}`;
}

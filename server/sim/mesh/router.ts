// One HTTP request through a simulated Envoy (a gateway, or a sidecar's outbound side): pick the
// route, apply redirect / direct response / fault / rewrite / headers / mirror, connect to an
// upstream endpoint with retries, timeout and connection-pool limits, and answer the way Envoy
// answers (local replies, `server`, `x-envoy-upstream-service-time`), writing the access log
// and a RouteDecision.
import { createHash, randomUUID } from 'node:crypto';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { request as httpRequest, STATUS_CODES, type IncomingMessage, type RequestOptions, type ServerResponse } from 'node:http';
import { RE2JS } from 're2js';
import type { LogBook } from '../logs/log-book.ts';
import type { KubeObject } from '../store/object-store.ts';
import type { LoopbackAddress } from '../world/external-network.ts';
import { PeerAgent } from './peer-identity.ts';
import { formatAccessLog, type AccessLogEntry } from './access-log.ts';
import { traceOf, type RequestTrace } from './explain.ts';
import type { DecisionLog, ResponseKind, RouteDecision } from './decisions.ts';
import { faultFires, parseDurationMs, pickWeighted, selectRoute, type MeshRequest, type RouteSelection } from './match.ts';
import type { MeshSnapshot, VirtualHostTable } from './translate.ts';
import type { ClusterLookup, OutlierDetection, UpstreamDirectory, UpstreamEndpoint } from './upstreams.ts';
import { readBoundedBody } from '../../util/read-body.ts';

type Obj = Record<string, unknown>;

export const MAX_REQUEST_BODY = 8 * 1024 * 1024;
/** Envoy's default `num_retries` in Istio's default retry policy. */
export const DEFAULT_RETRIES = 2;
const DEFAULT_RETRY_ON = 'connect-failure,refused-stream,unavailable,cancelled';
/** 127.0.0.6: the source address an Istio sidecar uses for inbound traffic it passes to the app. */
const INBOUND_PASSTHROUGH_SOURCE = '127.0.0.6';
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'proxy-authenticate']);

export interface ProxyInfo {
  kind: 'gateway' | 'sidecar';
  namespace: string;
  pod: string;
  podIP: string;
  serviceAccount: string;
}

export interface RouterDeps {
  logs: LogBook;
  decisions: DecisionLog;
  upstreams: UpstreamDirectory;
  now(): Date;
  /** Pod objects by namespace/name, for sidecar detection of the upstream. */
  pod(namespace: string, name: string): KubeObject | undefined;
  /** Where an original destination outside the registry really is (PassthroughCluster). */
  passthrough(host: string, port: number, clientNamespace: string): LoopbackAddress | undefined;
}

/** What the proxy decided before talking to any upstream. */
export interface RoutingContext {
  proxy: ProxyInfo;
  listenerPort: number;
  /** DOWNSTREAM_LOCAL_ADDRESS. */
  localAddress: string;
  /** DOWNSTREAM_REMOTE_ADDRESS (ip:port). */
  remoteAddress: string;
  snapshot: MeshSnapshot;
  /** The virtual host chosen, or undefined for no route (404) unless `fallback` applies. */
  virtualHost?: VirtualHostTable;
  /** Sidecar: the route when no VirtualService applies (the service itself, passthrough, block). */
  fallback?: { kind: 'service'; host: string; port: number } | { kind: 'passthrough'; host: string; port: number } | { kind: 'blackhole' };
  gatewayServers?: { gateway: string; serverIndex: number }[];
  /** The namespace whose config names hosts when no VS does (client namespace). */
  clientNamespace: string;
  originalDestination?: { host: string; port: number };
  /** `https` when the gateway terminated TLS. */
  scheme?: 'http' | 'https';
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
  routeName?: string;
}

/** An explanation that cannot be built never affects the answer; the request just has none. */
function explainSafely(d: Omit<RouteDecision, 'id'>, ctx: Parameters<typeof traceOf>[1]): RequestTrace | undefined {
  try {
    return traceOf(d, ctx);
  } catch {
    return undefined;
  }
}

function isPrivate(ip: string): boolean {
  return /^10\./.test(ip) || /^192\.168\./.test(ip) || /^172\.(1[6-9]|2\d|3[01])\./.test(ip) || /^127\./.test(ip);
}

function ipOf(address: string): string {
  const i = address.lastIndexOf(':');
  return i > 0 ? address.slice(0, i) : address;
}

function ephemeralPort(): number {
  return 32768 + Math.floor(Math.random() * 28000);
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

const H2_FORBIDDEN = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection']);


/**
 * Round-robin state per proxy and cluster, and the circuit-breaker counters. Istio's default
 * load balancer is LEAST_REQUEST (power of two choices among endpoints by active requests); with
 * equal, idle endpoints it spreads like round robin, which is what the embedded mesh does. A
 * learner counting responses per version sees the same split; under uneven load real Envoy
 * favours the less busy endpoint where this one keeps alternating.
 */
class ClusterState {
  rr = 0;
  active = 0;
  readonly pending: (() => void)[] = [];
  /** Outlier detection per endpoint address. */
  readonly hosts = new Map<string, { consecutive5xx: number; consecutiveGateway: number; ejectedUntil: number; ejections: number }>();

  ejected(address: string, now: number): boolean {
    return (this.hosts.get(address)?.ejectedUntil ?? 0) > now;
  }

  /**
   * Envoy's consecutive_5xx / consecutive_gateway_failure ejection: after N in a row the host
   * leaves the pool for baseEjectionTime × times ejected, unless maxEjectionPercent is reached.
   */
  observe(address: string, status: number, od: OutlierDetection, total: number, now: number): void {
    if (this.hosts.size > 1000) this.hosts.clear();
    let h = this.hosts.get(address);
    if (!h) {
      h = { consecutive5xx: 0, consecutiveGateway: 0, ejectedUntil: 0, ejections: 0 };
      this.hosts.set(address, h);
    }
    const gateway = status === 502 || status === 503 || status === 504;
    h.consecutive5xx = status >= 500 ? h.consecutive5xx + 1 : 0;
    h.consecutiveGateway = gateway ? h.consecutiveGateway + 1 : 0;
    const trip = (od.consecutive5xxErrors > 0 && h.consecutive5xx >= od.consecutive5xxErrors) || (od.consecutiveGatewayErrors > 0 && h.consecutiveGateway >= od.consecutiveGatewayErrors);
    if (!trip || h.ejectedUntil > now) return;
    const ejectedNow = [...this.hosts.values()].filter((x) => x.ejectedUntil > now).length;
    if (((ejectedNow + 1) / Math.max(1, total)) * 100 > od.maxEjectionPercent) return;
    h.ejections++;
    h.ejectedUntil = now + od.baseEjectionMs * h.ejections;
    h.consecutive5xx = 0;
    h.consecutiveGateway = 0;
  }
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
  close(): void {
    this.agent.destroy();
    this.tlsAgent.destroy();
  }

  /** Serve one request in a routing context; never throws. */
  async handle(ctx: RoutingContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      await this.process(ctx, req, res);
    } catch {
      if (!res.headersSent) this.localReply(ctx, res, 500, 'internal error', []);
      else res.destroy();
    }
  }

  private serverName(ctx: RoutingContext): string {
    return ctx.proxy.kind === 'gateway' ? 'istio-envoy' : 'envoy';
  }

  private localReply(ctx: RoutingContext, res: ServerResponse, status: number, body: string, extra: [string, string][]): number {
    const headers: [string, string][] = [];
    const date = new Date().toUTCString();
    if (body) headers.push(['content-length', String(Buffer.byteLength(body))], ['content-type', 'text/plain'], ...extra, ['date', date], ['server', this.serverName(ctx)]);
    else headers.push(...extra, ['date', date], ['server', this.serverName(ctx)], ['content-length', '0']);
    this.writeHead(res, status, headers);
    res.end(body);
    return Buffer.byteLength(body);
  }

  private writeHead(res: ServerResponse, status: number, headers: [string, string][]): void {
    if (res.headersSent || res.destroyed) return;
    res.sendDate = false;
    if ((res as unknown as { stream?: unknown }).stream !== undefined) {
      // HTTP/2 compatibility response: one object, repeated names as arrays, no connection headers.
      const obj: Record<string, string | string[]> = {};
      for (const [k, v] of headers) {
        if (H2_FORBIDDEN.has(k)) continue;
        const prev = obj[k];
        obj[k] = prev === undefined ? v : ([] as string[]).concat(prev, v);
      }
      res.writeHead(status, obj);
      return;
    }
    // Envoy's HTTP/1 codec sends exactly these headers: no Node `Connection`/`Keep-Alive`.
    res.removeHeader('connection');
    for (const [k, v] of headers) res.appendHeader(k, v);
    res.writeHead(status, STATUS_CODES[status] ?? 'Unknown');
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

    const finish = (o: Outcome, selection?: RouteSelection, destination?: RouteDecision['destination'], originalPath?: string) => {
      const entry: AccessLogEntry = {
        start,
        method: mreq.method,
        path: originalPath ?? path,
        protocol: protocolOf(req),
        status: o.status,
        flags: o.flags,
        details: o.details,
        bytesReceived: Buffer.isBuffer(body) ? body.length : 0,
        bytesSent: o.bytesSent,
        durationMs: performance.now() - t0,
        upstreamServiceTimeMs: o.upstreamServiceTime,
        xForwardedFor: xff,
        userAgent: headers['user-agent'],
        requestId,
        authority,
        upstreamHost: o.upstreamHost,
        upstreamCluster: o.upstreamCluster,
        upstreamLocalAddress: o.upstreamLocal,
        downstreamLocalAddress: ctx.localAddress,
        downstreamRemoteAddress: ctx.remoteAddress,
        routeName: o.routeName,
      };
      this.d.logs.append(ctx.proxy.namespace, ctx.proxy.pod, 'istio-proxy', formatAccessLog(entry));
      const vs = selection?.entry;
      const decision: Omit<RouteDecision, 'id'> = {
        time: start.toISOString(),
        requestId,
        proxy: { kind: ctx.proxy.kind, namespace: ctx.proxy.namespace, pod: ctx.proxy.pod },
        listener: { port: ctx.listenerPort, address: ctx.localAddress },
        request: { method: mreq.method, authority, path },
        gatewayServers: ctx.gatewayServers,
        virtualHost: ctx.virtualHost?.name,
        virtualService: vs ? { name: vs.vs.name, namespace: vs.vs.namespace, ruleIndex: vs.ruleIndex, ruleName: vs.ruleName, matchIndex: selection!.matchIndex, matchName: selection!.matchName } : undefined,
        destination,
        upstreamCluster: o.upstreamCluster,
        upstreamHost: o.upstreamHost,
        attempts: o.attempts,
        response: { status: o.status, kind: o.kind, flags: o.flags, details: o.details },
      };
      decision.trace = explainSafely(decision, { routes: ctx.virtualHost?.routes, request: mreq, snapshot: ctx.snapshot, configNamespace: vs?.vs.namespace ?? ctx.clientNamespace, clientNamespace: ctx.clientNamespace });
      this.d.decisions.record(decision);
    };

    if (body === 'error') {
      res.destroy();
      return;
    }
    if (body === 'too_large') {
      const n = this.localReply(ctx, res, 413, 'Payload Too Large', []);
      finish({ status: 413, kind: 'direct_response', flags: '-', details: 'request_payload_too_large', bytesSent: n });
      return;
    }

    // Route selection.
    let selection: RouteSelection | undefined;
    let routeObj: Obj | undefined;
    if (ctx.virtualHost) {
      selection = selectRoute(ctx.virtualHost.routes, mreq);
      routeObj = selection?.entry.route;
    }
    const routeName = selection ? (selection.entry.ruleName ?? (ctx.proxy.kind === 'gateway' ? undefined : 'default')) : ctx.fallback ? 'default' : undefined;
    if (!routeObj) {
      if (ctx.virtualHost || !ctx.fallback) {
        const n = this.localReply(ctx, res, 404, '', []);
        finish({ status: 404, kind: 'no_route', flags: 'NR', details: 'route_not_found', bytesSent: n });
        return;
      }
      if (ctx.fallback.kind === 'blackhole') {
        const n = this.localReply(ctx, res, 502, '', []);
        finish({ status: 502, kind: 'registry_only_blocked', flags: '-', details: 'direct_response', bytesSent: n, upstreamCluster: 'BlackHoleCluster', routeName: 'block_all' });
        return;
      }
      const fb = ctx.fallback;
      const lookup: ClusterLookup =
        fb.kind === 'service'
          ? this.d.upstreams.lookup(ctx.snapshot, { host: fb.host, namespace: ctx.clientNamespace, clientNamespace: ctx.clientNamespace, port: fb.port, listenerPort: ctx.listenerPort, originalDestination: ctx.originalDestination })
          : { kind: 'ok', name: 'PassthroughCluster', host: fb.host, port: fb.port, endpoints: [this.passthroughEndpoint(fb.host, fb.port, ctx.clientNamespace)], limits: { maxConnections: 2 ** 32 - 1, http1MaxPendingRequests: 2 ** 32 - 1, http2MaxRequests: 2 ** 32 - 1, maxRequestsPerConnection: 0 }, external: true };
      await this.forward(ctx, req, res, mreq, body, lookup, { requestId, xff, route: {}, routeName: fb.kind === 'passthrough' ? 'allow_any' : 'default', decorator: fb.kind === 'passthrough' ? undefined : `${lookup.kind === 'ok' ? lookup.host : fb.host}:${fb.port}/*` }, finish, undefined, { host: fb.host, port: fb.port });
      return;
    }

    const route = routeObj;
    // Redirect and direct response are answered by the proxy itself.
    if (route.redirect) {
      const r = route.redirect as Obj;
      const code = typeof r.redirectCode === 'number' ? r.redirectCode : 301;
      const scheme = typeof r.scheme === 'string' ? r.scheme : 'http';
      const host = typeof r.authority === 'string' ? r.authority : authority.replace(/:\d+$/, '');
      const port = typeof r.port === 'number' ? `:${r.port}` : '';
      // Envoy's path_redirect keeps the request's query string unless the new path has one.
      const q = path.indexOf('?');
      const uri = typeof r.uri === 'string' ? (r.uri.includes('?') || q < 0 ? r.uri : r.uri + path.slice(q)) : path;
      const location = `${scheme}://${host}${port}${uri}`;
      const n = this.localReply(ctx, res, code, '', [['location', location]]);
      finish({ status: code, kind: 'redirect', flags: '-', details: 'direct_response', bytesSent: n, routeName: routeName }, selection);
      return;
    }
    if (route.directResponse) {
      const dr = route.directResponse as Obj;
      const status = typeof dr.status === 'number' ? dr.status : 200;
      const b = dr.body as Obj | undefined;
      const text = typeof b?.string === 'string' ? b.string : typeof b?.bytes === 'string' ? Buffer.from(b.bytes, 'base64').toString('utf8') : '';
      const n = this.localReply(ctx, res, status, text, []);
      finish({ status, kind: 'direct_response', flags: '-', details: 'direct_response', bytesSent: n, routeName }, selection);
      return;
    }

    // Fault injection runs before the router: delay, then abort.
    const fault = route.fault as Obj | undefined;
    let faultDelayed = false;
    if (fault?.delay) {
      const delay = fault.delay as Obj;
      const ms = parseDurationMs(delay.fixedDelay);
      if (ms !== undefined && faultFires(delay)) {
        faultDelayed = true;
        await new Promise((r) => setTimeout(r, Math.min(ms, 600_000)));
        if (res.destroyed) return;
      }
    }
    if (fault?.abort) {
      const abort = fault.abort as Obj;
      if (faultFires(abort) && typeof abort.httpStatus === 'number') {
        const n = this.localReply(ctx, res, abort.httpStatus, 'fault filter abort', []);
        finish({ status: abort.httpStatus, kind: 'fault_abort', flags: faultDelayed ? 'DI,FI' : 'FI', details: 'fault_filter_abort', bytesSent: n, routeName }, selection);
        return;
      }
    }

    const destinations = ((route.route as Obj[] | undefined) ?? []).filter((d) => d.destination && typeof (d.destination as Obj).host === 'string');
    const chosen = pickWeighted(destinations);
    if (!chosen) {
      const n = this.localReply(ctx, res, 404, '', []);
      finish({ status: 404, kind: 'no_route', flags: 'NR', details: 'route_not_found', bytesSent: n }, selection);
      return;
    }
    const dest = chosen.destination as Obj;
    const destPort = typeof (dest.port as Obj | undefined)?.number === 'number' ? ((dest.port as Obj).number as number) : undefined;
    const vsNs = selection!.entry.vs.namespace;
    const lookup = this.d.upstreams.lookup(ctx.snapshot, {
      host: String(dest.host),
      namespace: vsNs,
      clientNamespace: ctx.clientNamespace,
      port: destPort,
      subset: typeof dest.subset === 'string' ? dest.subset : undefined,
      listenerPort: ctx.proxy.kind === 'sidecar' ? ctx.listenerPort : undefined,
      originalDestination: ctx.originalDestination,
    });

    // Rewrite (uri replaces the matched prefix; authority replaces Host).
    let upstreamPath = path;
    let originalPath: string | undefined;
    const rewrite = route.rewrite as Obj | undefined;
    if (rewrite && typeof rewrite.uri === 'string') {
      const m = selection!.matchIndex >= 0 ? selection!.entry.matches[selection!.matchIndex] : undefined;
      const prefix = (m?.uri as Obj | undefined)?.prefix;
      originalPath = path;
      if (typeof prefix === 'string' && path.toLowerCase().startsWith(prefix.toLowerCase())) upstreamPath = rewrite.uri + path.slice(prefix.length);
      else {
        const q = path.indexOf('?');
        upstreamPath = rewrite.uri + (q >= 0 ? path.slice(q) : '');
      }
      if (!upstreamPath.startsWith('/')) upstreamPath = `/${upstreamPath}`;
    } else if (rewrite && rewrite.uriRegexRewrite && typeof rewrite.uriRegexRewrite === 'object') {
      // Envoy regex_rewrite: RE2 substitution on the path (query kept), `\1` for groups.
      const rr = rewrite.uriRegexRewrite as Obj;
      if (typeof rr.match === 'string' && typeof rr.rewrite === 'string') {
        try {
          const q = path.indexOf('?');
          const pathOnly = q >= 0 ? path.slice(0, q) : path;
          const replaced = RE2JS.compile(rr.match).matcher(pathOnly).replaceAll(rr.rewrite.replace(/\\(\d)/g, '$$$1'));
          originalPath = path;
          upstreamPath = replaced + (q >= 0 ? path.slice(q) : '');
        } catch {
          // an invalid pattern leaves the path alone
        }
      }
    }
    const upstreamAuthority = rewrite && typeof rewrite.authority === 'string' ? rewrite.authority : authority;

    // Mirroring: a copy to the mirror host with `-shadow` appended to Host, response ignored.
    // Mirroring: `mirror` + `mirrorPercentage`, or the newer `mirrors` list with a percentage each.
    const mirrorList: { mirror: Obj; pct?: unknown }[] = [];
    if (route.mirror && typeof route.mirror === 'object') mirrorList.push({ mirror: route.mirror as Obj, pct: (route.mirrorPercentage as Obj | undefined)?.value });
    for (const m of Array.isArray(route.mirrors) ? (route.mirrors as Obj[]) : []) {
      if (m.destination && typeof m.destination === 'object') mirrorList.push({ mirror: m.destination as Obj, pct: (m.percentage as Obj | undefined)?.value });
    }
    for (const { mirror, pct } of mirrorList) {
      if (typeof mirror.host !== 'string') continue;
      if (typeof pct !== 'number' || Math.random() * 100 < pct) {
        const ml = this.d.upstreams.lookup(ctx.snapshot, { host: mirror.host, namespace: vsNs, clientNamespace: ctx.clientNamespace, port: typeof (mirror.port as Obj | undefined)?.number === 'number' ? ((mirror.port as Obj).number as number) : undefined, subset: typeof mirror.subset === 'string' ? mirror.subset : undefined, listenerPort: ctx.listenerPort });
        if (ml.kind === 'ok' && ml.endpoints.length) {
          const ep = ml.endpoints[Math.floor(Math.random() * ml.endpoints.length)]!;
          if (ep.socket) this.sendMirror(ep.socket, mreq.method, upstreamPath, headers, `${upstreamAuthority.replace(/:\d+$/, '')}-shadow${/:\d+$/.exec(upstreamAuthority)?.[0] ?? ''}`, Buffer.isBuffer(body) ? body : Buffer.alloc(0));
        }
      }
    }

    await this.forward(
      ctx,
      req,
      res,
      { ...mreq, path: upstreamPath, authority: upstreamAuthority },
      body,
      lookup,
      { requestId, xff, route, routeName, destinationHeaders: chosen.headers as Obj | undefined, decorator: lookup.kind === 'ok' ? `${lookup.host}:${lookup.port}/*` : undefined, faultDelayed, originalPath },
      finish,
      selection,
      { host: String(dest.host), port: destPort, subset: typeof dest.subset === 'string' ? dest.subset : undefined },
    );
  }

  private passthroughEndpoint(host: string, port: number, clientNamespace: string): UpstreamEndpoint {
    return { address: `${host}:${port}`, socket: this.d.passthrough(host, port, clientNamespace) };
  }

  /** X-Forwarded-For as this proxy passes it on (gateways append the downstream address). */
  private forwardedFor(ctx: RoutingContext, headers: Record<string, string>): string | undefined {
    if (ctx.proxy.kind !== 'gateway') return headers['x-forwarded-for'];
    const remote = ipOf(ctx.remoteAddress);
    return headers['x-forwarded-for'] ? `${headers['x-forwarded-for']},${remote}` : remote;
  }

  private sendMirror(socket: LoopbackAddress, method: string, path: string, headers: Record<string, string>, host: string, body: Buffer): void {
    const h: Record<string, string> = {};
    for (const [k, v] of Object.entries(headers)) if (!HOP_BY_HOP.has(k) && k !== 'host' && k !== 'content-length') h[k] = v;
    h.host = host;
    h['content-length'] = String(body.length);
    const r = httpRequest({ host: socket.host, port: socket.port, method, path, headers: h, timeout: 30_000 }, (resp) => resp.resume());
    r.on('error', () => {});
    r.on('timeout', () => r.destroy());
    r.end(body);
  }

  private async forward(
    ctx: RoutingContext,
    req: IncomingMessage,
    res: ServerResponse,
    mreq: MeshRequest,
    body: Buffer,
    lookup: ClusterLookup,
    opts: { requestId: string; xff?: string; route: Obj; routeName?: string; destinationHeaders?: Obj; decorator?: string; faultDelayed?: boolean; originalPath?: string },
    finish: (o: Outcome, s?: RouteSelection, d?: RouteDecision['destination'], originalPath?: string) => void,
    selection: RouteSelection | undefined,
    destination: RouteDecision['destination'],
  ): Promise<void> {
    const flags0 = opts.faultDelayed ? 'DI' : '';
    const withFlag = (f: string) => [flags0, f].filter(Boolean).join(',') || '-';
    if (lookup.kind === 'not_found') {
      const n = this.localReply(ctx, res, 503, '', []);
      finish({ status: 503, kind: 'cluster_not_found', flags: withFlag('NC'), details: 'cluster_not_found', bytesSent: n, upstreamCluster: lookup.name, routeName: opts.routeName }, selection, destination, opts.originalPath);
      return;
    }
    // Outlier detection: ejected hosts leave the pool; Istio's default minHealthPercent 0 turns
    // off Envoy's panic mode, so with every host ejected the answer is "no healthy upstream".
    const st0 = this.state(ctx.proxy, lookup.name);
    const allHosts = lookup.endpoints.length;
    if (lookup.outlier) {
      const now = Date.now();
      lookup = { ...lookup, endpoints: lookup.endpoints.filter((e) => !st0.ejected(e.address, now)) };
    }
    if (!lookup.endpoints.length) {
      const n = this.localReply(ctx, res, 503, 'no healthy upstream', []);
      finish({ status: 503, kind: 'no_healthy_upstream', flags: withFlag('UH'), details: 'no_healthy_upstream', bytesSent: n, upstreamCluster: lookup.name, routeName: opts.routeName }, selection, destination, opts.originalPath);
      return;
    }

    // Circuit breaking: active requests up to maxConnections (HTTP/1.1: one request per
    // connection), then a pending queue up to http1MaxPendingRequests, then overflow.
    const st = this.state(ctx.proxy, lookup.name);
    const maxActive = Math.min(lookup.limits.maxConnections, lookup.limits.http2MaxRequests);
    if (st.active >= maxActive) {
      if (st.pending.length >= lookup.limits.http1MaxPendingRequests) {
        const n = this.localReply(ctx, res, 503, 'upstream connect error or disconnect/reset before headers. reset reason: overflow', [['x-envoy-overloaded', 'true']]);
        finish({ status: 503, kind: 'overflow', flags: withFlag('UO'), details: 'upstream_reset_before_response_started{overflow}', bytesSent: n, upstreamCluster: lookup.name, routeName: opts.routeName }, selection, destination, opts.originalPath);
        return;
      }
      await new Promise<void>((resolve) => st.pending.push(resolve));
    }
    st.active++;
    const release = () => {
      st.active--;
      const next = st.pending.shift();
      if (next) next();
    };

    const route = opts.route;
    const retries = route.retries as Obj | undefined;
    const attemptsAllowed = 1 + (typeof retries?.attempts === 'number' ? Math.max(0, retries.attempts) : DEFAULT_RETRIES);
    const retryOn = new Set(String(retries?.retryOn ?? DEFAULT_RETRY_ON).split(',').map((s) => s.trim()));
    const perTry = parseDurationMs(retries?.perTryTimeout);
    const timeoutMs = parseDurationMs(route.timeout);
    const started = performance.now();
    const deadline = timeoutMs && timeoutMs > 0 ? started + timeoutMs : undefined;

    const upstreamHeaders = this.upstreamHeaders(ctx, mreq, opts, lookup, route);
    const tried = new Set<number>();
    let attempt = 0;
    let lastFailure: 'connect' | 'timeout' | undefined;
    let lastEndpoint: UpstreamEndpoint | undefined;
    try {
      while (attempt < attemptsAllowed) {
        attempt++;
        // Round robin, skipping hosts already tried (Istio's previous_hosts retry predicate).
        let idx = st.rr++ % lookup.endpoints.length;
        for (let k = 0; k < lookup.endpoints.length && tried.has(idx); k++) idx = (idx + 1) % lookup.endpoints.length;
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
        const result = await this.attempt(ctx, ep, mreq, upstreamHeaders, body, budget, lookup);
        if (lookup.outlier) {
          // Connection failures count as 5xx (Envoy's default, local and external origin not split).
          const observed = result.kind === 'response' ? (result.response.statusCode ?? 502) : result.kind === 'timeout' ? 504 : 503;
          st.observe(ep.address, observed, lookup.outlier, allHosts, Date.now());
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
        const retriableStatus =
          ((retryOn.has('5xx') && status >= 500) ||
            (retryOn.has('gateway-error') && (status === 502 || status === 503 || status === 504)) ||
            (retryOn.has('retriable-4xx') && status === 409) ||
            (retryOn.has('retriable-status-codes') && ((retries?.retriableStatusCodes as number[] | undefined) ?? []).includes(status)) ||
            retryOn.has(String(status)));
        if (retriableStatus && attempt < attemptsAllowed) {
          result.response.resume();
          continue;
        }
        // The last attempt's answer goes to the client; Envoy flags an exhausted retry budget.
        const flagged = retriableStatus && attemptsAllowed > 1 ? (f: string) => withFlag(f ? `${f},URX` : 'URX') : withFlag;
        await this.respond(ctx, res, result.response, performance.now() - started, route, opts, ep, lookup, attempt, finish, selection, destination, flagged, result.localAddress);
        return;
      }
      if (lastFailure === 'timeout') {
        const n = this.localReply(ctx, res, 504, 'upstream request timeout', []);
        finish({ status: 504, kind: 'timeout', flags: withFlag('UT'), details: 'response_timeout', bytesSent: n, upstreamCluster: lookup.name, upstreamHost: lastEndpoint?.address, attempts: attempt, routeName: opts.routeName }, selection, destination, opts.originalPath);
        return;
      }
      const n = this.localReply(ctx, res, 503, 'upstream connect error or disconnect/reset before headers. reset reason: connection failure', []);
      finish({ status: 503, kind: 'connection_failure', flags: withFlag(attempt > 1 ? 'UF,URX' : 'UF'), details: 'upstream_reset_before_response_started{connection_failure}', bytesSent: n, upstreamCluster: lookup.name, upstreamHost: lastEndpoint?.address, attempts: attempt, routeName: opts.routeName }, selection, destination, opts.originalPath);
    } finally {
      release();
    }
    void req;
  }

  private upstreamHeaders(ctx: RoutingContext, mreq: MeshRequest, opts: { requestId: string; xff?: string; destinationHeaders?: Obj; decorator?: string; originalPath?: string }, lookup: ClusterLookup & { kind: 'ok' }, route: Obj): Record<string, string> {
    const h: Record<string, string> = {};
    for (const [k, v] of Object.entries(mreq.headers)) {
      if (HOP_BY_HOP.has(k) || k === 'host') continue;
      if (ctx.proxy.kind === 'gateway' && k.startsWith('x-envoy-')) continue; // edge: untrusted internal headers dropped
      h[k] = v;
    }
    h.host = mreq.authority;
    h['x-forwarded-proto'] = mreq.headers['x-forwarded-proto'] && ctx.proxy.kind !== 'gateway' ? mreq.headers['x-forwarded-proto'] : mreq.scheme;
    h['x-request-id'] = opts.requestId;
    // Envoy keeps the path from before a prefix rewrite for the upstream (and the access log).
    if (opts.originalPath) h['x-envoy-original-path'] = opts.originalPath;
    if (opts.xff) h['x-forwarded-for'] = opts.xff;
    else delete h['x-forwarded-for'];
    if (ctx.proxy.kind === 'gateway') {
      const remote = ipOf(ctx.remoteAddress);
      if (!mreq.headers['x-forwarded-for'] && isPrivate(remote)) h['x-envoy-internal'] = 'true';
    }
    if (opts.decorator && !h['x-envoy-decorator-operation']) h['x-envoy-decorator-operation'] = opts.decorator;
    void lookup;
    const manip = (spec: Obj | undefined) => {
      const r = ((spec as Obj | undefined)?.request as Obj | undefined) ?? {};
      for (const [k, v] of Object.entries((r.set as Obj | undefined) ?? {})) h[k.toLowerCase()] = String(v);
      for (const [k, v] of Object.entries((r.add as Obj | undefined) ?? {})) h[k.toLowerCase()] = h[k.toLowerCase()] !== undefined ? `${h[k.toLowerCase()]},${String(v)}` : String(v);
      for (const k of (r.remove as string[] | undefined) ?? []) delete h[String(k).toLowerCase()];
    };
    manip(route.headers as Obj | undefined);
    manip(opts.destinationHeaders);
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
    if (upstreamSidecar) h['x-forwarded-client-cert'] = xfcc(ep.pod!, ctx.proxy);
    // Only cluster workloads learn their peer, from the connection the proxy opens for it.
    const peer = upstreamSidecar ? INBOUND_PASSTHROUGH_SOURCE : ep.pod ? ctx.proxy.podIP : undefined;
    const localAddress = `${ctx.proxy.podIP}:${ephemeralPort()}`;
    const inboundStart = this.d.now();
    const t0 = performance.now();
    return new Promise((resolve) => {
      let settled = false;
      const done = (v: Parameters<typeof resolve>[0]) => {
        if (settled) return;
        settled = true;
        if (timer) clearTimeout(timer);
        resolve(v);
      };
      // TLS origination (DestinationRule tls SIMPLE): the proxy speaks TLS to the upstream with
      // the DR's SNI. The simulated world's certificates are trusted as Envoy trusts real ones.
      const r = lookup.tls
        ? httpsRequest({ host: ep.socket!.host, port: ep.socket!.port, method: mreq.method, path: mreq.path, headers: h, agent: this.tlsAgent, setHost: false, servername: lookup.tls.sni, rejectUnauthorized: false })
        : httpRequest({ host: ep.socket!.host, port: ep.socket!.port, method: mreq.method, path: mreq.path, headers: h, agent: this.agent, setHost: false, peer } as RequestOptions);
      const timer = Number.isFinite(budgetMs)
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
        protocol: 'HTTP/1.1',
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
        upstreamLocalAddress: `127.0.0.6:${ephemeralPort()}`,
        downstreamLocalAddress: `${ip}:${port}`,
        downstreamRemoteAddress: `${clientIP}:${ephemeralPort()}`,
        requestedServerName: `outbound_.${lookup.port}_.${lookup.subset ?? ''}_.${lookup.host}`,
        routeName: 'default',
      }),
    );
  }

  private async respond(
    ctx: RoutingContext,
    res: ServerResponse,
    up: IncomingMessage,
    serviceMs: number,
    route: Obj,
    opts: { routeName?: string; destinationHeaders?: Obj; originalPath?: string },
    ep: UpstreamEndpoint,
    lookup: ClusterLookup & { kind: 'ok' },
    attempts: number,
    finish: (o: Outcome, s?: RouteSelection, d?: RouteDecision['destination'], originalPath?: string) => void,
    selection: RouteSelection | undefined,
    destination: RouteDecision['destination'],
    withFlag: (f: string) => string,
    upstreamLocal: string,
  ): Promise<void> {
    const out: [string, string][] = [['server', this.serverName(ctx)]];
    const nominated = connectionNominated(up.headers.connection);
    for (let i = 0; i + 1 < up.rawHeaders.length; i += 2) {
      const k = up.rawHeaders[i]!.toLowerCase();
      if (HOP_BY_HOP.has(k) || nominated.has(k) || k === 'server') continue;
      out.push([k, up.rawHeaders[i + 1]!]);
    }
    if (!out.some(([k]) => k === 'date')) out.splice(1, 0, ['date', new Date().toUTCString()]);
    const chunked = !out.some(([k]) => k === 'content-length') && up.headers['transfer-encoding'] !== undefined;
    out.push(['x-envoy-upstream-service-time', String(Math.round(serviceMs))]);
    const manip = (spec: Obj | undefined) => {
      const r = ((spec as Obj | undefined)?.response as Obj | undefined) ?? {};
      for (const [k, v] of Object.entries((r.set as Obj | undefined) ?? {})) {
        const key = k.toLowerCase();
        const i = out.findIndex(([x]) => x === key);
        if (i >= 0) {
          out[i] = [key, String(v)];
          for (let j = out.length - 1; j > i; j--) if (out[j]![0] === key) out.splice(j, 1);
        } else out.push([key, String(v)]);
      }
      for (const [k, v] of Object.entries((r.add as Obj | undefined) ?? {})) out.push([k.toLowerCase(), String(v)]);
      for (const k of (r.remove as string[] | undefined) ?? []) for (let j = out.length - 1; j >= 0; j--) if (out[j]![0] === String(k).toLowerCase()) out.splice(j, 1);
    };
    manip(route.headers as Obj | undefined);
    manip(opts.destinationHeaders);
    const clean = out.filter(([k, v]) => /^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(k) && !/[\r\n]/.test(v));
    if (chunked) clean.push(['transfer-encoding', 'chunked']);
    const status = up.statusCode ?? 502;
    this.writeHead(res, status, clean);
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
    finish(
      { status, kind: lookup.name === 'PassthroughCluster' ? 'passthrough' : 'upstream', flags: withFlag(''), details: 'via_upstream', bytesSent: bytes, upstreamHost: ep.address, upstreamCluster: lookup.name, upstreamLocal, upstreamServiceTime: serviceMs, attempts, routeName: opts.routeName },
      selection,
      destination,
      opts.originalPath,
    );
  }
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

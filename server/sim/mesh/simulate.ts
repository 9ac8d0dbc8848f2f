// What a proxy would do with one request, computed from the pushed tables without sockets (as
// Istio's pilot/pkg/simulation does over generated Envoy config): the listener and Gateway
// server, virtual host, winning route and match with every rule passed over, redirect, direct
// response, rewrite, destination and its DestinationRule subset, the eligible endpoints, fault,
// timeout, retries, mirrors, the outbound traffic policy, the Envoy response flag and the status.
// Pure: the caller passes the snapshot, the tables and the cluster directory; nothing is sent.
import { RE2JS } from 're2js';
import { authorityHost, pickVirtualHost, resolveShortName } from './hosts.ts';
import { faultFires, parseDurationMs, pickWeighted, selectRoute, type MeshRequest } from './match.ts';
import { destinationProblem, passedOverRules, reasonFor, type PassedOverRule } from './explain.ts';
import type { ResponseKind } from './decisions.ts';
import { destinationRuleFor, outboundModeFor, serviceEntriesFor, sidecarAllowsHost, sidecarFor, sidecarVirtualHost, type GatewayListenerTable, type GatewayRouteTable, type HttpRouteEntry, type MeshSnapshot, type VirtualHostTable } from './translate.ts';
import type { ClusterLookup, ClusterQuery } from './upstreams.ts';

type Obj = Record<string, unknown>;

/** One request as a proxy receives it. */
export interface SimulatedCall {
  /** The proxy evaluating the request: a gateway pod, or the client's sidecar. */
  proxy: { kind: 'gateway' | 'sidecar'; namespace: string; labels?: Record<string, string> };
  /** Gateway: the Service port of the server; sidecar: the destination port. */
  port: number;
  method?: string;
  authority: string;
  path: string;
  headers?: Record<string, string>;
  /** TLS server name (HTTPS servers terminate TLS: scheme https). */
  sni?: string;
}

/** What simulation reads: the pushed snapshot and tables, the cluster directory, a random source. */
export interface SimulationInput {
  snapshot: MeshSnapshot;
  /** The gateway pod's route table (built per push); required for gateway calls. */
  gatewayTable?: GatewayRouteTable;
  /** Envoy clusters and their endpoints (EDS): the mesh's UpstreamDirectory. */
  cluster(q: ClusterQuery): ClusterLookup;
  random?: () => number;
}

export interface SimulationResult {
  /** Gateway: the listener's servers, or why there is no listener. */
  listener?: { port: number; servers: { gateway: string; serverIndex: number }[] };
  noListener?: string;
  virtualHost?: string;
  route?: { virtualService: string; ruleIndex: number; ruleName?: string; matchIndex: number; matchName?: string };
  passedOver: PassedOverRule[];
  redirect?: { location: string };
  /** Path and authority the upstream sees after rewrites. */
  upstreamRequest?: { path: string; authority: string };
  destination?: { host: string; port?: number; subset?: string };
  destinationRule?: string;
  destinationProblem?: string;
  cluster?: string;
  endpoints: string[];
  fault?: { delayMs?: number; abortStatus?: number };
  timeoutMs?: number;
  retries?: { attempts: number; retryOn: string };
  mirrors: string[];
  /** Sidecars: how a host outside the VirtualServices was handled. */
  outbound?: { mode: 'ALLOW_ANY' | 'REGISTRY_ONLY'; serviceEntry?: string; result: 'service' | 'passthrough' | 'blocked' | 'hidden_by_sidecar' };
  response: { status?: number; kind: ResponseKind; flags: string; details: string };
  reason: string;
}

const DEFAULT_RETRY_ON = 'connect-failure,refused-stream,unavailable,cancelled';

function gatewayHttpsRedirect(listener: GatewayListenerTable): boolean {
  return listener.servers.length > 0 && listener.servers.every((s) => s.httpsRedirect);
}

function redirectLocation(r: Obj, authority: string, path: string): string {
  const scheme = typeof r.scheme === 'string' ? r.scheme : 'http';
  const host = typeof r.authority === 'string' ? r.authority : authority.replace(/:\d+$/, '');
  const port = typeof r.port === 'number' ? `:${r.port}` : '';
  const q = path.indexOf('?');
  const uri = typeof r.uri === 'string' ? (r.uri.includes('?') || q < 0 ? r.uri : r.uri + path.slice(q)) : path;
  return `${scheme}://${host}${port}${uri}`;
}

/** rewrite.uri replaces the matched prefix; uriRegexRewrite substitutes on the path; authority replaces Host. */
function rewritten(route: Obj, entry: HttpRouteEntry, matchIndex: number, path: string, authority: string): { path: string; authority: string } {
  const rw = route.rewrite as Obj | undefined;
  let out = path;
  if (rw && typeof rw.uri === 'string') {
    const prefix = ((entry.matches[matchIndex]?.uri as Obj | undefined)?.prefix) as unknown;
    const q = path.indexOf('?');
    out = typeof prefix === 'string' && path.toLowerCase().startsWith(prefix.toLowerCase()) ? rw.uri + path.slice(prefix.length) : rw.uri + (q >= 0 ? path.slice(q) : '');
    if (!out.startsWith('/')) out = `/${out}`;
  } else if (rw?.uriRegexRewrite && typeof rw.uriRegexRewrite === 'object') {
    const rr = rw.uriRegexRewrite as Obj;
    if (typeof rr.match === 'string' && typeof rr.rewrite === 'string') {
      try {
        const q = path.indexOf('?');
        out = RE2JS.compile(rr.match).matcher(q >= 0 ? path.slice(0, q) : path).replaceAll(rr.rewrite.replace(/\\(\d)/g, '$$$1')) + (q >= 0 ? path.slice(q) : '');
      } catch {
        // an invalid pattern leaves the path alone
      }
    }
  }
  return { path: out, authority: rw && typeof rw.authority === 'string' ? rw.authority : authority };
}

function destinationOf(d: Obj): { host: string; port?: number; subset?: string } {
  const port = (d.port as Obj | undefined)?.number;
  return { host: String(d.host), port: typeof port === 'number' ? port : undefined, subset: typeof d.subset === 'string' ? d.subset : undefined };
}

function finish(r: Omit<SimulationResult, 'reason'>, call: SimulatedCall, routes: HttpRouteEntry[] | undefined): SimulationResult {
  const vs = r.route ? { name: r.route.virtualService.split('/')[1]!, namespace: r.route.virtualService.split('/')[0]!, ruleIndex: r.route.ruleIndex, ruleName: r.route.ruleName, matchIndex: r.route.matchIndex } : undefined;
  const reason = r.noListener ?? reasonFor({ time: '', requestId: '', proxy: { kind: call.proxy.kind, namespace: call.proxy.namespace, pod: '' }, listener: { port: call.port }, request: { method: call.method ?? 'GET', authority: call.authority, path: call.path }, virtualHost: r.virtualHost, virtualService: vs, destination: r.destination, upstreamCluster: r.cluster, response: { status: r.response.status ?? 200, kind: r.response.kind, flags: r.response.flags, details: r.response.details } }, { routes, destinationProblem: r.destinationProblem });
  return { ...r, reason };
}

/** The route's effect once the virtual host is chosen (shared by gateways and sidecars). */
function routeThrough(input: SimulationInput, call: SimulatedCall, req: MeshRequest, vh: VirtualHostTable, base: Omit<SimulationResult, 'reason' | 'response' | 'passedOver' | 'endpoints' | 'mirrors'>): SimulationResult {
  const random = input.random ?? Math.random;
  const passedOver = passedOverRules(vh.routes, req);
  const sel = selectRoute(vh.routes, req);
  const r: Omit<SimulationResult, 'reason' | 'response'> = { ...base, virtualHost: vh.name, passedOver, endpoints: [], mirrors: [] };
  if (!sel) return finish({ ...r, response: { status: 404, kind: 'no_route', flags: 'NR', details: 'route_not_found' } }, call, vh.routes);
  r.route = { virtualService: `${sel.entry.vs.namespace}/${sel.entry.vs.name}`, ruleIndex: sel.entry.ruleIndex, ruleName: sel.entry.ruleName, matchIndex: sel.matchIndex, matchName: sel.matchName };
  const route = sel.entry.route;
  if (route.redirect) {
    const code = typeof (route.redirect as Obj).redirectCode === 'number' ? ((route.redirect as Obj).redirectCode as number) : 301;
    return finish({ ...r, redirect: { location: redirectLocation(route.redirect as Obj, req.authority, req.path) }, response: { status: code, kind: 'redirect', flags: '-', details: 'direct_response' } }, call, vh.routes);
  }
  if (route.directResponse) {
    const status = typeof (route.directResponse as Obj).status === 'number' ? ((route.directResponse as Obj).status as number) : 200;
    return finish({ ...r, response: { status, kind: 'direct_response', flags: '-', details: 'direct_response' } }, call, vh.routes);
  }
  const fault = route.fault as Obj | undefined;
  const delayMs = fault?.delay && faultFires(fault.delay as Obj, random) ? parseDurationMs((fault.delay as Obj).fixedDelay) : undefined;
  const abort = fault?.abort as Obj | undefined;
  const abortStatus = abort && typeof abort.httpStatus === 'number' && faultFires(abort, random) ? abort.httpStatus : undefined;
  if (delayMs !== undefined || abortStatus !== undefined) r.fault = { delayMs, abortStatus };
  const delayed = delayMs !== undefined ? 'DI' : '';
  const flag = (f: string) => [delayed, f].filter(Boolean).join(',') || '-';
  if (abortStatus !== undefined) return finish({ ...r, response: { status: abortStatus, kind: 'fault_abort', flags: flag('FI'), details: 'fault_filter_abort' } }, call, vh.routes);
  const timeoutMs = parseDurationMs(route.timeout);
  if (timeoutMs) r.timeoutMs = timeoutMs;
  const retries = route.retries as Obj | undefined;
  r.retries = { attempts: typeof retries?.attempts === 'number' ? Math.max(0, retries.attempts) : 2, retryOn: String(retries?.retryOn ?? DEFAULT_RETRY_ON) };
  r.upstreamRequest = rewritten(route, sel.entry, sel.matchIndex, req.path, req.authority);
  const mirrors = [route.mirror, ...(Array.isArray(route.mirrors) ? (route.mirrors as Obj[]).map((m) => m.destination) : [])].filter((m): m is Obj => !!m && typeof m === 'object' && typeof (m as Obj).host === 'string');
  r.mirrors = mirrors.map((m) => resolveShortName(String(m.host), sel.entry.vs.namespace));
  const chosen = pickWeighted(((route.route as Obj[] | undefined) ?? []).filter((d) => d.destination && typeof (d.destination as Obj).host === 'string'), random);
  if (!chosen) return finish({ ...r, response: { status: 404, kind: 'no_route', flags: 'NR', details: 'route_not_found' } }, call, vh.routes);
  r.destination = destinationOf(chosen.destination as Obj);
  return toCluster(input, call, r, { host: r.destination.host, namespace: sel.entry.vs.namespace, port: r.destination.port, subset: r.destination.subset }, flag, vh.routes);
}

/** Cluster lookup: NC for a destination Envoy has no cluster for, UH for no endpoints, else upstream. */
function toCluster(input: SimulationInput, call: SimulatedCall, r: Omit<SimulationResult, 'reason' | 'response'>, q: { host: string; namespace: string; port?: number; subset?: string }, flag: (f: string) => string, routes?: HttpRouteEntry[]): SimulationResult {
  const clientNamespace = call.proxy.namespace;
  const lookup = input.cluster({ ...q, clientNamespace, listenerPort: call.proxy.kind === 'sidecar' ? call.port : undefined });
  const host = resolveShortName(q.host, q.namespace);
  const dr = destinationRuleFor(input.snapshot, host, clientNamespace, lookup.kind === 'ok' ? lookup.serviceNamespace : undefined);
  if (dr) r.destinationRule = `${dr.metadata.namespace ?? 'default'}/${dr.metadata.name}`;
  r.cluster = lookup.name;
  if (lookup.kind === 'not_found') {
    r.destinationProblem = destinationProblem(input.snapshot, { host: q.host, port: q.port, subset: q.subset }, q.namespace, clientNamespace);
    return finish({ ...r, response: { status: 503, kind: 'cluster_not_found', flags: flag('NC'), details: 'cluster_not_found' } }, call, routes);
  }
  r.endpoints = lookup.endpoints.map((e) => e.address);
  if (!r.endpoints.length) return finish({ ...r, response: { status: 503, kind: 'no_healthy_upstream', flags: flag('UH'), details: 'no_healthy_upstream' } }, call, routes);
  return finish({ ...r, response: { kind: lookup.name === 'PassthroughCluster' ? 'passthrough' : 'upstream', flags: flag(''), details: 'via_upstream' } }, call, routes);
}

function requestOf(call: SimulatedCall, scheme: string): MeshRequest {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(call.headers ?? {})) headers[k.toLowerCase()] = v;
  return { method: (call.method ?? 'GET').toUpperCase(), path: call.path.startsWith('/') ? call.path : `/${call.path}`, authority: call.authority, scheme, port: call.port, headers };
}

function simulateGateway(input: SimulationInput, call: SimulatedCall): SimulationResult {
  const listener = input.gatewayTable?.listeners.find((l) => l.port === call.port);
  const empty = { passedOver: [], endpoints: [], mirrors: [] };
  if (!listener) {
    return { ...empty, noListener: `no Gateway server selecting this gateway listens on port ${call.port}`, response: { kind: 'no_route', flags: '-', details: 'no_listener' }, reason: `connection refused: no Gateway server selecting this gateway listens on port ${call.port}` };
  }
  const base = { listener: { port: listener.port, servers: listener.servers.map((s) => ({ gateway: s.gateway, serverIndex: s.serverIndex })) } };
  if (gatewayHttpsRedirect(listener)) {
    return { ...empty, ...base, redirect: { location: `https://${call.authority}${call.path}` }, response: { status: 301, kind: 'redirect', flags: '-', details: 'direct_response' }, reason: `redirected with 301 to https by the server's tls.httpsRedirect (Gateway ${listener.servers[0]!.gateway})` };
  }
  const req = requestOf(call, listener.secure ? 'https' : 'http');
  const idx = pickVirtualHost(listener.virtualHosts.map((v) => v.domains), authorityHost(call.authority));
  if (idx < 0) return finish({ ...empty, ...base, response: { status: 404, kind: 'no_route', flags: 'NR', details: 'route_not_found' } }, call, undefined);
  return routeThrough(input, call, req, listener.virtualHosts[idx]!, base);
}

function simulateSidecar(input: SimulationInput, call: SimulatedCall): SimulationResult {
  const s = input.snapshot;
  const ns = call.proxy.namespace;
  const labels = call.proxy.labels ?? {};
  const req = requestOf(call, 'http');
  const host = resolveShortName(authorityHost(call.authority).replace(/\.$/, ''), ns);
  const svc = s.services.find((x) => `${x.metadata.name}.${x.metadata.namespace ?? 'default'}.svc.cluster.local` === host);
  const sidecar = sidecarFor(s, { namespace: ns, labels });
  const mode = outboundModeFor(s, sidecar);
  const entries = serviceEntriesFor(s, host, ns);
  const visible = sidecarAllowsHost(sidecar, ns, host, svc?.metadata.namespace ?? entries[0]?.metadata.namespace);
  const vh = visible ? sidecarVirtualHost(s, ns, host, call.port, labels) : undefined;
  if (vh) return routeThrough(input, call, req, vh, {});
  const r: Omit<SimulationResult, 'reason' | 'response'> = { passedOver: [], endpoints: [], mirrors: [] };
  const servicePorts = (((svc?.spec as Obj | undefined)?.ports as Obj[] | undefined) ?? []).map((p) => p.port);
  const sePort = entries.find((se) => (((se.spec as Obj | undefined)?.ports as Obj[] | undefined) ?? []).some((p) => p.number === call.port));
  const none = (f: string) => f || '-';
  if (visible && svc && servicePorts.includes(call.port)) {
    r.outbound = { mode, result: 'service' };
    r.destination = { host, port: call.port };
    return toCluster(input, call, r, { host, namespace: ns, port: call.port }, none);
  }
  if (visible && !svc && sePort) {
    r.outbound = { mode, serviceEntry: `${sePort.metadata.namespace ?? 'default'}/${sePort.metadata.name}`, result: 'service' };
    r.destination = { host, port: call.port };
    return toCluster(input, call, r, { host, namespace: ns, port: call.port }, none);
  }
  const hidden = !visible ? 'hidden_by_sidecar' : undefined;
  if (mode === 'REGISTRY_ONLY') {
    r.outbound = { mode, result: hidden ?? 'blocked' };
    r.cluster = 'BlackHoleCluster';
    return finish({ ...r, response: { status: 502, kind: 'registry_only_blocked', flags: '-', details: 'direct_response' } }, call, undefined);
  }
  r.outbound = { mode, result: hidden ?? 'passthrough' };
  r.cluster = 'PassthroughCluster';
  r.endpoints = [`${host}:${call.port}`];
  return finish({ ...r, response: { kind: 'passthrough', flags: '-', details: 'via_upstream' } }, call, undefined);
}

/** What the proxy would answer, without sending anything. */
export function simulate(input: SimulationInput, call: SimulatedCall): SimulationResult {
  return call.proxy.kind === 'gateway' ? simulateGateway(input, call) : simulateSidecar(input, call);
}

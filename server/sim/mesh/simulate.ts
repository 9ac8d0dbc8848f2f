// What a proxy would do with one request, computed from the pushed tables without sockets (as
// Istio's pilot/pkg/simulation does over generated Envoy config): the listener and Gateway
// server, virtual host, winning route and match with every rule passed over, redirect, direct
// response, rewrite, destination and its DestinationRule subset, the eligible endpoints, fault,
// timeout, retries, mirrors, the outbound traffic policy, the Envoy response flag and the status.
// Pure: the caller passes the snapshot, the tables and the cluster directory; nothing is sent.
import { authorityHost, pickVirtualHost, resolveShortName } from './hosts.ts';
import { pickWeighted, selectRoute, type MeshRequest } from './match.ts';
import { destinationProblem, passedOverRules, reasonFor, type PassedOverRule } from './explain.ts';
import type { ResponseKind } from './decisions.ts';
import { retryPolicy, type HeaderOperations, type ResolvedRoute, type RetryPolicy } from './routes.ts';
import { destinationRuleFor, serviceEntriesFor, sidecarAllowsHost, SidecarRouteTable, type GatewayListenerTable, type GatewayRouteTable, type HttpRouteEntry, type MeshSnapshot, type TlsRouteEntry, type VirtualHostTable } from './translate.ts';
import { hostMatches } from './hosts.ts';
import type { ClusterLookup, ClusterQuery } from './upstreams.ts';
import type { KubeObject } from '../store/object-store.ts';

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
  /**
   * A TLS connection routed by its ClientHello's SNI without terminating it (a gateway's
   * PASSTHROUGH server, or a sidecar's VirtualService `tls` routes): no HTTP request is read.
   */
  passthrough?: boolean;
  /** `https` when the gateway terminated TLS (default: the listener's). */
  scheme?: 'http' | 'https';
  /**
   * Sidecars: the address the application connected to (a cluster IP, pod IP or name), what
   * Envoy's original-destination listener sees; `pod` when it is a pod's IP.
   */
  originalDestination?: { host: string; port: number; pod?: boolean };
}

/** What simulation reads: the pushed snapshot and tables, the cluster directory, a random source. */
export interface SimulationInput {
  snapshot: MeshSnapshot;
  /** The gateway pod's route table (built per push); required for gateway calls. */
  gatewayTable?: GatewayRouteTable;
  /** The client sidecar's table for this push (built here when absent). */
  sidecarTable?: SidecarRouteTable;
  /** Envoy clusters and their endpoints (EDS): the mesh's UpstreamDirectory. */
  cluster(q: ClusterQuery): ClusterLookup;
  random?: () => number;
}

export interface SimulationResult {
  /** Gateway: the listener's servers, or why there is no listener. */
  listener?: { port: number; servers: { gateway: string; serverIndex: number }[] };
  noListener?: string;
  noListenerZh?: string;
  virtualHost?: string;
  /** The rule that matched; a delegate's rule names the root rule that delegated to it (`ns/name`, rule index). */
  route?: { virtualService: string; ruleIndex: number; ruleName?: string; matchIndex: number; matchName?: string; delegatedBy?: { virtualService: string; ruleIndex: number } };
  /** Envoy's route name for the access log (%ROUTE_NAME%). */
  routeName?: string;
  passedOver: PassedOverRule[];
  redirect?: { location: string };
  /** The body of a VirtualService directResponse. */
  directResponseBody?: string;
  /** Path and authority the upstream sees after rewrites (`rewritten`: the path was rewritten). */
  upstreamRequest?: { path: string; authority: string; rewritten?: boolean };
  destination?: { host: string; port?: number; subset?: string };
  destinationRule?: string;
  destinationProblem?: string;
  destinationProblemZh?: string;
  cluster?: string;
  endpoints: string[];
  fault?: { delayMs?: number; abortStatus?: number };
  timeoutMs?: number;
  /** The route's Envoy retry policy (attempts 0: none); also on the sidecar's default routes to a service. */
  retries?: { attempts: number; retryOn: string; perTryTimeoutMs?: number; retriableStatusCodes?: number[]; previousHosts?: boolean };
  /** Header operations in the order Envoy applies them: the route's, then the destination's. */
  headers?: { request: HeaderOperations[]; response: HeaderOperations[] };
  /** Hosts the request is mirrored to (those whose percentage fired). */
  mirrors: string[];
  /** The Envoy clusters of those mirrors. */
  mirrorClusters?: string[];
  /** Sidecars: how a host outside the VirtualServices was handled. */
  outbound?: { mode: 'ALLOW_ANY' | 'REGISTRY_ONLY'; serviceEntry?: string; result: 'service' | 'passthrough' | 'blocked' | 'hidden_by_sidecar' };
  /**
   * TLS passthrough: the SNI, the Gateway server whose hosts took it (gateways), and the
   * VirtualService `tls` route and match block that routed it.
   */
  tls?: { sni?: string; server?: { gateway: string; serverIndex: number }; route?: { virtualService: string; ruleIndex: number; matchIndex: number } };
  response: { status?: number; kind: ResponseKind; flags: string; details: string };
  reason: string;
  /** The reason in Chinese. */
  reasonZh: string;
}

function retriesOf(p: RetryPolicy): NonNullable<SimulationResult['retries']> {
  return { attempts: p.attempts, retryOn: p.retryOn.join(','), perTryTimeoutMs: p.perTryTimeoutMs, retriableStatusCodes: p.retriableStatusCodes, previousHosts: p.previousHosts };
}

function gatewayHttpsRedirect(listener: GatewayListenerTable): boolean {
  return listener.servers.length > 0 && listener.servers.every((s) => s.httpsRedirect);
}

/** Envoy's redirect: scheme, host and port replaced as configured; path_redirect keeps the query unless it has its own. */
function redirectLocation(r: NonNullable<ResolvedRoute['redirect']>, authority: string, path: string): string {
  const host = r.authority ?? authority.replace(/:\d+$/, '');
  const port = r.port !== undefined ? `:${r.port}` : '';
  const q = path.indexOf('?');
  const uri = r.uri !== undefined ? (r.uri.includes('?') || q < 0 ? r.uri : r.uri + path.slice(q)) : path;
  return `${r.scheme}://${host}${port}${uri}`;
}

/** rewrite.uri replaces the matched prefix; the regex rewrite substitutes on the path; authority replaces Host. */
function rewritten(rw: ResolvedRoute['rewrite'], entry: HttpRouteEntry, matchIndex: number, path: string, authority: string): { path: string; authority: string; rewritten?: boolean } {
  let out = path;
  let changed = false;
  const q = path.indexOf('?');
  if (rw?.uri !== undefined) {
    const prefix = ((entry.matches[matchIndex]?.uri as Obj | undefined)?.prefix) as unknown;
    out = typeof prefix === 'string' && path.toLowerCase().startsWith(prefix.toLowerCase()) ? rw.uri + path.slice(prefix.length) : rw.uri + (q >= 0 ? path.slice(q) : '');
    if (!out.startsWith('/')) out = `/${out}`;
    changed = true;
  } else if (rw?.regex) {
    out = rw.regex.pattern.matcher(q >= 0 ? path.slice(0, q) : path).replaceAll(rw.regex.rewrite) + (q >= 0 ? path.slice(q) : '');
    changed = true;
  }
  return { path: out, authority: rw?.authority ?? authority, ...(changed ? { rewritten: true } : {}) };
}

type Partial0 = Omit<SimulationResult, 'reason' | 'reasonZh' | 'response'>;

/**
 * The result with its reason sentences, built only when read (a proxy executes many results
 * nobody explains; the Traffic panel, `meshlab explain` and Check reports read them later).
 */
function finish(r: Omit<SimulationResult, 'reason' | 'reasonZh'>, call: SimulatedCall, routes: HttpRouteEntry[] | undefined): SimulationResult {
  const decision = () => {
    const vs = r.route ? { name: r.route.virtualService.split('/')[1]!, namespace: r.route.virtualService.split('/')[0]!, ruleIndex: r.route.ruleIndex, ruleName: r.route.ruleName, matchIndex: r.route.matchIndex } : undefined;
    return { time: '', requestId: '', proxy: { kind: call.proxy.kind, namespace: call.proxy.namespace, pod: '' }, listener: { port: call.port }, request: { method: call.method ?? 'GET', authority: call.authority, path: call.path }, virtualHost: r.virtualHost, virtualService: vs, destination: r.destination, upstreamCluster: r.cluster, response: { status: r.response.status ?? 200, kind: r.response.kind, flags: r.response.flags, details: r.response.details } };
  };
  let reason: string | undefined;
  let reasonZh: string | undefined;
  return {
    ...r,
    get reason(): string {
      return (reason ??= r.noListener ?? reasonFor(decision(), { routes, destinationProblem: r.destinationProblem }));
    },
    get reasonZh(): string {
      return (reasonZh ??= r.noListenerZh ?? reasonFor(decision(), { routes, destinationProblem: r.destinationProblemZh }, 'zh'));
    },
  };
}

/** The route's effect once the virtual host is chosen (shared by gateways and sidecars). */
function routeThrough(input: SimulationInput, call: SimulatedCall, req: MeshRequest, vh: VirtualHostTable, base: Omit<Partial0, 'passedOver' | 'endpoints' | 'mirrors'>): SimulationResult {
  const random = input.random ?? Math.random;
  const passedOver = passedOverRules(vh.routes, req);
  const sel = selectRoute(vh.routes, req);
  const r: Partial0 = { ...base, virtualHost: vh.name, passedOver, endpoints: [], mirrors: [] };
  const noRoute = { status: 404, kind: 'no_route', flags: 'NR', details: 'route_not_found' } as const;
  if (!sel) return finish({ ...r, response: noRoute }, call, vh.routes);
  const via = sel.entry.delegatedBy;
  r.route = { virtualService: `${sel.entry.vs.namespace}/${sel.entry.vs.name}`, ruleIndex: sel.entry.ruleIndex, ruleName: sel.entry.ruleName, matchIndex: sel.matchIndex, matchName: sel.matchName, ...(via ? { delegatedBy: { virtualService: `${via.vs.namespace}/${via.vs.name}`, ruleIndex: via.ruleIndex } } : {}) };
  r.routeName = sel.entry.ruleName ?? (call.proxy.kind === 'gateway' ? undefined : 'default');
  const route = sel.entry.resolved;
  if (route.redirect) {
    return finish({ ...r, redirect: { location: redirectLocation(route.redirect, req.authority, req.path) }, response: { status: route.redirect.code, kind: 'redirect', flags: '-', details: 'direct_response' } }, call, vh.routes);
  }
  if (route.directResponse) {
    return finish({ ...r, directResponseBody: route.directResponse.body, response: { status: route.directResponse.status, kind: 'direct_response', flags: '-', details: 'direct_response' } }, call, vh.routes);
  }
  // Envoy's fault filter runs before the router: delay, then abort (one draw each).
  const fault = route.fault;
  const delayMs = fault?.delay && random() * 100 < fault.delay.percent ? fault.delay.ms : undefined;
  const abortStatus = fault?.abort && random() * 100 < fault.abort.percent ? fault.abort.status : undefined;
  if (delayMs !== undefined || abortStatus !== undefined) r.fault = { delayMs, abortStatus };
  const delayed = delayMs !== undefined ? 'DI' : '';
  const flag = (f: string) => [delayed, f].filter(Boolean).join(',') || '-';
  if (abortStatus !== undefined) return finish({ ...r, response: { status: abortStatus, kind: 'fault_abort', flags: flag('FI'), details: 'fault_filter_abort' } }, call, vh.routes);
  if (route.timeoutMs) r.timeoutMs = route.timeoutMs;
  r.retries = retriesOf(route.retries);
  const chosen = pickWeighted(route.destinations, random);
  if (!chosen) return finish({ ...r, response: noRoute }, call, vh.routes);
  r.upstreamRequest = rewritten(route.rewrite, sel.entry, sel.matchIndex, req.path, req.authority);
  r.headers = { request: [route.headers.request, chosen.headers.request].filter((h): h is HeaderOperations => !!h), response: [route.headers.response, chosen.headers.response].filter((h): h is HeaderOperations => !!h) };
  const ns = sel.entry.vs.namespace;
  // Mirroring: each mirror's percentage is drawn here; its cluster is looked up like the route's.
  for (const m of route.mirrors) {
    if (m.percent !== undefined && !(random() * 100 < m.percent)) continue;
    r.mirrors.push(resolveShortName(m.host, ns));
    (r.mirrorClusters ??= []).push(input.cluster({ host: m.host, namespace: ns, clientNamespace: call.proxy.namespace, port: m.port, subset: m.subset, listenerPort: call.port }).name);
  }
  r.destination = { host: chosen.host, port: chosen.port, subset: chosen.subset };
  return toCluster(input, call, r, { host: chosen.host, namespace: ns, port: chosen.port, subset: chosen.subset }, flag, vh.routes);
}

/** Cluster lookup: NC for a destination Envoy has no cluster for, UH for no endpoints, else upstream. */
function toCluster(input: SimulationInput, call: SimulatedCall, r: Partial0, q: { host: string; namespace: string; port?: number; subset?: string }, flag: (f: string) => string, routes?: HttpRouteEntry[]): SimulationResult {
  const clientNamespace = call.proxy.namespace;
  const od = call.originalDestination;
  const lookup = input.cluster({ ...q, clientNamespace, listenerPort: call.proxy.kind === 'sidecar' ? call.port : undefined, originalDestination: od ? { host: od.host, port: od.port } : undefined });
  const host = resolveShortName(q.host, q.namespace);
  const dr = destinationRuleFor(input.snapshot, host, clientNamespace, lookup.kind === 'ok' ? lookup.serviceNamespace : undefined);
  if (dr) r.destinationRule = `${dr.metadata.namespace ?? 'default'}/${dr.metadata.name}`;
  r.cluster = lookup.name;
  if (lookup.kind === 'not_found') {
    r.destinationProblem = destinationProblem(input.snapshot, { host: q.host, port: q.port, subset: q.subset }, q.namespace, clientNamespace);
    r.destinationProblemZh = destinationProblem(input.snapshot, { host: q.host, port: q.port, subset: q.subset }, q.namespace, clientNamespace, 'zh');
    return finish({ ...r, response: { status: 503, kind: 'cluster_not_found', flags: flag('NC'), details: 'cluster_not_found' } }, call, routes);
  }
  r.endpoints = lookup.endpoints.map((e) => e.address);
  if (!r.endpoints.length) return finish({ ...r, response: { status: 503, kind: 'no_healthy_upstream', flags: flag('UH'), details: 'no_healthy_upstream' } }, call, routes);
  return finish({ ...r, response: { kind: 'upstream', flags: flag(''), details: 'via_upstream' } }, call, routes);
}

function requestOf(call: SimulatedCall, scheme: string): MeshRequest {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(call.headers ?? {})) headers[k.toLowerCase()] = v;
  return { method: (call.method ?? 'GET').toUpperCase(), path: call.path.startsWith('/') ? call.path : `/${call.path}`, authority: call.authority, scheme: call.scheme ?? scheme, port: call.port, headers };
}

function simulateGateway(input: SimulationInput, call: SimulatedCall): SimulationResult {
  const listener = input.gatewayTable?.listeners.find((l) => l.port === call.port);
  const empty = { passedOver: [], endpoints: [], mirrors: [] };
  if (!listener) {
    return {
      ...empty,
      noListener: `no Gateway server selecting this gateway listens on port ${call.port}`,
      noListenerZh: `没有选择此网关的 Gateway server 监听端口 ${call.port}`,
      response: { kind: 'no_route', flags: '-', details: 'no_listener' },
      reason: `connection refused: no Gateway server selecting this gateway listens on port ${call.port}`,
      reasonZh: `连接被拒绝：没有选择此网关的 Gateway server 监听端口 ${call.port}`,
    };
  }
  const base = { listener: { port: listener.port, servers: listener.servers.map((s) => ({ gateway: s.gateway, serverIndex: s.serverIndex })) } };
  if (gatewayHttpsRedirect(listener)) {
    return { ...empty, ...base, redirect: { location: `https://${call.authority}${call.path}` }, response: { status: 301, kind: 'redirect', flags: '-', details: 'direct_response' }, reason: `redirected with 301 to https by the server's tls.httpsRedirect (Gateway ${listener.servers[0]!.gateway})`, reasonZh: `由 server 的 tls.httpsRedirect（Gateway ${listener.servers[0]!.gateway}）以 301 重定向到 https` };
  }
  const req = requestOf(call, listener.secure ? 'https' : 'http');
  const idx = pickVirtualHost(listener.virtualHosts.map((v) => v.domains), authorityHost(call.authority));
  if (idx < 0) return finish({ ...empty, ...base, response: { status: 404, kind: 'no_route', flags: 'NR', details: 'route_not_found' } }, call, undefined);
  return routeThrough(input, call, req, listener.virtualHosts[idx]!, base);
}

/**
 * A name or address a client used, as a Service of the pushed registry: cluster IP, `name`,
 * `name.ns`, `name.ns.svc` or the FQDN (Kubernetes DNS search paths for the client namespace).
 */
export function serviceNamed(snapshot: MeshSnapshot, name: string, clientNamespace: string): { service: KubeObject; fqdn: string } | undefined {
  const host = name.toLowerCase().replace(/\.$/, '');
  const found = (svcName: string | undefined, ns: string | undefined) => {
    const service = svcName && ns ? snapshot.services.find((s) => s.metadata.name === svcName && (s.metadata.namespace ?? 'default') === ns) : undefined;
    return service ? { service, fqdn: `${svcName}.${ns}.svc.cluster.local` } : undefined;
  };
  if (/^\d+\.\d+\.\d+\.\d+$/.test(host)) {
    const service = snapshot.services.find((s) => {
      const spec = (s.spec as Obj | undefined) ?? {};
      return spec.clusterIP === host || ((spec.clusterIPs as unknown[] | undefined) ?? []).includes(host);
    });
    return service ? found(service.metadata.name, service.metadata.namespace ?? 'default') : undefined;
  }
  const parts = host.split('.');
  if (parts.length === 1) return found(parts[0], clientNamespace);
  if (parts.length === 2 || (parts.length === 3 && parts[2] === 'svc') || (parts.length === 5 && host.endsWith('.svc.cluster.local'))) return found(parts[0], parts[1]);
  return undefined;
}

function simulateSidecar(input: SimulationInput, call: SimulatedCall): SimulationResult {
  const s = input.snapshot;
  const ns = call.proxy.namespace;
  const table = input.sidecarTable ?? new SidecarRouteTable(s, { namespace: ns, labels: call.proxy.labels ?? {} });
  const req = requestOf(call, 'http');
  const od = call.originalDestination;
  const authority = authorityHost(call.authority);
  // The Host header names the service; the connected address decides when it does not.
  const svc = serviceNamed(s, authority, ns) ?? (od ? serviceNamed(s, od.host, ns) : undefined);
  const host = svc?.fqdn ?? authority.replace(/\.$/, '');
  const mode = table.outboundMode;
  const entries = serviceEntriesFor(s, host, ns);
  const visible = sidecarAllowsHost(table.sidecar, ns, host, svc?.service.metadata.namespace ?? entries[0]?.metadata.namespace);
  const vh = visible ? table.virtualHost(host, call.port) : undefined;
  if (vh) return routeThrough(input, call, req, vh, {});
  const r: Partial0 = { passedOver: [], endpoints: [], mirrors: [], routeName: 'default' };
  const servicePorts = (((svc?.service.spec as Obj | undefined)?.ports as Obj[] | undefined) ?? []).map((p) => p.port);
  const sePort = entries.find((se) => (((se.spec as Obj | undefined)?.ports as Obj[] | undefined) ?? []).some((p) => p.number === call.port));
  const none = (f: string) => f || '-';
  // The default route to a service or ServiceEntry host carries the mesh's default retry policy
  // (Istio's BuildDefaultHTTPOutboundRoute); PassthroughCluster and BlackHoleCluster routes have none.
  const defaultRetries = retriesOf(retryPolicy(s.defaultHttpRetryPolicy));
  if (visible && svc && servicePorts.includes(call.port)) {
    r.outbound = { mode, result: 'service' };
    r.retries = defaultRetries;
    r.destination = { host, port: call.port };
    return toCluster(input, call, r, { host, namespace: ns, port: call.port }, none);
  }
  if (visible && !svc && sePort) {
    r.outbound = { mode, serviceEntry: `${sePort.metadata.namespace ?? 'default'}/${sePort.metadata.name}`, result: 'service' };
    r.retries = defaultRetries;
    r.destination = { host, port: call.port };
    return toCluster(input, call, r, { host, namespace: ns, port: call.port }, none);
  }
  const hidden = !visible ? 'hidden_by_sidecar' : undefined;
  // A pod's own IP is passed through as the data plane always has (no registry entry needed).
  if (mode === 'REGISTRY_ONLY' && !od?.pod) {
    r.outbound = { mode, result: hidden ?? 'blocked' };
    r.cluster = 'BlackHoleCluster';
    r.routeName = 'block_all';
    return finish({ ...r, response: { status: 502, kind: 'registry_only_blocked', flags: '-', details: 'direct_response' } }, call, undefined);
  }
  // ORIGINAL_DST: Envoy connects to the address the application connected to.
  const dst = od ?? { host, port: call.port };
  r.outbound = { mode, result: hidden ?? 'passthrough' };
  r.cluster = 'PassthroughCluster';
  r.routeName = 'allow_any';
  r.destination = { host: dst.host, port: dst.port };
  r.endpoints = [`${dst.host}:${dst.port}`];
  return finish({ ...r, response: { kind: 'passthrough', flags: '-', details: 'via_upstream' } }, call, undefined);
}

/** What the proxy would answer, without sending anything. */
export function simulate(input: SimulationInput, call: SimulatedCall): SimulationResult {
  if (call.passthrough) return simulateTls(input, call);
  return call.proxy.kind === 'gateway' ? simulateGateway(input, call) : simulateSidecar(input, call);
}

/** `a, b` / `a、b`. */
const listOf = (xs: string[], zh: boolean) => xs.join(zh ? '、' : ', ');

/** A server host (`ns/host`, `./host`, `host`) matches an SNI name for a VirtualService namespace. */
function serverHostTakes(serverHost: string, gatewayNamespace: string, sni: string, vsNamespace?: string): boolean {
  const i = serverHost.indexOf('/');
  const ns = i < 0 ? '*' : serverHost.slice(0, i) === '.' ? gatewayNamespace : serverHost.slice(0, i);
  const host = i < 0 ? serverHost : serverHost.slice(i + 1);
  return hostMatches(host, sni) && (vsNamespace === undefined || ns === '*' || ns === vsNamespace);
}

/**
 * A TLS connection routed by SNI: at a gateway, the PASSTHROUGH listener on the port and the
 * server whose hosts match the SNI (Envoy's filter chain match on server names); then the first
 * VirtualService `tls` route whose hosts and match block's `sniHosts` match it; its weighted
 * destination, cluster and endpoints. No filter chain (no SNI, no server, no route): Envoy
 * closes the connection (NR); no cluster: NC; no endpoints: UH.
 */
function simulateTls(input: SimulationInput, call: SimulatedCall): SimulationResult {
  const random = input.random ?? Math.random;
  const sni = call.sni?.toLowerCase().replace(/\.$/, '');
  const r: Partial0 = { passedOver: [], endpoints: [], mirrors: [], tls: { sni } };
  const closed = (details: string, reason: string, reasonZh: string, flags = 'NR'): SimulationResult => ({ ...r, response: { kind: 'no_route', flags, details }, reason, reasonZh });
  let routes: TlsRouteEntry[];
  type Server = { gateway: string; serverIndex: number; hosts: string[] };
  let servers: Server[] | undefined;
  let sidecarTable: SidecarRouteTable | undefined;
  if (call.proxy.kind === 'gateway') {
    const listener = input.gatewayTable?.listeners.find((l) => l.port === call.port);
    if (!listener) {
      return { ...r, noListener: `no Gateway server selecting this gateway listens on port ${call.port}`, noListenerZh: `没有选择此网关的 Gateway server 监听端口 ${call.port}`, response: { kind: 'no_route', flags: '-', details: 'no_listener' }, reason: `connection refused: no Gateway server selecting this gateway listens on port ${call.port}`, reasonZh: `连接被拒绝：没有选择此网关的 Gateway server 监听端口 ${call.port}` };
    }
    r.listener = { port: listener.port, servers: listener.servers.map((s) => ({ gateway: s.gateway, serverIndex: s.serverIndex })) };
    if (!listener.passthrough) {
      return closed('filter_chain_not_found', `the server on port ${call.port} is not in tls.mode PASSTHROUGH: its TLS is terminated by the gateway, not routed by VirtualService tls routes`, `端口 ${call.port} 上的 server 不是 tls.mode PASSTHROUGH：其 TLS 由网关终止，不由 VirtualService 的 tls 路由转发`);
    }
    routes = listener.tlsRoutes ?? [];
    servers = listener.servers.map((s) => ({ gateway: s.gateway, serverIndex: s.serverIndex, hosts: s.hosts }));
  } else {
    sidecarTable = input.sidecarTable ?? new SidecarRouteTable(input.snapshot, { namespace: call.proxy.namespace, labels: call.proxy.labels ?? {} });
    routes = sidecarTable.tlsRoutes(call.port);
  }
  if (!sni) {
    return closed('filter_chain_not_found', `no filter chain matched: the TLS ClientHello carries no SNI, and VirtualService tls routes match on sniHosts`, `没有匹配的 filter chain：TLS ClientHello 不带 SNI，而 VirtualService 的 tls 路由按 sniHosts 匹配`);
  }
  const gwNs = (gateway: string) => gateway.slice(0, gateway.indexOf('/'));
  let server: Server | undefined;
  if (servers) {
    server = servers.find((s) => s.hosts.some((h) => serverHostTakes(h, gwNs(s.gateway), sni)));
    if (!server) {
      const hosts = [...new Set(servers.flatMap((s) => s.hosts))];
      return closed('filter_chain_not_found', `no filter chain matched: no PASSTHROUGH server on port ${call.port} has a host matching SNI ${sni} (hosts: ${listOf(hosts, false)})`, `没有匹配的 filter chain：端口 ${call.port} 上没有 PASSTHROUGH server 的 hosts 匹配 SNI ${sni}（hosts：${listOf(hosts, true)}）`);
    }
    r.tls = { sni, server: { gateway: server.gateway, serverIndex: server.serverIndex } };
  }
  // The first rule whose VirtualService hosts and one match block's sniHosts take the SNI.
  let chosen: { entry: TlsRouteEntry; matchIndex: number } | undefined;
  for (const entry of routes) {
    // At a gateway, the server's hosts must also admit the VirtualService's namespace.
    if (server && !server.hosts.some((h) => serverHostTakes(h, gwNs(server!.gateway), sni, entry.vs.namespace))) continue;
    const vsName = `${entry.vs.namespace}/${entry.vs.name}`;
    if (!entry.hosts.some((h) => hostMatches(h, sni))) {
      r.passedOver.push({ virtualService: vsName, ruleIndex: entry.ruleIndex, failures: [`SNI ${sni} is not among the VirtualService hosts ${listOf(entry.hosts, false)}`], failuresZh: [`SNI ${sni} 不在 VirtualService 的 hosts ${listOf(entry.hosts, true)} 中`] });
      continue;
    }
    const m = entry.matches.find((x) => x.sniHosts.some((h) => hostMatches(h, sni)));
    if (m) {
      chosen = { entry, matchIndex: m.matchIndex };
      break;
    }
    r.passedOver.push({ virtualService: vsName, ruleIndex: entry.ruleIndex, failures: entry.matches.map((x) => (x.sniHosts.length ? `SNI ${sni} does not match sniHosts ${listOf(x.sniHosts, false)}` : 'the match block has no sniHosts')), failuresZh: entry.matches.map((x) => (x.sniHosts.length ? `SNI ${sni} 不匹配 sniHosts ${listOf(x.sniHosts, true)}` : '该 match 块没有 sniHosts')) });
  }
  if (!chosen && sidecarTable) return sidecarTlsOutbound(input, call, r, sni, sidecarTable);
  if (!chosen) {
    const where = call.proxy.kind === 'gateway' ? `bound to Gateway ${server!.gateway} on port ${call.port}` : `for the mesh on port ${call.port}`;
    const whereZh = call.proxy.kind === 'gateway' ? `绑定到 Gateway ${server!.gateway}、端口 ${call.port}` : `在端口 ${call.port} 上用于 mesh`;
    return closed('filter_chain_not_found', `no filter chain matched: no VirtualService tls route ${where} matches SNI ${sni}`, `没有匹配的 filter chain：没有${whereZh} 的 VirtualService tls 路由匹配 SNI ${sni}`);
  }
  const { entry } = chosen;
  const rule = `VirtualService ${entry.vs.namespace}/${entry.vs.name} tls rule ${entry.ruleIndex}`;
  const ruleZh = `VirtualService ${entry.vs.namespace}/${entry.vs.name} 的 tls 规则 ${entry.ruleIndex}`;
  r.tls = { ...r.tls, route: { virtualService: `${entry.vs.namespace}/${entry.vs.name}`, ruleIndex: entry.ruleIndex, matchIndex: chosen.matchIndex } };
  const picked = pickWeighted(entry.destinations, random)?.destination as Record<string, unknown> | undefined;
  if (!picked || typeof picked.host !== 'string') {
    return closed('filter_chain_not_found', `${rule} matches SNI ${sni} but has no destination`, `${ruleZh} 匹配 SNI ${sni}，但没有目标`);
  }
  const port = typeof (picked.port as Record<string, unknown> | undefined)?.number === 'number' ? ((picked.port as Record<string, unknown>).number as number) : undefined;
  const subset = typeof picked.subset === 'string' ? picked.subset : undefined;
  r.destination = { host: picked.host, port, subset };
  const lookup = input.cluster({ host: picked.host, namespace: entry.vs.namespace, clientNamespace: call.proxy.namespace, port, subset, listenerPort: call.port, originalDestination: { host: sni, port: call.port } });
  r.cluster = lookup.name;
  const host = resolveShortName(picked.host, entry.vs.namespace);
  const dr = destinationRuleFor(input.snapshot, host, call.proxy.namespace, lookup.kind === 'ok' ? lookup.serviceNamespace : undefined);
  if (dr) r.destinationRule = `${dr.metadata.namespace ?? 'default'}/${dr.metadata.name}`;
  if (lookup.kind === 'not_found') {
    r.destinationProblem = destinationProblem(input.snapshot, { host: picked.host, port, subset }, entry.vs.namespace, call.proxy.namespace);
    r.destinationProblemZh = destinationProblem(input.snapshot, { host: picked.host, port, subset }, entry.vs.namespace, call.proxy.namespace, 'zh');
    return { ...r, response: { kind: 'cluster_not_found', flags: 'NC', details: 'cluster_not_found' }, reason: `cluster not found: ${r.destinationProblem ?? `${lookup.name} does not exist`} (${rule})`, reasonZh: `找不到集群：${r.destinationProblemZh ?? `${lookup.name} 不存在`}（${ruleZh}）` };
  }
  r.endpoints = lookup.endpoints.map((e) => e.address);
  if (!r.endpoints.length) {
    return { ...r, response: { kind: 'no_healthy_upstream', flags: 'UH', details: 'no_healthy_upstream' }, reason: `no healthy upstream: no ready endpoint of ${host}${subset ? ` subset ${subset}` : ''} (${rule})`, reasonZh: `没有健康的上游：${host}${subset ? ` 的 subset ${subset}` : ''} 没有就绪的端点（${ruleZh}）` };
  }
  return { ...r, response: { kind: 'tls_passthrough', flags: '-', details: 'via_upstream' }, reason: `TLS with SNI ${sni} passed through by ${rule} to ${lookup.name}`, reasonZh: `SNI 为 ${sni} 的 TLS 由 ${ruleZh} 直通到 ${lookup.name}` };
}

/**
 * A sidecar's TLS connection no VirtualService tls route takes: the outbound listener of a Service
 * or ServiceEntry port proxies it to that cluster; otherwise the outbound traffic policy decides,
 * PassthroughCluster under ALLOW_ANY, BlackHoleCluster under REGISTRY_ONLY (or for a host the
 * Sidecar resource hides), which has no hosts: Envoy closes the connection during the handshake
 * (UH), and curl reports exit 35.
 */
function sidecarTlsOutbound(input: SimulationInput, call: SimulatedCall, r: Partial0, sni: string, table: SidecarRouteTable): SimulationResult {
  const s = input.snapshot;
  const ns = call.proxy.namespace;
  const svc = serviceNamed(s, sni, ns);
  const host = svc?.fqdn ?? sni;
  const mode = table.outboundMode;
  const entries = serviceEntriesFor(s, host, ns);
  const visible = sidecarAllowsHost(table.sidecar, ns, host, svc?.service.metadata.namespace ?? entries[0]?.metadata.namespace);
  const servicePort = (((svc?.service.spec as Obj | undefined)?.ports as Obj[] | undefined) ?? []).some((p) => p.port === call.port);
  const entry = svc ? undefined : entries.find((se) => (((se.spec as Obj | undefined)?.ports as Obj[] | undefined) ?? []).some((p) => p.number === call.port));
  if (visible && (servicePort || entry)) {
    r.outbound = { mode, result: 'service', ...(entry ? { serviceEntry: `${entry.metadata.namespace ?? 'default'}/${entry.metadata.name}` } : {}) };
    r.destination = { host, port: call.port };
    const od = call.originalDestination;
    const lookup = input.cluster({ host, namespace: ns, clientNamespace: ns, port: call.port, listenerPort: call.port, originalDestination: od ? { host: od.host, port: od.port } : { host: sni, port: call.port } });
    r.cluster = lookup.name;
    if (lookup.kind === 'not_found') return { ...r, response: { kind: 'cluster_not_found', flags: 'NC', details: 'cluster_not_found' }, reason: `cluster not found: ${lookup.name} does not exist`, reasonZh: `找不到集群：${lookup.name} 不存在` };
    r.endpoints = lookup.endpoints.map((e) => e.address);
    if (!r.endpoints.length) return { ...r, response: { kind: 'no_healthy_upstream', flags: 'UH', details: 'no_healthy_upstream' }, reason: `no healthy upstream: no ready endpoint of ${host}`, reasonZh: `没有健康的上游：${host} 没有就绪的端点` };
    return { ...r, response: { kind: 'tls_passthrough', flags: '-', details: 'via_upstream' }, reason: `TLS with SNI ${sni} proxied to ${lookup.name}${entry ? ` (ServiceEntry ${r.outbound.serviceEntry})` : ''}`, reasonZh: `SNI 为 ${sni} 的 TLS 被代理到 ${lookup.name}${entry ? `（ServiceEntry ${r.outbound.serviceEntry}）` : ''}` };
  }
  const hidden = visible ? undefined : 'hidden_by_sidecar';
  if (mode === 'REGISTRY_ONLY') {
    r.outbound = { mode, result: hidden ?? 'blocked' };
    r.cluster = 'BlackHoleCluster';
    const why = hidden ? `outboundTrafficPolicy REGISTRY_ONLY and the Sidecar resource does not let this workload see ${host}` : `outboundTrafficPolicy REGISTRY_ONLY and no ServiceEntry for ${host} on port ${call.port}`;
    const whyZh = hidden ? `outboundTrafficPolicy 为 REGISTRY_ONLY，且 Sidecar 资源不让此工作负载看到 ${host}` : `outboundTrafficPolicy 为 REGISTRY_ONLY，且端口 ${call.port} 上没有 ${host} 的 ServiceEntry`;
    return { ...r, response: { kind: 'registry_only_blocked', flags: 'UH', details: '-' }, reason: `connection closed during the TLS handshake (BlackHoleCluster): ${why}`, reasonZh: `TLS 握手期间连接被关闭（BlackHoleCluster）：${whyZh}` };
  }
  const dst = call.originalDestination ?? { host: sni, port: call.port };
  r.outbound = { mode, result: hidden ?? 'passthrough' };
  r.cluster = 'PassthroughCluster';
  r.destination = { host: dst.host, port: dst.port };
  r.endpoints = [`${dst.host}:${dst.port}`];
  return { ...r, response: { kind: 'passthrough', flags: '-', details: 'via_upstream' }, reason: `TLS with SNI ${sni} passed through (outboundTrafficPolicy ALLOW_ANY, PassthroughCluster)`, reasonZh: `SNI 为 ${sni} 的 TLS 被直通（outboundTrafficPolicy ALLOW_ANY，PassthroughCluster）` };
}

/** A simulation and the Envoy clusters it looked up (by name), which a proxy then connects to. */
export interface RoutePlan {
  result: SimulationResult;
  clusters: ReadonlyMap<string, ClusterLookup>;
}

/** `simulate`, keeping every cluster lookup it made so the caller executes against the same endpoints. */
export function plan(input: SimulationInput, call: SimulatedCall): RoutePlan {
  const clusters = new Map<string, ClusterLookup>();
  const result = simulate({ ...input, cluster: (q) => {
    const l = input.cluster(q);
    clusters.set(l.name, l);
    return l;
  } }, call);
  return { result, clusters };
}

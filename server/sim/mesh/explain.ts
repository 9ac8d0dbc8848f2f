// Why a request got its answer, in the learner's terms: for each VirtualService rule passed over,
// the first condition that failed; for a destination that is not a cluster, what is missing; and
// one plain sentence for the outcome. Pure functions over the pushed tables and the request; the
// router records their result with each decision (kept in the recent-requests ring).
import { resolveShortName } from './hosts.ts';
import { re2FullMatch, type MeshRequest } from './match.ts';
import { destinationRuleFor, subsetOf, type HttpRouteEntry, type MeshSnapshot } from './translate.ts';
import type { RouteDecision } from './decisions.ts';
import type { SimulationResult } from './simulate.ts';

type Obj = Record<string, unknown>;

/** One rule the matcher looked at before the winner (or all of them, for a 404). */
export interface PassedOverRule {
  virtualService: string; // ns/name
  ruleIndex: number;
  ruleName?: string;
  /** Per match block, the first condition that failed ("path /status/200 does not start with /delay"). */
  failures: string[];
}

export interface RequestTrace {
  passedOver: PassedOverRule[];
  /** Why there is no cluster, when the destination names something that does not exist. */
  destinationProblem?: string;
  /** One sentence: what happened and why. */
  reason: string;
}

function pathOnly(path: string): string {
  const i = path.indexOf('?');
  return i < 0 ? path : path.slice(0, i);
}

/** How a StringMatch fails against a value, or undefined when it holds. */
function stringFailure(what: string, m: Obj | undefined, value: string | undefined, ignoreCase = false): string | undefined {
  if (!m || typeof m !== 'object' || Object.keys(m).length === 0) return value === undefined ? `${what} is absent` : undefined;
  if (value === undefined) return `${what} is absent`;
  const v = ignoreCase ? value.toLowerCase() : value;
  const cmp = (s: string) => (ignoreCase ? s.toLowerCase() : s);
  if (typeof m.exact === 'string') return v === cmp(m.exact) ? undefined : `${what} ${value} is not ${m.exact}`;
  if (typeof m.prefix === 'string') return v.startsWith(cmp(m.prefix)) ? undefined : `${what} ${value} does not start with ${m.prefix}`;
  if (typeof m.regex === 'string') return re2FullMatch(m.regex, value) ? undefined : `${what} ${value} does not match the regex ${m.regex}`;
  return undefined;
}

/** The first condition of one HTTPMatchRequest that the request fails, in the order Envoy checks them. */
export function firstFailedCondition(m: Obj, req: MeshRequest): string | undefined {
  const ignoreUriCase = m.ignoreUriCase === true;
  if (m.uri) {
    const uri = m.uri as Obj;
    const value = typeof uri.prefix === 'string' ? req.path : pathOnly(req.path);
    const f = stringFailure('path', uri, value, ignoreUriCase && typeof uri.regex !== 'string');
    if (f) return f;
  }
  for (const [what, field, value] of [['scheme', 'scheme', req.scheme], ['method', 'method', req.method], ['authority', 'authority', req.authority]] as const) {
    if (!m[field]) continue;
    const f = stringFailure(what, m[field] as Obj, value);
    if (f) return f;
  }
  if (typeof m.port === 'number' && m.port !== req.port) return `port ${req.port} is not ${m.port}`;
  for (const [name, sm] of Object.entries((m.headers as Obj | undefined) ?? {})) {
    const f = stringFailure(`header ${name.toLowerCase()}`, sm as Obj, req.headers[name.toLowerCase()]);
    if (f) return f;
  }
  for (const [name, sm] of Object.entries((m.withoutHeaders as Obj | undefined) ?? {})) {
    if (!stringFailure('', sm as Obj, req.headers[name.toLowerCase()])) return `header ${name.toLowerCase()} is present (withoutHeaders)`;
  }
  if (m.queryParams) {
    const q = new URLSearchParams(req.path.includes('?') ? req.path.slice(req.path.indexOf('?') + 1) : '');
    for (const [name, sm] of Object.entries(m.queryParams as Obj)) {
      const f = stringFailure(`query parameter ${name}`, sm as Obj, q.get(name) ?? undefined);
      if (f) return f;
    }
  }
  return undefined;
}

/** The rules before the winner (all rules when nothing matched), each with why it did not match. */
export function passedOverRules(routes: HttpRouteEntry[], req: MeshRequest): PassedOverRule[] {
  const out: PassedOverRule[] = [];
  for (const entry of routes) {
    if (!entry.matches.length) break;
    const failures = entry.matches.map((m) => firstFailedCondition(m, req));
    if (failures.some((f) => f === undefined)) break;
    out.push({ virtualService: `${entry.vs.namespace}/${entry.vs.name}`, ruleIndex: entry.ruleIndex, ruleName: entry.ruleName, failures: failures as string[] });
  }
  return out;
}

/** "/delay" or "/delay, /headers": the paths a set of rules routes, as written. */
export function routedPaths(routes: HttpRouteEntry[]): string[] {
  const paths: string[] = [];
  for (const r of routes) {
    if (!r.matches.length) return ['every path'];
    for (const m of r.matches) {
      const uri = m.uri as Obj | undefined;
      const p = typeof uri?.prefix === 'string' ? uri.prefix : typeof uri?.exact === 'string' ? `${uri.exact} (exact)` : typeof uri?.regex === 'string' ? `${uri.regex} (regex)` : undefined;
      if (p && !paths.includes(p)) paths.push(p);
    }
  }
  return paths;
}

/**
 * Why a destination is not a cluster Envoy knows (503 NC): the subset no DestinationRule defines,
 * or a host or port that is not in the registry. Undefined when the destination is fine.
 */
export function destinationProblem(snapshot: MeshSnapshot, dest: { host: string; port?: number; subset?: string }, configNamespace: string, clientNamespace: string): string | undefined {
  const host = resolveShortName(dest.host, configNamespace);
  const svc = snapshot.services.find((s) => `${s.metadata.name}.${s.metadata.namespace ?? 'default'}.svc.cluster.local` === host);
  const entry = snapshot.serviceEntries.some((se) => (((se.spec as Obj | undefined)?.hosts as string[] | undefined) ?? []).includes(host));
  if (!svc && !entry) return `host ${host} is neither a Service nor a ServiceEntry host`;
  if (svc && dest.port !== undefined) {
    const ports = (((svc.spec as Obj | undefined)?.ports as Obj[] | undefined) ?? []).map((p) => p.port);
    if (!ports.includes(dest.port)) return `Service ${host} has no port ${dest.port} (ports: ${ports.join(', ')})`;
  }
  if (dest.subset) {
    const dr = destinationRuleFor(snapshot, host, clientNamespace, svc?.metadata.namespace);
    if (!dr) return `subset ${dest.subset} of ${host} is not defined by any DestinationRule`;
    if (!subsetOf(dr, dest.subset)) return `DestinationRule ${dr.metadata.namespace ?? 'default'}/${dr.metadata.name} defines no subset ${dest.subset} of ${host}`;
  }
  return undefined;
}

function vsName(d: Pick<RouteDecision, 'virtualService'>): string {
  return d.virtualService ? `VirtualService ${d.virtualService.namespace}/${d.virtualService.name}` : '';
}

/** One sentence for a decision: what the client got and why. */
export function reasonFor(d: Omit<RouteDecision, 'id' | 'trace'>, ctx: { routes?: HttpRouteEntry[]; destinationProblem?: string }): string {
  const r = d.response;
  const rule = d.virtualService ? `${vsName(d)} rule ${d.virtualService.ruleName ?? d.virtualService.ruleIndex}` : undefined;
  const dest = d.destination ? `${d.destination.host}${d.destination.subset ? ` subset ${d.destination.subset}` : ''}` : d.upstreamCluster;
  switch (r.kind) {
    case 'no_route': {
      if (!d.virtualHost) return `no route matched: no virtual host for ${d.request.authority || '(no Host)'} on port ${d.listener.port}`;
      const vs = [...new Set((ctx.routes ?? []).map((e) => `VirtualService ${e.vs.namespace}/${e.vs.name}`))].join(', ');
      const paths = routedPaths(ctx.routes ?? []);
      return `no route matched; ${vs || 'the virtual host'} only routes ${paths.join(', ') || 'nothing on this port'}`;
    }
    case 'cluster_not_found':
      return `cluster not found: ${ctx.destinationProblem ?? `${d.upstreamCluster} does not exist`}${rule ? ` (${rule})` : ''}`;
    case 'no_healthy_upstream':
      return `no healthy upstream: no ready pod of ${dest}${d.destination?.subset ? ' has the subset\'s labels' : ''}`;
    case 'timeout':
      return `upstream request timeout${rule ? ` (timeout set by ${rule})` : ''}`;
    case 'connection_failure':
      return `upstream connection failure to ${d.upstreamHost ?? dest}${d.attempts && d.attempts > 1 ? ` after ${d.attempts} attempts` : ''}`;
    case 'overflow':
      return `circuit breaker overflow on ${d.upstreamCluster} (DestinationRule connectionPool)`;
    case 'fault_abort':
      return `fault injection aborted the request with ${r.status}${rule ? ` (${rule})` : ''}`;
    case 'redirect':
      return `redirected with ${r.status}${rule ? ` by ${rule}` : ''}`;
    case 'direct_response':
      return `answered directly with ${r.status}${rule ? ` by ${rule}` : ''}`;
    case 'registry_only_blocked':
      return `blocked: outboundTrafficPolicy REGISTRY_ONLY and no ServiceEntry for ${d.request.authority}`;
    case 'passthrough':
      return `passed through to ${d.request.authority} (outboundTrafficPolicy ALLOW_ANY, PassthroughCluster)`;
    default:
      return `routed${rule ? ` by ${rule}` : ''} to ${d.upstreamCluster ?? dest}, answered ${r.status}`;
  }
}

/** The whole explanation for one decision. */
export function traceOf(d: Omit<RouteDecision, 'id' | 'trace'>, ctx: { routes?: HttpRouteEntry[]; request?: MeshRequest; snapshot?: MeshSnapshot; configNamespace?: string; clientNamespace?: string }): RequestTrace {
  const passedOver = ctx.routes && ctx.request ? passedOverRules(ctx.routes, ctx.request) : [];
  const problem = d.response.kind === 'cluster_not_found' && d.destination && ctx.snapshot ? destinationProblem(ctx.snapshot, d.destination, ctx.configNamespace ?? 'default', ctx.clientNamespace ?? 'default') : undefined;
  return { passedOver, destinationProblem: problem, reason: reasonFor(d, { routes: ctx.routes, destinationProblem: problem }) };
}

/**
 * The explanation of a request from the simulation the proxy executed: its passed-over rules and
 * destination problem, and its reason, unless the upstream exchange ended otherwise than
 * simulated (ejected hosts, overflow, timeout, reset, exhausted retries): then the reason says
 * what happened, in the same words.
 */
export function traceOfSimulation(sim: SimulationResult, d: Omit<RouteDecision, 'id' | 'trace' | 'simulation'>): RequestTrace {
  const asSimulated = sim.response.kind === d.response.kind && sim.response.flags === d.response.flags;
  return { passedOver: sim.passedOver, destinationProblem: sim.destinationProblem, reason: asSimulated ? sim.reason : reasonFor(d, { destinationProblem: sim.destinationProblem }) };
}

/** What the proxy itself knows of one request (the rest of its decision comes from the simulation). */
export type ExchangeFacts = Pick<RouteDecision, 'time' | 'requestId' | 'proxy' | 'listener' | 'request' | 'upstreamCluster' | 'upstreamHost' | 'attempts' | 'response'>;

/** The RouteDecision for a request: the simulation executed, the route and destination it chose, and the trace from it. */
export function decisionOf(sim: SimulationResult | undefined, facts: ExchangeFacts): Omit<RouteDecision, 'id'> {
  const route = sim?.route;
  const slash = route ? route.virtualService.indexOf('/') : -1;
  const d: Omit<RouteDecision, 'id'> = {
    ...facts,
    gatewayServers: sim?.listener?.servers,
    virtualHost: sim?.virtualHost,
    virtualService: route ? { name: route.virtualService.slice(slash + 1), namespace: route.virtualService.slice(0, slash), ruleIndex: route.ruleIndex, ruleName: route.ruleName, matchIndex: route.matchIndex, matchName: route.matchName } : undefined,
    destination: sim?.destination,
  };
  if (sim) {
    d.simulation = sim;
    d.trace = traceOfSimulation(sim, d);
  }
  return d;
}

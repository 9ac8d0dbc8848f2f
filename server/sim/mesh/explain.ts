// Why a request got its answer, in the learner's terms: for each VirtualService rule passed over,
// the first condition that failed; for a destination that is not a cluster, what is missing; and
// one plain sentence for the outcome. Pure functions over the pushed tables and the request; the
// router records their result with each decision (kept in the recent-requests ring).
import { resolveShortName } from './hosts.ts';
import { re2FullMatch, type MeshRequest } from './match.ts';
import { destinationRuleFor, subsetOf, type HttpRouteEntry, type MeshSnapshot } from './translate.ts';
import type { RouteDecision } from './decisions.ts';
import type { SimulationResult } from './simulate.ts';

/** The languages a reason is written in: English (the `reason` fields) and Chinese (the `…Zh` fields). */
export type ReasonLang = 'en' | 'zh';

type Obj = Record<string, unknown>;

/** One rule the matcher looked at before the winner (or all of them, for a 404). */
export interface PassedOverRule {
  virtualService: string; // ns/name
  ruleIndex: number;
  ruleName?: string;
  /** Per match block, the first condition that failed ("path /status/200 does not start with /delay"). */
  failures: string[];
  /** The same, in Chinese ("路径 /status/200 不以 /delay 开头"). */
  failuresZh?: string[];
}

export interface RequestTrace {
  passedOver: PassedOverRule[];
  /** Why there is no cluster, when the destination names something that does not exist. */
  destinationProblem?: string;
  destinationProblemZh?: string;
  /** One sentence: what happened and why. */
  reason: string;
  /** The same sentence in Chinese (absent in traces recorded without it: show `reason`). */
  reasonZh?: string;
}

function pathOnly(path: string): string {
  const i = path.indexOf('?');
  return i < 0 ? path : path.slice(0, i);
}

/** The words of a failed condition, per language; operands and Istio's field names stay as written. */
const CONDITION: Record<ReasonLang, { what: (field: string, name?: string) => string; absent: (w: string) => string; notExact: (w: string, v: string, x: string) => string; noPrefix: (w: string, v: string, x: string) => string; noRegex: (w: string, v: string, x: string) => string; port: (got: number, want: number) => string; present: (name: string) => string }> = {
  en: {
    what: (field, name) => ({ path: 'path', header: `header ${name}`, query: `query parameter ${name}` })[field] ?? field,
    absent: (w) => `${w} is absent`,
    notExact: (w, v, x) => `${w} ${v} is not ${x}`,
    noPrefix: (w, v, x) => `${w} ${v} does not start with ${x}`,
    noRegex: (w, v, x) => `${w} ${v} does not match the regex ${x}`,
    port: (got, want) => `port ${got} is not ${want}`,
    present: (name) => `header ${name} is present (withoutHeaders)`,
  },
  zh: {
    what: (field, name) => ({ path: '路径', method: '方法', header: `请求头 ${name}`, query: `查询参数 ${name}` })[field] ?? field,
    absent: (w) => `缺少${w}`,
    notExact: (w, v, x) => `${w} ${v} 不是 ${x}`,
    noPrefix: (w, v, x) => `${w} ${v} 不以 ${x} 开头`,
    noRegex: (w, v, x) => `${w} ${v} 不匹配正则表达式 ${x}`,
    port: (got, want) => `端口 ${got} 不是 ${want}`,
    present: (name) => `存在请求头 ${name}（withoutHeaders）`,
  },
};

/** How a StringMatch fails against a value, or undefined when it holds. */
function stringFailure(what: string, m: Obj | undefined, value: string | undefined, lang: ReasonLang, ignoreCase = false): string | undefined {
  const t = CONDITION[lang];
  if (!m || typeof m !== 'object' || Object.keys(m).length === 0) return value === undefined ? t.absent(what) : undefined;
  if (value === undefined) return t.absent(what);
  const v = ignoreCase ? value.toLowerCase() : value;
  const cmp = (s: string) => (ignoreCase ? s.toLowerCase() : s);
  if (typeof m.exact === 'string') return v === cmp(m.exact) ? undefined : t.notExact(what, value, m.exact);
  if (typeof m.prefix === 'string') return v.startsWith(cmp(m.prefix)) ? undefined : t.noPrefix(what, value, m.prefix);
  if (typeof m.regex === 'string') return re2FullMatch(m.regex, value) ? undefined : t.noRegex(what, value, m.regex);
  return undefined;
}

/** The first condition of one HTTPMatchRequest that the request fails, in the order Envoy checks them. */
export function firstFailedCondition(m: Obj, req: MeshRequest, lang: ReasonLang = 'en'): string | undefined {
  const t = CONDITION[lang];
  const ignoreUriCase = m.ignoreUriCase === true;
  if (m.uri) {
    const uri = m.uri as Obj;
    const value = typeof uri.prefix === 'string' ? req.path : pathOnly(req.path);
    const f = stringFailure(t.what('path'), uri, value, lang, ignoreUriCase && typeof uri.regex !== 'string');
    if (f) return f;
  }
  for (const [field, value] of [['scheme', req.scheme], ['method', req.method], ['authority', req.authority]] as const) {
    if (!m[field]) continue;
    const f = stringFailure(t.what(field), m[field] as Obj, value, lang);
    if (f) return f;
  }
  if (typeof m.port === 'number' && m.port !== req.port) return t.port(req.port, m.port);
  for (const [name, sm] of Object.entries((m.headers as Obj | undefined) ?? {})) {
    const f = stringFailure(t.what('header', name.toLowerCase()), sm as Obj, req.headers[name.toLowerCase()], lang);
    if (f) return f;
  }
  for (const [name, sm] of Object.entries((m.withoutHeaders as Obj | undefined) ?? {})) {
    if (!stringFailure('', sm as Obj, req.headers[name.toLowerCase()], lang)) return t.present(name.toLowerCase());
  }
  if (m.queryParams) {
    const q = new URLSearchParams(req.path.includes('?') ? req.path.slice(req.path.indexOf('?') + 1) : '');
    for (const [name, sm] of Object.entries(m.queryParams as Obj)) {
      const f = stringFailure(t.what('query', name), sm as Obj, q.get(name) ?? undefined, lang);
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
    let failuresZh: string[] | undefined;
    out.push({
      virtualService: `${entry.vs.namespace}/${entry.vs.name}`,
      ruleIndex: entry.ruleIndex,
      ruleName: entry.ruleName,
      failures: failures as string[],
      // Chinese words only when read.
      get failuresZh(): string[] {
        return (failuresZh ??= entry.matches.map((m) => firstFailedCondition(m, req, 'zh') ?? ''));
      },
    });
  }
  return out;
}

/** "/delay" or "/delay, /headers": the paths a set of rules routes, as written. */
export function routedPaths(routes: HttpRouteEntry[], lang: ReasonLang = 'en'): string[] {
  const paths: string[] = [];
  for (const r of routes) {
    if (!r.matches.length) return [lang === 'zh' ? '所有路径' : 'every path'];
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
export function destinationProblem(snapshot: MeshSnapshot, dest: { host: string; port?: number; subset?: string }, configNamespace: string, clientNamespace: string, lang: ReasonLang = 'en'): string | undefined {
  const zh = lang === 'zh';
  const host = resolveShortName(dest.host, configNamespace);
  const svc = snapshot.services.find((s) => `${s.metadata.name}.${s.metadata.namespace ?? 'default'}.svc.cluster.local` === host);
  const entry = snapshot.serviceEntries.some((se) => (((se.spec as Obj | undefined)?.hosts as string[] | undefined) ?? []).includes(host));
  if (!svc && !entry) return zh ? `主机 ${host} 既不是 Service 也不是 ServiceEntry 的主机` : `host ${host} is neither a Service nor a ServiceEntry host`;
  if (svc && dest.port !== undefined) {
    const ports = (((svc.spec as Obj | undefined)?.ports as Obj[] | undefined) ?? []).map((p) => p.port);
    if (!ports.includes(dest.port)) return zh ? `Service ${host} 没有端口 ${dest.port}（端口：${ports.join(', ')}）` : `Service ${host} has no port ${dest.port} (ports: ${ports.join(', ')})`;
  }
  if (dest.subset) {
    const dr = destinationRuleFor(snapshot, host, clientNamespace, svc?.metadata.namespace);
    if (!dr) return zh ? `没有任何 DestinationRule 定义 ${host} 的 subset ${dest.subset}` : `subset ${dest.subset} of ${host} is not defined by any DestinationRule`;
    const drName = `${dr.metadata.namespace ?? 'default'}/${dr.metadata.name}`;
    if (!subsetOf(dr, dest.subset)) return zh ? `DestinationRule ${drName} 没有定义 ${host} 的 subset ${dest.subset}` : `DestinationRule ${drName} defines no subset ${dest.subset} of ${host}`;
  }
  return undefined;
}

function vsName(d: Pick<RouteDecision, 'virtualService'>): string {
  return d.virtualService ? `VirtualService ${d.virtualService.namespace}/${d.virtualService.name}` : '';
}

type ReasonDecision = Omit<RouteDecision, 'id' | 'trace'>;
/** What a reason sentence is made of: the rule, the destination, and the decision itself. */
interface ReasonParts {
  d: ReasonDecision;
  rule?: string;
  dest?: string;
  vs: string;
  paths: string[];
  problem?: string;
}

/** One sentence per kind of answer, per language; Envoy's and Istio's words stay as they write them. */
const REASONS: Record<ReasonLang, { noVirtualHost: (p: ReasonParts) => string; noRoute: (p: ReasonParts) => string } & Partial<Record<RouteDecision['response']['kind'], (p: ReasonParts) => string>> & { routed: (p: ReasonParts) => string }> = {
  en: {
    noVirtualHost: ({ d }) => `no route matched: no virtual host for ${d.request.authority || '(no Host)'} on port ${d.listener.port}`,
    noRoute: ({ vs, paths }) => `no route matched; ${vs || 'the virtual host'} only routes ${paths.join(', ') || 'nothing on this port'}`,
    cluster_not_found: ({ d, problem, rule }) => `cluster not found: ${problem ?? `${d.upstreamCluster} does not exist`}${rule ? ` (${rule})` : ''}`,
    no_healthy_upstream: ({ d, dest }) => `no healthy upstream: no ready pod of ${dest}${d.destination?.subset ? " has the subset's labels" : ''}`,
    timeout: ({ rule }) => `upstream request timeout${rule ? ` (timeout set by ${rule})` : ''}`,
    connection_failure: ({ d, dest }) => `upstream connection failure to ${d.upstreamHost ?? dest}${d.attempts && d.attempts > 1 ? ` after ${d.attempts} attempts` : ''}`,
    overflow: ({ d }) => `circuit breaker overflow on ${d.upstreamCluster} (DestinationRule connectionPool)`,
    fault_abort: ({ d, rule }) => `fault injection aborted the request with ${d.response.status}${rule ? ` (${rule})` : ''}`,
    redirect: ({ d, rule }) => `redirected with ${d.response.status}${rule ? ` by ${rule}` : ''}`,
    direct_response: ({ d, rule }) => `answered directly with ${d.response.status}${rule ? ` by ${rule}` : ''}`,
    registry_only_blocked: ({ d }) => `blocked: outboundTrafficPolicy REGISTRY_ONLY and no ServiceEntry for ${d.request.authority}`,
    passthrough: ({ d }) => `passed through to ${d.request.authority} (outboundTrafficPolicy ALLOW_ANY, PassthroughCluster)`,
    routed: ({ d, rule, dest }) => `routed${rule ? ` by ${rule}` : ''} to ${d.upstreamCluster ?? dest}, answered ${d.response.status}`,
  },
  zh: {
    noVirtualHost: ({ d }) => `没有匹配的路由：端口 ${d.listener.port} 上没有 ${d.request.authority || '（无 Host）'} 的虚拟主机`,
    noRoute: ({ vs, paths }) => `没有匹配的路由；${vs || '该虚拟主机'}${paths.length ? ` 只路由 ${paths.join('、')}` : ' 在此端口上不路由任何路径'}`,
    cluster_not_found: ({ d, problem, rule }) => `找不到集群：${problem ?? `${d.upstreamCluster} 不存在`}${rule ? `（${rule}）` : ''}`,
    no_healthy_upstream: ({ d, dest }) => `没有健康的上游：${dest} 没有${d.destination?.subset ? '带有该 subset 标签的' : ''}就绪 pod`,
    timeout: ({ rule }) => `上游请求超时${rule ? `（超时由 ${rule} 设置）` : ''}`,
    connection_failure: ({ d, dest }) => `连接上游 ${d.upstreamHost ?? dest} 失败${d.attempts && d.attempts > 1 ? `，共尝试 ${d.attempts} 次` : ''}`,
    overflow: ({ d }) => `${d.upstreamCluster} 上的熔断器溢出（DestinationRule connectionPool）`,
    fault_abort: ({ d, rule }) => `故障注入以 ${d.response.status} 中止了请求${rule ? `（${rule}）` : ''}`,
    redirect: ({ d, rule }) => `${rule ? `由 ${rule} ` : ''}以 ${d.response.status} 重定向`,
    direct_response: ({ d, rule }) => `${rule ? `由 ${rule} ` : ''}直接以 ${d.response.status} 应答`,
    registry_only_blocked: ({ d }) => `已阻止：outboundTrafficPolicy 为 REGISTRY_ONLY，且没有 ${d.request.authority} 的 ServiceEntry`,
    passthrough: ({ d }) => `直通到 ${d.request.authority}（outboundTrafficPolicy ALLOW_ANY，PassthroughCluster）`,
    routed: ({ d, rule, dest }) => `${rule ? `由 ${rule} ` : ''}路由到 ${d.upstreamCluster ?? dest}，应答 ${d.response.status}`,
  },
};

/** One sentence for a decision: what the client got and why. */
export function reasonFor(d: ReasonDecision, ctx: { routes?: HttpRouteEntry[]; destinationProblem?: string }, lang: ReasonLang = 'en'): string {
  const t = REASONS[lang];
  const rule = d.virtualService ? `${vsName(d)} ${lang === 'zh' ? '规则' : 'rule'} ${d.virtualService.ruleName ?? d.virtualService.ruleIndex}` : undefined;
  const dest = d.destination ? `${d.destination.host}${d.destination.subset ? ` subset ${d.destination.subset}` : ''}` : d.upstreamCluster;
  const vs = [...new Set((ctx.routes ?? []).map((e) => `VirtualService ${e.vs.namespace}/${e.vs.name}`))].join(', ');
  const parts: ReasonParts = { d, rule, dest, vs, paths: routedPaths(ctx.routes ?? [], lang), problem: ctx.destinationProblem };
  if (d.response.kind === 'no_route') return d.virtualHost ? t.noRoute(parts) : t.noVirtualHost(parts);
  return (t[d.response.kind] ?? t.routed)(parts);
}

/** The whole explanation for one decision. */
export function traceOf(d: Omit<RouteDecision, 'id' | 'trace'>, ctx: { routes?: HttpRouteEntry[]; request?: MeshRequest; snapshot?: MeshSnapshot; configNamespace?: string; clientNamespace?: string }): RequestTrace {
  const passedOver = ctx.routes && ctx.request ? passedOverRules(ctx.routes, ctx.request) : [];
  const problemIn = (lang: ReasonLang) => (d.response.kind === 'cluster_not_found' && d.destination && ctx.snapshot ? destinationProblem(ctx.snapshot, d.destination, ctx.configNamespace ?? 'default', ctx.clientNamespace ?? 'default', lang) : undefined);
  const problem = problemIn('en');
  const problemZh = problemIn('zh');
  return { passedOver, destinationProblem: problem, destinationProblemZh: problemZh, reason: reasonFor(d, { routes: ctx.routes, destinationProblem: problem }), reasonZh: reasonFor(d, { routes: ctx.routes, destinationProblem: problemZh }, 'zh') };
}

/**
 * The explanation of a request from the simulation the proxy executed: its passed-over rules and
 * destination problem, and its reason, unless the upstream exchange ended otherwise than
 * simulated (ejected hosts, overflow, timeout, reset, exhausted retries): then the reason says
 * what happened, in the same words.
 */
export function traceOfSimulation(sim: SimulationResult, d: Omit<RouteDecision, 'id' | 'trace' | 'simulation'>): RequestTrace {
  const asSimulated = sim.response.kind === d.response.kind && sim.response.flags === d.response.flags;
  // The sentences are built when read (the recent-requests buffer keeps many nobody opens).
  let reason: string | undefined;
  let reasonZh: string | undefined;
  return {
    passedOver: sim.passedOver,
    destinationProblem: sim.destinationProblem,
    destinationProblemZh: sim.destinationProblemZh,
    get reason(): string {
      return (reason ??= asSimulated ? sim.reason : reasonFor(d, { destinationProblem: sim.destinationProblem }));
    },
    get reasonZh(): string {
      return (reasonZh ??= asSimulated ? sim.reasonZh : reasonFor(d, { destinationProblem: sim.destinationProblemZh }, 'zh'));
    },
  };
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
    virtualService: route ? { name: route.virtualService.slice(slash + 1), namespace: route.virtualService.slice(0, slash), ruleIndex: route.ruleIndex, ruleName: route.ruleName, matchIndex: route.matchIndex, matchName: route.matchName, ...(route.delegatedBy ? { delegatedBy: route.delegatedBy } : {}) } : undefined,
    destination: sim?.destination,
  };
  if (sim) {
    d.simulation = sim;
    d.trace = traceOfSimulation(sim, d);
  }
  return d;
}

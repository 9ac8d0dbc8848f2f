// A VirtualService HTTPRoute turned into typed data once per configuration push, as istiod turns
// it into an Envoy route (redirect, direct_response, fault filter config, rewrite, retry policy,
// timeout, header operations, weighted clusters, request mirror policies). Simulation and the
// proxies read only this; nothing re-reads the raw object per request.
import { RE2JS } from 're2js';
import { parseDurationMs } from './match.ts';

type Obj = Record<string, unknown>;

/**
 * Istio's default retry policy (pilot/pkg/networking/core/route/retry `DefaultPolicy`): 2 retries on
 * `connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes`, hosts already tried
 * avoided (previous_hosts). The retriable status codes are empty: since Istio 1.24
 * `EXCLUDE_UNSAFE_503_FROM_DEFAULT_RETRY` defaults to true, so a 503 from the upstream is not retried
 * unless a route asks for it (before 1.24 the list was [503]).
 */
export const DEFAULT_RETRIES = 2;
export const DEFAULT_RETRY_ON = 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes';
export const DEFAULT_RETRIABLE_STATUS_CODES: readonly number[] = [];
/** Longest fault delay the embedded proxies wait (a request is not held longer than 10 minutes). */
export const MAX_FAULT_DELAY_MS = 600_000;

/** headers.request / headers.response of a route or destination (names lowercased). */
export interface HeaderOperations {
  set: [string, string][];
  add: [string, string][];
  remove: string[];
}

export interface HeaderPolicy {
  request?: HeaderOperations;
  response?: HeaderOperations;
}

export interface RouteDestination {
  host: string;
  port?: number;
  subset?: string;
  weight?: number;
  headers: HeaderPolicy;
}

export interface RouteMirror {
  host: string;
  port?: number;
  subset?: string;
  /** Percentage of requests mirrored; undefined = all. */
  percent?: number;
}

export interface RetryPolicy {
  attempts: number;
  retryOn: string[];
  perTryTimeoutMs?: number;
  retriableStatusCodes: number[];
  /** Envoy's previous_hosts predicate: a retry prefers hosts not tried yet (off by `retryIgnorePreviousHosts: false`). */
  previousHosts: boolean;
}

export interface ResolvedRoute {
  redirect?: { code: number; scheme: string; authority?: string; port?: number; uri?: string };
  directResponse?: { status: number; body: string };
  fault?: { delay?: { ms: number; percent: number }; abort?: { status: number; percent: number } };
  rewrite?: { uri?: string; regex?: { pattern: RE2JS; rewrite: string }; authority?: string };
  timeoutMs?: number;
  retries: RetryPolicy;
  headers: HeaderPolicy;
  destinations: RouteDestination[];
  mirrors: RouteMirror[];
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function operations(spec: unknown): HeaderOperations | undefined {
  if (!spec || typeof spec !== 'object') return undefined;
  const s = spec as Obj;
  const pairs = (v: unknown): [string, string][] => (v && typeof v === 'object' && !Array.isArray(v) ? Object.entries(v as Obj).map(([k, x]) => [k.toLowerCase(), String(x)]) : []);
  return { set: pairs(s.set), add: pairs(s.add), remove: Array.isArray(s.remove) ? s.remove.map((k) => String(k).toLowerCase()) : [] };
}

function headerPolicy(spec: unknown): HeaderPolicy {
  const s = (spec && typeof spec === 'object' ? spec : {}) as Obj;
  return { request: operations(s.request), response: operations(s.response) };
}

/** `percentage.value` (0-100, fractional), else the deprecated integer `percent`; neither = 0 (Istio's translateFault). */
function faultPercent(f: Obj): number {
  return num((f.percentage as Obj | undefined)?.value) ?? num(f.percent) ?? 0;
}

function target(d: Obj): { host: string; port?: number; subset?: string } {
  return { host: String(d.host), port: num((d.port as Obj | undefined)?.number), subset: str(d.subset) };
}

/**
 * The typed form of one HTTPRoute (already schema-checked by `wellFormed`). `meshRetries` is the mesh
 * config's `defaultHttpRetryPolicy`, which a route without `retries` uses (Istio's routeDestination).
 */
export function resolveRoute(route: Obj, meshRetries?: Obj): ResolvedRoute {
  const out: ResolvedRoute = { retries: retryPolicy((route.retries as Obj | undefined) ?? meshRetries), headers: headerPolicy(route.headers), destinations: [], mirrors: [] };
  const redirect = route.redirect as Obj | undefined;
  if (redirect) out.redirect = { code: num(redirect.redirectCode) ?? 301, scheme: str(redirect.scheme) ?? 'http', authority: str(redirect.authority), port: num(redirect.port), uri: str(redirect.uri) };
  const direct = route.directResponse as Obj | undefined;
  if (direct) {
    const b = direct.body as Obj | undefined;
    const body = typeof b?.string === 'string' ? b.string : typeof b?.bytes === 'string' ? Buffer.from(b.bytes, 'base64').toString('utf8') : '';
    out.directResponse = { status: num(direct.status) ?? 200, body };
  }
  const fault = route.fault as Obj | undefined;
  if (fault) {
    const delay = fault.delay as Obj | undefined;
    const abort = fault.abort as Obj | undefined;
    const ms = delay ? parseDurationMs(delay.fixedDelay) : undefined;
    const f: NonNullable<ResolvedRoute['fault']> = {};
    if (delay && ms !== undefined) f.delay = { ms: Math.min(ms, MAX_FAULT_DELAY_MS), percent: faultPercent(delay) };
    if (abort && typeof abort.httpStatus === 'number') f.abort = { status: abort.httpStatus, percent: faultPercent(abort) };
    if (f.delay || f.abort) out.fault = f;
  }
  const rw = route.rewrite as Obj | undefined;
  if (rw) {
    const r: NonNullable<ResolvedRoute['rewrite']> = { uri: str(rw.uri), authority: str(rw.authority) };
    const rr = rw.uriRegexRewrite as Obj | undefined;
    if (r.uri === undefined && rr && typeof rr.match === 'string' && typeof rr.rewrite === 'string') {
      try {
        // Envoy regex_rewrite: RE2 substitution, `\1` for groups.
        r.regex = { pattern: RE2JS.compile(rr.match), rewrite: rr.rewrite.replace(/\\(\d)/g, '$$$1') };
      } catch {
        // an invalid pattern leaves the path alone (validation rejects it at the API server)
      }
    }
    if (r.uri !== undefined || r.regex || r.authority !== undefined) out.rewrite = r;
  }
  const timeoutMs = parseDurationMs(route.timeout);
  if (timeoutMs) out.timeoutMs = timeoutMs;
  for (const d of (route.route as Obj[] | undefined) ?? []) {
    const dest = d.destination as Obj | undefined;
    if (!dest || typeof dest.host !== 'string') continue;
    out.destinations.push({ ...target(dest), weight: num(d.weight), headers: headerPolicy(d.headers) });
  }
  const mirror = route.mirror as Obj | undefined;
  // mirrorPercentage, else the deprecated integer mirrorPercent; neither = every request (Istio's mirrorPercent).
  if (mirror && typeof mirror.host === 'string') out.mirrors.push({ ...target(mirror), percent: route.mirrorPercentage !== undefined ? (num((route.mirrorPercentage as Obj | undefined)?.value) ?? 0) : num(route.mirrorPercent ?? route.mirror_percent) });
  for (const m of Array.isArray(route.mirrors) ? (route.mirrors as Obj[]) : []) {
    const dest = m.destination as Obj | undefined;
    if (dest && typeof dest === 'object' && typeof dest.host === 'string') out.mirrors.push({ ...target(dest), percent: m.percentage !== undefined ? (num((m.percentage as Obj | undefined)?.value) ?? 0) : undefined });
  }
  return out;
}

/**
 * Status codes Go's `http.StatusText` names: the integers of `retryOn` Istio takes as retriable
 * status codes (parseRetryOn); any other token stays a retry condition.
 */
const GO_STATUS_CODES = new Set([100, 101, 102, 103, 200, 201, 202, 203, 204, 205, 206, 207, 208, 226, 300, 301, 302, 303, 304, 305, 307, 308, 400, 401, 402, 403, 404, 405, 406, 407, 408, 409, 410, 411, 412, 413, 414, 415, 416, 417, 418, 421, 422, 423, 424, 425, 426, 428, 429, 431, 451, 500, 501, 502, 503, 504, 505, 506, 507, 508, 510, 511]);

/** The Envoy retry policy for `retries` (Istio's retry.ConvertPolicy); undefined = the default policy. */
export function retryPolicy(r: Obj | undefined): RetryPolicy {
  const defaults = (): RetryPolicy => ({ attempts: DEFAULT_RETRIES, retryOn: DEFAULT_RETRY_ON.split(','), retriableStatusCodes: [...DEFAULT_RETRIABLE_STATUS_CODES], previousHosts: true });
  if (!r) return defaults();
  // `attempts` is required by the API; 0 (or less) turns retries off: no retry policy at all.
  const attempts = typeof r.attempts === 'number' ? r.attempts : 0;
  if (attempts <= 0) return { attempts: 0, retryOn: [], retriableStatusCodes: [], previousHosts: false };
  const out = defaults();
  out.attempts = Math.floor(attempts);
  if (typeof r.retryOn === 'string' && r.retryOn !== '') {
    const on: string[] = [];
    const codes: number[] = [];
    for (const part of r.retryOn.split(',').map((x) => x.trim()).filter(Boolean)) {
      const n = /^[+-]?\d+$/.test(part) ? Number(part) : NaN;
      if (GO_STATUS_CODES.has(n)) codes.push(n);
      else on.push(part);
    }
    if (codes.length && !on.join(',').includes('retriable-status-codes')) on.push('retriable-status-codes');
    out.retryOn = on;
    out.retriableStatusCodes = codes;
  }
  const perTry = parseDurationMs(r.perTryTimeout);
  if (perTry !== undefined) out.perTryTimeoutMs = perTry;
  if (typeof r.retryIgnorePreviousHosts === 'boolean') out.previousHosts = r.retryIgnorePreviousHosts;
  return out;
}

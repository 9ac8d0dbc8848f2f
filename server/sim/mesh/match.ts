// HTTPMatchRequest evaluation as Envoy's route matcher does it for Istio's generated routes:
// match blocks are OR'd, conditions inside one block AND'd, first matching route wins.
import { RE2JS } from 're2js';
import type { HttpRouteEntry } from './translate.ts';

type Obj = Record<string, unknown>;

export interface MeshRequest {
  method: string;
  /** :path including the query string. */
  path: string;
  authority: string;
  scheme: string;
  /** The listener (gateway server / service) port. */
  port: number;
  /** Lowercase header names; repeated headers joined with ','. */
  headers: Record<string, string>;
}

const regexCache = new Map<string, RE2JS | null>();

/** RE2 full match (Envoy safe_regex); invalid patterns never match. */
export function re2FullMatch(pattern: string, value: string): boolean {
  let re = regexCache.get(pattern);
  if (re === undefined) {
    try {
      re = RE2JS.compile(pattern);
    } catch {
      re = null;
    }
    if (regexCache.size > 500) regexCache.clear();
    regexCache.set(pattern, re);
  }
  return re ? re.matches(value) : false;
}

/** StringMatch {exact|prefix|regex}; an empty StringMatch (`{}`) means "present". */
export function stringMatches(m: Obj | undefined, value: string | undefined, ignoreCase = false): boolean {
  if (!m || typeof m !== 'object') return value !== undefined;
  if (value === undefined) return false;
  const v = ignoreCase ? value.toLowerCase() : value;
  if (typeof m.exact === 'string') return v === (ignoreCase ? m.exact.toLowerCase() : m.exact);
  if (typeof m.prefix === 'string') return v.startsWith(ignoreCase ? m.prefix.toLowerCase() : m.prefix);
  if (typeof m.regex === 'string') return re2FullMatch(m.regex, value);
  return true;
}

function pathWithoutQuery(path: string): string {
  const i = path.indexOf('?');
  return i < 0 ? path : path.slice(0, i);
}

function queryOf(path: string): Map<string, string> {
  const q = new Map<string, string>();
  const i = path.indexOf('?');
  if (i < 0) return q;
  try {
    for (const [k, v] of new URLSearchParams(path.slice(i + 1))) if (!q.has(k)) q.set(k, v);
  } catch {
    // unparsable query: no params
  }
  return q;
}

/** One HTTPMatchRequest against a request. */
export function matchBlock(m: Obj, req: MeshRequest): boolean {
  const ignoreUriCase = m.ignoreUriCase === true;
  if (m.uri) {
    const uri = m.uri as Obj;
    // Envoy: prefix is matched against :path (query included), exact and regex without the query.
    const value = typeof uri.prefix === 'string' ? req.path : pathWithoutQuery(req.path);
    if (!stringMatches(uri, value, ignoreUriCase && typeof uri.regex !== 'string')) return false;
  }
  if (m.scheme && !stringMatches(m.scheme as Obj, req.scheme)) return false;
  if (m.method && !stringMatches(m.method as Obj, req.method)) return false;
  if (m.authority && !stringMatches(m.authority as Obj, req.authority)) return false;
  if (typeof m.port === 'number' && m.port !== req.port) return false;
  for (const [name, sm] of Object.entries((m.headers as Obj | undefined) ?? {})) {
    if (!stringMatches(sm as Obj, req.headers[name.toLowerCase()])) return false;
  }
  for (const [name, sm] of Object.entries((m.withoutHeaders as Obj | undefined) ?? {})) {
    if (stringMatches(sm as Obj, req.headers[name.toLowerCase()])) return false;
  }
  if (m.queryParams) {
    const q = queryOf(req.path);
    for (const [name, sm] of Object.entries(m.queryParams as Obj)) if (!stringMatches(sm as Obj, q.get(name))) return false;
  }
  return true;
}

export interface RouteSelection {
  entry: HttpRouteEntry;
  /** Index of the match block that matched, or -1 for a route without matches. */
  matchIndex: number;
  matchName?: string;
}

/** First route whose match blocks accept the request. */
export function selectRoute(routes: HttpRouteEntry[], req: MeshRequest): RouteSelection | undefined {
  for (const entry of routes) {
    if (!entry.matches.length) return { entry, matchIndex: -1 };
    for (let i = 0; i < entry.matches.length; i++) {
      const m = entry.matches[i]!;
      if (matchBlock(m, req)) return { entry, matchIndex: i, matchName: typeof m.name === 'string' ? m.name : undefined };
    }
  }
  return undefined;
}

/** Weighted choice among destinations (weight 0 never chosen; no weights = the first). */
export function pickWeighted<T extends { weight?: unknown }>(list: T[], random = Math.random): T | undefined {
  if (list.length <= 1) return list[0];
  const weights = list.map((d) => (typeof d.weight === 'number' && d.weight > 0 ? d.weight : d.weight === undefined ? 0 : 0));
  const total = weights.reduce((a, b) => a + b, 0);
  if (total <= 0) return list[0];
  let r = random() * total;
  for (let i = 0; i < list.length; i++) if ((r -= weights[i]!) < 0) return list[i];
  return list[list.length - 1];
}

/** Istio durations: `1.5s`, `100ms`, `2m`, `1h`. Undefined if unparsable. */
export function parseDurationMs(value: unknown): number | undefined {
  if (typeof value !== 'string') return undefined;
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h|us|µs|ns)$/.exec(value.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const unit: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001, µs: 0.001, ns: 0.000001 };
  return n * unit[m[2]!]!;
}

/**
 * Whether a fault fires: `percentage.value` (0–100, fractional), else the deprecated integer
 * `percent`; with neither Istio configures 0% (translateFault), so nothing is injected.
 */
export function faultFires(f: Obj, random = Math.random): boolean {
  const p = f.percentage as Obj | undefined;
  const value = typeof p?.value === 'number' ? p.value : typeof f.percent === 'number' ? f.percent : 0;
  return random() * 100 < value;
}

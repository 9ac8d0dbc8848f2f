// The recent-requests ring over the API server: GET /meshlab/v1/requests (JSON) and
// /meshlab/v1/explain (text), filtered by path prefix, host, status or request id. What
// `meshlab explain` in the terminal and the Checks' reports read.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiExtensions } from '../apiserver/extensions.ts';
import type { DecisionLog, RouteDecision } from './decisions.ts';
import { formatExplanation, noRequestText, type ExplainLang } from './explain-text.ts';

export const REQUESTS_PATH = '/meshlab/v1/requests';
export const EXPLAIN_PATH = '/meshlab/v1/explain';

export interface RequestFilter {
  path?: string;
  host?: string;
  status?: number;
  requestId?: string;
}

export function filterOf(url: URL): RequestFilter | { error: string } {
  const q = url.searchParams;
  const status = q.get('status');
  if (status !== null && !/^\d{3}$/.test(status)) return { error: `status must be a three-digit HTTP status, not ${JSON.stringify(status)}` };
  for (const k of ['path', 'host', 'requestId']) if ((q.get(k) ?? '').length > 512) return { error: `${k} is longer than 512 characters` };
  return { path: q.get('path') ?? undefined, host: q.get('host') ?? undefined, status: status ? Number(status) : undefined, requestId: q.get('requestId') ?? undefined };
}

export function matches(d: RouteDecision, f: RequestFilter): boolean {
  if (f.path && !d.request.path.startsWith(f.path)) return false;
  if (f.host && d.request.authority.replace(/:\d+$/, '').toLowerCase() !== f.host.replace(/:\d+$/, '').toLowerCase()) return false;
  if (f.status !== undefined && d.response.status !== f.status) return false;
  if (f.requestId && d.requestId !== f.requestId) return false;
  return true;
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

export function serveRecentRequests(decisions: DecisionLog, req: IncomingMessage, res: ServerResponse, url: URL): void {
  req.resume();
  const f = filterOf(url);
  if ('error' in f) return send(res, 400, 'text/plain; charset=utf-8', `${f.error}\n`);
  const found = decisions.list().filter((d) => matches(d, f));
  if (url.pathname.startsWith(EXPLAIN_PATH)) {
    const lang: ExplainLang = (url.searchParams.get('lang') ?? '').toLowerCase().startsWith('zh') ? 'zh' : 'en';
    const last = found.at(-1);
    const described = [f.path && `--path ${f.path}`, f.host && `--host ${f.host}`, f.status && `--status ${f.status}`].filter(Boolean).join(' ');
    return send(res, 200, 'text/plain; charset=utf-8', last ? formatExplanation(last, lang) : noRequestText(lang, described || undefined));
  }
  const limit = Math.min(1000, Math.max(1, Number(url.searchParams.get('limit') ?? 100) || 100));
  send(res, 200, 'application/json', JSON.stringify({ items: found.slice(-limit) }));
}

/** Serves the ring of one cluster's mesh on its API server; returns the unregister. */
export function exposeRecentRequests(extensions: ApiExtensions, decisions: DecisionLog): () => void {
  const handler = (req: IncomingMessage, res: ServerResponse, url: URL) => serveRecentRequests(decisions, req, res, url);
  const a = extensions.register(REQUESTS_PATH, handler);
  const b = extensions.register(EXPLAIN_PATH, handler);
  return () => {
    a();
    b();
  };
}

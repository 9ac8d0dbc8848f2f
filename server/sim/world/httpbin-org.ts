// httpbin.org as the simulated internet serves it: kennethreitz/httpbin (Flask + gunicorn behind an
// AWS load balancer), in its response formats: header names Title-Cased by Werkzeug, values as
// strings, sorted keys, environment headers hidden, `X-Amzn-Trace-Id` added by the load balancer,
// `/delay` clamped to 10 s, an unknown status code answered 400 "Invalid status code".
import { randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';

export type AnyRequest = IncomingMessage | Http2ServerRequest;
export type AnyResponse = ServerResponse | Http2ServerResponse;

/** Headers httpbin hides unless `?show_env=1` (httpbin/helpers.py ENV_HEADERS). */
const ENV_HEADERS = new Set(
  [
    'X-Varnish', 'X-Request-Start', 'X-Heroku-Queue-Depth', 'X-Real-Ip', 'X-Forwarded-Proto', 'X-Forwarded-Protocol',
    'X-Forwarded-Ssl', 'X-Heroku-Queue-Wait-Time', 'X-Forwarded-For', 'X-Heroku-Dynos-In-Use', 'X-Forwarded-Port',
    'X-Request-Id', 'Via', 'Total-Route-Time', 'Connect-Time',
  ].map((h) => h.toLowerCase()),
);

const MAX_BODY = 1 << 20;
const MAX_DELAY_SECONDS = 10;

/** Werkzeug's header key form: each dash-separated part capitalised. */
export function titleCase(name: string): string {
  return name
    .split('-')
    .map((p) => (p ? p[0]!.toUpperCase() + p.slice(1).toLowerCase() : p))
    .join('-');
}

function traceId(): string {
  return `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
}

function requestHeaders(req: AnyRequest, showEnv: boolean, trace: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (k.startsWith(':') || v === undefined) continue;
    if (!showEnv && ENV_HEADERS.has(k)) continue;
    out[titleCase(k)] = Array.isArray(v) ? v.join(',') : v;
  }
  // HTTP/2 carries the host in :authority; httpbin (behind its load balancer) always shows Host.
  const authority = req.headers[':authority'];
  if (!out.Host && typeof authority === 'string') out.Host = authority;
  out['X-Amzn-Trace-Id'] = trace;
  return Object.fromEntries(Object.entries(out).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function origin(req: AnyRequest): string {
  const xff = req.headers['x-forwarded-for'];
  const first = (Array.isArray(xff) ? xff[0] : xff)?.split(',')[0]?.trim();
  return first || req.socket?.remoteAddress?.replace(/^::ffff:/, '') || '127.0.0.1';
}

function send(res: AnyResponse, status: number, body: string | Buffer, contentType: string, extra: Record<string, string> = {}): void {
  const buf = typeof body === 'string' ? Buffer.from(body) : body;
  res.statusCode = status;
  res.setHeader('Content-Type', contentType);
  res.setHeader('Content-Length', String(buf.length));
  res.setHeader('Server', 'gunicorn/19.9.0');
  res.setHeader('Access-Control-Allow-Origin', '*');
  res.setHeader('Access-Control-Allow-Credentials', 'true');
  for (const [k, v] of Object.entries(extra)) res.setHeader(k, v);
  res.end(buf);
}

function json(res: AnyResponse, value: unknown, status = 200): void {
  send(res, status, `${JSON.stringify(value, null, 2)}\n`, 'application/json');
}

function readBody(req: AnyRequest): Promise<Buffer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', () => resolve(Buffer.concat(chunks)));
  });
}

function args(url: URL): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const key of new Set(url.searchParams.keys())) {
    const all = url.searchParams.getAll(key);
    out[key] = all.length === 1 ? all[0]! : all;
  }
  return out;
}

/** Weighted choice over httpbin's `200,503:0.5` form; undefined when a code is malformed. */
export function chooseStatus(spec: string, random = Math.random): number | undefined {
  const choices: { code: number; weight: number }[] = [];
  for (const part of spec.split(',')) {
    const [c, w] = part.split(':');
    if (!c || !/^\d+$/.test(c)) return undefined;
    const weight = w === undefined ? 1 : Number(w);
    if (!Number.isFinite(weight)) return undefined;
    choices.push({ code: Number(c), weight });
  }
  if (choices.length === 1) return choices[0]!.code;
  const total = choices.reduce((s, c) => s + c.weight, 0);
  let r = random() * total;
  for (const c of choices) {
    if ((r -= c.weight) <= 0) return c.code;
  }
  return choices[choices.length - 1]!.code;
}

const HTML = `<!DOCTYPE html>
<html>
  <head>
  </head>
  <body>
      <h1>Herman Melville - Moby-Dick</h1>

      <div>
        <p>
          Availing himself of the mild, summer-cool weather that now reigned in these latitudes, and in preparation for the peculiarly active pursuits shortly to be anticipated, Perth, the begrimed, blistered old blacksmith, had not removed his portable forge to the hold again, after concluding his contributory work for Ahab's leg, but still retained it on deck, fast lashed to ringbolts by the foremast; being now almost incessantly invoked by the headsmen, and harpooneers, and bowsmen to do some little job for them; altering, or repairing, or new shaping their various weapons and boat furniture.
        </p>
      </div>
  </body>
</html>`;

/** Handle one request the way httpbin.org answers it. `scheme` is how the client reached us. */
export async function httpbinOrg(req: AnyRequest, res: AnyResponse, scheme: 'http' | 'https'): Promise<void> {
  const host = (req.headers.host ?? req.headers[':authority'] ?? 'httpbin.org') as string;
  let url: URL;
  try {
    url = new URL(req.url ?? '/', `${scheme}://${host}`);
  } catch {
    send(res, 400, 'Bad Request', 'text/html');
    return;
  }
  const trace = traceId();
  const headers = requestHeaders(req, url.searchParams.has('show_env'), trace);
  const path = url.pathname;
  const method = req.method ?? 'GET';
  const fullUrl = url.toString();
  const base = () => ({ args: args(url), headers, origin: origin(req), url: fullUrl });
  const withBody = async () => {
    const body = await readBody(req);
    const text = body.toString('utf8');
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = null;
    }
    return { args: args(url), data: text, files: {}, form: {}, headers, json: parsed, origin: origin(req), url: fullUrl };
  };

  let m: RegExpExecArray | null;
  if (path === '/' ) return send(res, 200, '<!DOCTYPE html>\n<html lang="en"><head><title>httpbin.org</title></head><body><h2>httpbin.org</h2><p>A simple HTTP Request &amp; Response Service.</p></body></html>\n', 'text/html; charset=utf-8');
  if (path === '/headers') return json(res, { headers });
  if (path === '/ip') return json(res, { origin: origin(req) });
  if (path === '/user-agent') return json(res, { 'user-agent': req.headers['user-agent'] ?? null });
  if (path === '/uuid') return json(res, { uuid: randomUUID() });
  if (path === '/get') return method === 'GET' || method === 'HEAD' ? json(res, base()) : methodNotAllowed(res);
  if (['/post', '/put', '/patch', '/delete'].includes(path)) {
    if (method !== path.slice(1).toUpperCase()) return methodNotAllowed(res);
    return json(res, await withBody());
  }
  if (path === '/anything' || path.startsWith('/anything/')) return json(res, { ...(await withBody()), method });
  if (path === '/html') return send(res, 200, HTML, 'text/html; charset=utf-8');
  if (path === '/json')
    return json(res, { slideshow: { author: 'Yours Truly', date: 'date of publication', slides: [{ title: 'Wake up to WonderWidgets!', type: 'all' }, { items: ['Why <em>WonderWidgets</em> are great', 'Who <em>buys</em> WonderWidgets'], title: 'Overview', type: 'all' }], title: 'Sample Slide Show' } });
  if (path === '/response-headers') {
    const extra: Record<string, string> = {};
    for (const [k, v] of url.searchParams) if (/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(k) && !/[\r\n]/.test(v)) extra[k] = v;
    return send(res, 200, `${JSON.stringify({ 'Content-Type': 'application/json', ...extra }, null, 2)}\n`, 'application/json', extra);
  }
  if ((m = /^\/status\/([^/]+)$/.exec(path))) {
    const code = chooseStatus(decodeURIComponent(m[1]!));
    if (code === undefined || code < 100 || code > 599) return send(res, 400, 'Invalid status code', 'text/html; charset=utf-8');
    if (code === 418)
      return send(res, 418, '\n    -=[ teapot ]=-\n\n       _...._\n     .\'  _ _ `.\n    | ."` ^ `". _,\n    \\_;`"---"`|//\n      |       ;/\n      \\_     _/\n        `"""`\n', 'text/html; charset=utf-8', { 'x-more-info': 'http://tools.ietf.org/html/rfc2324' });
    if (code >= 300 && code < 400 && code !== 304) return send(res, code, '', 'text/html; charset=utf-8', { Location: '/redirect/1' });
    return send(res, code, '', 'text/html; charset=utf-8');
  }
  if ((m = /^\/delay\/([^/]+)$/.exec(path))) {
    const n = Number(m[1]);
    if (!Number.isFinite(n)) return notFound(res);
    const seconds = Math.max(0, Math.min(n, MAX_DELAY_SECONDS));
    const body = await withBody();
    await sleep(seconds * 1000, res);
    if (res.destroyed || res.writableEnded) return;
    const { json: _json, ...rest } = body;
    return json(res, rest);
  }
  if ((m = /^\/bytes\/(\d+)$/.exec(path))) return send(res, 200, randomBytes(Math.min(Number(m[1]), 100 * 1024)), 'application/octet-stream');
  if ((m = /^\/redirect\/(\d+)$/.exec(path))) {
    const n = Number(m[1]);
    return send(res, 302, '', 'text/html; charset=utf-8', { Location: n > 1 ? `/relative-redirect/${n - 1}` : '/get' });
  }
  return notFound(res);
}

function sleep(ms: number, res: AnyResponse): Promise<void> {
  // The response closes early only when the client goes away.
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    res.once('close', () => {
      clearTimeout(t);
      resolve();
    });
  });
}

function notFound(res: AnyResponse): void {
  send(res, 404, '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2 Final//EN">\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>The requested URL was not found on the server.  If you entered the URL manually please check your spelling and try again.</p>\n', 'text/html');
}

function methodNotAllowed(res: AnyResponse): void {
  send(res, 405, '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2 Final//EN">\n<title>405 Method Not Allowed</title>\n<h1>Method Not Allowed</h1>\n<p>The method is not allowed for the requested URL.</p>\n', 'text/html');
}

// The httpbin endpoints the tutorials use, in the two flavours learners meet: the Python httpbin
// (kennethreitz/httpbin, httpbin.org: Title-Case string header values, 2-space JSON) and
// go-httpbin (mccutchen/go-httpbin, Istio's samples/httpbin since 1.24: header values are arrays,
// `method` in every echo, JSON errors {status_code, error, detail}).
import { randomBytes, randomUUID } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import { readBoundedBody } from '../../util/read-body.ts';
import { peerOf } from '../mesh/peer-identity.ts';

export type HttpbinFlavour = 'python' | 'go';

export const MAX_BODY_BYTES = 1024 * 1024;
const MAX_DELAY_SECONDS = 10;

export interface HttpbinRequest {
  method: string;
  /** Path and query as received. */
  url: string;
  /** Raw header pairs in arrival order (name as sent). */
  rawHeaders: string[];
  remoteAddress: string;
  body: Buffer;
}

export interface HttpbinResponse {
  status: number;
  headers: [string, string][];
  body: Buffer;
  /** Delay before answering (the /delay endpoint). */
  delayMs?: number;
}

/** Werkzeug's and Go's canonical header form: `x-b3-traceid` → `X-B3-Traceid`. */
export function canonicalHeaderName(name: string): string {
  return name
    .toLowerCase()
    .split('-')
    .map((p) => (p ? p[0]!.toUpperCase() + p.slice(1) : p))
    .join('-');
}

/** Python httpbin hides proxy headers unless `?show_env=1` (httpbin/helpers.py ENV_HEADERS). */
const PYTHON_ENV_HEADERS = new Set(
  [
    'X-Varnish', 'X-Request-Start', 'X-Heroku-Queue-Depth', 'X-Real-Ip', 'X-Forwarded-Proto', 'X-Forwarded-Protocol',
    'X-Forwarded-Ssl', 'X-Heroku-Queue-Wait-Time', 'X-Forwarded-For', 'X-Heroku-Dynos-In-Use', 'X-Forwarded-Port',
    'X-Request-Id', 'Via', 'Total-Route-Time', 'Connect-Time',
  ].map((h) => h.toLowerCase()),
);

function headerPairs(req: HttpbinRequest): [string, string][] {
  const out: [string, string][] = [];
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i]!;
    const lower = name.toLowerCase();
    // Connection/Keep-Alive come from the loopback client's pool (Envoy's upstream HTTP/1.1
    // requests carry neither).
    if (lower === 'connection' || lower === 'keep-alive') continue;
    out.push([name, req.rawHeaders[i + 1]!]);
  }
  return out;
}

function header(req: HttpbinRequest, name: string): string | undefined {
  return headerPairs(req).find(([k]) => k.toLowerCase() === name)?.[1];
}

/** JSON with sorted object keys (Go's encoding of maps, Flask's JSON_SORT_KEYS), 2-space indent. */
function sortedJson(value: unknown): string {
  const sort = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sort);
    if (v && typeof v === 'object') {
      const o: Record<string, unknown> = {};
      for (const k of Object.keys(v as object).sort()) o[k] = sort((v as Record<string, unknown>)[k]);
      return o;
    }
    return v;
  };
  return JSON.stringify(sort(value), null, 2) + '\n';
}

function parseQuery(url: string): Map<string, string[]> {
  const q = new Map<string, string[]>();
  const i = url.indexOf('?');
  if (i < 0) return q;
  for (const [k, v] of new URLSearchParams(url.slice(i + 1))) q.set(k, [...(q.get(k) ?? []), v]);
  return q;
}

function pathOf(url: string): string {
  const i = url.indexOf('?');
  return i < 0 ? url : url.slice(0, i);
}

const CORS: [string, string][] = [
  ['Access-Control-Allow-Origin', '*'],
  ['Access-Control-Allow-Credentials', 'true'],
];

/** Python httpbin's teapot (httpbin/core.py ASCII_ART). */
const TEAPOT = `
    -=[ teapot ]=-

       _...._
     .'  _ _ \`.
    | ."\` ^ \`". _,
    \\_;\`"---"\`|//
      |       ;/
      \\_     _/
        \`"""\`
`;

const HTML_PAGE = `<!DOCTYPE html>
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

const SLIDESHOW = {
  slideshow: {
    author: 'Yours Truly',
    date: 'date of publication',
    slides: [
      { title: 'Wake up to WonderWidgets!', type: 'all' },
      { items: ['Why <em>WonderWidgets</em> are great', 'Who <em>buys</em> WonderWidgets'], title: 'Overview', type: 'all' },
    ],
    title: 'Sample Slide Show',
  },
};

/** The flavour-specific parts; the endpoint logic below is shared. */
interface Flavour {
  jsonType: string;
  headers(req: HttpbinRequest, query: Map<string, string[]>): Record<string, unknown>;
  args(query: Map<string, string[]>): Record<string, unknown>;
  origin(req: HttpbinRequest): string;
  url(req: HttpbinRequest): string;
  echo(req: HttpbinRequest, query: Map<string, string[]>, withBody: boolean): Record<string, unknown>;
  error(status: number, detail: string): HttpbinResponse;
  statusBody(code: number): { headers: [string, string][]; body: string } | undefined;
  delayLimit(seconds: number): { ok: true; seconds: number } | { ok: false; response: HttpbinResponse };
  serverHeader?: string;
}

function requestUrl(req: HttpbinRequest): string {
  const proto = header(req, 'x-forwarded-proto') === 'https' ? 'https' : 'http';
  const host = header(req, 'host') ?? 'localhost';
  return `${proto}://${host}${req.url}`;
}

function bodyFields(req: HttpbinRequest): { data: string; form: Record<string, string[]>; json: unknown } {
  const type = (header(req, 'content-type') ?? '').toLowerCase();
  const text = req.body.toString('utf8');
  const form: Record<string, string[]> = {};
  let json: unknown = null;
  let data = text;
  if (type.startsWith('application/x-www-form-urlencoded')) {
    for (const [k, v] of new URLSearchParams(text)) form[k] = [...(form[k] ?? []), v];
    data = '';
  } else {
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = null;
    }
  }
  return { data, form, json };
}

const goFlavour: Flavour = {
  jsonType: 'application/json; charset=utf-8',
  headers(req) {
    const h: Record<string, string[]> = {};
    for (const [k, v] of headerPairs(req)) {
      const name = canonicalHeaderName(k);
      h[name] = [...(h[name] ?? []), v];
    }
    return h;
  },
  args(query) {
    return Object.fromEntries(query);
  },
  origin(req) {
    const xff = header(req, 'x-forwarded-for');
    if (xff) return xff.split(',')[0]!.trim();
    return req.remoteAddress;
  },
  url: requestUrl,
  echo(req, query, withBody) {
    const base = { args: this.args(query), headers: this.headers(req, query), method: req.method, origin: this.origin(req), url: this.url(req) };
    if (!withBody) return base;
    const b = bodyFields(req);
    return { ...base, data: b.data, files: {}, form: b.form, json: b.json };
  },
  error(status, detail) {
    const body: Record<string, unknown> = { status_code: status, error: STATUS_CODES[status] ?? '' };
    if (detail) body.detail = detail;
    return { status, headers: [['Content-Type', 'application/json; charset=utf-8']], body: Buffer.from(JSON.stringify(body, null, 2) + '\n') };
  },
  statusBody(code) {
    const special: Record<number, { headers: [string, string][]; body: string }> = {
      301: { headers: [['Location', '/redirect/1']], body: '' },
      302: { headers: [['Location', '/redirect/1']], body: '' },
      303: { headers: [['Location', '/redirect/1']], body: '' },
      307: { headers: [['Location', '/redirect/1']], body: '' },
      401: { headers: [['Www-Authenticate', 'Basic realm="Fake Realm"']], body: '' },
      402: { headers: [['X-More-Info', 'http://vimeo.com/22053820']], body: 'Fuck you, pay me!' },
      418: { headers: [['X-More-Info', 'http://tools.ietf.org/html/rfc2324']], body: "I'm a teapot!" },
    };
    return special[code];
  },
  delayLimit(seconds) {
    if (seconds > MAX_DELAY_SECONDS) return { ok: false, response: this.error(400, `invalid duration: duration ${seconds}s longer than allowed maximum of 10s`) };
    return { ok: true, seconds };
  },
};

const pythonFlavour: Flavour = {
  jsonType: 'application/json',
  serverHeader: 'gunicorn/19.9.0',
  headers(req, query) {
    const showEnv = query.has('show_env');
    const h: Record<string, string> = {};
    for (const [k, v] of headerPairs(req)) {
      const name = canonicalHeaderName(k);
      if (!showEnv && PYTHON_ENV_HEADERS.has(name.toLowerCase())) continue;
      h[name] = h[name] !== undefined ? `${h[name]},${v}` : v;
    }
    return h;
  },
  args(query) {
    return Object.fromEntries([...query].map(([k, v]) => [k, v.length === 1 ? v[0] : v]));
  },
  origin(req) {
    return header(req, 'x-forwarded-for') ?? req.remoteAddress;
  },
  url: requestUrl,
  echo(req, query, withBody) {
    const base = { args: this.args(query), headers: this.headers(req, query), origin: this.origin(req), url: this.url(req) };
    if (!withBody) return base;
    const b = bodyFields(req);
    const form = Object.fromEntries(Object.entries(b.form).map(([k, v]) => [k, v.length === 1 ? v[0] : v]));
    return { ...base, data: b.data, files: {}, form, json: b.json };
  },
  error(status, detail) {
    return { status, headers: [['Content-Type', 'text/html; charset=utf-8']], body: Buffer.from(detail) };
  },
  statusBody(code) {
    const special: Record<number, { headers: [string, string][]; body: string }> = {
      301: { headers: [['Location', '/redirect/1']], body: '' },
      302: { headers: [['Location', '/redirect/1']], body: '' },
      303: { headers: [['Location', '/redirect/1']], body: '' },
      305: { headers: [['Location', '/redirect/1']], body: '' },
      307: { headers: [['Location', '/redirect/1']], body: '' },
      401: { headers: [['WWW-Authenticate', 'Basic realm="Fake Realm"']], body: '' },
      402: { headers: [['x-more-info', 'http://vimeo.com/22053820']], body: 'Fuck you, pay me!' },
      406: { headers: [['Content-Type', 'application/json']], body: '{"message": "Client did not request a supported media type.", "accept": ["image/webp", "image/svg+xml", "image/jpeg", "image/png", "image/*"]}' },
      407: { headers: [['Proxy-Authenticate', 'Basic realm="Fake Realm"']], body: '' },
      418: { headers: [['x-more-info', 'http://tools.ietf.org/html/rfc2324']], body: TEAPOT },
    };
    return special[code];
  },
  delayLimit(seconds) {
    return { ok: true, seconds: Math.min(seconds, MAX_DELAY_SECONDS) };
  },
};

/** `200`, or a weighted list `200,503:0.5` (both implementations accept it). */
function chooseStatus(raw: string): number | undefined {
  const choices: { code: number; weight: number }[] = [];
  for (const part of raw.split(',')) {
    const [c, w] = part.split(':');
    if (!c || !/^\d+$/.test(c)) return undefined;
    const weight = w === undefined ? 1 : Number(w);
    if (!Number.isFinite(weight) || weight < 0) return undefined;
    choices.push({ code: Number(c), weight });
  }
  if (!choices.length) return undefined;
  const total = choices.reduce((s, c) => s + c.weight, 0);
  let r = Math.random() * total;
  for (const c of choices) {
    if ((r -= c.weight) < 0) return c.code;
  }
  return choices[choices.length - 1]!.code;
}

/** Answers one request the way the chosen httpbin does. Pure apart from randomness. */
export function httpbinRespond(flavourName: HttpbinFlavour, req: HttpbinRequest): HttpbinResponse {
  const f = flavourName === 'go' ? goFlavour : pythonFlavour;
  const query = parseQuery(req.url);
  const path = pathOf(req.url);
  const method = req.method.toUpperCase();
  const json = (value: unknown, status = 200): HttpbinResponse => ({
    status,
    headers: [['Content-Type', f.jsonType]],
    body: Buffer.from(flavourName === 'go' ? sortedJson(value) : sortedJson(value)),
  });
  const notFound = (): HttpbinResponse =>
    flavourName === 'go'
      ? f.error(404, '')
      : { status: 404, headers: [['Content-Type', 'text/html']], body: Buffer.from('<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2 Final//EN">\n<title>404 Not Found</title>\n<h1>Not Found</h1>\n<p>The requested URL was not found on the server.  If you entered the URL manually please check your spelling and try again.</p>\n') };
  const methodNotAllowed = (): HttpbinResponse => (flavourName === 'go' ? f.error(405, '') : { status: 405, headers: [['Content-Type', 'text/html']], body: Buffer.from('<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 3.2 Final//EN">\n<title>405 Method Not Allowed</title>\n<h1>Method Not Allowed</h1>\n<p>The method is not allowed for the requested URL.</p>\n') });
  const seg = path.split('/').filter(Boolean);
  const bodyMethods: Record<string, string> = { '/post': 'POST', '/put': 'PUT', '/patch': 'PATCH', '/delete': 'DELETE' };

  let res: HttpbinResponse;
  if (path === '/get') res = method === 'GET' || method === 'HEAD' ? json(f.echo(req, query, false)) : methodNotAllowed();
  else if (bodyMethods[path]) res = method === bodyMethods[path] ? json(f.echo(req, query, true)) : methodNotAllowed();
  else if (path === '/anything' || path.startsWith('/anything/')) {
    const echo = f.echo(req, query, true);
    res = json(flavourName === 'python' ? { ...echo, method } : echo);
  } else if (path === '/headers') res = json({ headers: f.headers(req, query) });
  else if (path === '/ip') res = json({ origin: f.origin(req) });
  else if (path === '/user-agent') res = json({ 'user-agent': header(req, 'user-agent') ?? (flavourName === 'go' ? '' : null) });
  else if (path === '/uuid') res = json({ uuid: randomUUID() });
  else if (path === '/json') res = json(SLIDESHOW);
  else if (path === '/html') res = { status: 200, headers: [['Content-Type', 'text/html; charset=utf-8']], body: Buffer.from(HTML_PAGE) };
  else if (seg[0] === 'status' && seg.length === 2) {
    const code = chooseStatus(decodeURIComponent(seg[1]!));
    if (code === undefined || code < 100 || code > 599) {
      res = flavourName === 'go' ? f.error(400, `invalid status code: ${seg[1]}`) : { status: 400, headers: [['Content-Type', 'text/html; charset=utf-8']], body: Buffer.from('Invalid status code') };
    } else {
      const special = f.statusBody(code);
      res = {
        status: code,
        headers: special?.headers.some(([k]) => k.toLowerCase() === 'content-type') ? special.headers : [['Content-Type', flavourName === 'go' ? 'text/plain; charset=utf-8' : 'text/html; charset=utf-8'], ...(special?.headers ?? [])],
        body: Buffer.from(special?.body ?? ''),
      };
    }
  } else if (seg[0] === 'delay' && seg.length === 2) {
    const raw = seg[1]!;
    const seconds = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : /^\d+(\.\d+)?(ms|s)$/.test(raw) && flavourName === 'go' ? parseFloat(raw) / (raw.endsWith('ms') ? 1000 : 1) : NaN;
    if (!Number.isFinite(seconds)) {
      res = flavourName === 'go' ? f.error(400, `invalid duration: "${raw}"`) : notFound();
    } else {
      const limit = f.delayLimit(seconds);
      if (!limit.ok) res = limit.response;
      else res = { ...json(flavourName === 'go' ? f.echo(req, query, false) : f.echo(req, query, true)), delayMs: Math.round(limit.seconds * 1000) };
    }
  } else if (seg[0] === 'bytes' && seg.length === 2 && /^\d+$/.test(seg[1]!)) {
    const n = Math.min(Number(seg[1]), 100 * 1024);
    res = { status: 200, headers: [['Content-Type', 'application/octet-stream']], body: randomBytes(n) };
  } else if (path === '/response-headers') {
    const out: [string, string][] = [];
    const echo: Record<string, string | string[]> = {};
    if (!query.has('Content-Type')) query.set('Content-Type', [f.jsonType]);
    for (const [k, vs] of query) {
      for (const v of vs) if (/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(k) && !/[\r\n]/.test(v)) out.push([k, v]);
      echo[k] = flavourName === 'go' || vs.length > 1 ? vs : vs[0]!;
    }
    res = { status: 200, headers: out, body: Buffer.from(sortedJson(echo)) };
  } else if ((seg[0] === 'redirect' || seg[0] === 'relative-redirect') && seg.length === 2) {
    const n = /^\d+$/.test(seg[1]!) ? Number(seg[1]) : NaN;
    if (!(n >= 1)) res = flavourName === 'go' ? f.error(400, 'redirect count must be > 0') : notFound();
    else res = { status: 302, headers: [['Location', n === 1 ? '/get' : `/relative-redirect/${n - 1}`], ['Content-Type', flavourName === 'go' ? 'text/plain; charset=utf-8' : 'text/html; charset=utf-8']], body: Buffer.from('') };
  } else if (path === '/') {
    res = { status: 200, headers: [['Content-Type', 'text/html; charset=utf-8']], body: Buffer.from('<!DOCTYPE html>\n<html><head><title>httpbin</title></head><body><h1>httpbin</h1><p>A simple HTTP Request &amp; Response Service.</p></body></html>\n') };
  } else res = notFound();

  res.headers.push(...CORS);
  if (f.serverHeader) res.headers.unshift(['Server', f.serverHeader]);
  if (method === 'HEAD') res.body = Buffer.alloc(0);
  return res;
}

/** Reads a request's body (bounded) and answers it; `onDone` gets status and size for logging. */
export function serveHttpbin(flavour: HttpbinFlavour, req: IncomingMessage, res: ServerResponse, onDone: (status: number, bytes: number, durationMs: number) => void): void {
  const started = performance.now();
  void readBoundedBody(req, MAX_BODY_BYTES).then((body) => {
    if (body === 'error') {
      res.destroy();
      return;
    }
    const remote = peerOf(req.socket) ?? (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
    const answer: HttpbinResponse =
      body === 'too_large'
        ? { status: 413, headers: [['Content-Type', 'text/plain']], body: Buffer.from('request body too large') }
        : httpbinRespond(flavour, { method: req.method ?? 'GET', url: req.url ?? '/', rawHeaders: req.rawHeaders, remoteAddress: remote, body });
    const send = () => {
      if (res.destroyed) return;
      // Header order as each server writes it: gunicorn sends Server, Date, then the app's
      // headers; Go writes the handler's headers sorted by name, then Date and Content-Length.
      const date = new Date().toUTCString();
      res.sendDate = false;
      if (flavour === 'go') {
        for (const [k, v] of [...answer.headers].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) res.appendHeader(k, v);
        res.setHeader('Date', date);
      } else {
        answer.headers.forEach(([k, v], i) => {
          res.appendHeader(k, v);
          if (i === 0 && k === 'Server') res.setHeader('Date', date);
        });
        if (!res.hasHeader('Date')) res.setHeader('Date', date);
      }
      res.setHeader('Content-Length', String(answer.body.length));
      res.writeHead(answer.status);
      res.end(answer.body);
      onDone(answer.status, answer.body.length, performance.now() - started);
    };
    if (answer.delayMs) {
      const t = setTimeout(send, answer.delayMs);
      res.on('close', () => clearTimeout(t));
    } else send();
  });
}

// What the two httpbin images write to their container log, decided by the container's command
// line as the real process would read it.
//
// kennethreitz/httpbin runs gunicorn 19.9.0 (image CMD `gunicorn -b 0.0.0.0:80 httpbin:app -k
// gevent`). gunicorn's error log (stderr) carries its start-up lines; its access log is off unless
// `--access-logfile` names a file, and only `-` (or /dev/stdout, /dev/stderr) reaches `kubectl
// logs`. istio.io's mirroring task runs `gunicorn --access-logfile - -b 0.0.0.0:80 httpbin:app`
// for that reason. Access lines use gunicorn's default format
// `%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s"`.
//
// mccutchen/go-httpbin logs through Go's log/slog (text handler unless `-log-format json` or
// LOG_FORMAT=json): one start-up line and one line per request (httpbin.StdLogObserver), INFO
// below 400, WARN for 4xx, ERROR for 5xx.

type Obj = Record<string, unknown>;

export interface RequestLogInfo {
  /** The connection's peer as the server sees it (127.0.0.6 behind an Istio sidecar). */
  remoteAddress: string;
  method: string;
  url: string;
  httpVersion: string;
  status: number;
  bytes: number;
  durationMs: number;
  headers: Record<string, string | string[] | undefined>;
}

export interface ServerLog {
  /** The port the server listens on. */
  port: number;
  /** Lines written when the server starts. */
  startup(now: Date): string[];
  /** The line for one answered request, or undefined when the process logs none. */
  request(info: RequestLogInfo, now: Date): string | undefined;
}

/** The argv a container runs: `command` replaces the image's entrypoint, `args` its CMD. */
export function containerArgv(container: Obj, imageCmd: string[]): string[] {
  const command = Array.isArray(container.command) ? container.command.map(String) : undefined;
  const args = Array.isArray(container.args) ? container.args.map(String) : undefined;
  if (command && command.length) return [...command, ...(args ?? [])];
  if (args && args.length) return args;
  return imageCmd;
}

function envValue(container: Obj, name: string): string | undefined {
  const env = Array.isArray(container.env) ? (container.env as Obj[]) : [];
  const v = env.find((e) => e.name === name)?.value;
  return typeof v === 'string' ? v : undefined;
}

// ---------------------------------------------------------------------------------------------
// gunicorn

export const GUNICORN_VERSION = '19.9.0';
const KENNETHREITZ_CMD = ['gunicorn', '-b', '0.0.0.0:80', 'httpbin:app', '-k', 'gevent'];

export interface GunicornSettings {
  bind: string;
  port: number;
  workerClass: string;
  workers: number;
  /** `--access-logfile`: undefined when off. */
  accessLog?: string;
}

/** Splits GUNICORN_CMD_ARGS as a POSIX shell would (quotes, no expansion). */
function shellWords(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote: string | undefined;
  let inWord = false;
  for (const ch of s) {
    if (quote) {
      if (ch === quote) quote = undefined;
      else cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (inWord) out.push(cur);
  return out;
}

/** The settings gunicorn takes from its command line (after GUNICORN_CMD_ARGS, which it reads first). */
export function gunicornSettings(argv: string[], env: { GUNICORN_CMD_ARGS?: string; PORT?: string } = {}): GunicornSettings {
  const s: GunicornSettings = { bind: env.PORT ? `0.0.0.0:${env.PORT}` : '127.0.0.1:8000', port: 0, workerClass: 'sync', workers: 1 };
  const apply = (words: string[]) => {
    for (let i = 0; i < words.length; i++) {
      const w = words[i]!;
      const eq = w.indexOf('=');
      const long = w.startsWith('--') && eq > 0;
      const name = long ? w.slice(0, eq) : w;
      const take = (): string | undefined => (long ? w.slice(eq + 1) : words[++i]);
      // Short options may carry their value attached: -b0.0.0.0:80, -k gevent, -w4.
      const short = /^-([bkw])(.+)$/.exec(w);
      if (short) {
        const [, o, v] = short;
        if (o === 'b') s.bind = v!;
        else if (o === 'k') s.workerClass = v!;
        else s.workers = Number(v) || s.workers;
        continue;
      }
      if (name === '-b' || name === '--bind') s.bind = take() ?? s.bind;
      else if (name === '-k' || name === '--worker-class') s.workerClass = take() ?? s.workerClass;
      else if (name === '-w' || name === '--workers') s.workers = Number(take()) || s.workers;
      else if (name === '--access-logfile') s.accessLog = take();
    }
  };
  if (env.GUNICORN_CMD_ARGS) apply(shellWords(env.GUNICORN_CMD_ARGS));
  apply(argv.slice(1));
  const m = /:(\d+)$/.exec(s.bind);
  s.port = m ? Number(m[1]) : 8000;
  return s;
}

/** Whether the argv starts gunicorn (directly or through python -m / a path). */
function isGunicorn(argv: string[]): boolean {
  const base = (argv[0] ?? '').split('/').pop() ?? '';
  if (base === 'gunicorn') return true;
  return /^python[\d.]*$/.test(base) && argv[1] === '-m' && argv[2] === 'gunicorn';
}

/** `[07/Mar/2018:19:02:43 +0000]` (gunicorn's `%(t)s`, the container runs in UTC). */
export function gunicornAccessTime(d: Date): string {
  const mon = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][d.getUTCMonth()];
  const p = (n: number) => String(n).padStart(2, '0');
  return `[${p(d.getUTCDate())}/${mon}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000]`;
}

/** `[2018-03-07 19:02:43 +0000]` (gunicorn's error-log time). */
function gunicornErrorTime(d: Date): string {
  return `[${d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, '')} +0000]`;
}

function header(h: RequestLogInfo['headers'], name: string): string | undefined {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
}

function gunicornLog(container: Obj): ServerLog {
  const argv = containerArgv(container, KENNETHREITZ_CMD);
  const gunicorn = isGunicorn(argv);
  const env = { GUNICORN_CMD_ARGS: envValue(container, 'GUNICORN_CMD_ARGS'), PORT: envValue(container, 'PORT') };
  // A command that is not gunicorn (a wrapper script, say) is treated as the image's own.
  const s = gunicornSettings(gunicorn ? (argv[0]!.endsWith('gunicorn') ? argv : argv.slice(2)) : KENNETHREITZ_CMD, env);
  const logsAccess = s.accessLog === '-' || s.accessLog === '/dev/stdout' || s.accessLog === '/dev/stderr';
  return {
    port: s.port,
    startup(now) {
      const t = gunicornErrorTime(now);
      const lines = [
        `${t} [1] [INFO] Starting gunicorn ${GUNICORN_VERSION}`,
        `${t} [1] [INFO] Listening at: http://${s.bind} (1)`,
        `${t} [1] [INFO] Using worker: ${s.workerClass}`,
      ];
      for (let i = 0; i < Math.min(s.workers, 64); i++) lines.push(`${t} [${8 + i}] [INFO] Booting worker with pid: ${8 + i}`);
      return lines;
    },
    request(r, now) {
      if (!logsAccess) return undefined;
      return `${r.remoteAddress} - - ${gunicornAccessTime(now)} "${r.method} ${r.url} HTTP/${r.httpVersion}" ${r.status} ${r.bytes} "${header(r.headers, 'referer') ?? '-'}" "${header(r.headers, 'user-agent') ?? '-'}"`;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// go-httpbin (log/slog)

/** Go's strconv.FormatFloat(f, 'g', -1, 64), which slog uses for float attributes. */
export function goFloat(f: number): string {
  if (!Number.isFinite(f)) return f > 0 ? '+Inf' : f < 0 ? '-Inf' : 'NaN';
  if (f === 0) return '0';
  const [mant, expStr] = f.toExponential().split('e');
  const exp = Number(expStr);
  if (exp < -4 || exp >= 21) {
    const e = Math.abs(exp);
    return `${mant}e${exp < 0 ? '-' : '+'}${e < 10 ? '0' : ''}${e}`;
  }
  return String(f);
}

/** slog's text handler quotes a value that is empty or holds a space, `=`, `"` or a non-printing rune. */
function slogValue(v: string): string {
  return v === '' || /[\s="\p{C}]/u.test(v) ? JSON.stringify(v) : v;
}

/** slog's built-in handlers write times as RFC 3339 with milliseconds. */
function slogTime(d: Date): string {
  return d.toISOString();
}

function goHttpbinLog(container: Obj, port: number): ServerLog {
  const argv = containerArgv(container, ['/bin/go-httpbin']);
  const flagAt = argv.findIndex((a) => a === '-log-format' || a === '--log-format');
  const flagEq = argv.find((a) => /^--?log-format=/.test(a))?.split('=')[1];
  const format = flagEq ?? (flagAt >= 0 ? argv[flagAt + 1] : undefined) ?? envValue(container, 'LOG_FORMAT') ?? 'text';
  const json = format === 'json';
  const line = (now: Date, level: string, msg: string, attrs: [string, string | number][]) =>
    json
      ? JSON.stringify({ time: slogTime(now), level, msg, ...Object.fromEntries(attrs) })
      : [`time=${slogTime(now)}`, `level=${level}`, `msg=${slogValue(msg)}`, ...attrs.map(([k, v]) => `${k}=${typeof v === 'number' ? goFloat(v) : slogValue(v)}`)].join(' ');
  return {
    port,
    startup: (now) => [line(now, 'INFO', `go-httpbin listening on http://0.0.0.0:${port}`, [])],
    request(r, now) {
      const level = r.status >= 500 ? 'ERROR' : r.status >= 400 ? 'WARN' : 'INFO';
      // getClientIP: the first X-Forwarded-For entry, else the connection's peer.
      const xff = header(r.headers, 'x-forwarded-for');
      const clientIp = xff ? xff.split(',')[0]!.trim() : r.remoteAddress;
      return line(now, level, `${r.status} ${r.method} ${r.url} ${r.durationMs.toFixed(1)}ms`, [
        ['status', r.status],
        ['method', r.method],
        ['uri', r.url],
        ['size_bytes', r.bytes],
        ['duration_ms', r.durationMs],
        ['user_agent', header(r.headers, 'user-agent') ?? ''],
        ['client_ip', clientIp],
      ]);
    },
  };
}

/** The log behaviour of an httpbin container. */
export function httpbinServerLog(container: Obj, flavour: 'python' | 'go', port: number): ServerLog {
  return flavour === 'python' ? gunicornLog(container) : goHttpbinLog(container, port);
}

/** The port the Python httpbin's gunicorn binds, from the container's command line. */
export function gunicornPort(container: Obj): number {
  return gunicornLog(container).port;
}

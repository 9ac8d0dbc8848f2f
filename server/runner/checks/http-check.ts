// The `http` check: one request with real curl, from the learner's environment or from inside a
// pod (`kubectl exec ... -- curl`), compared with the expected status, headers, body and latency.
import { request as httpRequest } from 'node:http';
import { JSONPath } from 'jsonpath-plus';
import type { HttpCheckSpec } from '../lab-schema.ts';
import { currentEnv, expandVariables, runProcess } from '../shell.ts';
import { asList, detail, show, type AttemptResult, type CheckContext } from './check-context.ts';
import { requestIdFor, withReason } from './request-trace.ts';

const MARKER = '__MESHLAB_CURL__';

export interface HttpResponse {
  status: number;
  headers: Map<string, string[]>;
  body: string;
  latencyMs: number;
}

/** curl's arguments for a check (the URL already expanded). */
export function curlArgs(check: HttpCheckSpec, url: string, maxSeconds: number): string[] {
  const args = ['-sS', '--max-time', String(maxSeconds), '-w', `\n${MARKER} %{http_code} %{time_total}\n`];
  const method = check.method ?? 'GET';
  // -I already writes the headers to stdout; -D - would write them twice.
  if (method === 'HEAD') args.push('-I');
  else args.push('-D', '-');
  if (method !== 'GET' && method !== 'HEAD') args.push('-X', method);
  for (const [k, v] of Object.entries(check.headers ?? {})) args.push('-H', `${k}: ${v}`);
  if (check.body !== undefined) args.push('--data-binary', check.body);
  args.push('--', url);
  return args;
}

/** Parses `curl -sS -D - -w MARKER` output: header blocks, body, then the marker line. */
export function parseCurlOutput(stdout: string): HttpResponse | undefined {
  const m = new RegExp(`\\n?${MARKER} (\\d{3}) ([0-9.]+)\\n?$`).exec(stdout);
  if (!m) return undefined;
  let rest = stdout.slice(0, m.index);
  let headers = new Map<string, string[]>();
  // Skip interim responses (100 Continue): take the last header block that starts the text.
  for (;;) {
    const end = rest.search(/\r?\n\r?\n/);
    if (!/^HTTP\/[0-9.]+ \d{3}/.test(rest) || end < 0) break;
    const block = rest.slice(0, end);
    rest = rest.slice(end).replace(/^\r?\n\r?\n/, '');
    headers = new Map();
    for (const line of block.split(/\r?\n/).slice(1)) {
      const i = line.indexOf(':');
      if (i <= 0) continue;
      const name = line.slice(0, i).trim().toLowerCase();
      headers.set(name, [...(headers.get(name) ?? []), line.slice(i + 1).trim()]);
    }
    const code = Number(/^HTTP\/[0-9.]+ (\d{3})/.exec(block)![1]);
    if (code >= 200 || !/^HTTP\//.test(rest)) break;
  }
  return { status: Number(m[1]), headers, body: rest, latencyMs: Math.round(Number(m[2]) * 1000) };
}

function podArgv(from: Exclude<HttpCheckSpec['from'], 'terminal' | undefined>): string[] {
  const argv = ['exec'];
  if (from.namespace) argv.push('-n', from.namespace);
  argv.push(from.target ?? '');
  if (from.container) argv.push('-c', from.container);
  return argv;
}

async function resolveTarget(check: HttpCheckSpec, ctx: CheckContext): Promise<string | { error: string }> {
  const from = check.from;
  if (!from || from === 'terminal' || from.target) return from && from !== 'terminal' ? from.target! : '';
  if (!from.selector) return { error: 'the check\'s "from" names no target or selector' };
  const list = await ctx.kube().core.listNamespacedPod({ namespace: from.namespace ?? 'default', labelSelector: from.selector });
  const pod = list.items.find((p) => p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp);
  if (!pod?.metadata?.name) return { error: `no running pod matches ${from.selector} in namespace ${from.namespace ?? 'default'}` };
  return `pod/${pod.metadata.name}`;
}

export const NO_GATEWAY = 'nothing listens on the ingress port: is the Gateway missing, or does no server of it use this port?';

export async function httpAttempt(spec: HttpCheckSpec, ctx: CheckContext, timeoutSeconds: number): Promise<AttemptResult> {
  // With an id of its own, the mesh's record of the request can be found afterwards.
  const requestId = ctx.traceOf ? requestIdFor(spec.headers) : undefined;
  const check = requestId && !requestId.own ? { ...spec, headers: { ...spec.headers, 'x-request-id': requestId.id } } : spec;
  const env = currentEnv(ctx.ws);
  const url = expandVariables(check.url, env);
  const maxSeconds = Math.max(1, Math.ceil(check.requestTimeoutSeconds ?? timeoutSeconds));
  const args = curlArgs(check, url, maxSeconds);
  // From the terminal to a loopback address (the ingress gateway's node port) nothing on the
  // way differs between curl and Node's client, and Node's is several times faster for a Check.
  if ((!check.from || check.from === 'terminal') && isLoopbackHttp(url)) {
    const res = await nodeRequest(check, url, maxSeconds * 1000, ctx.signal);
    if ('error' in res) {
      // The ingress gateway listens only on the ports its Gateway servers name.
      const why = /connection refused/.test(res.error) && env.INGRESS_PORT && new URL(url).port === env.INGRESS_PORT ? `${res.error}: ${NO_GATEWAY}` : res.error;
      return { details: [detail('response', `an HTTP response from ${url}`, why, false)], error: `request failed: ${why}` };
    }
    return responseResult(check, res, ctx, requestId?.id);
  }
  let file = 'curl';
  let argv = args;
  if (check.from && check.from !== 'terminal') {
    const target = await resolveTarget(check, ctx);
    if (typeof target !== 'string') return { details: [], error: target.error };
    file = 'kubectl';
    argv = [...podArgv({ ...check.from, target }), '--', 'curl', ...args];
  }
  const r = await runProcess(file, argv, { dir: ctx.ws.dir, env }, { timeoutMs: (maxSeconds + 5) * 1000, signal: ctx.signal });
  const res = parseCurlOutput(r.stdout);
  if (!res || res.status === 0) {
    const why = curlFailure(r.exitCode, r.stderr, r.timedOut, maxSeconds);
    return { details: [detail('response', `an HTTP response from ${url}`, why, false)], error: `request failed: ${why}` };
  }
  return responseResult(check, res, ctx, requestId?.id);
}

/** The comparisons with one response, and what the mesh did with it when the cluster says. */
async function responseResult(check: HttpCheckSpec, res: HttpResponse, ctx: CheckContext, requestId: string | undefined): Promise<AttemptResult> {
  // Only an answer that came through a proxy has a record (anything else would wait for nothing).
  const viaProxy = ['envoy', 'istio-envoy'].includes(res.headers.get('server')?.[0] ?? '');
  const trace = requestId && ctx.traceOf && viaProxy ? await ctx.traceOf(requestId, res.status) : undefined;
  return { details: withReason(compareResponse(check, res), trace), lastSeen: describeResponse(res), ...(trace ? { trace } : {}) };
}

/** Status, headers and the start of the body: what a failure report shows of the last response. */
export function describeResponse(res: HttpResponse, maxBody = 500): string {
  const headers = [...res.headers].flatMap(([k, vs]) => vs.map((v) => `${k}: ${v}`));
  const body = res.body.length > maxBody ? `${res.body.slice(0, maxBody)}… (${res.body.length} characters)` : res.body;
  return [`HTTP ${res.status} (${res.latencyMs} ms)`, ...headers, '', body || '(empty body)'].join('\n');
}

/** curl's exit code 28 is its timeout: say it as one. */
export function curlFailure(exitCode: number | null, stderr: string, timedOut: boolean, maxSeconds: number): string {
  const last = stderr.trim().split('\n').pop() ?? '';
  if (timedOut || exitCode === 28 || /exit code 28\b|timed out/i.test(last)) return `no response within ${maxSeconds} s`;
  return last || `exit code ${exitCode}`;
}

export function isLoopbackHttp(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' && (/^127\.\d+\.\d+\.\d+$/.test(u.hostname) || u.hostname === 'localhost' || u.hostname === '[::1]');
  } catch { // not a URL: not a local one
    return false;
  }
}

/** Response bodies kept for comparisons (a check never needs more). */
const MAX_BODY_BYTES = 1024 * 1024;

/** One request with Node's HTTP client, measured like curl's time_total. */
export function nodeRequest(check: HttpCheckSpec, url: string, timeoutMs: number, signal?: AbortSignal): Promise<HttpResponse | { error: string }> {
  return new Promise((resolve) => {
    const started = performance.now();
    const headers: Record<string, string> = { 'user-agent': 'curl/8 (meshlab check)', accept: '*/*' };
    for (const [k, v] of Object.entries(check.headers ?? {})) headers[k.toLowerCase()] = v;
    const req = httpRequest(url, { method: check.method ?? 'GET', headers, signal, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        if (size < MAX_BODY_BYTES) chunks.push(c);
        size += c.length;
      });
      res.on('end', () => {
        const map = new Map<string, string[]>();
        for (let i = 0; i < res.rawHeaders.length; i += 2) {
          const name = res.rawHeaders[i]!.toLowerCase();
          map.set(name, [...(map.get(name) ?? []), res.rawHeaders[i + 1]!]);
        }
        resolve({ status: res.statusCode ?? 0, headers: map, body: Buffer.concat(chunks).toString('utf8'), latencyMs: Math.round(performance.now() - started) });
      });
      res.on('error', (err) => resolve({ error: err.message }));
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no response within ${Math.round(timeoutMs / 1000)} s`)));
    req.on('error', (err) => resolve({ error: (err as NodeJS.ErrnoException).code === 'ECONNREFUSED' ? `connection refused (${err.message})` : err.message }));
    if (check.body !== undefined) req.write(check.body);
    req.end();
  });
}

export const NO_ROUTE = "the gateway answered itself: no route matches this request; check the VirtualService's hosts, gateways and match";
export const NOT_REGISTERED = 'the sidecar answered itself: the host is not in the service registry (REGISTRY_ONLY); a ServiceEntry registers it';
export const NO_UPSTREAM = "the proxy answered itself: the route's destination has no upstream (a subset no DestinationRule defines, or no ready endpoint)";

/**
 * Why Envoy answered a request itself, when it did: its own replies carry its server header
 * but no x-envoy-upstream-service-time (only an upstream's answer has one). 404 is "no route"
 * (response flag NR), 502 from a sidecar the REGISTRY_ONLY block (BlackHoleCluster), 503 a
 * destination without a cluster or endpoints (NC, UH).
 */
export function proxyOwnAnswer(res: HttpResponse): string | undefined {
  const server = res.headers.get('server')?.[0];
  if ((server !== 'envoy' && server !== 'istio-envoy') || res.headers.has('x-envoy-upstream-service-time')) return undefined;
  if (res.status === 404) return NO_ROUTE;
  // A sidecar says `server: envoy`; a gateway's 502 has other causes.
  if (res.status === 502 && server === 'envoy') return NOT_REGISTERED;
  if (res.status === 503) return NO_UPSTREAM;
  return undefined;
}

/** Every comparison the check asks for, against one response. */
export function compareResponse(check: HttpCheckSpec, res: HttpResponse): AttemptResult['details'] {
  const e = check.expect;
  const out: AttemptResult['details'] = [];
  if (e.status !== undefined) {
    const want = asList(e.status);
    const ok = want.includes(res.status);
    const why = ok ? undefined : proxyOwnAnswer(res);
    out.push(detail('status', want.join(' or '), why ? `${res.status} (${why})` : String(res.status), ok));
  }
  for (const [rawName, exp] of Object.entries(e.headers ?? {})) {
    const name = rawName.toLowerCase();
    const values = res.headers.get(name);
    const actual = values ? values.join(', ') : 'absent';
    if (typeof exp === 'string') {
      out.push(detail(`header ${name}`, show(exp), values ? show(actual) : actual, values?.includes(exp) ?? false));
      continue;
    }
    if (exp.present !== undefined) out.push(detail(`header ${name}`, exp.present ? 'present' : 'absent', values ? show(actual) : 'absent', Boolean(values) === exp.present));
    if (exp.equals !== undefined) out.push(detail(`header ${name}`, show(exp.equals), values ? show(actual) : actual, values?.includes(exp.equals) ?? false));
    if (exp.contains !== undefined) out.push(detail(`header ${name}`, `containing ${show(exp.contains)}`, values ? show(actual) : actual, actual.includes(exp.contains) && Boolean(values)));
    if (exp.matches !== undefined) out.push(detail(`header ${name}`, `matching /${exp.matches}/`, values ? show(actual) : actual, Boolean(values) && new RegExp(exp.matches).test(actual)));
  }
  const b = e.body;
  if (b) {
    for (const s of asList(b.contains)) out.push(detail('body', `containing ${show(s)}`, show(res.body), res.body.includes(s)));
    for (const s of asList(b.notContains)) out.push(detail('body', `not containing ${show(s)}`, show(res.body), !res.body.includes(s)));
    if (b.matches !== undefined) out.push(detail('body', `matching /${b.matches}/`, show(res.body), new RegExp(b.matches).test(res.body)));
    if (b.equals !== undefined) out.push(detail('body', show(b.equals), show(res.body), res.body === b.equals));
    if (b.json) {
      let json: unknown;
      let parsed = true;
      try {
        json = JSON.parse(res.body);
      } catch {
        parsed = false;
      }
      for (const j of b.json) {
        if (!parsed) {
          out.push(detail(`JSON ${j.path}`, show(j.equals), `a body that is not JSON: ${show(res.body, 120)}`, false));
          continue;
        }
        out.push(jsonPathDetail(json, j.path, j.equals));
      }
    }
  }
  if (out.length === 0) out.push(detail('response', 'any HTTP response', `status ${res.status}`, true));
  if (e.minLatencyMs !== undefined) out.push(detail('latency', `at least ${e.minLatencyMs} ms`, `${res.latencyMs} ms`, res.latencyMs >= e.minLatencyMs));
  if (e.maxLatencyMs !== undefined) out.push(detail('latency', `at most ${e.maxLatencyMs} ms`, `${res.latencyMs} ms`, res.latencyMs <= e.maxLatencyMs));
  return out;
}

/** Compares the first value at a JSON path with an expected value. */
export function jsonPathDetail(json: unknown, path: string, expected: unknown) {
  let values: unknown[];
  try {
    values = JSONPath({ path, json: json as object, wrap: true }) as unknown[];
  } catch (err) {
    return detail(`JSON ${path}`, show(expected), `an invalid JSON path: ${(err as Error).message}`, false);
  }
  if (values.length === 0) return detail(`JSON ${path}`, show(expected), 'nothing at that path', false);
  const actual = values.length === 1 ? values[0] : values;
  return detail(`JSON ${path}`, show(expected), show(actual), JSON.stringify(actual) === JSON.stringify(expected));
}

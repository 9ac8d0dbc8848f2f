// The proxy carries out a simulation result and nothing else: given a plan (what `simulate`
// decided), the answer on the socket, and the access log line with the Envoy response flag and
// response code details where Istio's default TEXT format puts them (%RESPONSE_CODE%
// %RESPONSE_FLAGS% %RESPONSE_CODE_DETAILS%, istio.io/latest/docs/tasks/observability/logs/access-log/;
// flags as in Envoy's access-log docs: NR, NC, UH, UF, URX, UT, UO, DI, FI). A failure inside the
// proxy is answered 500 and logged.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LogBook } from '../logs/log-book.ts';
import { DecisionLog } from './decisions.ts';
import { HttpRouter, shadowHost, type RoutingContext } from './router.ts';
import type { RoutePlan, SimulationResult } from './simulate.ts';
import type { ClusterLookup, UpstreamEndpoint } from './upstreams.ts';

const NOW = new Date('2026-12-03T07:00:00.000Z');
const logs = new LogBook(() => NOW);
const decisions = new DecisionLog();
const logged: Record<string, unknown>[] = [];
const logger = pino({ level: 'error' }, new Writable({ write: (chunk, _enc, done) => (logged.push(JSON.parse(String(chunk))), done()) }));
const router = new HttpRouter({ logs, decisions, now: () => NOW, random: () => 0, logger, passthrough: () => undefined });

let upstream: Server;
let proxy: Server;
let proxyPort: number;
let current: () => RoutePlan;

function cluster(name: string, endpoints: UpstreamEndpoint[], limits = { maxConnections: 100, http1MaxPendingRequests: 100, http2MaxRequests: 100, maxRequestsPerConnection: 0 }): ClusterLookup {
  return { kind: 'ok', name, host: 'httpbin.bookinfo.svc.cluster.local', port: 8000, endpoints, limits, external: false, serviceNamespace: 'bookinfo' };
}

function sim(over: Partial<SimulationResult>): SimulationResult {
  return { passedOver: [], endpoints: [], mirrors: [], response: { kind: 'upstream', flags: '-', details: 'via_upstream' }, reason: 'test', reasonZh: '测试', ...over };
}

beforeAll(async () => {
  upstream = createServer((req, res) => {
    if (req.url?.startsWith('/slow')) {
      setTimeout(() => res.end('late'), 300);
      return;
    }
    const status = Number(/^\/status\/(\d+)/.exec(req.url ?? '')?.[1] ?? 200);
    res.writeHead(status, { 'content-type': 'text/plain' });
    res.end(`upstream saw ${req.url} host ${req.headers.host} attempt ${req.headers['x-envoy-attempt-count']}`);
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  proxy = createServer((req, res) => {
    const ctx: RoutingContext = { proxy: { kind: 'gateway', namespace: 'istio-system', pod: 'gw', podIP: '10.244.0.2', serviceAccount: 'gw' }, listenerPort: 80, localAddress: '10.244.0.2:8080', remoteAddress: '10.244.0.1:40000', plan: () => current() };
    void router.handle(ctx, req, res);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  proxyPort = (proxy.address() as AddressInfo).port;
});

afterAll(async () => {
  router.close();
  await new Promise((r) => proxy.close(r));
  await new Promise((r) => upstream.close(r));
});

function get(path: string): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const r = request({ host: '127.0.0.1', port: proxyPort, path, agent: false, headers: { host: 'httpbin.example.com' } }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    r.on('error', reject);
    r.end();
  });
}

/** The fields after the request line of the newest access log line: status, flags, details. */
function lastLogFields(): [string, string, string] {
  const line = logs.read('istio-system', 'gw', 'istio-proxy').at(-1)!.text;
  const m = /^\[[^\]]+\] "[^"]*" (\S+) (\S+) (\S+) /.exec(line);
  return [m![1]!, m![2]!, m![3]!];
}

const up = () => ({ address: (upstream.address() as AddressInfo).address + ':' + (upstream.address() as AddressInfo).port, socket: { host: '127.0.0.1', port: (upstream.address() as AddressInfo).port } });
const route = { virtualService: 'bookinfo/httpbin', ruleIndex: 0, matchIndex: 0 };
const HTTPBIN = 'outbound|8000||httpbin.bookinfo.svc.cluster.local';

interface Case {
  name: string;
  plan: () => RoutePlan;
  path?: string;
  status: number;
  body: string | RegExp;
  flags: string;
  details: string;
}

const cases: Case[] = [
  { name: 'no route: 404 NR, empty body', plan: () => ({ result: sim({ response: { status: 404, kind: 'no_route', flags: 'NR', details: 'route_not_found' } }), clusters: new Map() }), status: 404, body: '', flags: 'NR', details: 'route_not_found' },
  { name: 'unknown subset: 503 NC, empty body', plan: () => ({ result: sim({ route, cluster: 'outbound|8000|v1|httpbin.bookinfo.svc.cluster.local', response: { status: 503, kind: 'cluster_not_found', flags: 'NC', details: 'cluster_not_found' } }), clusters: new Map() }), status: 503, body: '', flags: 'NC', details: 'cluster_not_found' },
  { name: 'no endpoints: 503 UH', plan: () => ({ result: sim({ route, cluster: HTTPBIN, response: { status: 503, kind: 'no_healthy_upstream', flags: 'UH', details: 'no_healthy_upstream' } }), clusters: new Map() }), status: 503, body: 'no healthy upstream', flags: 'UH', details: 'no_healthy_upstream' },
  { name: 'fault delay then abort: DI,FI', plan: () => ({ result: sim({ route, fault: { delayMs: 5, abortStatus: 418 }, response: { status: 418, kind: 'fault_abort', flags: 'DI,FI', details: 'fault_filter_abort' } }), clusters: new Map() }), status: 418, body: 'fault filter abort', flags: 'DI,FI', details: 'fault_filter_abort' },
  { name: 'upstream with a rewrite: via_upstream, the rewritten path upstream', path: '/api/get', plan: () => ({ result: sim({ route, cluster: HTTPBIN, upstreamRequest: { path: '/get', authority: 'httpbin.bookinfo', rewritten: true }, retries: { attempts: 2, retryOn: 'connect-failure' } }), clusters: new Map([[HTTPBIN, cluster(HTTPBIN, [up()])]]) }), status: 200, body: 'upstream saw /get host httpbin.bookinfo attempt 1', flags: '-', details: 'via_upstream' },
  { name: 'retries on 5xx exhausted: the last answer with URX', path: '/status/503', plan: () => ({ result: sim({ route, cluster: HTTPBIN, retries: { attempts: 2, retryOn: '5xx' } }), clusters: new Map([[HTTPBIN, cluster(HTTPBIN, [up()])]]) }), status: 503, body: /attempt 3$/, flags: 'URX', details: 'via_upstream' },
  // Istio's default policy since 1.24: retriable-status-codes with no codes, so a 503 answer is final.
  { name: 'default retries: an upstream 503 is not retried', path: '/status/503', plan: () => ({ result: sim({ route, cluster: HTTPBIN, retries: { attempts: 2, retryOn: 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes', retriableStatusCodes: [] } }), clusters: new Map([[HTTPBIN, cluster(HTTPBIN, [up()])]]) }), status: 503, body: /attempt 1$/, flags: '-', details: 'via_upstream' },
  { name: 'retryOn 503: retriable status code, retried, URX when exhausted', path: '/status/503', plan: () => ({ result: sim({ route, cluster: HTTPBIN, retries: { attempts: 2, retryOn: 'retriable-status-codes', retriableStatusCodes: [503] } }), clusters: new Map([[HTTPBIN, cluster(HTTPBIN, [up()])]]) }), status: 503, body: /attempt 3$/, flags: 'URX', details: 'via_upstream' },
  { name: 'nothing listening, retries off: 503 UF, the body without "retried"', plan: () => ({ result: sim({ route, cluster: HTTPBIN, retries: { attempts: 0, retryOn: '' } }), clusters: new Map([[HTTPBIN, cluster(HTTPBIN, [{ address: '10.244.0.9:80' }])]]) }), status: 503, body: 'upstream connect error or disconnect/reset before headers. reset reason: connection failure', flags: 'UF', details: 'upstream_reset_before_response_started{connection_failure}' },
  { name: 'nothing listening, retried: 503 UF,URX', plan: () => ({ result: sim({ route, cluster: HTTPBIN, retries: { attempts: 1, retryOn: 'connect-failure' } }), clusters: new Map([[HTTPBIN, cluster(HTTPBIN, [{ address: '10.244.0.9:80' }])]]) }), status: 503, body: 'upstream connect error or disconnect/reset before headers. retried and the latest reset reason: connection failure', flags: 'UF,URX', details: 'upstream_reset_before_response_started{connection_failure}' },
  { name: 'delayed request forwarded: DI only', plan: () => ({ result: sim({ route, cluster: HTTPBIN, fault: { delayMs: 5 }, response: { kind: 'upstream', flags: 'DI', details: 'via_upstream' } }), clusters: new Map([[HTTPBIN, cluster(HTTPBIN, [up()])]]) }), status: 200, body: /^upstream saw/, flags: 'DI', details: 'via_upstream' },
  { name: 'route timeout before the upstream answers: 504 UT', path: '/slow', plan: () => ({ result: sim({ route, cluster: HTTPBIN, timeoutMs: 50, retries: { attempts: 2, retryOn: 'connect-failure' } }), clusters: new Map([[HTTPBIN, cluster(HTTPBIN, [up()])]]) }), status: 504, body: 'upstream request timeout', flags: 'UT', details: 'response_timeout' },
  { name: 'circuit breaker without room: 503 UO', plan: () => ({ result: sim({ route, cluster: HTTPBIN }), clusters: new Map([[HTTPBIN, cluster(HTTPBIN, [up()], { maxConnections: 0, http1MaxPendingRequests: 0, http2MaxRequests: 0, maxRequestsPerConnection: 0 })]]) }), status: 503, body: 'upstream connect error or disconnect/reset before headers. reset reason: overflow', flags: 'UO', details: 'upstream_reset_before_response_started{overflow}' },
];

describe('HttpRouter carries out a plan', () => {
  it.each(cases)('$name', async ({ plan, path, status, body, flags, details }) => {
    const planned = plan();
    current = () => planned;
    const r = await get(path ?? '/status/200');
    expect(r.status).toBe(status);
    if (typeof body === 'string') expect(r.body).toBe(body);
    else expect(r.body).toMatch(body);
    expect(lastLogFields()).toEqual([String(status), flags, details]);
    const d = decisions.list(1)[0]!;
    expect(d.response).toMatchObject({ status, flags, details });
    expect(d.simulation).toBe(planned.result);
  });

  it('a plan naming a cluster it never looked up is a failure inside: 500, logged, recorded nowhere else', async () => {
    current = () => ({ result: sim({ route, cluster: 'outbound|9|x|nowhere' }), clusters: new Map() });
    const before = decisions.list().length;
    const r = await get('/anything');
    expect(r.status).toBe(500);
    expect(r.body).toBe('internal error');
    expect(logged.at(-1)).toMatchObject({ level: 50, msg: 'mesh proxy failed to handle a request', proxy: 'istio-system/gw', url: '/anything' });
    expect(String((logged.at(-1)!.err as { message: string }).message)).toContain('outbound|9|x|nowhere');
    expect(decisions.list().length).toBe(before);
  });
});

// Envoy's shadowAppendedHost (source/common/router/shadow_writer_impl.cc): `-shadow` goes on the host,
// before a port; istio.io's mirroring task: "cluster-1 becomes cluster-1-shadow".
describe('shadowHost', () => {
  it.each([
    ['cluster-1', 'cluster-1-shadow'],
    ['httpbin:8000', 'httpbin-shadow:8000'],
    ['httpbin.default.svc.cluster.local:8000', 'httpbin.default.svc.cluster.local-shadow:8000'],
    ['[::1]:8080', '[::1]-shadow:8080'],
    ['10.96.0.12', '10.96.0.12-shadow'],
  ])('%s → %s', (host, shadow) => {
    expect(shadowHost(host)).toBe(shadow);
  });
});

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CheckSpecT } from '../lab-schema.ts';
import { CheckSpec } from '../lab-schema.ts';
import { createWorkspace, type Workspace } from '../shell.ts';
import type { CheckContext } from './check-context.ts';
import { curlFailure, describeResponse, isLoopbackHttp, NO_ROUTE, NO_UPSTREAM, NOT_REGISTERED, parseCurlOutput, proxyOwnAnswer, type HttpResponse } from './http-check.ts';
import { describeObject } from './k8s-check.ts';
import type { KubeClients } from './kube-clients.ts';
import { expectsFailure, runCheck } from './run-check.ts';
import { LIKE_LEGEND } from './command-check.ts';

let server: Server;
let port = 0;
let flipAt = 0;
let ws: Workspace;

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname.startsWith('/status/')) {
      // An upstream's answer through Envoy: it carries x-envoy-upstream-service-time.
      res.writeHead(Number(url.pathname.split('/')[2]), { server: 'istio-envoy', 'content-type': 'text/plain', 'x-envoy-upstream-service-time': '1' });
      res.end(url.pathname === '/status/418' ? "I'm a teapot!" : '');
    } else if (url.pathname === '/no-route') {
      // Envoy's own 404 when no route matches (response flag NR): no upstream service time.
      res.writeHead(404, { server: 'istio-envoy' });
      res.end();
    } else if (url.pathname === '/headers') {
      res.writeHead(200, { 'content-type': 'application/json', server: 'istio-envoy' });
      res.end(JSON.stringify({ headers: { Host: [req.headers.host], 'X-Test': [req.headers['x-test'] ?? ''] } }));
    } else if (url.pathname.startsWith('/delay/')) {
      setTimeout(() => res.end('{}'), Number(url.pathname.split('/')[2]) * 1000);
    } else if (url.pathname === '/eventually') {
      res.writeHead(Date.now() >= flipAt ? 200 : 404);
      res.end();
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  ws = createWorkspace(mkdtempSync(join(tmpdir(), 'meshlab-check-lab-')), { INGRESS_HOST: '127.0.0.1', INGRESS_PORT: String(port) });
});
afterAll(() => {
  server.close();
  ws.dispose();
});

const noKube = (): KubeClients => {
  throw new Error('no cluster in this test');
};
const ctx = (kube: () => KubeClients = noKube): CheckContext => ({ ws, kube });
const check = (c: unknown): CheckSpecT => CheckSpec.parse(c);

describe('http check', () => {
  const url = (p: string) => `http://$INGRESS_HOST:$INGRESS_PORT${p}`;
  const cases: { name: string; spec: unknown; ok: boolean; failing?: { what: string; expected: string; actual: string } }[] = [
    { name: 'status matches', spec: { type: 'http', url: url('/status/200'), expect: { status: 200 } }, ok: true },
    { name: 'status in a list', spec: { type: 'http', url: url('/status/418'), expect: { status: [200, 418] } }, ok: true },
    {
      name: 'status differs: expected vs actual',
      spec: { type: 'http', url: url('/status/404'), expect: { status: 200 } },
      ok: false,
      failing: { what: 'status', expected: '200', actual: '404' },
    },
    { name: 'header equals', spec: { type: 'http', url: url('/status/200'), expect: { headers: { Server: 'istio-envoy' } } }, ok: true },
    {
      name: 'status differs, and the gateway answered itself: no route matches',
      spec: { type: 'http', url: url('/no-route'), expect: { status: 200 } },
      ok: false,
      failing: { what: 'status', expected: '200', actual: `404 (${NO_ROUTE})` },
    },
    {
      name: 'header absent',
      spec: { type: 'http', url: url('/status/200'), expect: { headers: { 'x-envoy-attempt-count': { present: true } } } },
      ok: false,
      failing: { what: 'header x-envoy-attempt-count', expected: 'present', actual: 'absent' },
    },
    { name: 'header matches', spec: { type: 'http', url: url('/status/200'), expect: { headers: { server: { matches: '^istio-' } } } }, ok: true },
    { name: 'body contains', spec: { type: 'http', url: url('/status/418'), expect: { body: { contains: 'teapot' } } }, ok: true },
    {
      name: 'body does not contain',
      spec: { type: 'http', url: url('/status/418'), expect: { body: { contains: 'coffee' } } },
      ok: false,
      failing: { what: 'body', expected: 'containing "coffee"', actual: '"I\'m a teapot!"' },
    },
    {
      name: 'Host and other headers sent, JSON path equals',
      spec: {
        type: 'http',
        url: url('/headers'),
        headers: { Host: 'httpbin.example.com', 'X-Test': 'yes' },
        expect: { body: { json: [{ path: '$.headers.Host[0]', equals: 'httpbin.example.com' }, { path: '$.headers.X-Test[0]', equals: 'yes' }] } },
      },
      ok: true,
    },
    {
      name: 'JSON path with nothing there',
      spec: { type: 'http', url: url('/headers'), expect: { body: { json: [{ path: '$.nope', equals: 1 }] } } },
      ok: false,
      failing: { what: 'JSON $.nope', expected: '1', actual: 'nothing at that path' },
    },
    { name: 'regex on body', spec: { type: 'http', url: url('/status/418'), expect: { body: { matches: 'tea.ot' } } }, ok: true },
    { name: 'HEAD request', spec: { type: 'http', method: 'HEAD', url: url('/status/200'), expect: { status: 200, headers: { server: 'istio-envoy' } } }, ok: true },
    { name: 'minimum latency met', spec: { type: 'http', url: url('/delay/1'), expect: { status: 200, minLatencyMs: 900 } }, ok: true },
    {
      name: 'maximum latency exceeded',
      spec: { type: 'http', url: url('/delay/1'), timeoutSeconds: 1, expect: { maxLatencyMs: 200 } },
      ok: false,
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const r = await runCheck(check(c.spec), 0, ctx(), { timeoutSeconds: c.ok ? 5 : 0.3 });
      expect(r.ok, r.message).toBe(c.ok);
      if (c.failing) {
        expect(r.details.find((d) => !d.ok)).toMatchObject({ ...c.failing, ok: false });
        expect(r.message).toContain(`expected ${c.failing.expected}, got ${c.failing.actual}`);
      }
    });
  }

  it('retries until configuration has propagated', async () => {
    flipAt = Date.now() + 600;
    const r = await runCheck(check({ type: 'http', url: url('/eventually'), expect: { status: 200 } }), 0, ctx(), { timeoutSeconds: 5 });
    expect(r.ok).toBe(true);
    expect(r.attempts).toBeGreaterThan(1);
  });

  it('gives up after its timeout and reports the last actual value', async () => {
    flipAt = Date.now() + 60_000;
    const started = Date.now();
    const r = await runCheck(check({ type: 'http', url: url('/eventually'), timeoutSeconds: 0.8, expect: { status: 200 } }), 0, ctx());
    expect(r.ok).toBe(false);
    expect(Date.now() - started).toBeLessThan(3000);
    expect(r.actual).toBe('status: 404');
    expect(r.expected).toBe('status: 200');
  });

  it('reports a refused connection as an error', async () => {
    const r = await runCheck(check({ type: 'http', url: 'http://127.0.0.1:1/x', expect: { status: 200 } }), 0, ctx(), { timeoutSeconds: 0.2 });
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/request failed: connection refused/);
  });

  it('uses real curl for hosts that are not loopback addresses, with the same comparisons', async () => {
    // 0.0.0.0 is not a loopback address (Linux still connects it locally), so the check goes through curl.
    const ok = await runCheck(check({ type: 'http', url: 'http://0.0.0.0:$INGRESS_PORT/status/418', headers: { Host: 'h.example' }, expect: { status: 418, body: { contains: 'teapot' }, headers: { server: 'istio-envoy' } } }), 0, ctx(), { timeoutSeconds: 2 });
    expect(ok.ok, ok.message).toBe(true);
    const refused = await runCheck(check({ type: 'http', url: 'http://0.0.0.0:1/x', expect: { status: 200 } }), 0, ctx(), { timeoutSeconds: 0.2 });
    expect(refused.error).toMatch(/request failed: curl: \(7\)/);
  });

  it('knows which URLs are loopback HTTP', () => {
    expect(['http://127.0.0.1:80/', 'http://127.3.4.5/x', 'http://localhost:1/', 'https://127.0.0.1/', 'http://httpbin.org/', 'http://localhost./'].map(isLoopbackHttp)).toEqual([
      true,
      true,
      true,
      false,
      false,
      false,
    ]);
  });
});

describe('proxyOwnAnswer: why Envoy answered a request itself', () => {
  const res = (status: number, headers: Record<string, string>): HttpResponse => ({ status, headers: new Map(Object.entries(headers).map(([k, v]) => [k, [v]])), body: '', latencyMs: 1 });
  it.each([
    ['a gateway 404 without an upstream: no route', res(404, { server: 'istio-envoy' }), NO_ROUTE],
    ["an upstream's own 404 (httpbin /status/404)", res(404, { server: 'istio-envoy', 'x-envoy-upstream-service-time': '2' }), undefined],
    ['a sidecar 502 without an upstream: REGISTRY_ONLY', res(502, { server: 'envoy' }), NOT_REGISTERED],
    ["a gateway's 502 has other causes", res(502, { server: 'istio-envoy' }), undefined],
    ['a 503 without an upstream: no cluster or endpoint', res(503, { server: 'istio-envoy' }), NO_UPSTREAM],
    ['a server that is not Envoy', res(404, { server: 'nginx' }), undefined],
    ['a 200', res(200, { server: 'istio-envoy' }), undefined],
  ])('%s', (_what, r, why) => expect(proxyOwnAnswer(r)).toBe(why));
});

describe('expectsFailure: checks that pass when the request or command fails', () => {
  it.each([
    [{ type: 'http', url: 'http://httpbin.org/headers', expect: { status: 502 } }, true],
    [{ type: 'http', url: 'http://x/', expect: { status: [404, 503] } }, true],
    [{ type: 'http', url: 'http://x/', expect: { status: [200, 404] } }, false],
    [{ type: 'http', url: 'http://x/', expect: { body: { contains: 'a' } } }, false],
    [{ type: 'command', run: 'curl https://httpbin.org', expect: { exitCode: 35 } }, true],
    [{ type: 'command', run: 'true', expect: { exitCode: [0, 1] } }, false],
    [{ type: 'command', run: 'true', expect: {} }, false],
    [{ type: 'k8s', object: { apiVersion: 'v1', kind: 'Namespace', name: 'x' }, expect: { exists: false } }, false],
  ])('%j', (spec, want) => expect(expectsFailure(check(spec))).toBe(want));

  it('is carried on the result', async () => {
    const r = await runCheck(check({ type: 'command', run: 'exit 35', expect: { exitCode: 35 } }), 0, ctx(), { timeoutSeconds: 0.2 });
    expect(r).toMatchObject({ ok: true, expectsFailure: true });
    const plain = await runCheck(check({ type: 'command', run: 'true', expect: {} }), 0, ctx(), { timeoutSeconds: 0.2 });
    expect(plain.expectsFailure).toBeUndefined();
  });
});

describe('parseCurlOutput', () => {
  it('skips interim responses and keeps repeated headers', () => {
    const out = 'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nSet-Cookie: a\r\nset-cookie: b\r\n\r\nbody\n__MESHLAB_CURL__ 201 0.012\n';
    const r = parseCurlOutput(out)!;
    expect(r.status).toBe(201);
    expect(r.headers.get('set-cookie')).toEqual(['a', 'b']);
    expect(r.body).toBe('body');
    expect(r.latencyMs).toBe(12);
  });
  it('returns undefined without the marker', () => expect(parseCurlOutput('garbage')).toBeUndefined());
});

describe('command check', () => {
  const cases: { name: string; spec: unknown; ok: boolean; failing?: string }[] = [
    { name: 'exit code 0 and stdout contains', spec: { type: 'command', run: 'echo hello world', expect: { stdoutContains: 'hello' } }, ok: true },
    { name: 'expected non-zero exit code', spec: { type: 'command', run: 'exit 35', expect: { exitCode: 35 } }, ok: true },
    { name: 'unexpected exit code', spec: { type: 'command', run: 'echo oops >&2; exit 3', expect: {} }, ok: false, failing: 'exit code: expected 0, got 3' },
    { name: 'stderr matches', spec: { type: 'command', run: 'echo "command terminated with exit code 35" >&2; exit 35', expect: { exitCode: 35, stderrMatches: 'exit code \\d+' } }, ok: true },
    {
      name: 'istio-style elided output',
      spec: { type: 'command', run: 'printf "HTTP/1.1 200 OK\\nserver: envoy\\ndate: now\\n"', expect: { output: 'HTTP/1.1 200 OK\n...', verify: 'elided' } },
      ok: true,
    },
    { name: 'output same fails on difference', spec: { type: 'command', run: 'echo a', expect: { output: 'b' } }, ok: false, failing: 'output: expected output equal to "b", got "a"' },
    {
      name: 'like: the expected table shows no made-up pod name or age',
      spec: { type: 'command', run: 'printf "NAME   READY\\nhttpbin-abc   1/2\\n"', expect: { verify: 'like', output: 'NAME                       READY   AGE\nhttpbin-5c5944c58c-x2m9p   2/2     12s\n' } },
      ok: false,
      failing: `output: expected output like (${LIKE_LEGEND}) "NAME                       READY   AGE\\nhttpbin-…                  2/2     …"`,
    },
    { name: 'sees the environment', spec: { type: 'command', run: 'echo $INGRESS_HOST', expect: { stdoutContains: '127.0.0.1' } }, ok: true },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const r = await runCheck(check(c.spec), 0, ctx(), { timeoutSeconds: 0.2 });
      expect(r.ok, r.message).toBe(c.ok);
      if (c.failing) expect(r.message).toContain(c.failing);
    });
  }
});

describe('check names in two languages', () => {
  it('reports the English name and carries both to the site', async () => {
    const r = await runCheck(check({ type: 'command', name: { 'zh-Hans': '退出码为 0', en: 'exit code is 0' }, run: 'true', expect: {} }), 0, ctx(), { timeoutSeconds: 0.2 });
    expect(r.name).toBe('exit code is 0');
    expect(r.localizedName).toEqual({ 'zh-Hans': '退出码为 0', en: 'exit code is 0' });
  });

  it('a plain name has no localized pair', async () => {
    const r = await runCheck(check({ type: 'command', name: 'exit code is 0', run: 'true', expect: {} }), 0, ctx(), { timeoutSeconds: 0.2 });
    expect(r.localizedName).toBeUndefined();
  });
});

describe('k8s check (fake client)', () => {
  const objects = new Map<string, Record<string, unknown>>([
    [
      'Deployment/bookinfo/httpbin',
      { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'httpbin', namespace: 'bookinfo' }, spec: { replicas: 1 }, status: { conditions: [{ type: 'Available', status: 'True' }] } },
    ],
  ]);
  const pods = [
    { metadata: { name: 'httpbin-1' }, status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] } },
    { metadata: { name: 'httpbin-2' }, status: { phase: 'Pending', conditions: [] } },
  ];
  const fake = (): KubeClients =>
    ({
      objects: {
        read: async (o: { kind: string; metadata: { name: string; namespace?: string } }) => {
          const found = objects.get(`${o.kind}/${o.metadata.namespace}/${o.metadata.name}`);
          if (!found) throw Object.assign(new Error('HTTP-Code: 404'), { code: 404 });
          return found;
        },
      },
      core: { listNamespacedPod: async ({ labelSelector }: { labelSelector: string }) => ({ items: labelSelector === 'app=httpbin' ? pods : pods.slice(0, 1) }) },
    }) as unknown as KubeClients;
  const deploy = { apiVersion: 'apps/v1', kind: 'Deployment', namespace: 'bookinfo', name: 'httpbin' };
  const cases: { name: string; spec: unknown; ok: boolean; failing?: string }[] = [
    { name: 'object exists', spec: { type: 'k8s', object: deploy }, ok: true },
    { name: 'object absent as expected', spec: { type: 'k8s', object: { ...deploy, name: 'gone' }, expect: { exists: false } }, ok: true },
    { name: 'object missing', spec: { type: 'k8s', object: { ...deploy, name: 'gone' } }, ok: false, failing: 'Deployment bookinfo/gone: expected exists, got absent' },
    { name: 'condition true', spec: { type: 'k8s', object: deploy, expect: { conditions: [{ type: 'Available' }] } }, ok: true },
    { name: 'condition missing', spec: { type: 'k8s', object: deploy, expect: { conditions: [{ type: 'Progressing' }] } }, ok: false, failing: 'condition Progressing: expected True, got no such condition' },
    { name: 'JSON path equals', spec: { type: 'k8s', object: deploy, expect: { jsonPath: [{ path: '$.spec.replicas', equals: 1 }] } }, ok: true },
    { name: 'JSON path differs', spec: { type: 'k8s', object: deploy, expect: { jsonPath: [{ path: '$.spec.replicas', equals: 2 }] } }, ok: false, failing: 'JSON $.spec.replicas: expected 2, got 1' },
    { name: 'pods ready', spec: { type: 'k8s', pods: { namespace: 'bookinfo', selector: 'app=ready' } }, ok: true },
    {
      name: 'a pod not ready',
      spec: { type: 'k8s', pods: { namespace: 'bookinfo', selector: 'app=httpbin' } },
      ok: false,
      failing: 'got 1 of 2 Ready; not ready: httpbin-2 (Pending)',
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const r = await runCheck(check(c.spec), 0, ctx(fake), { timeoutSeconds: 0.1 });
      expect(r.ok, r.message).toBe(c.ok);
      if (c.failing) expect(r.message).toContain(c.failing);
    });
  }
});

describe('http check failures said plainly', () => {
  it.each([
    ['curl timed out in a pod (exit code 28 through kubectl exec)', 1, 'command terminated with exit code 28', false, 'no response within 5 s'],
    ['curl timed out', 28, 'curl: (28) Operation timed out after 5001 milliseconds', false, 'no response within 5 s'],
    ['the process was killed at its deadline', null, '', true, 'no response within 5 s'],
    ['a refused connection', 7, 'curl: (7) Failed to connect to 127.0.0.1 port 1: Connection refused', false, 'curl: (7) Failed to connect to 127.0.0.1 port 1: Connection refused'],
  ])('%s', (_n, code, stderr, timedOut, said) => {
    expect(curlFailure(code as number | null, stderr as string, timedOut as boolean, 5)).toBe(said);
  });

  it('describes the last response: status, headers, start of the body', () => {
    const text = describeResponse({ status: 404, headers: new Map([['server', ['istio-envoy']]]), body: 'x'.repeat(600), latencyMs: 3 }, 10);
    expect(text).toBe('HTTP 404 (3 ms)\nserver: istio-envoy\n\nxxxxxxxxxx… (600 characters)');
  });
});

describe('k8s check reports', () => {
  it('shows what it last saw of the object, cut at 30 lines', () => {
    const text = describeObject({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'bookinfo', labels: { a: 'b' } }, status: { phase: 'Active' } } as never);
    expect(text).toBe('kind: Namespace\nmetadata:\n  name: bookinfo\n  labels:\n    a: b\nstatus:\n  phase: Active');
    const big = describeObject({ kind: 'ConfigMap', metadata: { name: 'x' }, data: Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${i}`, 'v'])) } as never);
    expect(big.split('\n')).toHaveLength(31);
    expect(big).toMatch(/… \(\d+ more lines\)$/);
  });
});

// The Traffic panel's routes through a real site server: only a session's own cluster is seen,
// new requests are pushed in batches, a flood is cut to the newest, and the analysis answers for
// the learner's cluster.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { ClusterDriver, ClusterHandle } from '../drivers/types.ts';
import { DecisionLog, type RouteDecision } from '../sim/mesh/decisions.ts';
import type { Snapshot } from '../sim/analyze/analyzer.ts';
import { TRAFFIC_ANALYSIS_PATH, TRAFFIC_KEPT, TRAFFIC_WS_PATH, type TrafficAnalysis, type TrafficServerMessage } from '../protocol/traffic.ts';
import { createSiteServer, type SiteServer } from './app.ts';
import { createTrafficRoutes } from './traffic-routes.ts';

const request = (path: string, status = 200): Omit<RouteDecision, 'id'> => ({
  time: new Date().toISOString(),
  requestId: path,
  proxy: { kind: 'gateway', namespace: 'istio-system', pod: 'istio-ingressgateway-1' },
  listener: { port: 80 },
  request: { method: 'GET', authority: 'httpbin.example.com', path },
  response: status === 404 ? { status, kind: 'no_route', flags: 'NR', details: 'route_not_found' } : { status, kind: 'upstream', flags: '-', details: 'via_upstream' },
});

/** Each learner's cluster has its own decision log; `withoutLog` clusters record none (kind, existing). */
function fakeDriver(withoutLog = false) {
  const logs: DecisionLog[] = [];
  const driver: ClusterDriver = {
    name: 'embedded',
    parallel: true,
    preflight: async () => ({ ok: true, problems: [] }),
    async create(): Promise<ClusterHandle> {
      const log = new DecisionLog(100);
      logs.push(log);
      return {
        id: `c${logs.length}`,
        driver: 'embedded',
        kubeconfigPath: `/nonexistent/${logs.length}`,
        ingress: { host: '127.0.0.1', port: 31000 },
        shellEnv: () => ({}),
        reset: async () => {},
        destroy: async () => {},
        ...(withoutLog ? {} : { recentRequests: () => log }),
      };
    },
  };
  return { driver, logs };
}

const emptySnapshot = (): Snapshot => ({ namespaces: [], services: [], pods: [], gateways: [], virtualServices: [], destinationRules: [], serviceEntries: [], sidecars: [], peerAuthentications: [], authorizationPolicies: [] });

describe('traffic routes', () => {
  let dir: string;
  let server: SiteServer;
  let logs: DecisionLog[];
  const analyzed: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'meshlab-traffic-'));
    const fake = fakeDriver();
    logs = fake.logs;
    server = await createSiteServer({
      config: { port: 0, host: '127.0.0.1', dataDir: join(dir, 'data'), siteDir: join(dir, 'site'), labsDir: dir, allowedOrigins: [], unsafeNoSandbox: true },
      driver: fake.driver,
      logger: pino({ level: 'silent' }),
      routes: [
        createTrafficRoutes({
          flushMs: 20,
          snapshotOf: async (handle) => {
            analyzed.push(handle.kubeconfigPath);
            const s = emptySnapshot();
            // A VirtualService whose destination host does not exist: IST0101.
            s.virtualServices = [{ apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'httpbin', namespace: 'default' }, spec: { hosts: ['httpbin'], http: [{ route: [{ destination: { host: 'httpbin2' } }] }] } }];
            return s;
          },
        }),
      ],
    });
  });

  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function session(): Promise<string> {
    const res = await fetch(`${server.url}/api/session`);
    return (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  }

  /** Opens the panel's socket; resolves with it once the snapshot is in. */
  function connect(cookie: string, lang = 'en'): Promise<{ ws: WebSocket; messages: TrafficServerMessage[] }> {
    const ws = new WebSocket(`${server.url.replace('http', 'ws')}${TRAFFIC_WS_PATH}?lang=${lang}`, { headers: { cookie, origin: server.url } });
    const messages: TrafficServerMessage[] = [];
    return new Promise((resolve, reject) => {
      ws.on('message', (data) => {
        messages.push(JSON.parse(String(data)) as TrafficServerMessage);
        if (messages.length === 1) resolve({ ws, messages });
      });
      ws.on('error', reject);
      ws.on('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    });
  }

  const until = async (cond: () => boolean) => {
    for (let i = 0; i < 100 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
    expect(cond()).toBe(true);
  };

  it('refuses a socket without a session', async () => {
    await expect(connect('')).rejects.toThrow('HTTP 401');
  });

  it("sends the learner's recent requests, then pushes new ones in the page's language", async () => {
    const cookie = await session();
    const first = await connect(cookie, 'zh');
    const log = logs.at(-1)!;
    expect(first.messages[0]).toEqual({ type: 'snapshot', available: true, entries: [] });
    first.ws.close();
    log.record(request('/status/200'));
    const { ws, messages } = await connect(cookie, 'zh');
    expect(messages[0]).toMatchObject({ type: 'snapshot', entries: [{ path: '/status/200', status: 200 }] });
    log.record(request('/headers', 404));
    log.record(request('/get'));
    await until(() => messages.length > 1);
    expect(messages[1]).toMatchObject({ type: 'requests', dropped: 0, entries: [{ path: '/headers', status: 404, flags: 'NR' }, { path: '/get' }] });
    expect(messages.length).toBe(2);
    if (messages[1]!.type === 'requests') expect(messages[1]!.entries[0]!.explanation).toContain('路径');
    ws.close();
  });

  it("never shows another learner's requests", async () => {
    const mine = await connect(await session());
    const theirs = await connect(await session());
    logs.at(-1)!.record(request('/theirs'));
    await until(() => theirs.messages.length > 1);
    await new Promise((r) => setTimeout(r, 60));
    expect(mine.messages).toHaveLength(1);
    mine.ws.close();
    theirs.ws.close();
  });

  it('a flood is cut to the newest requests, and says how many were left out', async () => {
    const { ws, messages } = await connect(await session());
    const log = logs.at(-1)!;
    for (let i = 0; i < TRAFFIC_KEPT + 30; i++) log.record(request(`/n/${i}`));
    await until(() => messages.length > 1);
    const batch = messages[1]!;
    expect(batch.type === 'requests' && batch.dropped).toBe(30);
    expect(batch.type === 'requests' && batch.entries.length).toBe(TRAFFIC_KEPT);
    expect(batch.type === 'requests' && batch.entries.at(-1)!.path).toBe(`/n/${TRAFFIC_KEPT + 29}`);
    ws.close();
  });

  it('closes the oldest panel beyond four per learner', async () => {
    const cookie = await session();
    const panels: { ws: WebSocket }[] = [];
    for (let i = 0; i < 5; i++) panels.push(await connect(cookie));
    const closed = await new Promise<number>((resolve) => panels[0]!.ws.on('close', (code: number) => resolve(code)));
    expect(closed).toBe(1008);
    for (const p of panels) p.ws.close();
  });

  it("analyzes the learner's own cluster with istioctl's codes and lines", async () => {
    const cookie = await session();
    const before = analyzed.length;
    const res = await fetch(`${server.url}${TRAFFIC_ANALYSIS_PATH}`, { headers: { cookie } });
    expect(res.status).toBe(200);
    const body = (await res.json()) as TrafficAnalysis;
    expect(body.namespace).toBeNull();
    expect(body.findings).toContainEqual(expect.objectContaining({ code: 'IST0101', line: 'Error [IST0101] (VirtualService default/httpbin) Referenced host not found: "httpbin2"' }));
    // A second look within a second is answered from the first.
    await fetch(`${server.url}${TRAFFIC_ANALYSIS_PATH}`, { headers: { cookie } });
    expect(analyzed.length).toBe(before + 1);
    expect(analyzed.at(-1)).toBe(`/nonexistent/${logs.length}`);
  });
});

describe('traffic routes on a cluster that records no requests', () => {
  it('says the panel is not available there', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshlab-traffic-'));
    const server = await createSiteServer({
      config: { port: 0, host: '127.0.0.1', dataDir: join(dir, 'data'), siteDir: join(dir, 'site'), labsDir: dir, allowedOrigins: [], unsafeNoSandbox: true },
      driver: fakeDriver(true).driver,
      logger: pino({ level: 'silent' }),
      routes: [createTrafficRoutes()],
    });
    try {
      const cookie = ((await fetch(`${server.url}/api/session`)).headers.get('set-cookie') ?? '').split(';')[0]!;
      const ws = new WebSocket(`${server.url.replace('http', 'ws')}${TRAFFIC_WS_PATH}`, { headers: { cookie, origin: server.url } });
      const first = await new Promise<TrafficServerMessage>((resolve) => ws.on('message', (data) => resolve(JSON.parse(String(data)) as TrafficServerMessage)));
      expect(first).toEqual({ type: 'snapshot', available: false, entries: [] });
      ws.close();
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

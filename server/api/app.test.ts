import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { countingDriver, type CountingDriver } from './counting-driver.ts';
import { createSiteServer, siteFileFor, type SiteServer } from './app.ts';
import { SESSION_COOKIE, learnerIdFor } from './learners.ts';

describe('site server shell', () => {
  let dir: string;
  let server: SiteServer;
  let driver: CountingDriver;
  let upgradesSeen: string[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'meshlab-app-'));
    const site = join(dir, 'site');
    mkdirSync(join(site, 'docs', 'ingress-gateway'), { recursive: true });
    mkdirSync(join(site, 'en'), { recursive: true });
    writeFileSync(join(site, 'index.html'), '<h1>home</h1>');
    writeFileSync(join(site, '404.html'), '<h1>not found</h1>');
    writeFileSync(join(site, 'en', '404.html'), '<h1>en not found</h1>');
    writeFileSync(join(site, 'docs', 'ingress-gateway', 'index.html'), '<h1>ingress</h1>');
    writeFileSync(join(dir, 'secret.txt'), 'server secret');
    driver = countingDriver();
    upgradesSeen = [];
    server = await createSiteServer({
      config: { port: 0, host: '127.0.0.1', dataDir: join(dir, 'data'), siteDir: site, labsDir: dir, allowedOrigins: [], unsafeNoSandbox: false },
      driver,
      logger: pino({ level: 'silent' }),
      routes: [
        (_app, ctx) =>
          ctx.onUpgrade('/api/test/ws', (_req, socket, _head, learner) => {
            upgradesSeen.push(learner.id);
            socket.end('HTTP/1.1 418 Teapot\r\nContent-Length: 0\r\n\r\n');
          }),
      ],
    });
  });

  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves clean URLs like docusaurus serve', async () => {
    const res = await fetch(`${server.url}/docs/ingress-gateway`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('ingress');
  });

  it('answers unknown pages with the locale 404 page', async () => {
    const zh = await fetch(`${server.url}/docs/nope`);
    expect(zh.status).toBe(404);
    expect(await zh.text()).toContain('<h1>not found');
    const en = await fetch(`${server.url}/en/docs/nope`);
    expect(en.status).toBe(404);
    expect(await en.text()).toContain('en not found');
  });

  it.each(['/../secret.txt', '/%2e%2e/secret.txt', '/docs/%2e%2e/%2e%2e/secret.txt', '/%zz'])('never serves files outside the site: %s', async (path) => {
    const status = await new Promise<number>((resolve, reject) => {
      const url = new URL(server.url);
      const req = request({ host: '127.0.0.1', port: url.port, path, method: 'GET' }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect([400, 404]).toContain(status);
    expect(siteFileFor(join(dir, 'site'), path)).toBeUndefined();
  });

  /** A session as a browser gets it: from a page load. */
  async function session(): Promise<string> {
    const res = await fetch(`${server.url}/`);
    return (res.headers.get('set-cookie') ?? '').split(';')[0]!;
  }

  it('gives every visitor a signed httpOnly session cookie, stable across requests', async () => {
    const first = await fetch(`${server.url}/api/session`);
    const setCookie = first.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(new RegExp(`^${SESSION_COOKIE}=[A-Za-z0-9_-]{43}\\.[^;]+;`));
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    const cookie = setCookie.split(';')[0]!;
    const sessionId = decodeURIComponent(cookie.split('=')[1]!).split('.')[0]!;
    const body = (await first.json()) as { learnerId: string; cluster: unknown };
    expect(body.learnerId).toBe(learnerIdFor(sessionId));
    expect(body.cluster).toBeNull();

    const again = await fetch(`${server.url}/api/session`, { headers: { cookie } });
    expect(again.headers.get('set-cookie')).toBeNull();
    expect(((await again.json()) as { learnerId: string }).learnerId).toBe(body.learnerId);
  });

  it.each([
    ['a bare id (fixation)', () => `${SESSION_COOKIE}=${'a'.repeat(43)}`],
    ['a forged signature', () => `${SESSION_COOKIE}=${'a'.repeat(43)}.${'b'.repeat(43)}`],
  ])('replaces %s with a new session', async (_, cookie) => {
    const res = await fetch(`${server.url}/api/session`, { headers: { cookie: cookie() } });
    const set = res.headers.get('set-cookie') ?? '';
    expect(set).toMatch(new RegExp(`^${SESSION_COOKIE}=`));
    expect(((await res.json()) as { learnerId: string }).learnerId).not.toBe(learnerIdFor('a'.repeat(43)));
  });

  it('a cookieless GET /api/session makes no home directory', async () => {
    const before = existsSync(join(dir, 'data', 'learners')) ? readdirSync(join(dir, 'data', 'learners')).length : 0;
    for (let i = 0; i < 20; i++) await fetch(`${server.url}/api/session`);
    const after = existsSync(join(dir, 'data', 'learners')) ? readdirSync(join(dir, 'data', 'learners')).length : 0;
    expect(after).toBe(before);
  });

  it('a cookieless POST /api/cluster flood starts no cluster', async () => {
    const before = driver.created;
    const answers = await Promise.all(Array.from({ length: 30 }, () => fetch(`${server.url}/api/cluster`, { method: 'POST' })));
    expect(answers.map((r) => r.status)).toEqual(Array(30).fill(401));
    expect(driver.created).toBe(before);
  });

  it.each([
    ['a foreign Origin', { origin: 'http://evil.example' }],
    ['another port of the same host', { origin: 'http://127.0.0.1:1' }],
    ['Sec-Fetch-Site same-site', { 'sec-fetch-site': 'same-site' }],
    ['Origin null', { origin: 'null' }],
  ])('refuses state-changing requests from %s', async (_, headers) => {
    const cookie = await session();
    const before = driver.created;
    const res = await fetch(`${server.url}/api/cluster`, { method: 'POST', headers: { cookie, ...headers } });
    expect(res.status).toBe(403);
    expect(driver.created).toBe(before);
  });

  it('refuses foreign Host names, and issues them no cookie', async () => {
    const url = new URL(server.url);
    const answer = await new Promise<{ status: number; cookie: unknown }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: url.port, path: '/', headers: { host: 'evil.example' } }, (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, cookie: res.headers['set-cookie'] });
      });
      req.on('error', reject);
      req.end();
    });
    expect(answer).toEqual({ status: 403, cookie: undefined });
  });

  it('creates one cluster per learner, on demand', async () => {
    const headers = { cookie: await session(), origin: `http://127.0.0.1:${new URL(server.url).port}` };
    const before = driver.created;
    const [a, b] = await Promise.all([
      fetch(`${server.url}/api/cluster`, { method: 'POST', headers }),
      fetch(`${server.url}/api/cluster`, { method: 'POST', headers }),
    ]);
    expect(a.status).toBe(200);
    expect(await a.json()).toEqual(await b.json());
    expect(driver.created).toBe(before + 1);
  });

  function upgrade(headers: Record<string, string>): Promise<number> {
    return new Promise((resolve) => {
      const ws = new WebSocket(`${server.url.replace('http', 'ws')}/api/test/ws`, { headers });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => resolve(-1));
    });
  }

  it('refuses WebSockets without a session cookie', async () => {
    expect(await upgrade({ origin: server.url })).toBe(401);
  });

  it('refuses WebSockets from another origin, even with a session', async () => {
    const cookie = await session();
    expect(await upgrade({ origin: 'http://evil.example', cookie })).toBe(403);
    expect(await upgrade({ cookie })).toBe(403);
    expect(await upgrade({ origin: 'http://127.0.0.1:1', cookie })).toBe(403);
  });

  it('refuses a rebound WebSocket: foreign Host with its own matching Origin', async () => {
    expect(await upgrade({ host: 'evil.example', origin: 'http://evil.example', cookie: await session() })).toBe(403);
  });

  it('refuses WebSockets with an unknown cookie', async () => {
    expect(await upgrade({ origin: server.url.replace('localhost', '127.0.0.1'), cookie: `${SESSION_COOKIE}=${'c'.repeat(43)}` })).toBe(401);
  });

  it('passes authenticated same-origin upgrades to the route with the learner', async () => {
    const url = new URL(server.url);
    const cookie = await session();
    const status = await upgrade({ origin: `http://127.0.0.1:${url.port}`, host: `127.0.0.1:${url.port}`, cookie });
    expect(status).toBe(418);
    expect(upgradesSeen).toContain(learnerIdFor(decodeURIComponent(cookie.split('=')[1]!).split('.')[0]!));
  });

  it('answers 404 for WebSockets on unknown paths', async () => {
    const status = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${server.url.replace('http', 'ws')}/nope`, { headers: { origin: server.url } });
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.on('error', () => resolve(-1));
    });
    expect(status).toBe(404);
  });

  it('destroys learner clusters on close', async () => {
    await fetch(`${server.url}/api/cluster`, { method: 'POST', headers: { cookie: await session() } });
    const created = driver.created;
    await server.close();
    expect(driver.destroyed).toBe(created);
  });
});

describe('request rate limit per client address', () => {
  const LIMIT = 10;
  let dir: string;
  let server: SiteServer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'meshlab-app-rate-'));
    server = await createSiteServer({
      config: { port: 0, host: '127.0.0.1', dataDir: join(dir, 'data'), siteDir: join(dir, 'site'), labsDir: dir, allowedOrigins: [], unsafeNoSandbox: false, requestsPerMinute: LIMIT, trustProxy: ['127.0.0.1'] },
      driver: countingDriver(),
      logger: pino({ level: 'silent' }),
      routes: [],
    });
  });

  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A GET as seen from `client` (through the trusted proxy on 127.0.0.1), with extra headers. */
  async function get(client: string, path = '/api/session', headers: Record<string, string> = {}): Promise<{ status: number; retryAfter: unknown; body: string }> {
    const url = new URL(server.url);
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: url.port, path, headers: { 'x-forwarded-for': client, ...headers } }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'], body }));
      });
      req.on('error', reject);
      req.end();
    });
  }

  it('answers 429 with Retry-After past the limit, to that address only; refused host names count too, /healthz never', async () => {
    for (let i = 0; i < LIMIT - 1; i++) expect((await get('203.0.113.5')).status).toBe(200);
    expect((await get('203.0.113.5', '/', { host: 'evil.example' })).status).toBe(403);
    const over = await get('203.0.113.5');
    expect(over.status).toBe(429);
    expect(Number(over.retryAfter)).toBeGreaterThan(0);
    expect(Number(over.retryAfter)).toBeLessThanOrEqual(60);
    expect(JSON.parse(over.body)).toEqual({ error: expect.stringMatching(/^Too many requests from your address \(more than 10 a minute\): retry in \d+ s\.$/), retryAfterSeconds: Number(over.retryAfter) });
    expect((await get('203.0.113.5', '/healthz')).status).toBe(200);
    expect((await get('203.0.113.6')).status).toBe(200);
  });

  it('takes the address from the connection when the peer is no trusted proxy', async () => {
    const direct = await createSiteServer({
      config: { port: 0, host: '127.0.0.1', dataDir: join(dir, 'direct'), siteDir: join(dir, 'site'), labsDir: dir, allowedOrigins: [], unsafeNoSandbox: false, requestsPerMinute: 3 },
      driver: countingDriver(),
      logger: pino({ level: 'silent' }),
      routes: [],
    });
    try {
      const statuses: number[] = [];
      // A client that names a new address each time is still one address.
      for (let i = 0; i < 4; i++) statuses.push((await fetch(`${direct.url}/api/session`, { headers: { 'x-forwarded-for': `198.51.100.${i}` } })).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
    } finally {
      await direct.close();
    }
  });
});

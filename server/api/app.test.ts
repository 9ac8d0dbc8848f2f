import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { ClusterDriver, ClusterHandle } from '../drivers/types.ts';
import { createSiteServer, siteFileFor, type SiteServer } from './app.ts';
import { SESSION_COOKIE, learnerIdFor } from './learners.ts';

function fakeDriver(): ClusterDriver & { created: number; destroyed: number } {
  const d = {
    name: 'embedded' as const,
    parallel: true,
    created: 0,
    destroyed: 0,
    async preflight() {
      return { ok: true, problems: [] };
    },
    async create(): Promise<ClusterHandle> {
      d.created++;
      return {
        id: `c${d.created}`,
        driver: 'embedded',
        kubeconfigPath: '/nonexistent',
        ingress: { host: '127.0.0.1', port: 31000 + d.created },
        shellEnv: () => ({}),
        reset: async () => {},
        destroy: async () => {
          d.destroyed++;
        },
      };
    },
  };
  return d;
}

describe('site server shell', () => {
  let dir: string;
  let server: SiteServer;
  let driver: ReturnType<typeof fakeDriver>;
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
    driver = fakeDriver();
    upgradesSeen = [];
    server = await createSiteServer({
      config: { port: 0, host: '127.0.0.1', dataDir: join(dir, 'data'), siteDir: site, labsDir: dir, allowedOrigins: [], unsafeNoSandbox: false },
      driver,
      logger: pino({ level: 'silent' }),
      routes: [
        (_app, ctx) =>
          ctx.onUpgrade('/api/test/ws', (req, socket, _head, learner) => {
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

  it('gives every visitor an httpOnly session cookie, stable across requests', async () => {
    const first = await fetch(`${server.url}/api/session`);
    const setCookie = first.headers.get('set-cookie') ?? '';
    expect(setCookie).toMatch(new RegExp(`^${SESSION_COOKIE}=[A-Za-z0-9_-]{43};`));
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    const secret = setCookie.split(';')[0]!.split('=')[1]!;
    const body = (await first.json()) as { learnerId: string; cluster: unknown };
    expect(body.learnerId).toBe(learnerIdFor(secret));
    expect(body.cluster).toBeNull();

    const again = await fetch(`${server.url}/api/session`, { headers: { cookie: `${SESSION_COOKIE}=${secret}` } });
    expect(again.headers.get('set-cookie')).toBeNull();
    expect(((await again.json()) as { learnerId: string }).learnerId).toBe(body.learnerId);
  });

  it('creates one cluster per learner, on demand', async () => {
    const secret = 'a'.repeat(43);
    const headers = { cookie: `${SESSION_COOKIE}=${secret}` };
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
    expect(await upgrade({ origin: 'http://evil.example', cookie: `${SESSION_COOKIE}=${'b'.repeat(43)}` })).toBe(403);
    expect(await upgrade({ cookie: `${SESSION_COOKIE}=${'b'.repeat(43)}` })).toBe(403);
  });

  it('passes authenticated same-origin upgrades to the route with the learner', async () => {
    const url = new URL(server.url);
    const status = await upgrade({ origin: `http://127.0.0.1:${url.port}`, host: `127.0.0.1:${url.port}`, cookie: `${SESSION_COOKIE}=${'c'.repeat(43)}` });
    expect(status).toBe(418);
    expect(upgradesSeen).toContain(learnerIdFor('c'.repeat(43)));
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
    const secret = 'd'.repeat(43);
    await fetch(`${server.url}/api/cluster`, { method: 'POST', headers: { cookie: `${SESSION_COOKIE}=${secret}` } });
    const created = driver.created;
    await server.close();
    expect(driver.destroyed).toBe(created);
  });
});

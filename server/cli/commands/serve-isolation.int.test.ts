// The attacks of "one server, many strangers" replayed against a real `meshlab serve` (serve-process.ts:
// a free port, a throwaway data directory), with two learners A and B
// and an anonymous client. Each must now fail safely while B's work goes on.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { findTool } from '../../tools/binaries.ts';
import { startServe, type ServeProcess } from '../serve-process.ts';
import { run, type RunResult } from '../../sim/apiserver/testing/kubectl.ts';

const IDLE_CONNECTIONS = 20_000;

let dir: string;
let dataDir: string;
let server: ServeProcess;
let base: string;
let origin: string;

interface LearnerClient {
  cookie: string;
  kubeconfig: string;
  kubectl(args: string[], opts?: { input?: string; timeoutMs?: number }): Promise<RunResult>;
}

async function newSession(): Promise<string> {
  const res = await fetch(`${base}/docs/`);
  const set = res.headers.get('set-cookie');
  if (!set) throw new Error('no session cookie');
  return set.split(';')[0]!;
}

async function learner(): Promise<LearnerClient> {
  const cookie = await newSession();
  const res = await fetch(`${base}/api/cluster`, { method: 'POST', headers: { cookie, origin } });
  const body = (await res.json()) as { id: string; error?: string };
  if (res.status !== 200) throw new Error(`cluster: ${res.status} ${body.error}`);
  const kubeconfig = join(dataDir, 'clusters', body.id, 'kubeconfig');
  const kubectl = findTool('kubectl');
  return {
    cookie,
    kubeconfig,
    kubectl: (args, opts) => run(kubectl, ['--kubeconfig', kubeconfig, '--cache-dir', mkdtempSync(join(dir, 'cache-')), ...args], { HOME: dir }, opts),
  };
}

/** A request with exactly the headers given (fetch would set its own Host and Origin). */
function rawRequest(method: string, path: string, headers: Record<string, string>): Promise<{ status: number; setCookie: string[] | undefined; body: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: url.hostname, port: url.port, method, path, headers }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, setCookie: res.headers['set-cookie'], body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function upgrade(headers: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${base.replace('http', 'ws')}/api/terminals/ws`, { headers });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('error', () => resolve(-1));
  });
}

/** Descriptors the server process holds open now. */
function serverDescriptors(): number {
  return readdirSync(`/proc/${server.child.pid}/fd`).length;
}

function clusterDirs(): number {
  return existsSync(join(dataDir, 'clusters')) ? readdirSync(join(dataDir, 'clusters')).length : 0;
}

let a: LearnerClient;
let b: LearnerClient;

beforeAll(async () => {
  // 20,000 client sockets need more descriptors than the default 20,000 of this machine.
  spawnSync('prlimit', ['--pid', String(process.pid), '--nofile=65536:65536'], { stdio: 'ignore' });
  dir = mkdtempSync(join(tmpdir(), 'meshlab-isolation-'));
  dataDir = join(dir, 'data');
  server = await startServe({ dataDir, args: ['--clusters-per-session-per-minute', '5'] });
  base = server.url;
  origin = base;
  [a, b] = await Promise.all([learner(), learner()]);
}, 90_000);

afterAll(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('meshlab serve under attack', () => {
  it(`A's ${IDLE_CONNECTIONS} idle connections to A's API server leave B's kubectl, /healthz and new clusters working`, async () => {
    const server = new URL(/server: (\S+)/.exec(readFileSync(a.kubeconfig, 'utf8'))![1]!);
    const sockets: Socket[] = [];
    let opened = 0;
    try {
      for (let i = 0; i < IDLE_CONNECTIONS; i++) {
        const s = connect(Number(server.port), server.hostname);
        s.on('connect', () => opened++);
        s.on('error', () => {});
        sockets.push(s);
        if (i % 500 === 499) await new Promise((r) => setTimeout(r, 20));
      }
      await new Promise((r) => setTimeout(r, 1000));
      expect(opened).toBeGreaterThan(IDLE_CONNECTIONS / 2);
      // The per-cluster connection cap holds the server's descriptors (not the raised descriptor limit alone).
      expect(serverDescriptors()).toBeLessThan(IDLE_CONNECTIONS / 4);
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      const pods = await b.kubectl(['get', 'pods', '-A']);
      expect(pods.code, pods.stderr).toBe(0);
      expect(pods.stdout).toContain('istio-system');
      const c = await learner();
      expect((await c.kubectl(['get', 'namespaces'])).code).toBe(0);
    } finally {
      for (const s of sockets) s.destroy();
    }
    // About 17 s on an idle 2-core machine; the margin is for a loaded one.
  }, 90_000);

  it('a 3 MB ConfigMap gets the real error through the real kubectl', async () => {
    const big = JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'big' }, data: { k: 'x'.repeat(3_000_000) } });
    const r = await a.kubectl(['create', '-f', '-'], { input: big, timeoutMs: 30_000 });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('The ConfigMap "big" is invalid: []: Too long: may not be more than 1048576 bytes');
  });

  it('a flood of objects hits the quota with the real error', async () => {
    expect((await a.kubectl(['create', 'quota', 'flood', '--hard=configmaps=20'])).code).toBe(0);
    const docs = Array.from({ length: 40 }, (_, i) => JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `flood-${i}` }, data: { k: 'x'.repeat(100_000) } })).join('\n');
    const r = await a.kubectl(['create', '-f', '-'], { input: docs, timeoutMs: 30_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/configmaps "flood-\d+" is forbidden: exceeded quota: flood, requested: configmaps=1, used: configmaps=20, limited: configmaps=20/);
    // B is untouched by A's quota.
    expect((await b.kubectl(['create', 'configmap', 'mine', '--from-literal=k=v'])).code).toBe(0);
  });

  it('LIST paging with kubectl get --chunk-size', async () => {
    const r = await a.kubectl(['get', 'configmaps', '--chunk-size=3', '-o', 'name']);
    expect(r.code, r.stderr).toBe(0);
    const whole = await a.kubectl(['get', 'configmaps', '-o', 'name']);
    // The server really pages: the first page of 3 names where the rest starts.
    const page = await a.kubectl(['get', '--raw', '/api/v1/namespaces/default/configmaps?limit=3']);
    const list = JSON.parse(page.stdout) as { items: unknown[]; metadata: { continue?: string; remainingItemCount?: number } };
    expect(list.items).toHaveLength(3);
    expect(list.metadata.continue).toBeTruthy();
    expect(list.metadata.remainingItemCount).toBe(whole.stdout.trim().split('\n').length - 3);
    expect(r.stdout.trim().split('\n').length).toBeGreaterThan(9);
    expect(r.stdout).toBe(whole.stdout);
  });

  it('answers 429 with Retry-After under an in-flight flood', async () => {
    const server = new URL(/server: (\S+)/.exec(readFileSync(a.kubeconfig, 'utf8'))![1]!);
    const token = /token: (\S+)/.exec(readFileSync(a.kubeconfig, 'utf8'))![1]!;
    const { request } = await import('node:https');
    const held = Array.from({ length: 80 }, () => {
      const req = request({ host: server.hostname, port: server.port, method: 'POST', path: '/api/v1/namespaces/default/configmaps', rejectUnauthorized: false, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', 'Content-Length': '100' } });
      req.on('error', () => {});
      req.write('{');
      return req;
    });
    try {
      await new Promise((r) => setTimeout(r, 1000));
      const answer = await new Promise<{ status: number; retryAfter: unknown; body: string }>((resolve, reject) => {
        const req = request({ host: server.hostname, port: server.port, path: '/api/v1/namespaces', rejectUnauthorized: false, headers: { Authorization: `Bearer ${token}` } }, (res) => {
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'], body }));
        });
        req.on('error', reject);
        req.end();
      });
      expect(answer.status).toBe(429);
      expect(answer.retryAfter).toBe('1');
      expect(JSON.parse(answer.body)).toMatchObject({ reason: 'TooManyRequests', message: 'Too many requests, please try again later.' });
      expect((await b.kubectl(['get', 'pods'])).code).toBe(0);
    } finally {
      for (const r of held) r.destroy();
    }
  });

  it('a cookieless POST /api/cluster flood creates no cluster', async () => {
    const before = clusterDirs();
    const answers = await Promise.all(Array.from({ length: 60 }, () => fetch(`${base}/api/cluster`, { method: 'POST' })));
    expect(new Set(answers.map((r) => r.status))).toEqual(new Set([401]));
    expect(clusterDirs()).toBe(before);
  });

  it('a foreign Host or Origin is refused on HTTP and WebSocket, and gets no cookie', async () => {
    const port = new URL(base).port;
    const rebound = await rawRequest('GET', '/', { host: `evil.example:${port}` });
    expect(rebound.status).toBe(403);
    expect(rebound.setCookie).toBeUndefined();
    const post = await rawRequest('POST', '/api/cluster', { host: `127.0.0.1:${port}`, origin: 'http://evil.example', cookie: b.cookie });
    expect(post.status).toBe(403);
    expect(await upgrade({ host: `evil.example:${port}`, origin: `http://evil.example:${port}`, cookie: b.cookie })).toBe(403);
    expect(await upgrade({ origin: 'http://evil.example', cookie: b.cookie })).toBe(403);
  });

  it('a cross-port no-cors fetch cannot reset a lab', async () => {
    expect((await b.kubectl(['create', 'namespace', 'bookinfo'])).code).toBe(0);
    const port = new URL(base).port;
    // What a page on http://127.0.0.1:8081 sends with fetch(url, { method: 'POST', mode: 'no-cors', credentials: 'include' }).
    const forged = await rawRequest('POST', '/api/labs/ingress-gateway/reset', { host: `127.0.0.1:${port}`, origin: 'http://127.0.0.1:8081', 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'no-cors', cookie: b.cookie });
    expect(forged.status).toBe(403);
    expect((await b.kubectl(['get', 'namespace', 'bookinfo'])).code).toBe(0);
  });

  it('an unknown cookie is replaced by a new session', async () => {
    const r = await rawRequest('GET', '/api/session', { host: new URL(base).host, cookie: `meshlab_session=${'a'.repeat(43)}` });
    expect(r.setCookie?.[0]).toMatch(/^meshlab_session=[A-Za-z0-9_-]{43}\./);
    const forged = await fetch(`${base}/api/cluster`, { method: 'POST', headers: { cookie: `meshlab_session=${'a'.repeat(43)}`, origin } });
    expect(forged.status).toBe(401);
  });
});

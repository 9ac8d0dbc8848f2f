// The workshop API on the real site server (fake cluster driver and lab runner): seats, codes,
// ownership, the live dashboard, reset, broadcast, export and a restart of the server.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { ClusterDriver, ClusterHandle } from '../drivers/types.ts';
import type { StepReport } from '../protocol/runner-events.ts';
import type { Lab } from '../runner/lab.ts';
import { createSiteServer, type SiteServer } from './app.ts';
import { registerLabRoutesWith, type LabRunner } from './lab-routes.ts';
import { SESSION_COOKIE } from './learners.ts';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { signature } from '../workshops/webhook.ts';
import { createTerminalRoutes } from './terminal-routes.ts';
import { ATTENDEE_WS_PATH, DASHBOARD_WS_PATH, WATCH_WS_PATH, registerWorkshopRoutesWith } from './workshop-routes.ts';
import { decodeOutputFrame, TERMINAL_WS_PATH } from '../protocol/terminal.ts';
import type { PtyLike } from '../terminals/terminal.ts';
import { TestTerminalClient } from '../terminals/testing/client.ts';

const TOKEN = 'instructor-token-for-tests-0123456789';
const LAB = { id: 'ingress-gateway', requires: {}, steps: [{ id: 'deploy-httpbin' }, { id: 'gateway' }] } as unknown as Lab;
const stepsOf = (lab: string) => (lab === LAB.id ? LAB.steps.map((s) => s.id) : []);

function fakeDriver(): ClusterDriver & { resets: string[]; destroyed: string[]; created: string[] } {
  let n = 0;
  const d = {
    name: 'embedded' as const,
    parallel: true,
    resets: [] as string[],
    destroyed: [] as string[],
    created: [] as string[],
    async preflight() {
      return { ok: true, problems: [] };
    },
    async create(): Promise<ClusterHandle> {
      const id = `c${++n}`;
      d.created.push(id);
      return {
        id,
        driver: 'embedded',
        kubeconfigPath: '/nonexistent',
        ingress: { host: '127.0.0.1', port: 31000 + n },
        shellEnv: () => ({}),
        reset: async () => void d.resets.push(id),
        destroy: async () => void d.destroyed.push(id),
      };
    },
  };
  return d;
}

/** Checks pass for a learner once `passing` holds their cluster id. */
function fakeRunner(passing: Set<string>): LabRunner {
  return {
    loadLabs: () => [LAB],
    async checkStep(handle, _lab, step): Promise<StepReport> {
      const ok = passing.has(handle.id);
      return { id: step, title: { 'zh-Hans': step, en: step }, status: ok ? 'passed' : 'failed', durationMs: 1, commands: [], checks: [] } as unknown as StepReport;
    },
    solutionFor: () => [{ run: 'kubectl get pods', exitCode: [0], deliberateWaitSeconds: 0 }],
    resetLab: async () => undefined,
  };
}

/** A shell that echoes what is typed, prompt first (enough to see input and output travel). */
function echoPty(): PtyLike {
  const listeners: ((d: string) => void)[] = [];
  const emit = (d: string) => setTimeout(() => listeners.forEach((l) => l(d)), 0);
  emit('$ ');
  return {
    pid: 1,
    onData: (l) => void listeners.push(l),
    onExit: () => undefined,
    write: (d) => emit(d.replace(/\r/g, '\r\n$ ')),
    resize: () => undefined,
    pause: () => undefined,
    resume: () => undefined,
    kill: () => undefined,
  };
}

interface Client {
  cookie: string;
  call(method: string, path: string, body?: unknown, bearer?: string): Promise<{ status: number; json: any; text: string; setCookie: string | null }>;
}

function client(base: () => string, cookie = ''): Client {
  const c: Client = {
    cookie,
    async call(method, path, body, bearer) {
      const headers: Record<string, string> = { origin: base() };
      if (c.cookie) headers.cookie = c.cookie;
      if (body !== undefined) headers['content-type'] = 'application/json';
      if (bearer) headers.authorization = `Bearer ${bearer}`;
      const res = await fetch(`${base()}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
      const setCookie = res.headers.get('set-cookie');
      const m = setCookie && new RegExp(`${SESSION_COOKIE}=([^;]+)`).exec(setCookie);
      if (m) c.cookie = `${SESSION_COOKIE}=${m[1]}`;
      const text = await res.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: res.status, json, text, setCookie };
    },
  };
  return c;
}

function socket(base: string, path: string, cookie: string): Promise<{ ws: WebSocket; messages: any[]; next(pred: (m: any) => boolean): Promise<any> }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${base.replace('http', 'ws')}${path}`, { headers: { origin: base, cookie } });
    const messages: any[] = [];
    const waiters: { pred: (m: any) => boolean; resolve: (m: any) => void }[] = [];
    ws.on('message', (data) => {
      const m = JSON.parse(String(data));
      messages.push(m);
      for (const w of [...waiters]) if (w.pred(m)) (waiters.splice(waiters.indexOf(w), 1), w.resolve(m));
    });
    ws.on('open', () =>
      resolve({
        ws,
        messages,
        next: (pred) =>
          new Promise((res, rej) => {
            const seen = messages.find(pred);
            if (seen) return res(seen);
            waiters.push({ pred, resolve: res });
            setTimeout(() => rej(new Error(`no matching message; got ${JSON.stringify(messages.map((x) => x.type))}`)), 3000);
          }),
      }),
    );
    ws.on('error', reject);
    ws.on('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: ${res.statusCode}`)));
  });
}

describe('workshop API', () => {
  let dir: string;
  let server: SiteServer;
  let driver: ReturnType<typeof fakeDriver>;
  const passing = new Set<string>();
  // The webhook's receiver, on 127.0.0.1.
  let receiver: Server;
  let hookUrl: string;
  const HOOK_SECRET = 'hook-secret-for-tests-0123456789';
  const hooks: { headers: IncomingHttpHeaders; body: string }[] = [];

  async function start(): Promise<SiteServer> {
    return createSiteServer({
      config: { port: 0, host: '127.0.0.1', dataDir: join(dir, 'data'), siteDir: join(dir, 'site'), labsDir: dir, allowedOrigins: [], unsafeNoSandbox: false, instructorToken: TOKEN },
      driver,
      logger: pino({ level: 'silent' }),
      routes: [
        createTerminalRoutes({ spawnShell: echoPty }),
        (app, ctx) => registerLabRoutesWith(app, ctx, { runner: fakeRunner(passing) }),
        (app, ctx) => registerWorkshopRoutesWith(app, ctx, { stepsOf, webhook: { url: hookUrl, secret: HOOK_SECRET } }),
      ],
    });
  }

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => (hooks.push({ headers: req.headers, body }), res.end()));
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    hookUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/meshlab`;
    dir = mkdtempSync(join(tmpdir(), 'meshlab-workshops-'));
    driver = fakeDriver();
    server = await start();
  });

  afterAll(async () => {
    await server.close();
    await new Promise((r) => receiver.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  const base = () => server.url.replace('localhost', '127.0.0.1');
  const instructor = () => client(base);
  /** A browser on the dashboard page: it has a session cookie like every page visitor. */
  async function dashboardSocket() {
    const page = instructor();
    await page.call('GET', '/api/session');
    return socket(base(), DASHBOARD_WS_PATH, page.cookie);
  }

  async function createWorkshop(seats: number): Promise<{ id: string; joinCode: string; joinUrl: string }> {
    const res = await instructor().call('POST', '/api/workshops', { title: 'Ingress and egress', labs: ['ingress-gateway'], seats }, TOKEN);
    expect(res.status, res.text).toBe(201);
    return res.json;
  }

  async function joinAs(code: string, name: string): Promise<Client & { attendeeId: string; workshopId: string }> {
    const c = client(base);
    const res = await c.call('POST', '/api/workshops/join', { code, name });
    expect(res.status, res.text).toBe(200);
    return Object.assign(c, res.json as { attendeeId: string; workshopId: string });
  }

  it('answers 401 on every instructor route without the token, and with a wrong one', async () => {
    const w = await createWorkshop(2);
    const a = await joinAs(w.joinCode, 'Ada');
    const routes: [string, string, unknown?][] = [
      ['POST', '/api/workshops', { title: 't', labs: ['ingress-gateway'], seats: 1 }],
      ['GET', '/api/workshops'],
      ['GET', `/api/workshops/${w.id}`],
      ['POST', `/api/workshops/${w.id}/attendees/${a.attendeeId}/reset`],
      ['POST', `/api/workshops/${w.id}/broadcast`, { message: 'hi' }],
      ['POST', `/api/workshops/${w.id}/revoke`],
      ['POST', `/api/workshops/${w.id}/extend`, { endsAt: new Date(Date.now() + 3600_000).toISOString() }],
      ['GET', `/api/workshops/${w.id}/export.csv`],
      ['GET', `/api/workshops/${w.id}/export.json`],
      ['DELETE', `/api/workshops/${w.id}`],
    ];
    for (const [method, path, body] of routes) {
      expect((await a.call(method, path, body)).status, `${method} ${path}`).toBe(401);
      expect((await a.call(method, path, body, 'wrong-token')).status, `${method} ${path} wrong token`).toBe(401);
    }
  });

  it('validates bodies with clear errors', async () => {
    const bad = await instructor().call('POST', '/api/workshops', { title: 'x', labs: ['no-such-lab'], seats: 3 }, TOKEN);
    expect(bad.status).toBe(400);
    expect(bad.json.error).toContain('no-such-lab');
    const seats = await instructor().call('POST', '/api/workshops', { title: 'x', labs: ['ingress-gateway'], seats: 0 }, TOKEN);
    expect(seats.status).toBe(400);
    expect(seats.json.error).toContain('seats');
    const noName = await client(base).call('POST', '/api/workshops/join', { code: 'ABCDEF', name: '  ' });
    expect(noName.status).toBe(400);
    expect(noName.json.error).toContain('name');
  });

  it('gives exactly `seats` of many concurrent joins a seat and 409 to the rest', async () => {
    const w = await createWorkshop(5);
    const results = await Promise.all(Array.from({ length: 14 }, (_, i) => client(base).call('POST', '/api/workshops/join', { code: w.joinCode, name: `p${i}` })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(5);
    expect(results.filter((r) => r.status === 409)).toHaveLength(9);
    const view = await instructor().call('GET', `/api/workshops/${w.id}`, undefined, TOKEN);
    expect(view.json.attendees).toHaveLength(5);
  });

  it('refuses unknown codes and, once revoked, the workshop code (403); a joined attendee rejoins without a new seat', async () => {
    const w = await createWorkshop(3);
    expect((await client(base).call('POST', '/api/workshops/join', { code: 'ZZZZZZ', name: 'x' })).status).toBe(403);
    const a = await joinAs(w.joinCode.toLowerCase(), 'Ada');
    const again = await a.call('POST', '/api/workshops/join', { code: w.joinCode, name: 'Ada' });
    expect(again.json).toMatchObject({ attendeeId: a.attendeeId, rejoined: true });
    expect((await instructor().call('POST', `/api/workshops/${w.id}/revoke`, undefined, TOKEN)).status).toBe(200);
    const late = await client(base).call('POST', '/api/workshops/join', { code: w.joinCode, name: 'late' });
    expect(late.status).toBe(403);
    expect(late.json.error).toContain('revoked');
  });

  it("answers 403 to an attendee on another attendee's hand, results; their own terminal and lab are the caller's session alone", async () => {
    const w = await createWorkshop(2);
    const a = await joinAs(w.joinCode, 'Ada');
    const b = await joinAs(w.joinCode, 'Bob');
    expect(a.cookie).not.toBe(b.cookie);
    expect((await a.call('POST', `/api/workshops/${w.id}/attendees/${b.attendeeId}/hand`, { raised: true })).status).toBe(403);
    expect((await a.call('GET', `/api/workshops/${w.id}/attendees/${b.attendeeId}/results`)).status).toBe(403);
    expect((await a.call('GET', `/api/workshops/${w.id}/attendees/${a.attendeeId}/results`)).status).toBe(200);
    expect((await a.call('GET', `/api/workshops/${w.id}`)).status).toBe(401);
    // Clusters: each attendee's session has its own.
    const ca = await a.call('POST', '/api/cluster');
    const cb = await b.call('POST', '/api/cluster');
    expect(ca.json.id).not.toBe(cb.json.id);
    // The attendee socket carries only the caller's own banner.
    const sa = await socket(base(), ATTENDEE_WS_PATH, a.cookie);
    const first = await sa.next((m) => m.type === 'banner');
    expect(first.attendee.id).toBe(a.attendeeId);
    expect(JSON.stringify(first)).not.toContain(b.attendeeId);
    sa.ws.close();
  });

  it('pushes the grid to the dashboard as an attendee runs a Check, raises a hand and is reset without touching others', async () => {
    const w = await createWorkshop(3);
    const a = await joinAs(w.joinCode, 'Ada');
    const b = await joinAs(w.joinCode, 'Bob');
    const dash = await dashboardSocket();
    dash.ws.send(JSON.stringify({ token: TOKEN, workshopId: w.id }));
    await dash.next((m) => m.type === 'workshop' && m.workshop.attendees.length === 2);

    const ca = (await a.call('POST', '/api/cluster')).json.id as string;
    const cb = (await b.call('POST', '/api/cluster')).json.id as string;
    expect((await a.call('POST', '/api/labs/ingress-gateway/steps/deploy-httpbin/check')).json.passed).toBe(false);
    const failed = await dash.next((m) => m.workshop?.attendees.find((x: any) => x.id === a.attendeeId)?.failedChecks === 1);
    expect(failed.workshop.attendees.find((x: any) => x.id === a.attendeeId).steps[0].state).toBe('failed');
    passing.add(ca).add(cb);
    await a.call('POST', '/api/labs/ingress-gateway/steps/deploy-httpbin/check');
    const passed = await dash.next((m) => m.workshop?.attendees.find((x: any) => x.id === a.attendeeId)?.stepsDone === 1);
    expect(passed.workshop.attendees.find((x: any) => x.id === a.attendeeId)).toMatchObject({ lab: 'ingress-gateway', step: 'gateway', failedChecks: 1 });
    await b.call('POST', '/api/labs/ingress-gateway/steps/deploy-httpbin/check');

    expect((await a.call('POST', `/api/workshops/${w.id}/attendees/${a.attendeeId}/hand`, { raised: true })).status).toBe(200);
    await dash.next((m) => m.workshop?.attendees.find((x: any) => x.id === a.attendeeId)?.handRaised === true);

    const reset = await instructor().call('POST', `/api/workshops/${w.id}/attendees/${a.attendeeId}/reset`, undefined, TOKEN);
    expect(reset.json).toMatchObject({ reset: true, clusterReset: true });
    expect(driver.resets).toEqual([ca]);
    const after = (await instructor().call('GET', `/api/workshops/${w.id}`, undefined, TOKEN)).json;
    expect(after.attendees.find((x: any) => x.id === a.attendeeId)).toMatchObject({ stepsDone: 0, failedChecks: 0, handRaised: false });
    expect(after.attendees.find((x: any) => x.id === b.attendeeId)).toMatchObject({ stepsDone: 1 });
    expect((await b.call('GET', '/api/labs/ingress-gateway/progress')).json.steps).toHaveLength(1);
    expect((await a.call('GET', '/api/labs/ingress-gateway/progress')).json.steps).toHaveLength(0);
    // The export keeps the history from before the reset.
    const csv = await instructor().call('GET', `/api/workshops/${w.id}/export.csv`, undefined, TOKEN);
    expect(csv.text.split('\r\n')[0]).toBe('attendee_id,attendee,lab,step,first_attempt_at,passed_at,attempts,solved_with_solve');
    const adaRow = csv.text.split('\r\n').find((l) => l.startsWith(`${a.attendeeId},Ada,ingress-gateway,deploy-httpbin,`))!;
    expect(adaRow.split(',')[6]).toBe('2');
    dash.ws.close();
  });

  it('refuses the dashboard socket without the right token', async () => {
    const w = await createWorkshop(1);
    const dash = await dashboardSocket();
    const closed = new Promise<number>((resolve) => dash.ws.on('close', (code) => resolve(code)));
    dash.ws.send(JSON.stringify({ token: 'nope', workshopId: w.id }));
    expect(await closed).toBe(4401);
    expect(dash.messages).toHaveLength(0);
  });

  it('broadcasts to attendees and records Solve in the export', async () => {
    const w = await createWorkshop(2);
    const a = await joinAs(w.joinCode, 'Ada');
    const b = await joinAs(w.joinCode, 'Bob');
    const sa = await socket(base(), ATTENDEE_WS_PATH, a.cookie);
    const sb = await socket(base(), ATTENDEE_WS_PATH, b.cookie);
    expect((await instructor().call('POST', `/api/workshops/${w.id}/broadcast`, { message: 'Break in 5 minutes' }, TOKEN)).status).toBe(200);
    for (const s of [sa, sb]) expect((await s.next((m) => m.type === 'message')).message.message).toBe('Break in 5 minutes');
    const ca = (await a.call('POST', '/api/cluster')).json.id as string;
    passing.add(ca);
    await a.call('GET', '/api/labs/ingress-gateway/steps/deploy-httpbin/solution');
    await a.call('POST', '/api/labs/ingress-gateway/steps/deploy-httpbin/check');
    const json = (await instructor().call('GET', `/api/workshops/${w.id}/export.json`, undefined, TOKEN)).json;
    expect(json.results.find((r: any) => r.attendeeId === a.attendeeId && r.step === 'deploy-httpbin')).toMatchObject({ attempts: 1, solvedWithSolve: true });
    expect(json.results.find((r: any) => r.attendeeId === b.attendeeId && r.step === 'deploy-httpbin')).toMatchObject({ attempts: 0, passedAt: null });
    sa.ws.close();
    sb.ws.close();
  });

  it("never lets attendee A open, resume, list, end or watch attendee B's terminal, even with B's terminal id and resume token", async () => {
    const w = await createWorkshop(2);
    const a = await joinAs(w.joinCode, 'Ada');
    const b = await joinAs(w.joinCode, 'Bob');
    const ws = `${base().replace('http', 'ws')}${TERMINAL_WS_PATH}`;
    const bobs = await TestTerminalClient.open(ws, { cookie: b.cookie, origin: base() });
    bobs.send({ type: 'hello', cols: 80, rows: 24 });
    await bobs.waitForMessage('ready');
    const ready = bobs.messages.find((m) => m.type === 'ready') as { terminalId: string; resumeToken: string };
    bobs.type('echo bob-secret\r');
    await bobs.waitForText('bob-secret');

    // Resuming Bob's terminal with Ada's cookie: the terminal is not Ada's, whatever she knows of it.
    const stolen = await TestTerminalClient.open(ws, { cookie: a.cookie, origin: base() });
    stolen.send({ type: 'hello', cols: 80, rows: 24, terminalId: ready.terminalId, resumeToken: ready.resumeToken });
    await stolen.waitForMessage('error');
    expect(stolen.messages.find((m) => m.type === 'error')).toMatchObject({ code: 'unknown-terminal' });
    expect(stolen.messages.some((m) => m.type === 'ready')).toBe(false);
    expect(stolen.text).not.toContain('bob-secret');
    await stolen.close();

    // Over HTTP: Bob's terminal is neither listed to Ada nor can she end it.
    const list = await a.call('GET', '/api/terminals');
    expect(list.status).toBe(200);
    expect(list.text).not.toContain(ready.terminalId);
    expect((await a.call('DELETE', `/api/terminals/${ready.terminalId}`)).status).toBe(404);
    expect((await b.call('GET', '/api/terminals')).text).toContain(ready.terminalId);

    // The instructor's watch socket with Ada's cookie: neither no token nor a guessed one opens
    // Bob's terminal, and not one byte of it is sent.
    for (const token of ['', 'instructor-token-guess-0123456789']) {
      const watch = await socket(base(), WATCH_WS_PATH, a.cookie);
      const frames: Buffer[] = [];
      watch.ws.on('message', (data, binary) => void (binary && frames.push(data as Buffer)));
      const closed = new Promise<number>((resolve) => watch.ws.on('close', (c) => resolve(c)));
      watch.ws.send(JSON.stringify({ token, workshopId: w.id, attendeeId: b.attendeeId }));
      expect(await closed).toBe(4401);
      expect(frames).toEqual([]);
    }
    // Bob's terminal is untouched and still his.
    bobs.type('echo still-bob\r');
    await bobs.waitForText('still-bob');
    await bobs.close();
  });

  it("shows the instructor an attendee's terminal live and read-only, with scrollback; a take-over is told to the attendee and recorded", async () => {
    const w = await createWorkshop(2);
    const a = await joinAs(w.joinCode, 'Ada');
    const b = await joinAs(w.joinCode, 'Bob');
    const term = await TestTerminalClient.open(`${base().replace('http', 'ws')}${TERMINAL_WS_PATH}`, { cookie: a.cookie, origin: base() });
    term.send({ type: 'hello', cols: 80, rows: 24 });
    await term.waitForText('$ ');
    term.type('echo before\r');
    await term.waitForText('echo before');
    const banner = await socket(base(), ATTENDEE_WS_PATH, a.cookie);
    await banner.next((m) => m.type === 'banner' && m.takenOver === false);

    // The instructor's browser: a session like every page visitor, the token in the first message.
    const page = instructor();
    await page.call('GET', '/api/session');
    const frames: string[] = [];
    const watch = await socket(base(), WATCH_WS_PATH, page.cookie).catch((e) => Promise.reject(e));
    watch.ws.removeAllListeners('message');
    const messages: any[] = [];
    watch.ws.on('message', (data, binary) => {
      if (binary) frames.push(Buffer.from(decodeOutputFrame(new Uint8Array(data as Buffer))!.data).toString());
      else messages.push(JSON.parse(String(data)));
    });
    const until = async (pred: () => boolean, what: string) => {
      for (let i = 0; i < 100 && !pred(); i++) await new Promise((r) => setTimeout(r, 20));
      expect(pred(), what).toBe(true);
    };
    watch.ws.send(JSON.stringify({ token: TOKEN, workshopId: w.id, attendeeId: a.attendeeId }));
    await until(() => messages.some((m) => m.type === 'watching'), 'watching');
    await until(() => frames.join('').includes('echo before'), 'scrollback');
    term.type('ls\r');
    await until(() => frames.join('').includes('ls\r\n'), 'live output');
    // Read-only: input before a take-over is refused and never reaches the shell.
    watch.ws.send(JSON.stringify({ type: 'input', data: 'whoami\r' }));
    await until(() => messages.some((m) => m.type === 'error' && /read-only/.test(m.message)), 'read-only error');
    expect(term.text).not.toContain('whoami');

    watch.ws.send(JSON.stringify({ type: 'takeover' }));
    expect((await banner.next((m) => m.type === 'takeover' && m.active)).active).toBe(true);
    watch.ws.send(JSON.stringify({ type: 'input', data: 'kubectl get pods\r' }));
    await term.waitForText('kubectl get pods');
    watch.ws.send(JSON.stringify({ type: 'release' }));
    await banner.next((m) => m.type === 'takeover' && !m.active);
    const audit = (await instructor().call('GET', `/api/workshops/${w.id}/export.json`, undefined, TOKEN)).json.audit.map((e: any) => `${e.attendeeId === a.attendeeId ? 'Ada' : '?'}:${e.kind}`);
    expect(audit).toEqual(['Ada:watch', 'Ada:takeover', 'Ada:release']);

    // Without the token, for another workshop's attendee, or for an attendee without a terminal: closed.
    for (const [hello, code] of [
      [{ token: 'wrong', workshopId: w.id, attendeeId: a.attendeeId }, 4401],
      [{ token: TOKEN, workshopId: (await createWorkshop(1)).id, attendeeId: a.attendeeId }, 4404],
      [{ token: TOKEN, workshopId: w.id, attendeeId: b.attendeeId }, 4404],
    ] as const) {
      const other = await socket(base(), WATCH_WS_PATH, page.cookie);
      const closed = new Promise<number>((resolve) => other.ws.on('close', (c) => resolve(c)));
      other.ws.send(JSON.stringify(hello));
      expect(await closed).toBe(code);
    }
    // An attendee cannot watch anyone, their own terminal included (no token).
    const self = await socket(base(), WATCH_WS_PATH, b.cookie);
    const closed = new Promise<number>((resolve) => self.ws.on('close', (c) => resolve(c)));
    self.ws.send(JSON.stringify({ token: '', workshopId: w.id, attendeeId: a.attendeeId }));
    expect(await closed).toBe(4401);
    watch.ws.close();
    banner.ws.close();
    await term.close();
  });

  it('sends signed webhook events: attendee joined, step passed (once), hand raised, workshop ended', async () => {
    const w = await createWorkshop(2);
    const a = await joinAs(w.joinCode, 'Ada');
    await a.call('POST', '/api/workshops/join', { code: w.joinCode, name: 'Ada' }); // a rejoin is no new event
    passing.add((await a.call('POST', '/api/cluster')).json.id as string);
    await a.call('POST', '/api/labs/ingress-gateway/steps/deploy-httpbin/check');
    await a.call('POST', '/api/labs/ingress-gateway/steps/deploy-httpbin/check'); // passed again: no second event
    await a.call('POST', `/api/workshops/${w.id}/attendees/${a.attendeeId}/hand`, { raised: true });
    await a.call('POST', `/api/workshops/${w.id}/attendees/${a.attendeeId}/hand`, { raised: true });
    await instructor().call('DELETE', `/api/workshops/${w.id}`, undefined, TOKEN);
    const mine = () => hooks.filter((h) => JSON.parse(h.body).workshopId === w.id);
    for (let i = 0; i < 100 && mine().length < 4; i++) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 100));
    expect(mine().map((h) => h.headers['x-meshlab-event'])).toEqual(['attendee.joined', 'step.passed', 'hand.raised', 'workshop.ended']);
    for (const h of mine()) expect(h.headers['x-meshlab-signature']).toBe(signature(HOOK_SECRET, h.body));
    expect(JSON.parse(mine()[1]!.body)).toMatchObject({ attendee: { id: a.attendeeId, name: 'Ada' }, lab: 'ingress-gateway', step: 'deploy-httpbin', solvedWithSolve: false });
  });

  it('keeps environments warm while seats are left: a join takes one whose cluster is up, and the pool refills', async () => {
    const until = async (pred: () => boolean, what: string) => {
      for (let i = 0; i < 200 && !pred(); i++) await new Promise((r) => setTimeout(r, 10));
      expect(pred(), what).toBe(true);
    };
    const w = await createWorkshop(5);
    // Two are kept ready (the default), whatever earlier workshops took.
    await until(() => driver.created.length - driver.destroyed.length >= 2, 'two warm clusters');
    const before = [...driver.created];
    const a = await joinAs(w.joinCode, 'Ada');
    const mine = (await a.call('GET', '/api/session')).json.cluster?.id as string | undefined;
    expect(mine, 'the attendee has a running cluster before asking for one').toBeDefined();
    expect(before).toContain(mine);
    expect((await a.call('POST', '/api/cluster')).json.id).toBe(mine);
    await until(() => driver.created.length === before.length + 1, 'the pool refilled');
  });

  it('keeps workshops, attendees and progress across a restart; ending stops environments and keeps results', async () => {
    const w = await createWorkshop(2);
    const a = await joinAs(w.joinCode, 'Ada');
    const ca = (await a.call('POST', '/api/cluster')).json.id as string;
    passing.add(ca);
    await a.call('POST', '/api/labs/ingress-gateway/steps/deploy-httpbin/check');
    await server.close();
    server = await start();
    const me = await a.call('GET', '/api/workshops/me');
    expect(me.status).toBe(200);
    expect(me.json).toMatchObject({ attendee: { id: a.attendeeId, name: 'Ada' }, workshop: { id: w.id }, environment: { rebuilt: true } });
    const view = (await instructor().call('GET', `/api/workshops/${w.id}`, undefined, TOKEN)).json;
    expect(view.attendees.find((x: any) => x.id === a.attendeeId)).toMatchObject({ stepsDone: 1, step: 'gateway' });
    expect((await a.call('GET', '/api/labs/ingress-gateway/progress')).json.steps[0]).toMatchObject({ step: 'deploy-httpbin', status: 'passed' });

    const ca2 = (await a.call('POST', '/api/cluster')).json.id as string;
    const ended = await instructor().call('DELETE', `/api/workshops/${w.id}`, undefined, TOKEN);
    expect(ended.json).toMatchObject({ ended: true });
    expect(driver.destroyed).toContain(ca2);
    expect((await client(base).call('POST', '/api/workshops/join', { code: w.joinCode, name: 'late' })).status).toBe(403);
    const results = (await instructor().call('GET', `/api/workshops/${w.id}/export.json`, undefined, TOKEN)).json.results;
    expect(results.find((r: any) => r.step === 'deploy-httpbin').passedAt).not.toBeNull();
  });
});

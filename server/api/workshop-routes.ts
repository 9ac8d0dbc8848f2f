// The workshop API. Instructor routes take `Authorization: Bearer <instructor token>` (401
// without it); attendee routes act only on the caller's own attendee (403 otherwise).
//   POST   /api/workshops                                  create { title, labs, seats, endsAt? }
//   GET    /api/workshops                                  list
//   GET    /api/workshops/:id                              the workshop and its attendees
//   POST   /api/workshops/:id/attendees/:attendeeId/reset  reset one attendee's environment
//   POST   /api/workshops/:id/broadcast                    { message } to every attendee
//   POST   /api/workshops/:id/revoke                       stop new joins with the code
//   POST   /api/workshops/:id/extend                       { endsAt }
//   GET    /api/workshops/:id/export.csv | export.json     results per attendee and step
//   DELETE /api/workshops/:id                              end: stop every environment, keep results
//   POST   /api/workshops/join                             { code, name } → session cookie
//   GET    /api/workshops/me                               the caller's workshop, banner and messages
//   POST   /api/workshops/:id/attendees/:attendeeId/hand   { raised } (own attendee, or instructor)
//   GET    /api/workshops/:id/attendees/:attendeeId/results  own results (or instructor)
// WebSockets: /api/workshops/live (dashboard: first message { token, workshopId }),
// /api/workshops/watch (an attendee's terminal, read-only until taken over: first message
// { token, workshopId, attendeeId }) and /api/workshops/attendee-live (the caller's own banner).
import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { WebSocketServer, type WebSocket } from 'ws';
import { z } from 'zod';
import { LAB_ID_PATTERN, LAB_ID_RULE } from '../protocol/lab-id.ts';
import { ProgressStore } from '../store/progress-store.ts';
import { attendeeRows, resultRows, toCsv, type LabSteps } from '../workshops/results.ts';
import { SqliteWorkshopStore } from '../workshops/sqlite-workshop-store.ts';
import { serveWatchSocket } from '../workshops/watch-socket.ts';
import { WarmPool, warmSizeFromEnv } from '../workshops/warm-pool.ts';
import { Webhook, webhookFromEnv, type WebhookConfig } from '../workshops/webhook.ts';
import type { Attendee, Workshop, WorkshopStore } from '../workshops/workshop-store.ts';
import type { Terminal } from '../terminals/terminal.ts';
import type { Learner, ServerContext } from './context.ts';

export const DASHBOARD_WS_PATH = '/api/workshops/live';
export const ATTENDEE_WS_PATH = '/api/workshops/attendee-live';
export const WATCH_WS_PATH = '/api/workshops/watch';
const MAX_WS_MESSAGE = 4 * 1024;
/** Take-over input: a paste of a few lines. */
const MAX_WATCH_MESSAGE = 16 * 1024;
const AUTH_TIMEOUT_MS = 5_000;

class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value ?? {});
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ApiError(400, `invalid ${what}${issue?.path.length ? ` field "${issue.path.join('.')}"` : ''}: ${issue?.message ?? 'malformed'}`);
  }
  return result.data;
}

const isoTime = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'must be an ISO 8601 time such as 2026-12-02T17:00:00Z');
const uuid = z.string().regex(/^[0-9a-f-]{36}$/, 'must be an id as the API returned it');
const createBody = z.object({
  title: z.string().trim().min(1).max(200),
  labs: z.array(z.string().regex(LAB_ID_PATTERN, `must be ${LAB_ID_RULE}`)).min(1).max(20),
  seats: z.number().int().min(1).max(500),
  endsAt: isoTime.optional(),
}).strict();
const joinBody = z.object({
  code: z.string().trim().regex(/^[A-Za-z0-9]{4,12}$/, 'must be the join code the instructor shows (letters and digits)'),
  name: z.string().trim().min(1, 'a display name is needed').max(60).refine((s) => !/[\u0000-\u001f\u007f]/.test(s), 'must not contain control characters'),
}).strict();
const workshopParams = z.object({ id: uuid });
const attendeeParams = z.object({ id: uuid, attendeeId: uuid });
const broadcastBody = z.object({ message: z.string().trim().min(1).max(500) }).strict();
const extendBody = z.object({ endsAt: isoTime }).strict();
const handBody = z.object({ raised: z.boolean() }).strict();
const dashboardHello = z.object({ token: z.string().max(200), workshopId: uuid }).strict();
const watchHello = z.object({ token: z.string().max(200), workshopId: uuid, attendeeId: uuid }).strict();

export interface WorkshopRoutesOptions {
  store?: WorkshopStore;
  progress?: ProgressStore;
  /** The steps of a lab, in order; defaults to the project's labs. */
  stepsOf?: LabSteps;
  /** Where events go (signed); default MESHLAB_WORKSHOP_WEBHOOK_URL and _SECRET, off without them. */
  webhook?: WebhookConfig;
  /** Environments kept warm for joins while a workshop has seats left; default MESHLAB_WORKSHOP_WARM (2). */
  warm?: number;
  warmIntervalMs?: number;
}

function sameToken(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function projectLabSteps(labsDir: string): Promise<LabSteps> {
  const { loadLabs } = await import('../runner/index.ts');
  const labs = new Map((await loadLabs(labsDir)).map((lab) => [lab.id, lab.steps.map((s) => s.id)]));
  return (lab) => labs.get(lab) ?? [];
}

/** What the workshop routes and sockets share: the stores, the warm pool, the webhook and the open sockets. */
class WorkshopHub {
  // Open sockets are connections, not state: every message is recomputed from the store.
  readonly dashboards = new Map<string, Set<WebSocket>>();
  readonly attendeeSockets = new Map<string, Set<WebSocket>>();
  // Instructors typing in an attendee's terminal right now, by attendee (open sockets, not state).
  readonly takeovers = new Map<string, number>();
  readonly startedAt = new Date().toISOString();

  constructor(
    readonly ctx: ServerContext,
    readonly store: WorkshopStore,
    readonly progress: ProgressStore,
    readonly stepsOf: LabSteps,
    readonly warm: WarmPool,
    readonly webhook: Webhook | undefined,
  ) {}

  instructor(req: FastifyRequest): void {
    const header = req.headers.authorization ?? '';
    const token = /^Bearer (.+)$/.exec(header)?.[1];
    if (!this.ctx.config.instructorToken) throw new ApiError(401, 'instructor routes are off: start the server with MESHLAB_INSTRUCTOR_TOKEN set (meshlab serve prints one otherwise)');
    if (!token || !sameToken(token, this.ctx.config.instructorToken)) throw new ApiError(401, 'this route needs the instructor token: Authorization: Bearer <token printed by meshlab serve>');
  }

  isInstructor(req: FastifyRequest): boolean {
    try {
      this.instructor(req);
      return true;
    } catch { // not the instructor: the answer is no, not an error
      return false;
    }
  }

  workshopOf(id: string): Workshop {
    const w = this.store.get(id);
    if (!w) throw new ApiError(404, `there is no workshop ${id}`);
    return w;
  }

  learnerOf(req: FastifyRequest): Learner {
    const learner = this.ctx.learners.fromRequest(req.raw);
    if (!learner) throw new ApiError(401, 'no session: reload the page to get one');
    return learner;
  }

  /** The attendee a route names, if the caller is that attendee or the instructor; 403 otherwise. */
  ownAttendee(req: FastifyRequest, workshopId: string, attendeeId: string): Attendee {
    if (this.isInstructor(req)) {
      const a = this.store.attendee(workshopId, attendeeId);
      if (!a) throw new ApiError(404, 'there is no such attendee in this workshop');
      return a;
    }
    const learner = this.ctx.learners.fromRequest(req.raw);
    const a = this.store.attendee(workshopId, attendeeId);
    // The same answer whether the attendee exists or not: ids of others are not probeable.
    if (!learner || !a || a.learnerId !== learner.id) throw new ApiError(403, 'this is not your attendee: you can only act on your own');
    return a;
  }

  view(w: Workshop) {
    const attendees = this.store.attendees(w.id);
    const rows = attendeeRows(w, attendees, this.store.checks(w.id), this.stepsOf);
    return {
      id: w.id,
      title: w.title,
      labs: w.labs,
      seats: w.seats,
      endsAt: w.endsAt,
      endedAt: w.endedAt,
      joinCode: w.joinCode,
      codeRevoked: w.codeRevoked,
      steps: w.labs.flatMap((lab) => this.stepsOf(lab).map((step) => ({ lab, step }))),
      attendees: rows.map((r) => ({ ...r, takenOver: this.takeovers.has(r.id) })),
    };
  }

  banner(a: Attendee) {
    const w = this.store.get(a.workshopId)!;
    return {
      workshop: { id: w.id, title: w.title, labs: w.labs, endsAt: w.endsAt, endedAt: w.endedAt },
      attendee: { id: a.id, name: a.name, handRaised: a.handRaised },
      messages: this.store.messages(w.id).slice(-20),
      takenOver: (this.takeovers.get(a.id) ?? 0) > 0,
    };
  }

  pushDashboard(workshopId: string): void {
    const sockets = this.dashboards.get(workshopId);
    if (!sockets?.size) return;
    const w = this.store.get(workshopId);
    if (!w) return;
    const message = { type: 'workshop', workshop: this.view(w) };
    for (const ws of sockets) send(ws, message);
  }

  pushAttendee(attendeeId: string, message: unknown): void {
    for (const ws of this.attendeeSockets.get(attendeeId) ?? []) send(ws, message);
  }

  pushAllAttendees(workshopId: string, make: (a: Attendee) => unknown): void {
    for (const a of this.store.attendees(workshopId)) this.pushAttendee(a.id, make(a));
  }

  /** The terminal an instructor opens for an attendee: the one in use (attached, typed in last), else the newest. */
  terminalOf(a: Attendee): Terminal | undefined {
    const live = (this.ctx.terminals?.listFor(a.learnerId) ?? []).filter((t) => t.state !== 'ended');
    const rank = (t: Terminal) => [t.state === 'attached' ? 1 : 0, t.lastInputAt, t.createdAt];
    return live.sort((x, y) => {
      const [a1, b1, c1] = rank(x);
      const [a2, b2, c2] = rank(y);
      return a2! - a1! || b2! - b1! || c2! - c1!;
    })[0];
  }

  async stopEnvironment(a: Attendee): Promise<void> {
    await this.ctx.learners.get(a.learnerId)?.release();
  }
}

function send(ws: WebSocket, message: unknown): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(message));
}

async function openHub(ctx: ServerContext, options: WorkshopRoutesOptions): Promise<WorkshopHub> {
  const store = options.store ?? SqliteWorkshopStore.open(ctx.config.dataDir);
  const progress = options.progress ?? ProgressStore.open(ctx.config.dataDir);
  const stepsOf = options.stepsOf ?? (await projectLabSteps(ctx.config.labsDir));
  const hookConfig = options.webhook ?? webhookFromEnv();
  const webhook = hookConfig ? new Webhook({ ...hookConfig, logger: ctx.logger.child({ component: 'workshop-webhook' }) }) : undefined;
  /** Joins that can still come: the seats left in workshops open for joining. */
  const seatsLeft = () =>
    store
      .list()
      .filter((w) => !w.endedAt && !w.codeRevoked && (!w.endsAt || Date.parse(w.endsAt) > Date.now()))
      .reduce((n, w) => n + Math.max(0, w.seats - store.attendees(w.id).length), 0);
  const warm = new WarmPool({ size: options.warm ?? warmSizeFromEnv(), newSession: () => ctx.newSession(), wanted: seatsLeft, logger: ctx.logger.child({ component: 'workshop-warm' }), intervalMs: options.warmIntervalMs });
  // After a restart, open workshops get their warm environments again.
  setImmediate(() => warm.fill());
  return new WorkshopHub(ctx, store, progress, stepsOf, warm, webhook);
}

/** Each Check and Solve of an attendee goes to the workshop's history, the webhook and the dashboard. */
function recordRunnerEvents(h: WorkshopHub): void {
  h.ctx.events.subscribe((event) => {
    const a = h.store.attendeeOfLearner(event.learnerId);
    if (!a) return;
    const w = h.store.get(a.workshopId);
    if (!w || !w.labs.includes(event.lab)) return;
    if (event.kind === 'solve') h.store.recordSolve(a.id, event.lab, event.step, event.at);
    else {
      const solved = h.store.solveUsed(a.id, event.lab, event.step);
      // Passed for the first time since the attendee's last reset: the one step.passed event.
      const first =
        event.passed && h.webhook && !h.store.checks(a.workshopId).some((c) => c.attendeeId === a.id && c.lab === event.lab && c.step === event.step && c.passed && (!a.resetAt || c.at >= a.resetAt));
      h.store.recordCheck({ attendeeId: a.id, lab: event.lab, step: event.step, passed: event.passed, solved, at: event.at.toISOString() });
      if (first) h.webhook.send({ type: 'step.passed', workshopId: a.workshopId, attendee: { id: a.id, name: a.name }, lab: event.lab, step: event.step, solvedWithSolve: solved }, event.at);
    }
    h.store.touch(a.id, event.at);
    h.pushDashboard(a.workshopId);
  });
}

function workshopErrorHandler(ctx: ServerContext) {
  return (err: Error & { statusCode?: number }, req: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof ApiError) return reply.code(err.status).send({ error: err.message });
    if (err.statusCode && err.statusCode < 500) return reply.code(err.statusCode).send({ error: err.message });
    ctx.logger.error({ err, url: req.url }, 'workshop route failed');
    return reply.code(500).send({ error: `internal error: ${err.message}` });
  };
}

/** Joining, and what an attendee (or the instructor for them) reads and does: banner, hand, results. */
function attendeeRoutes(scope: FastifyInstance, h: WorkshopHub): void {
    scope.post('/api/workshops/join', async (req, reply) => {
    const { code, name } = parse(joinBody, req.body, 'body');
    const current = h.ctx.learners.fromRequest(req.raw);
    const mine = current && h.store.attendeeOfLearner(current.id);
    const codeWorkshop = h.store.list().find((w) => w.joinCode === code.toUpperCase());
    if (mine && codeWorkshop && mine.workshopId === codeWorkshop.id) {
      return { workshopId: mine.workshopId, attendeeId: mine.id, rejoined: true };
    }
    // A fresh session for the attendee: their environment starts empty, whatever the browser had;
    // a warm one when ready (its cluster is up already).
    const warmed = h.warm.take();
    const session = warmed ?? h.ctx.newSession();
    const result = h.store.join(code, session.learnerId, name);
    if (!result.ok && warmed) h.warm.giveBack(warmed);
    if (!result.ok) {
      if (result.reason === 'full') throw new ApiError(409, 'this workshop has no seat left: ask the instructor');
      if (result.reason === 'ended') throw new ApiError(403, 'this workshop has ended');
      throw new ApiError(403, 'this code is not valid (unknown or revoked): check it with the instructor');
    }
    session.sendTo(reply);
    h.pushDashboard(result.attendee.workshopId);
    h.warm.fill();
    if (!result.rejoined) h.webhook?.send({ type: 'attendee.joined', workshopId: result.attendee.workshopId, attendee: { id: result.attendee.id, name: result.attendee.name } });
    return { workshopId: result.attendee.workshopId, attendeeId: result.attendee.id, rejoined: false };
  });

  scope.get('/api/workshops/me', async (req) => {
    const learner = h.learnerOf(req);
    const a = h.store.attendeeOfLearner(learner.id);
    if (!a) throw new ApiError(404, 'you have not joined a workshop');
    h.store.touch(a.id);
    // After a restart the in-memory environment is gone; it is rebuilt on first use.
    const lost = !learner.currentCluster() && a.lastActiveAt < h.startedAt;
    return { ...h.banner(a), environment: lost ? { rebuilt: true, message: 'Your environment was lost (the server restarted) and is being rebuilt; your progress is kept.' } : { rebuilt: false } };
  });

  scope.post('/api/workshops/:id/attendees/:attendeeId/hand', async (req) => {
    const { id, attendeeId } = parse(attendeeParams, req.params, 'path');
    const a = h.ownAttendee(req, id, attendeeId);
    const { raised } = parse(handBody, req.body, 'body');
    if (raised && !a.handRaised) h.webhook?.send({ type: 'hand.raised', workshopId: id, attendee: { id: a.id, name: a.name } });
    h.store.setHand(a.id, raised);
    h.store.touch(a.id);
    h.pushDashboard(id);
    h.pushAttendee(a.id, { type: 'banner', ...h.banner(h.store.attendee(id, a.id)!) });
    return { attendeeId: a.id, handRaised: raised };
  });

  scope.get('/api/workshops/:id/attendees/:attendeeId/results', async (req) => {
    const { id, attendeeId } = parse(attendeeParams, req.params, 'path');
    const a = h.ownAttendee(req, id, attendeeId);
    const w = h.workshopOf(id);
    return { results: resultRows(w, [a], h.store.checks(id), h.stepsOf) };
  });
}

/** The instructor's views: create and list workshops, one workshop, its results exported. */
function instructorReadRoutes(scope: FastifyInstance, h: WorkshopHub): void {
  scope.post('/api/workshops', async (req, reply) => {
    h.instructor(req);
    const body = parse(createBody, req.body, 'body');
    const unknown = body.labs.filter((lab) => h.stepsOf(lab).length === 0);
    if (unknown.length) throw new ApiError(400, `invalid body field "labs": there is no lab ${unknown.map((l) => `"${l}"`).join(', ')}`);
    if (body.endsAt && Date.parse(body.endsAt) <= Date.now()) throw new ApiError(400, 'invalid body field "endsAt": must be in the future');
    const w = h.store.create({ title: body.title, labs: body.labs, seats: body.seats, endsAt: body.endsAt ? new Date(body.endsAt).toISOString() : null });
    h.warm.fill();
    const origin = `${req.protocol}://${req.headers.host ?? 'localhost'}`;
    return reply.code(201).send({ id: w.id, joinCode: w.joinCode, joinUrl: `${origin}/workshop/join?code=${w.joinCode}` });
  });

  scope.get('/api/workshops', async (req) => {
    h.instructor(req);
    return { workshops: h.store.list().map((w) => ({ id: w.id, title: w.title, seats: w.seats, endsAt: w.endsAt, endedAt: w.endedAt, joinCode: w.joinCode, attendees: h.store.attendees(w.id).length })) };
  });


  scope.get('/api/workshops/:id', async (req) => {
    h.instructor(req);
    const { id } = parse(workshopParams, req.params, 'path');
    return h.view(h.workshopOf(id));
  });


  scope.get('/api/workshops/:id/export.csv', async (req, reply) => {
    h.instructor(req);
    const { id } = parse(workshopParams, req.params, 'path');
    const w = h.workshopOf(id);
    const csv = toCsv(resultRows(w, h.store.attendees(id), h.store.checks(id), h.stepsOf));
    return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="workshop-${id}.csv"`).send(csv);
  });

  scope.get('/api/workshops/:id/export.json', async (req) => {
    h.instructor(req);
    const { id } = parse(workshopParams, req.params, 'path');
    const w = h.workshopOf(id);
    return { workshop: { id: w.id, title: w.title, labs: w.labs }, results: resultRows(w, h.store.attendees(id), h.store.checks(id), h.stepsOf), audit: h.store.auditLog(id) };
  });

}

/** The instructor's actions on a running workshop: reset, broadcast, revoke, extend, end. */
function instructorActionRoutes(scope: FastifyInstance, h: WorkshopHub): void {
  scope.post('/api/workshops/:id/attendees/:attendeeId/reset', async (req) => {
    h.instructor(req);
    const { id, attendeeId } = parse(attendeeParams, req.params, 'path');
    const w = h.workshopOf(id);
    const a = h.store.attendee(id, attendeeId);
    if (!a) throw new ApiError(404, 'there is no such attendee in this workshop');
    const handle = h.ctx.learners.get(a.learnerId)?.currentCluster();
    if (handle) await handle.reset();
    for (const lab of w.labs) h.progress.clear(a.learnerId, lab);
    h.store.markReset(a.id);
    h.store.setHand(a.id, false);
    h.store.audit(id, a.id, 'reset', 'the instructor reset the environment');
    h.pushDashboard(id);
    h.pushAttendee(a.id, { type: 'reset', message: 'The instructor reset your environment.' });
    return { attendeeId: a.id, reset: true, clusterReset: Boolean(handle) };
  });

  scope.post('/api/workshops/:id/broadcast', async (req) => {
    h.instructor(req);
    const { id } = parse(workshopParams, req.params, 'path');
    h.workshopOf(id);
    const { message } = parse(broadcastBody, req.body, 'body');
    const m = h.store.broadcast(id, message);
    h.pushAllAttendees(id, () => ({ type: 'message', message: m }));
    return m;
  });

  scope.post('/api/workshops/:id/revoke', async (req) => {
    h.instructor(req);
    const { id } = parse(workshopParams, req.params, 'path');
    h.workshopOf(id);
    h.store.revokeCode(id);
    h.warm.fill();
    h.pushDashboard(id);
    return { id, codeRevoked: true };
  });

  scope.post('/api/workshops/:id/extend', async (req) => {
    h.instructor(req);
    const { id } = parse(workshopParams, req.params, 'path');
    const w = h.workshopOf(id);
    if (w.endedAt) throw new ApiError(409, 'this workshop has ended');
    const { endsAt } = parse(extendBody, req.body, 'body');
    if (Date.parse(endsAt) <= Date.now()) throw new ApiError(400, 'invalid body field "endsAt": must be in the future');
    h.store.extend(id, new Date(endsAt).toISOString());
    h.warm.fill();
    h.pushDashboard(id);
    h.pushAllAttendees(id, (a) => ({ type: 'banner', ...h.banner(a) }));
    return { id, endsAt: h.store.get(id)!.endsAt };
  });


  scope.delete('/api/workshops/:id', async (req) => {
    h.instructor(req);
    const { id } = parse(workshopParams, req.params, 'path');
    const w = h.workshopOf(id);
    const ended = h.store.end(id);
    if (ended) h.webhook?.send({ type: 'workshop.ended', workshopId: id, title: w.title });
    h.warm.fill();
    const attendees = h.store.attendees(id);
    const stopped = await Promise.allSettled(attendees.map((a) => h.stopEnvironment(a)));
    h.pushDashboard(id);
    h.pushAllAttendees(id, () => ({ type: 'ended', message: 'The workshop has ended. Thank you!' }));
    return { id, ended: true, alreadyEnded: !ended, environmentsStopped: stopped.filter((s) => s.status === 'fulfilled').length };
  });
}

/**
 * An instructor's socket: browsers cannot set headers on a WebSocket, so the token comes in the
 * first message (within a few seconds); `then` gets the checked hello.
 */
function instructorSocket<T extends { token: string }>(ctx: ServerContext, wss: WebSocketServer, path: string, schema: z.ZodType<T>, shape: string, then: (ws: WebSocket, hello: T) => void): void {
  ctx.onUpgrade(path, (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (ws) => {
      const timer = setTimeout(() => ws.close(4401, 'authenticate first'), AUTH_TIMEOUT_MS);
      ws.once('message', (data) => {
        clearTimeout(timer);
        let hello: T;
        try {
          hello = schema.parse(JSON.parse(String(data)));
        } catch {
          return ws.close(4400, `the first message must be ${shape}`);
        }
        if (!ctx.config.instructorToken || !sameToken(hello.token, ctx.config.instructorToken)) return ws.close(4401, 'wrong instructor token');
        then(ws, hello);
      });
    });
  });
}

/** The instructor's dashboard: the workshop, pushed again on every change. */
function dashboardSocket(h: WorkshopHub): WebSocketServer {
  const dashboardWss = new WebSocketServer({ noServer: true, maxPayload: MAX_WS_MESSAGE, perMessageDeflate: false });
  instructorSocket(h.ctx, dashboardWss, DASHBOARD_WS_PATH, dashboardHello, '{ token, workshopId }', (ws, hello) => {
    const w = h.store.get(hello.workshopId);
    if (!w) return ws.close(4404, 'no such workshop');
    let set = h.dashboards.get(w.id);
    if (!set) h.dashboards.set(w.id, (set = new Set()));
    set.add(ws);
    ws.on('close', () => set.delete(ws));
    send(ws, { type: 'workshop', workshop: h.view(w) });
  });
  return dashboardWss;
}

/** An attendee's terminal as the instructor sees it, read-only until taken over. */
function watchSocket(h: WorkshopHub): WebSocketServer {
  const watchWss = new WebSocketServer({ noServer: true, maxPayload: MAX_WATCH_MESSAGE, perMessageDeflate: false });
  instructorSocket(h.ctx, watchWss, WATCH_WS_PATH, watchHello, '{ token, workshopId, attendeeId }', (ws, hello) => {
    const a = h.store.attendee(hello.workshopId, hello.attendeeId);
    if (!a) return ws.close(4404, 'no such attendee in this workshop');
    const terminal = h.terminalOf(a);
    if (!terminal) return ws.close(4404, 'this attendee has no terminal open');
    h.store.audit(a.workshopId, a.id, 'watch', `the instructor opened terminal ${terminal.id}`);
    serveWatchSocket(ws, {
      terminal,
      onTakeover(active) {
        const n = Math.max(0, (h.takeovers.get(a.id) ?? 0) + (active ? 1 : -1));
        if (n) h.takeovers.set(a.id, n);
        else h.takeovers.delete(a.id);
        h.store.audit(a.workshopId, a.id, active ? 'takeover' : 'release', active ? `the instructor took over terminal ${terminal.id}` : `the instructor gave terminal ${terminal.id} back`);
        h.pushAttendee(a.id, { type: 'takeover', active: n > 0, message: n > 0 ? 'The instructor is typing in your terminal.' : 'The instructor gave your terminal back.' });
        h.pushDashboard(a.workshopId);
      },
    });
  });
  return watchWss;
}

/** The caller's own banner: messages, reset, takeover and end as they happen. */
function attendeeSocket(h: WorkshopHub): WebSocketServer {
  const attendeeWss = new WebSocketServer({ noServer: true, maxPayload: MAX_WS_MESSAGE, perMessageDeflate: false });
  h.ctx.onUpgrade(ATTENDEE_WS_PATH, (req, socket, head, learner) => {
    const a = h.store.attendeeOfLearner(learner.id);
    if (!a) {
      socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    attendeeWss.handleUpgrade(req, socket, head, (ws) => {
      let set = h.attendeeSockets.get(a.id);
      if (!set) h.attendeeSockets.set(a.id, (set = new Set()));
      set.add(ws);
      ws.on('close', () => set.delete(ws));
      ws.on('message', () => ws.close(4400, 'this socket only listens'));
      send(ws, { type: 'banner', ...h.banner(a) });
    });
  });
  return attendeeWss;
}

export async function registerWorkshopRoutesWith(app: FastifyInstance, ctx: ServerContext, options: WorkshopRoutesOptions = {}): Promise<void> {
  const h = await openHub(ctx, options);
  recordRunnerEvents(h);
  await app.register(async (scope) => {
    scope.setErrorHandler(workshopErrorHandler(ctx));
    // Static paths (join, me) are matched before `/:id`, whatever the order they are registered in.
    attendeeRoutes(scope, h);
    instructorReadRoutes(scope, h);
    instructorActionRoutes(scope, h);
  });
  const sockets = [dashboardSocket(h), watchSocket(h), attendeeSocket(h)];
  ctx.onClose(async () => {
    for (const set of [...h.dashboards.values(), ...h.attendeeSockets.values()]) for (const ws of set) ws.terminate();
    for (const wss of sockets) for (const ws of wss.clients) ws.terminate();
    h.webhook?.close();
    await h.warm.close();
    h.store.close();
    h.progress.close();
    for (const wss of sockets) wss.close();
  });
}

/** The route module `meshlab serve` loads. */
export async function registerWorkshopRoutes(app: FastifyInstance, ctx: ServerContext): Promise<void> {
  await registerWorkshopRoutesWith(app, ctx);
}

// The site server: one port for the built Docusaurus site, the HTTP API and the WebSockets.
// It owns learner identity (session cookie) and the WebSocket gate (Origin + session checked
// before any route module sees an upgrade); features plug in as route modules.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { join, normalize } from 'node:path';
import type { Duplex } from 'node:stream';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply } from 'fastify';
import type { Logger } from 'pino';
import type { ClusterDriver } from '../drivers/types.ts';
import type { LearnerEvent, ServerConfig, ServerContext, UpgradeHandler } from './context.ts';
import { LearnerRegistry, SESSION_COOKIE, learnerIdFor, readCookie } from './learners.ts';
import { registerSessionRoutes } from './session-routes.ts';
import { EdgePolicy } from './edge-policy.ts';
import { DEFAULT_REQUESTS_PER_MINUTE, registerRequestRateLimit } from './request-rate-limit.ts';
import { SqliteSessionStore, type SessionStore } from '../store/session-store.ts';

export interface SiteServer {
  app: FastifyInstance;
  context: ServerContext;
  /** The URL the server listens on. */
  url: string;
  close(): Promise<void>;
}

export interface RouteModule {
  (app: FastifyInstance, ctx: ServerContext): Promise<void> | void;
}

export interface CreateSiteServerOptions {
  config: ServerConfig;
  driver: ClusterDriver;
  logger: Logger;
  /** Feature routes (terminals, labs, ...). */
  routes: RouteModule[];
  /** Where sessions are recorded (default: SQLite in the data directory). */
  sessions?: SessionStore;
}

/** The key cookies are signed with: made once, kept in the data directory (readable by the server only). */
export function sessionSigningKey(dataDir: string): string {
  const file = join(dataDir, 'session-secret');
  try {
    const key = readFileSync(file, 'utf8').trim();
    if (key.length >= 32) return key;
  } catch {
    // made below
  }
  mkdirSync(dataDir, { recursive: true });
  const key = randomBytes(32).toString('base64url');
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return key;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

function rejectUpgrade(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
}

/** Map a URL path to a file of the built site the way `docusaurus serve` does (clean URLs). */
export function siteFileFor(siteDir: string, urlPath: string): string | undefined {
  let path: string;
  try {
    path = decodeURIComponent(urlPath.split('?')[0]!);
  } catch { // not percent-decodable: no such file, the caller answers 404
    return undefined;
  }
  const rel = normalize(path).replace(/^(\.\.(\/|\\|$))+/, '').replace(/^\/+/, '');
  if (rel.split('/').includes('..')) return undefined;
  for (const candidate of [rel, join(rel, 'index.html'), `${rel.replace(/\/$/, '')}.html`]) {
    const full = join(siteDir, candidate);
    if (!full.startsWith(siteDir)) continue;
    try {
      if (statSync(full).isFile()) return candidate;
    } catch {
      // try the next form
    }
  }
  return undefined;
}

export async function createSiteServer(options: CreateSiteServerOptions): Promise<SiteServer> {
  const { config, driver, logger } = options;
  // fastify logs every request at info; its own logger is held at warn so only problems show.
  // Behind a reverse proxy (`--trust-proxy`), the client's address comes from its X-Forwarded-For.
  const app = Fastify({ loggerInstance: logger.child({ component: 'http' }, { level: 'warn' }) as FastifyBaseLogger, bodyLimit: 256 * 1024, trustProxy: config.trustProxy?.length ? config.trustProxy : false });
  const sessions = options.sessions ?? SqliteSessionStore.open(config.dataDir);
  const learners = new LearnerRegistry({ dataDir: config.dataDir, driver, logger, sessions, limits: config.environmentLimits });
  // The listening port is known after listen(); no request arrives before.
  let policy = new EdgePolicy({ port: config.port, allowHosts: config.allowedHosts, publicUrl: config.publicUrl, allowOrigins: config.allowedOrigins });
  const secureCookie = config.publicUrl?.startsWith('https:') ?? false;
  const upgrades = new Map<string, UpgradeHandler>();
  const closers: (() => Promise<void> | void)[] = [];
  const listeners = new Set<(event: LearnerEvent) => void>();

  const context: ServerContext = {
    config,
    driver,
    learners,
    newSession() {
      const id = learners.issue();
      return { learnerId: learnerIdFor(id), learner: () => learners.forSession(id)!, sendTo: (reply) => void sendSession(reply, id) };
    },
    events: {
      emit(event) {
        for (const listener of listeners) {
          try {
            listener(event);
          } catch (err) {
            logger.error({ err, event: event.kind }, 'learner event listener failed');
          }
        }
      },
      subscribe(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    },
    logger,
    onUpgrade(path, handler) {
      if (upgrades.has(path)) throw new Error(`a WebSocket handler for ${path} is registered already`);
      upgrades.set(path, handler);
    },
    onClose(fn) {
      closers.push(fn);
    },
  };

  await registerRequestRateLimit(app, config.requestsPerMinute ?? DEFAULT_REQUESTS_PER_MINUTE);
  await app.register(fastifyCookie, { secret: sessionSigningKey(config.dataDir) });
  function sendSession(reply: FastifyReply, id: string): string {
    const signed = app.signCookie(id);
    reply.setCookie(SESSION_COOKIE, signed, { httpOnly: true, sameSite: 'strict', secure: secureCookie, path: '/', maxAge: 60 * 60 * 24 * 365 });
    return signed;
  }
  learners.sessionOf = (req) => {
    const raw = readCookie(req, SESSION_COOKIE);
    if (!raw) return undefined;
    const unsigned = app.unsignCookie(raw);
    return unsigned.valid && unsigned.value ? unsigned.value : undefined;
  };
  app.addHook('onRequest', async (req, reply) => {
    const path = req.url.split('?')[0]!;
    if (!policy.hostAllowed(req.raw)) {
      // Health checks answer any name (probes use addresses), without a session.
      if (path === '/healthz') return;
      logger.warn({ host: req.headers.host, path }, 'request refused: host not allowed');
      return reply.code(403).type('text/plain').send(`Forbidden: the host name ${JSON.stringify(String(req.headers.host ?? ''))} is not one this server answers to (start meshlab serve with --allow-host or --public-url)\n`);
    }
    if (!SAFE_METHODS.has(req.method) && !policy.sameOrigin(req.raw)) {
      logger.warn({ origin: req.headers.origin, site: req.headers['sec-fetch-site'], path }, 'request refused: cross-origin');
      return reply.code(403).send({ error: 'cross-origin request refused: this action can only be taken from the meshlab site itself' });
    }
    if (learners.fromRequest(req.raw)) return;
    // A new session only when a page (or anything read-only) is loaded, never by a state-changing
    // request: those answer 401 without one, so a cookieless flood starts nothing.
    if (!SAFE_METHODS.has(req.method)) return;
    const signed = sendSession(reply, learners.issue());
    // Route modules identify learners from the raw request (as WebSocket upgrades must): make the
    // new session visible there too (the last cookie of a name wins).
    req.raw.headers.cookie = [req.raw.headers.cookie, `${SESSION_COOKIE}=${encodeURIComponent(signed)}`].filter(Boolean).join('; ');
  });

  registerSessionRoutes(app, context);
  for (const route of options.routes) await route(app, context);

  const siteBuilt = existsSync(join(config.siteDir, 'index.html'));
  await app.register(fastifyStatic, { root: config.siteDir, serve: false });
  app.get('/*', async (req, reply) => {
    if (!siteBuilt) return reply.code(503).type('text/plain').send('The site is not built: run `npm start` (it builds it) or `npm run build:site`.\n');
    const file = siteFileFor(config.siteDir, req.url);
    if (file) return reply.sendFile(file);
    const notFound = req.url.startsWith('/en/') && existsSync(join(config.siteDir, 'en', '404.html')) ? 'en/404.html' : '404.html';
    return reply.code(404).sendFile(notFound);
  });

  app.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    socket.on('error', () => socket.destroy());
    const path = (req.url ?? '').split('?')[0]!;
    const handler = upgrades.get(path);
    if (!handler) return rejectUpgrade(socket, 404, 'Not Found');
    if (!policy.hostAllowed(req)) {
      logger.warn({ host: req.headers.host, path }, 'websocket refused: host');
      return rejectUpgrade(socket, 403, 'Forbidden: host not allowed');
    }
    if (!policy.webSocketAllowed(req)) {
      logger.warn({ origin: req.headers.origin, path }, 'websocket refused: origin');
      return rejectUpgrade(socket, 403, 'Forbidden: origin not allowed');
    }
    const learner = learners.fromRequest(req);
    if (!learner) {
      logger.warn({ path }, 'websocket refused: no session');
      return rejectUpgrade(socket, 401, 'Unauthorized: no session');
    }
    socket.once('close', learners.holdOpen(learner));
    try {
      handler(req, socket, head, learner);
    } catch (err) {
      logger.error({ err, path }, 'websocket handler failed');
      rejectUpgrade(socket, 500, 'Internal Server Error');
    }
  });

  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  policy = new EdgePolicy({ port, allowHosts: config.allowedHosts, publicUrl: config.publicUrl, allowOrigins: config.allowedOrigins });
  const shownHost = config.host === '0.0.0.0' || config.host === '127.0.0.1' ? 'localhost' : config.host;

  let closing: Promise<void> | undefined;
  return {
    app,
    context,
    url: `http://${shownHost}:${port}`,
    close() {
      closing ??= (async () => {
        for (const fn of closers.reverse()) await Promise.resolve(fn()).catch((err: unknown) => logger.error({ err }, 'close hook failed'));
        await learners.closeAll();
        await app.close();
        if (!options.sessions) sessions.close();
      })();
      return closing;
    },
  };
}

// The site server: one port for the built Docusaurus site, the HTTP API and the WebSockets.
// It owns learner identity (session cookie) and the WebSocket gate (Origin + session checked
// before any route module sees an upgrade); features plug in as route modules.
import { existsSync, statSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { join, normalize } from 'node:path';
import type { Duplex } from 'node:stream';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { ClusterDriver } from '../drivers/types.ts';
import type { ServerConfig, ServerContext, UpgradeHandler } from './context.ts';
import { LearnerRegistry, SESSION_COOKIE, isSessionSecret, newSessionSecret } from './learners.ts';
import { registerSessionRoutes } from './session-routes.ts';

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
  maxClusters?: number;
}

/** Whether a WebSocket's Origin is this server's own or an explicitly allowed one. */
export function isAllowedOrigin(req: IncomingMessage, allowed: string[]): boolean {
  const origin = req.headers.origin;
  if (!origin) return false;
  const host = req.headers.host;
  if (host && (origin === `http://${host}` || origin === `https://${host}`)) return true;
  return allowed.includes(origin);
}

function rejectUpgrade(socket: Duplex, status: number, text: string): void {
  socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
}

/** Map a URL path to a file of the built site the way `docusaurus serve` does (clean URLs). */
export function siteFileFor(siteDir: string, urlPath: string): string | undefined {
  let path: string;
  try {
    path = decodeURIComponent(urlPath.split('?')[0]!);
  } catch {
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
  const app = Fastify({ loggerInstance: logger.child({ component: 'http' }, { level: 'warn' }) as FastifyBaseLogger, bodyLimit: 256 * 1024 });
  const learners = new LearnerRegistry({ dataDir: config.dataDir, driver, logger, maxClusters: options.maxClusters ?? 50 });
  const upgrades = new Map<string, UpgradeHandler>();
  const closers: (() => Promise<void> | void)[] = [];

  const context: ServerContext = {
    config,
    driver,
    learners,
    logger,
    onUpgrade(path, handler) {
      if (upgrades.has(path)) throw new Error(`a WebSocket handler for ${path} is registered already`);
      upgrades.set(path, handler);
    },
    onClose(fn) {
      closers.push(fn);
    },
  };

  await app.register(fastifyCookie);
  // Every request gets a learner session: pages are static, so the first page load sets it.
  app.addHook('onRequest', async (req, reply) => {
    if (isSessionSecret(req.cookies[SESSION_COOKIE])) return;
    const secret = newSessionSecret();
    req.cookies[SESSION_COOKIE] = secret;
    // Route modules identify learners from the raw request (as WebSocket upgrades must): make the
    // new session visible there too.
    req.raw.headers.cookie = [req.raw.headers.cookie, `${SESSION_COOKIE}=${secret}`].filter(Boolean).join('; ');
    reply.setCookie(SESSION_COOKIE, secret, { httpOnly: true, sameSite: 'strict', path: '/', maxAge: 60 * 60 * 24 * 365 });
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
    if (!isAllowedOrigin(req, config.allowedOrigins)) {
      logger.warn({ origin: req.headers.origin, path }, 'websocket refused: origin');
      return rejectUpgrade(socket, 403, 'Forbidden: origin not allowed');
    }
    const learner = learners.fromRequest(req);
    if (!learner) {
      logger.warn({ path }, 'websocket refused: no session');
      return rejectUpgrade(socket, 401, 'Unauthorized: no session');
    }
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
      })();
      return closing;
    },
  };
}

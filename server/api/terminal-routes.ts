// HTTP and WebSocket routes of the browser terminals.
//
//   GET    /api/terminals          the learner's live terminals and whether terminals can start
//   POST   /api/terminals          start a terminal now: {cols?, rows?, lab?} → {terminalId, resumeToken}
//   DELETE /api/terminals/:id      end one of the learner's terminals
//   WS     /api/terminals/ws       the terminal protocol (server/protocol/terminal.ts)
//
// Timings come from the environment (seconds): MESHLAB_TERMINAL_GRACE (60),
// MESHLAB_TERMINAL_IDLE (1800), MESHLAB_TERMINAL_IDLE_WARNING (120); limits from
// MESHLAB_TERMINALS_PER_LEARNER (4), MESHLAB_TERMINALS_MAX (200) and, where cgroups are
// writable, MESHLAB_TERMINAL_MEMORY_MB (1024: all of one learner's shells together).
import type { FastifyInstance } from 'fastify';
import { WebSocketServer } from 'ws';
import { z } from 'zod';
import { MAX_MESSAGE_BYTES, TERMINAL_WS_PATH, type ErrorCode, type HelloMessage } from '../protocol/terminal.ts';
import { cgroupLimitsFromEnv, learnerCgroups, releaseConfinements } from '../sandbox/confinement.ts';
import { checkSandbox, learnerUid, type SandboxAvailability } from '../sandbox/sandbox.ts';
import { LabHome } from '../terminals/lab-home.ts';
import { LimitError, TerminalManager, type ManagerOptions } from '../terminals/manager.ts';
import { SandboxUnavailableError, createShellSpawner, sandboxNetworkFromEnv, type SpawnShell } from '../terminals/shell.ts';
import { serveTerminalSocket } from '../terminals/socket.ts';
import type { Terminal } from '../terminals/terminal.ts';
import { PROJECT_ROOT } from '../tools/binaries.ts';
import type { Learner, ServerContext } from './context.ts';
import { LAB_ID_PATTERN } from '../protocol/lab-id.ts';

export interface TerminalRouteOptions extends ManagerOptions {
  /** Replace the shell (tests). */
  spawnShell?: SpawnShell;
  heartbeatMs?: number;
  /** Whether sandboxes work here (default: run one once, cached). */
  sandboxCheck?: () => SandboxAvailability;
}

class ClusterUnavailableError extends Error {}

function envSeconds(name: string, fallback: number): number {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v * 1000 : fallback * 1000;
}

function envInt(name: string, fallback: number): number {
  const v = Number(process.env[name]);
  return Number.isInteger(v) && v > 0 ? v : fallback;
}

export function terminalOptionsFromEnv(): TerminalRouteOptions {
  return {
    timings: {
      graceMs: envSeconds('MESHLAB_TERMINAL_GRACE', 60),
      idleMs: envSeconds('MESHLAB_TERMINAL_IDLE', 1800),
      idleWarningMs: envSeconds('MESHLAB_TERMINAL_IDLE_WARNING', 120),
    },
    limits: { perLearner: envInt('MESHLAB_TERMINALS_PER_LEARNER', 4), total: envInt('MESHLAB_TERMINALS_MAX', 200) },
  };
}

const createBody = z
  .strictObject({
    cols: z.number().int().min(2).max(1000).optional(),
    rows: z.number().int().min(1).max(500).optional(),
    lab: z.string().regex(LAB_ID_PATTERN).optional(),
    lang: z.enum(['en', 'zh']).optional(),
  })
  .optional();

const idParam = z.strictObject({ id: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/) });

function describe(t: Terminal) {
  return { terminalId: t.id, state: t.state, createdAt: new Date(t.createdAt).toISOString(), cols: t.cols, rows: t.rows };
}

export function terminalErrorCode(err: unknown): ErrorCode {
  if (err instanceof LimitError) return 'limit';
  if (err instanceof SandboxUnavailableError) return 'sandbox-unavailable';
  if (err instanceof ClusterUnavailableError) return 'cluster-unavailable';
  return 'internal';
}

export function createTerminalRoutes(options: TerminalRouteOptions = terminalOptionsFromEnv()) {
  return async function registerTerminalRoutes(app: FastifyInstance, ctx: ServerContext): Promise<void> {
    const manager = new TerminalManager(options);
    ctx.terminals = manager;
    const sandboxCheck = options.sandboxCheck ?? checkSandbox;
    const cgroups = ctx.config.unsafeNoSandbox || options.spawnShell ? undefined : learnerCgroups();
    const labHome = new LabHome(ctx.config.labsDir);
    // Files in a sandboxed home belong to the learner's uid (the server runs as root).
    const sandboxUid = (homeDir: string) => (!ctx.config.unsafeNoSandbox && process.getuid?.() === 0 ? learnerUid(homeDir) : undefined);
    const spawnShell =
      options.spawnShell ??
      createShellSpawner({
        unsafeNoSandbox: ctx.config.unsafeNoSandbox,
        protectedDirs: [ctx.config.dataDir, PROJECT_ROOT, ctx.config.siteDir, ctx.config.labsDir],
        sandboxCheck,
        cgroups,
        cgroupLimits: cgroupLimitsFromEnv(),
        network: sandboxNetworkFromEnv(),
      });
    if (!ctx.config.unsafeNoSandbox && !options.spawnShell) {
      const sandbox = sandboxCheck();
      if (!sandbox.ok) ctx.logger.warn({ problem: sandbox.problem }, 'terminals are disabled: no sandbox');
      else ctx.logger.info({ cgroups: cgroups ? `v${cgroups.version}: ${cgroups.controllers.join(', ')}` : 'unavailable' }, 'terminals are sandboxed');
    } else if (ctx.config.unsafeNoSandbox) {
      ctx.logger.warn('terminals run WITHOUT a sandbox (--unsafe-no-sandbox): single-user local use only');
    }

    async function openTerminal(learner: Learner, hello: Pick<HelloMessage, 'cols' | 'rows' | 'lab' | 'lang'>): Promise<Terminal> {
      if (!ctx.config.unsafeNoSandbox && !options.spawnShell) {
        const sandbox = sandboxCheck();
        if (!sandbox.ok) throw new SandboxUnavailableError(`Terminals are disabled on this server: ${sandbox.problem}`);
      }
      const slot = manager.reserve(learner.id);
      try {
        let clusterEnv: Record<string, string>;
        let sandboxPorts: (() => { tcp: number[]; udp: number[] }) | undefined;
        try {
          const handle = await learner.cluster();
          clusterEnv = handle.shellEnv();
          sandboxPorts = handle.sandboxPorts ? () => handle.sandboxPorts!() : undefined;
        } catch (err) {
          throw new ClusterUnavailableError(`Your cluster could not start: ${(err as Error).message}`);
        }
        const pty = await spawnShell({ learnerId: learner.id, homeDir: learner.homeDir, clusterEnv, sandboxPorts, lab: hello.lab, lang: hello.lang, cols: hello.cols, rows: hello.rows });
        const terminal = slot.create(pty);
        terminal.cols = hello.cols;
        terminal.rows = hello.rows;
        return terminal;
      } finally {
        slot.release();
      }
    }

    const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES, perMessageDeflate: false });
    ctx.onUpgrade(TERMINAL_WS_PATH, (req, socket, head, learner) => {
      wss.handleUpgrade(req, socket, head, (ws) => {
        serveTerminalSocket(ws, {
          learnerId: learner.id,
          manager,
          logger: ctx.logger,
          heartbeatMs: options.heartbeatMs,
          openTerminal: (hello) => openTerminal(learner, hello),
          beforeAttach: (hello) => {
            if (hello.lab) labHome.place(hello.lab, learner.homeDir, sandboxUid(learner.homeDir));
          },
          classifyError: terminalErrorCode,
        });
      });
    });

    app.get('/api/terminals', async (req, reply) => {
      const learner = ctx.learners.fromRequest(req.raw);
      if (!learner) return reply.code(401).send({ error: 'no session' });
      const sandbox: SandboxAvailability = ctx.config.unsafeNoSandbox || options.spawnShell ? { ok: true } : sandboxCheck();
      return {
        available: sandbox.ok,
        ...(sandbox.ok ? {} : { problem: sandbox.problem }),
        sandboxed: !ctx.config.unsafeNoSandbox,
        terminals: manager.listFor(learner.id).map(describe),
      };
    });

    app.post('/api/terminals', async (req, reply) => {
      const learner = ctx.learners.fromRequest(req.raw);
      if (!learner) return reply.code(401).send({ error: 'no session' });
      const body = createBody.safeParse(req.body ?? undefined);
      if (!body.success) return reply.code(400).send({ error: body.error.issues.map((i) => i.message).join('; ') });
      try {
        if (body.data?.lab) labHome.place(body.data.lab, learner.homeDir, sandboxUid(learner.homeDir));
        const t = await openTerminal(learner, { cols: body.data?.cols ?? 80, rows: body.data?.rows ?? 24, lab: body.data?.lab, lang: body.data?.lang });
        return reply.code(201).send({ terminalId: t.id, resumeToken: t.resumeToken });
      } catch (err) {
        const code = terminalErrorCode(err);
        const status = code === 'limit' ? 429 : code === 'internal' ? 500 : 503;
        if (code === 'internal') ctx.logger.error({ err }, 'terminal could not start');
        return reply.code(status).send({ error: (err as Error).message, code });
      }
    });

    app.delete('/api/terminals/:id', async (req, reply) => {
      const learner = ctx.learners.fromRequest(req.raw);
      if (!learner) return reply.code(401).send({ error: 'no session' });
      const params = idParam.safeParse(req.params);
      if (!params.success) return reply.code(400).send({ error: 'bad terminal id' });
      const t = manager.get(learner.id, params.data.id);
      if (!t) return reply.code(404).send({ error: 'no such terminal' });
      t.end('closed');
      return reply.code(204).send();
    });

    ctx.onClose(async () => {
      manager.endAll('server-shutdown');
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      // Empty learner cgroups can go once their shells have exited (SIGHUP, then SIGKILL).
      for (let i = 0; i < 30 && cgroups && releaseConfinements().length > 0; i++) await new Promise((r) => setTimeout(r, 100));
    });
  };
}

export const registerTerminalRoutes = createTerminalRoutes();

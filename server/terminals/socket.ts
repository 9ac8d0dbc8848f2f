// The server side of one terminal WebSocket: validates every message, attaches the socket to a
// new or existing terminal on hello, and relays input, resize, acks and pings. Bad messages
// get an error frame and a log line; a flood of them closes the socket.
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import { encodeOutputFrame, parseClientMessage, type ErrorCode, type HelloMessage, type ServerMessage } from '../protocol/terminal.ts';
import type { TerminalManager } from './manager.ts';
import type { Terminal, TerminalClient } from './terminal.ts';

export interface SocketContext {
  learnerId: string;
  manager: TerminalManager;
  logger: Logger;
  /** Start a new terminal for this learner (sandboxed shell); throws LimitError and friends. */
  openTerminal(hello: HelloMessage): Promise<Terminal>;
  /** Called for every accepted hello before the terminal attaches (e.g. to place the lab's files). */
  beforeAttach?(hello: HelloMessage): void;
  /** Map an error from openTerminal to a protocol error code. */
  classifyError(err: unknown): ErrorCode;
  /** WebSocket-level keepalive: a socket that misses a pong this long is dropped. */
  heartbeatMs?: number;
}

const MAX_BAD_MESSAGES = 20;

export function serveTerminalSocket(ws: WebSocket, ctx: SocketContext): void {
  const log = ctx.logger.child({ learner: ctx.learnerId });
  let terminal: Terminal | undefined;
  let helloSeen = false;
  let badMessages = 0;
  let closed = false;

  const sendMessage = (m: ServerMessage) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(m));
  };
  const client: TerminalClient = {
    sendOutput(offset, data) {
      if (ws.readyState === ws.OPEN) ws.send(encodeOutputFrame(offset, data), { binary: true });
    },
    sendMessage,
    close() {
      closed = true;
      if (ws.readyState === ws.OPEN || ws.readyState === ws.CONNECTING) ws.close(1000);
    },
  };
  const fail = (code: ErrorCode, message: string, fatal: boolean) => {
    sendMessage({ type: 'error', code, message, fatal });
    if (fatal) client.close();
  };

  // Keepalive: a laptop that went to sleep never sends a close frame.
  let alive = true;
  ws.on('pong', () => (alive = true));
  const heartbeat = setInterval(() => {
    if (!alive) return ws.terminate();
    alive = false;
    try {
      ws.ping();
    } catch {
      ws.terminate();
    }
  }, ctx.heartbeatMs ?? 30_000);
  heartbeat.unref();

  const hello = async (m: HelloMessage) => {
    if (m.terminalId) {
      const found = ctx.manager.lookup(ctx.learnerId, m.terminalId, m.resumeToken);
      if (found.kind === 'ended') {
        sendMessage({ type: 'exit', terminalId: found.id, code: found.code, reason: found.reason, message: found.message });
        return client.close();
      }
      if (found.kind === 'unknown') return fail('unknown-terminal', 'That terminal does not exist (any more); start a new one.', true);
      terminal = found.terminal;
      runBeforeAttach(m);
      terminal.resize(m.cols, m.rows);
      terminal.attach(client, m.offset ?? 0, true);
      log.debug({ terminal: terminal.id }, 'terminal reattached');
      return;
    }
    let created: Terminal;
    try {
      runBeforeAttach(m);
      created = await ctx.openTerminal(m);
    } catch (err) {
      const code = ctx.classifyError(err);
      if (code === 'internal') log.error({ err }, 'terminal could not start');
      else log.info({ code, msg: (err as Error).message }, 'terminal refused');
      return fail(code, (err as Error).message || 'The terminal could not start.', true);
    }
    if (closed || ws.readyState !== ws.OPEN) {
      // The browser left while the shell started: keep it for the grace period like any detach.
      log.debug({ terminal: created.id }, 'socket closed during start');
      return;
    }
    terminal = created;
    terminal.attach(client, 0, false);
    log.info({ terminal: terminal.id }, 'terminal started');
  };

  function runBeforeAttach(m: HelloMessage): void {
    try {
      ctx.beforeAttach?.(m);
    } catch (err) {
      log.warn({ err }, 'preparing the terminal failed');
    }
  }

  ws.on('message', (data, isBinary) => {
    if (isBinary) return bad('binary frames are not accepted from clients');
    const text = Array.isArray(data) ? Buffer.concat(data).toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8');
    const parsed = parseClientMessage(text);
    if (!parsed.ok) return bad(parsed.error);
    const m = parsed.message;
    if (m.type === 'ping') return sendMessage({ type: 'pong', ...(m.t !== undefined ? { t: m.t } : {}) });
    if (m.type === 'hello') {
      if (helloSeen) return bad('hello was sent already');
      helloSeen = true;
      hello(m).catch((err: unknown) => {
        log.error({ err }, 'terminal hello failed');
        fail('internal', 'The terminal could not start.', true);
      });
      return;
    }
    if (!terminal) return fail('not-ready', 'Send hello first and wait for ready.', false);
    if (m.type === 'input') {
      if (!terminal.input(m.data)) fail('bad-message', 'Input dropped: more is being typed or pasted than the shell can take; wait a moment.', false);
    }
    else if (m.type === 'resize') terminal.resize(m.cols, m.rows);
    else if (m.type === 'ack') terminal.ack(m.offset);
  });

  function bad(reason: string): void {
    badMessages++;
    log.warn({ reason, count: badMessages }, 'bad terminal message');
    const fatal = badMessages >= MAX_BAD_MESSAGES;
    fail('bad-message', `Message rejected: ${reason}`, fatal);
  }

  ws.on('close', () => {
    closed = true;
    clearInterval(heartbeat);
    terminal?.detach(client);
  });
  ws.on('error', (err) => log.debug({ err }, 'terminal socket error'));
}

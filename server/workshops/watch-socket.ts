// The instructor's socket on one attendee's terminal: the same output the attendee sees
// (scrollback, then live), read-only until the instructor explicitly takes over; then their input
// goes to the shell until they release it or leave. The caller authenticates, records and
// tells the attendee (onTakeover); this module only relays and bounds.
import type { WebSocket } from 'ws';
import { z } from 'zod';
import { encodeOutputFrame } from '../protocol/terminal.ts';
import type { WatchServerMessage } from '../protocol/workshop.ts';
import type { Terminal } from '../terminals/terminal.ts';

/** Output queued on a watcher's socket beyond this and the watcher is dropped (it never slows the shell). */
export const MAX_WATCH_BUFFERED = 2 * 1024 * 1024;

const command = z.discriminatedUnion('type', [
  z.object({ type: z.literal('takeover') }).strict(),
  z.object({ type: z.literal('release') }).strict(),
  z.object({ type: z.literal('input'), data: z.string().min(1).max(8 * 1024) }).strict(),
]);

export interface WatchOptions {
  terminal: Terminal;
  /** The instructor took over (true) or gave the terminal back (false), by button or by leaving. */
  onTakeover(active: boolean): void;
}

export function serveWatchSocket(ws: WebSocket, { terminal, onTakeover }: WatchOptions): void {
  let takenOver = false;
  const send = (m: WatchServerMessage) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(m));
  };
  const setTakeover = (active: boolean) => {
    if (takenOver === active) return;
    takenOver = active;
    onTakeover(active);
    send({ type: 'takeover', active });
  };

  const watching = terminal.watch({
    output(offset, data) {
      if (ws.readyState !== ws.OPEN) return;
      if (ws.bufferedAmount > MAX_WATCH_BUFFERED) return ws.close(4408, 'this connection cannot keep up with the terminal: open it again');
      ws.send(encodeOutputFrame(offset, data), { binary: true });
    },
    ended(info) {
      send({ type: 'exit', message: info.message });
      ws.close(1000);
    },
  });
  send({ type: 'watching', terminalId: terminal.id, cols: terminal.cols, rows: terminal.rows, truncated: watching.truncated });
  if (watching.scrollback.length > 0) ws.send(encodeOutputFrame(watching.offset, watching.scrollback), { binary: true });

  ws.on('message', (data, isBinary) => {
    let m: z.infer<typeof command>;
    try {
      if (isBinary) throw new Error('binary');
      m = command.parse(JSON.parse(String(data)));
    } catch {
      return send({ type: 'error', message: 'messages are { type: "takeover" | "release" } or { type: "input", data } (JSON text)' });
    }
    if (m.type === 'takeover') return setTakeover(true);
    if (m.type === 'release') return setTakeover(false);
    if (!takenOver) return send({ type: 'error', message: 'this view is read-only: take over first to type' });
    if (!terminal.input(m.data)) send({ type: 'error', message: 'input dropped: more than the shell takes per second' });
  });
  ws.on('close', () => {
    watching.unwatch();
    setTakeover(false);
  });
  ws.on('error', () => ws.terminate());
}

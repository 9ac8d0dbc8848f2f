// The browser side of the terminal protocol (server/protocol/terminal.ts), without React or
// xterm: connects, says hello (resuming the terminal remembered in sessionStorage), hands output
// to a writer and acknowledges it once written, reconnects with backoff, and reports its state.
import {
  TERMINAL_WS_PATH,
  decodeOutputFrame,
  parseServerMessage,
  type ClientMessage,
  type ErrorMessage,
  type ExitMessage,
  type WarningMessage,
} from '../../../server/protocol/terminal.ts';

export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'ended';

export interface ConnectionEvents {
  /** Write output; call `done` once it is rendered (flow control waits for it). */
  write(data: Uint8Array, done: () => void): void;
  /** The terminal starts over (new shell, or replay from scratch): clear the screen. */
  reset(): void;
  state(state: ConnectionState, detail?: { exit?: ExitMessage; error?: ErrorMessage; attempt?: number }): void;
  warning(w: WarningMessage | undefined): void;
}

export interface ConnectionOptions {
  name: string;
  lab?: string;
  /** The page's language: a new shell's MESHLAB_LANG. */
  lang?: 'en' | 'zh';
  size(): { cols: number; rows: number };
  events: ConnectionEvents;
}

interface Saved {
  terminalId: string;
  resumeToken: string;
}

const ACK_EVERY = 32 * 1024;
const MAX_BACKOFF_MS = 10_000;

export class TerminalConnection {
  private ws?: WebSocket;
  private saved?: Saved;
  /** Absolute offset past the last byte written to the screen. */
  private rendered = 0;
  private acked = 0;
  private ackTimer?: ReturnType<typeof setTimeout>;
  private attempt = 0;
  private retryTimer?: ReturnType<typeof setTimeout>;
  private ready = false;
  private stopped = false;
  private pending: string[] = [];
  private screenHasOutput = false;
  /** The last fatal error the server gave (e.g. the cluster did not start); shown while retrying. */
  private lastError?: ErrorMessage;
  state: ConnectionState = 'connecting';

  constructor(private readonly options: ConnectionOptions) {
    this.saved = this.load();
  }

  /** A shell per lab: another lab's page opens its own, not this lab's history and prompt. */
  private get storageKey(): string {
    return this.options.lab ? `meshlab.terminal.${this.options.lab}.${this.options.name}` : `meshlab.terminal.${this.options.name}`;
  }

  private load(): Saved | undefined {
    try {
      const v = JSON.parse(sessionStorage.getItem(this.storageKey) ?? 'null') as Saved | null;
      return v && typeof v.terminalId === 'string' && typeof v.resumeToken === 'string' ? v : undefined;
    } catch {
      return undefined;
    }
  }

  private store(v: Saved | undefined): void {
    this.saved = v;
    try {
      if (v) sessionStorage.setItem(this.storageKey, JSON.stringify(v));
      else sessionStorage.removeItem(this.storageKey);
    } catch {
      // storage disabled: resume works only within this page
    }
  }

  connect(): void {
    this.stopped = false;
    clearTimeout(this.retryTimer);
    this.ready = false;
    this.setState(this.attempt === 0 ? 'connecting' : 'reconnecting');
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${TERMINAL_WS_PATH}`;
    let ws: WebSocket;
    try {
      ws = new WebSocket(url);
    } catch {
      this.scheduleRetry();
      return;
    }
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    ws.onopen = () => {
      const { cols, rows } = this.options.size();
      const resume = this.saved;
      this.send({
        type: 'hello',
        cols,
        rows,
        ...(this.options.lab ? { lab: this.options.lab } : {}),
        ...(this.options.lang ? { lang: this.options.lang } : {}),
        ...(resume ? { terminalId: resume.terminalId, resumeToken: resume.resumeToken, offset: this.rendered } : {}),
      });
    };
    ws.onmessage = (ev) => this.onMessage(ev.data);
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = undefined;
      this.ready = false;
      if (this.stopped || this.state === 'ended') return;
      this.scheduleRetry();
    };
  }

  /** Type into the shell (queued until the shell is ready). */
  input(data: string): void {
    if (this.ready) this.send({ type: 'input', data });
    else if (this.pending.join('').length + data.length <= 64 * 1024) this.pending.push(data);
  }

  resize(cols: number, rows: number): void {
    if (this.ready) this.send({ type: 'resize', cols, rows });
  }

  /** Reconnect now (the button): a fresh shell when the old one ended. */
  reconnectNow(): void {
    if (this.state === 'ended') {
      this.store(undefined);
      this.rendered = 0;
      this.acked = 0;
      this.options.events.reset();
      this.screenHasOutput = false;
    }
    this.attempt = 0;
    this.ws?.close();
    this.ws = undefined;
    this.connect();
  }

  dispose(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    clearTimeout(this.ackTimer);
    this.ws?.close();
    this.ws = undefined;
  }

  private scheduleRetry(): void {
    this.attempt++;
    const delay = Math.min(MAX_BACKOFF_MS, 500 * 2 ** Math.min(this.attempt - 1, 5)) * (0.75 + Math.random() * 0.5);
    this.setState('reconnecting', { attempt: this.attempt, error: this.lastError });
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  private setState(state: ConnectionState, detail?: Parameters<ConnectionEvents['state']>[1]): void {
    this.state = state;
    this.options.events.state(state, detail);
  }

  private send(m: ClientMessage): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(m));
  }

  private onMessage(data: unknown): void {
    if (data instanceof ArrayBuffer) {
      const frame = decodeOutputFrame(new Uint8Array(data));
      if (!frame) return;
      // Skip what is on screen already (a replay overlapping what we have).
      let bytes = frame.data;
      if (frame.offset < this.rendered) bytes = bytes.subarray(Math.min(bytes.length, this.rendered - frame.offset));
      const end = frame.offset + frame.data.length;
      if (bytes.length === 0) return this.ackSoon(end);
      this.screenHasOutput = true;
      this.options.events.write(bytes, () => {
        this.rendered = Math.max(this.rendered, end);
        this.ackSoon(this.rendered);
      });
      return;
    }
    if (typeof data !== 'string') return;
    const parsed = parseServerMessage(data);
    if (!parsed.ok) return;
    const m = parsed.message;
    switch (m.type) {
      case 'ready': {
        const sameTerminal = this.saved?.terminalId === m.terminalId;
        if (!sameTerminal || !m.resumed || m.offset > this.rendered) {
          // A new shell, or a gap we cannot fill: start the screen over from the replay.
          if (this.screenHasOutput) this.options.events.reset();
          this.screenHasOutput = false;
        }
        if (!sameTerminal || m.offset > this.rendered) this.rendered = m.offset;
        this.acked = this.rendered;
        this.store({ terminalId: m.terminalId, resumeToken: m.resumeToken });
        this.ready = true;
        this.attempt = 0;
        this.lastError = undefined;
        this.options.events.warning(undefined);
        this.setState('connected');
        for (const p of this.pending.splice(0)) this.send({ type: 'input', data: p });
        return;
      }
      case 'exit':
        this.store(undefined);
        if (!this.ready && !this.screenHasOutput && m.reason === 'grace-expired') {
          // The remembered shell ended while no page showed it (another lab's tab or page was
          // open): nothing the learner was looking at is lost, so a new shell starts right away.
          this.rendered = 0;
          this.attempt = 0;
          this.ws?.close();
          this.ws = undefined;
          this.connect();
          return;
        }
        this.ready = false;
        this.setState('ended', { exit: m });
        return;
      case 'error':
        if (m.code === 'unknown-terminal') {
          // The server forgot this terminal (restart): start a new one right away.
          this.store(undefined);
          this.rendered = 0;
          this.attempt = 0;
          this.ws?.close();
          this.ws = undefined;
          this.connect();
          return;
        }
        if (m.fatal) {
          this.ready = false;
          this.lastError = m;
          if (m.code === 'taken-over' || m.code === 'limit' || m.code === 'sandbox-unavailable') {
            this.stopped = true;
            this.setState('ended', { error: m });
          }
        }
        return;
      case 'warning':
        this.options.events.warning(m);
        return;
      case 'pong':
        return;
    }
  }

  private ackSoon(offset: number): void {
    if (offset - this.acked >= ACK_EVERY) return this.flushAck(offset);
    clearTimeout(this.ackTimer);
    this.ackTimer = setTimeout(() => this.flushAck(this.rendered), 20);
  }

  private flushAck(offset: number): void {
    clearTimeout(this.ackTimer);
    if (offset <= this.acked) return;
    this.acked = offset;
    this.send({ type: 'ack', offset });
  }
}

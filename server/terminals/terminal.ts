// One terminal: a shell in a pty that outlives its WebSocket. It keeps recent output in a ring
// for replay, applies flow control to the attached client, waits a grace period for a client
// to come back after a disconnect, and reaps itself when idle (with a warning first).
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { ExitReason, ServerMessage } from '../protocol/terminal.ts';
import { DEFAULT_WATERMARKS, FlowControl, type Watermarks } from './flow-control.ts';
import { OutputRing } from './ring-buffer.ts';

/** The part of node-pty's IPty a terminal uses (a fake in unit tests). */
export interface PtyLike {
  readonly pid: number;
  onData(listener: (data: Buffer | string) => void): unknown;
  onExit(listener: (e: { exitCode: number; signal?: number }) => void): unknown;
  write(data: string): void;
  resize(cols: number, rows: number): void;
  pause(): void;
  resume(): void;
  kill(signal?: string): void;
}

/** Where a terminal sends to its attached browser (one WebSocket). */
export interface TerminalClient {
  sendOutput(offset: number, data: Buffer): void;
  sendMessage(message: ServerMessage): void;
  close(): void;
}

/** A read-only watcher of a terminal's output (the instructor's view of an attendee's shell). */
export interface TerminalObserver {
  output(offset: number, data: Buffer): void;
  ended(info: EndInfo): void;
}

export interface TerminalTimings {
  /** How long a shell waits for a client after its connection dropped. */
  graceMs: number;
  /** No input for this long ends the shell. */
  idleMs: number;
  /** The warning comes this long before the idle end. */
  idleWarningMs: number;
  /** Time between SIGHUP and SIGKILL when ending a shell. */
  killAfterMs: number;
}

export const DEFAULT_TIMINGS: TerminalTimings = {
  graceMs: 60_000,
  idleMs: 30 * 60_000,
  idleWarningMs: 2 * 60_000,
  killAfterMs: 2_000,
};

export interface TerminalOptions {
  learnerId: string;
  pty: PtyLike;
  timings?: Partial<TerminalTimings>;
  ringBytes?: number;
  watermarks?: Watermarks;
  /** While nobody is attached, the pty is paused once this much output went unseen. */
  detachedOutputLimit?: number;
  /** Input accepted per second (characters); the rest is dropped. */
  inputBytesPerSecond?: number;
  onEnd?: (terminal: Terminal) => void;
}

export interface EndInfo {
  reason: ExitReason;
  code: number | null;
  message: string;
  at: number;
}

export type TerminalState = 'attached' | 'detached' | 'ended';

const EXIT_TEXT: Record<ExitReason, string> = {
  exited: 'The shell exited.',
  'grace-expired': 'The connection was lost for too long, so the shell was ended.',
  idle: 'The shell was ended after a long time without input.',
  closed: 'The terminal was closed.',
  'server-shutdown': 'The server stopped.',
  'spawn-failed': 'The shell could not be started.',
};

export function exitText(reason: ExitReason): string {
  return EXIT_TEXT[reason];
}

export function newTerminalId(): string {
  return randomBytes(12).toString('base64url');
}

export class Terminal {
  readonly id = newTerminalId();
  readonly resumeToken = randomBytes(24).toString('base64url');
  readonly learnerId: string;
  readonly createdAt = Date.now();
  cols = 80;
  rows = 24;

  private readonly pty: PtyLike;
  private readonly ring: OutputRing;
  private readonly flow: FlowControl;
  private readonly timings: TerminalTimings;
  private readonly detachedOutputLimit: number;
  private readonly onEnd?: (terminal: Terminal) => void;
  private client?: TerminalClient;
  private readonly observers = new Set<TerminalObserver>();
  private ptyPaused = false;
  private detachedAt = 0;
  private graceTimer?: ReturnType<typeof setTimeout>;
  private idleTimer?: ReturnType<typeof setTimeout>;
  private warnTimer?: ReturnType<typeof setTimeout>;
  private killTimer?: ReturnType<typeof setTimeout>;
  private pendingWarning?: ServerMessage;
  private exited = false;
  private readonly inputBytesPerSecond: number;
  private inputWindowStart = 0;
  private inputWindowBytes = 0;
  lastInputAt = Date.now();
  ended?: EndInfo;

  constructor(options: TerminalOptions) {
    this.learnerId = options.learnerId;
    this.pty = options.pty;
    this.timings = { ...DEFAULT_TIMINGS, ...options.timings };
    this.ring = new OutputRing(options.ringBytes ?? 256 * 1024);
    this.flow = new FlowControl(options.watermarks ?? DEFAULT_WATERMARKS);
    this.detachedOutputLimit = options.detachedOutputLimit ?? 1024 * 1024;
    this.inputBytesPerSecond = options.inputBytesPerSecond ?? 512 * 1024;
    this.onEnd = options.onEnd;
    this.pty.onData((data) => this.onPtyData(typeof data === 'string' ? Buffer.from(data, 'utf8') : data));
    this.pty.onExit((e) => {
      this.exited = true;
      this.clearTimer('killTimer');
      this.end('exited', e.exitCode ?? null);
    });
    // A new terminal counts as detached until its first client attaches.
    this.detachedAt = 0;
    this.startGrace();
    this.armIdle();
  }

  get state(): TerminalState {
    if (this.ended) return 'ended';
    return this.client ? 'attached' : 'detached';
  }

  /** Total bytes of output the shell produced. */
  get outputOffset(): number {
    return this.ring.offset;
  }

  get isPtyPaused(): boolean {
    return this.ptyPaused;
  }

  /** Bytes sent to the attached client and not yet acknowledged. */
  get unacked(): number {
    return this.flow.unacked;
  }

  tokenMatches(token: string | undefined): boolean {
    if (!token) return false;
    const a = Buffer.from(token);
    const b = Buffer.from(this.resumeToken);
    return a.length === b.length && timingSafeEqual(a, b);
  }

  /**
   * Attach a client (replacing any other: the newest tab wins) and replay output from
   * `fromOffset`. Returns the replay start and whether older output was dropped.
   */
  attach(client: TerminalClient, fromOffset = 0, resumed = false): { offset: number; truncated: boolean } {
    if (this.ended) throw new Error('terminal has ended');
    const previous = this.client;
    if (previous && previous !== client) {
      previous.sendMessage({ type: 'error', code: 'taken-over', message: 'This terminal was opened in another tab or window.', fatal: true });
      previous.close();
    }
    this.client = client;
    this.clearTimer('graceTimer');
    const replay = this.ring.since(Math.min(fromOffset, this.ring.offset));
    this.flow.reset(replay.offset);
    client.sendMessage({
      type: 'ready',
      terminalId: this.id,
      resumeToken: this.resumeToken,
      resumed,
      offset: replay.offset,
      truncated: replay.truncated,
    });
    if (replay.data.length > 0) this.send(replay.offset, replay.data);
    if (this.pendingWarning) client.sendMessage(this.pendingWarning);
    this.updatePause();
    return { offset: replay.offset, truncated: replay.truncated };
  }

  /**
   * Watch the output without taking part: returns the scrollback kept in the ring (from `offset`),
   * then the observer gets every output as the attached client does. Observers are outside flow
   * control (they never pause the shell): one that cannot keep up must drop itself.
   */
  watch(observer: TerminalObserver): { offset: number; truncated: boolean; scrollback: Buffer; unwatch(): void } {
    if (this.ended) throw new Error('terminal has ended');
    const replay = this.ring.since(0);
    this.observers.add(observer);
    return { offset: replay.offset, truncated: replay.truncated, scrollback: replay.data, unwatch: () => void this.observers.delete(observer) };
  }

  /** The client's connection closed: keep the shell for the grace period. */
  detach(client: TerminalClient): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.detachedAt = this.ring.offset;
    this.flow.reset(this.ring.offset);
    if (!this.ended) this.startGrace();
    this.updatePause();
  }

  /**
   * Type into the shell. Returns false when the input was dropped: more than the input budget
   * per second (a shell that does not read would otherwise make node-pty queue it without bound).
   */
  input(data: string): boolean {
    if (this.ended) return false;
    const now = Date.now();
    if (now - this.inputWindowStart >= 1000) {
      this.inputWindowStart = now;
      this.inputWindowBytes = 0;
    }
    // Interrupts (Ctrl-C, Ctrl-Z, Ctrl-\\, Ctrl-D) always get through, even over budget.
    const isInterrupt = data.length <= 8 && /[\x03\x1a\x1c\x04]/.test(data);
    if (!isInterrupt && this.inputWindowBytes + data.length > this.inputBytesPerSecond) return false;
    this.inputWindowBytes += data.length;
    this.lastInputAt = now;
    this.pendingWarning = undefined;
    this.armIdle();
    this.pty.write(data);
    return true;
  }

  resize(cols: number, rows: number): void {
    if (this.ended || (cols === this.cols && rows === this.rows)) return;
    this.cols = cols;
    this.rows = rows;
    try {
      this.pty.resize(cols, rows);
    } catch {
      // the pty may be closing
    }
  }

  ack(offset: number): void {
    this.flow.ack(offset);
    this.updatePause();
  }

  /** End the shell (idempotent); the attached client is told why. */
  end(reason: ExitReason, code: number | null = null): void {
    if (this.ended) return;
    this.ended = { reason, code, message: exitText(reason), at: Date.now() };
    for (const t of ['graceTimer', 'idleTimer', 'warnTimer'] as const) this.clearTimer(t);
    if (reason !== 'exited') {
      this.signal('SIGHUP');
      this.killTimer = setTimeout(() => this.signal('SIGKILL'), this.timings.killAfterMs);
      this.killTimer.unref?.();
    }
    if (this.ptyPaused) {
      this.ptyPaused = false;
      this.safe(() => this.pty.resume());
    }
    for (const o of this.observers) o.ended(this.ended);
    this.observers.clear();
    const client = this.client;
    this.client = undefined;
    if (client) {
      client.sendMessage({ type: 'exit', terminalId: this.id, code, reason, message: this.ended.message });
      client.close();
    }
    this.onEnd?.(this);
  }

  private onPtyData(data: Buffer): void {
    const start = this.ring.offset;
    this.ring.append(data);
    if (this.client) this.send(start, data);
    for (const o of this.observers) o.output(start, data);
    this.updatePause();
  }

  private send(offset: number, data: Buffer): void {
    if (!this.client) return;
    this.client.sendOutput(offset, data);
    this.flow.sent(offset + data.length);
  }

  private updatePause(): void {
    if (this.ended) return;
    const shouldPause = this.client ? this.flow.isPaused : this.ring.offset - this.detachedAt > this.detachedOutputLimit;
    if (shouldPause && !this.ptyPaused) {
      this.ptyPaused = true;
      this.safe(() => this.pty.pause());
    } else if (!shouldPause && this.ptyPaused) {
      this.ptyPaused = false;
      this.safe(() => this.pty.resume());
    }
  }

  private startGrace(): void {
    this.clearTimer('graceTimer');
    this.graceTimer = setTimeout(() => this.end('grace-expired'), this.timings.graceMs);
    this.graceTimer.unref?.();
  }

  private armIdle(): void {
    this.clearTimer('idleTimer');
    this.clearTimer('warnTimer');
    const warnIn = this.timings.idleMs - this.timings.idleWarningMs;
    if (warnIn > 0) {
      this.warnTimer = setTimeout(() => {
        const at = Date.now() + this.timings.idleWarningMs;
        const minutes = Math.max(1, Math.round(this.timings.idleWarningMs / 60_000));
        this.pendingWarning = {
          type: 'warning',
          code: 'idle',
          message: `This shell has had no input for a while and ends in about ${minutes} minute${minutes === 1 ? '' : 's'} unless you type something.`,
          at,
        };
        this.client?.sendMessage(this.pendingWarning);
      }, warnIn);
      this.warnTimer.unref?.();
    }
    this.idleTimer = setTimeout(() => this.end('idle'), this.timings.idleMs);
    this.idleTimer.unref?.();
  }

  private clearTimer(name: 'graceTimer' | 'idleTimer' | 'warnTimer' | 'killTimer'): void {
    const t = this[name];
    if (t) clearTimeout(t);
    this[name] = undefined;
  }

  private signal(sig: string): void {
    if (this.exited) return; // never signal a pid that may have been reused
    this.safe(() => this.pty.kill(sig));
  }

  private safe(fn: () => void): void {
    try {
      fn();
    } catch {
      // the process is gone already
    }
  }
}

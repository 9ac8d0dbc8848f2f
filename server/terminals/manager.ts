// All terminals of the server, by learner: creation under limits, lookup for reattach (the
// terminal id alone is not enough: the resume token and the learner must match), and a short
// memory of ended terminals so a returning browser learns why its shell is gone.
import type { ExitReason } from '../protocol/terminal.ts';
import { Terminal, type PtyLike, type TerminalOptions } from './terminal.ts';

export interface TerminalLimits {
  perLearner: number;
  total: number;
}

export const DEFAULT_TERMINAL_LIMITS: TerminalLimits = { perLearner: 4, total: 200 };

export interface ManagerOptions extends Omit<TerminalOptions, 'learnerId' | 'pty' | 'onEnd'> {
  limits?: Partial<TerminalLimits>;
  /** How long an ended terminal is remembered for a returning client. */
  tombstoneMs?: number;
}

export class LimitError extends Error {}

interface Tombstone {
  id: string;
  learnerId: string;
  token: string;
  reason: ExitReason;
  code: number | null;
  message: string;
  at: number;
}

export type Lookup =
  | { kind: 'live'; terminal: Terminal }
  | { kind: 'ended'; id: string; reason: ExitReason; code: number | null; message: string }
  | { kind: 'unknown' };

const MAX_TOMBSTONES = 1000;

export class TerminalManager {
  private readonly terminals = new Map<string, Terminal>();
  private readonly tombstones = new Map<string, Tombstone>();
  private readonly limits: TerminalLimits;
  private readonly tombstoneMs: number;
  private reserved = 0;

  constructor(private readonly options: ManagerOptions = {}) {
    this.limits = { ...DEFAULT_TERMINAL_LIMITS, ...options.limits };
    this.tombstoneMs = options.tombstoneMs ?? 60 * 60_000;
  }

  get size(): number {
    return this.terminals.size;
  }

  listFor(learnerId: string): Terminal[] {
    return [...this.terminals.values()].filter((t) => t.learnerId === learnerId);
  }

  /**
   * Reserve a slot before the (slow) spawn, so concurrent requests cannot exceed the limits.
   * Returns a function that creates the terminal from a pty, or releases the slot.
   */
  reserve(learnerId: string): { create(pty: PtyLike): Terminal; release(): void } {
    const mine = this.listFor(learnerId).length + this.pendingFor(learnerId);
    if (mine >= this.limits.perLearner) throw new LimitError(`You have ${mine} terminals open already (the limit is ${this.limits.perLearner}); close one first.`);
    if (this.terminals.size + this.reserved >= this.limits.total) throw new LimitError('The server has as many terminals as it allows; try again later.');
    this.reserved++;
    this.pending.set(learnerId, this.pendingFor(learnerId) + 1);
    let done = false;
    const release = () => {
      if (done) return;
      done = true;
      this.reserved--;
      const n = this.pendingFor(learnerId) - 1;
      if (n > 0) this.pending.set(learnerId, n);
      else this.pending.delete(learnerId);
    };
    return {
      create: (pty) => {
        release();
        const terminal = new Terminal({ ...this.options, learnerId, pty, onEnd: (t) => this.onEnded(t) });
        this.terminals.set(terminal.id, terminal);
        return terminal;
      },
      release,
    };
  }

  private readonly pending = new Map<string, number>();

  private pendingFor(learnerId: string): number {
    return this.pending.get(learnerId) ?? 0;
  }

  /** Find a learner's terminal by id and resume token. */
  lookup(learnerId: string, id: string, token: string | undefined): Lookup {
    const live = this.terminals.get(id);
    if (live && live.learnerId === learnerId && live.tokenMatches(token)) return { kind: 'live', terminal: live };
    this.expireTombstones();
    const dead = this.tombstones.get(id);
    if (dead && dead.learnerId === learnerId && dead.token === token) {
      return { kind: 'ended', id, reason: dead.reason, code: dead.code, message: dead.message };
    }
    return { kind: 'unknown' };
  }

  /** A learner's terminal by id (for the HTTP API, where the cookie identifies the learner). */
  get(learnerId: string, id: string): Terminal | undefined {
    const t = this.terminals.get(id);
    return t && t.learnerId === learnerId ? t : undefined;
  }

  endAll(reason: ExitReason): void {
    for (const t of [...this.terminals.values()]) t.end(reason);
  }

  private onEnded(t: Terminal): void {
    this.terminals.delete(t.id);
    const info = t.ended!;
    this.tombstones.set(t.id, { id: t.id, learnerId: t.learnerId, token: t.resumeToken, reason: info.reason, code: info.code, message: info.message, at: info.at });
    this.expireTombstones();
  }

  private expireTombstones(): void {
    const now = Date.now();
    for (const [id, ts] of this.tombstones) {
      if (now - ts.at > this.tombstoneMs || this.tombstones.size > MAX_TOMBSTONES) this.tombstones.delete(id);
      else break; // insertion order: the rest are newer
    }
  }
}

// Time for the controllers: the current time and delayed callbacks, injectable so tests can
// run the lifecycle with a manual clock (advance by hand) or with zero delays.
import type { Clock } from '../store/object-store.ts';

export interface Timers extends Clock {
  /** Run `fn` after `ms` milliseconds; returns a function that cancels it. */
  after(ms: number, fn: () => void): () => void;
}

export const realTimers: Timers = {
  now: () => new Date(),
  after(ms, fn) {
    const handle = setTimeout(fn, Math.max(0, ms));
    // A pending lifecycle step must not keep the process alive on its own.
    handle.unref?.();
    return () => clearTimeout(handle);
  },
};

/** A clock that moves only when told to; due callbacks run in time order during advance(). */
export class ManualTimers implements Timers {
  private time: number;
  private seq = 0;
  private readonly pending = new Map<number, { at: number; fn: () => void }>();

  constructor(start: Date = new Date('2026-01-01T00:00:00Z')) {
    this.time = start.getTime();
  }

  now(): Date {
    return new Date(this.time);
  }

  after(ms: number, fn: () => void): () => void {
    const id = ++this.seq;
    this.pending.set(id, { at: this.time + Math.max(0, ms), fn });
    return () => this.pending.delete(id);
  }

  /** Move time forward, running every callback that falls due (including ones scheduled meanwhile). */
  advance(ms: number): void {
    const end = this.time + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.pending) if (entry[1].at <= end && (!next || entry[1].at < next[1].at)) next = entry;
      if (!next) break;
      this.pending.delete(next[0]);
      this.time = Math.max(this.time, next[1].at);
      next[1].fn();
    }
    this.time = end;
  }

  get pendingCount(): number {
    return this.pending.size;
  }
}

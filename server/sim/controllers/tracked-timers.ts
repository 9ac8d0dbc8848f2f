// Timers that count their pending callbacks, so the cluster can tell when nothing is scheduled
// any more (no pod waiting for its next lifecycle stage): part of "the cluster has settled".
import type { Timers } from './timers.ts';

export class TrackedTimers implements Timers {
  private pendingCallbacks = 0;

  constructor(private readonly inner: Timers) {}

  now(): Date {
    return this.inner.now();
  }

  after(ms: number, fn: () => void): () => void {
    let pending = true;
    const done = () => {
      if (pending) this.pendingCallbacks--;
      pending = false;
    };
    this.pendingCallbacks++;
    const cancel = this.inner.after(ms, () => {
      done();
      fn();
    });
    return () => {
      done();
      cancel();
    };
  }

  /** Callbacks scheduled and neither run nor cancelled yet. */
  get pending(): number {
    return this.pendingCallbacks;
  }
}

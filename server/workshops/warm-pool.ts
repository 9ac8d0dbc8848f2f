// Environments started ahead of joins, so that an attendee lands in a lab whose cluster is
// already up (Instruqt's "hot start"). A warm environment is a whole session issued by the
// server whose learner has a cluster running; a join takes one and hands its cookie to the
// attendee. The pool fills only while some open workshop has seats left, never beyond that,
// and within the server's cluster limits (a refusal there stops filling until the next round).
import type { Logger } from 'pino';
import type { NewSession } from '../api/context.ts';

export interface WarmPoolOptions {
  /** How many environments to keep ready at most. */
  size: number;
  newSession(): NewSession;
  /** How many joins can still come (seats left in open workshops). */
  wanted(): number;
  logger: Logger;
  /** A refill round this often, to replace reclaimed or failed ones. */
  intervalMs?: number;
}

/** MESHLAB_WORKSHOP_WARM: environments kept warm while a workshop has seats left (default 2; 0 turns it off). */
export function warmSizeFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.MESHLAB_WORKSHOP_WARM;
  if (raw === undefined || raw === '') return 2;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 100) throw new Error(`MESHLAB_WORKSHOP_WARM: ${JSON.stringify(raw)} is not a count from 0 to 100 (environments kept warm for joins)`);
  return n;
}

export class WarmPool {
  private readonly ready: NewSession[] = [];
  private starting = 0;
  private closed = false;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly options: WarmPoolOptions) {
    this.timer = setInterval(() => this.fill(), options.intervalMs ?? 30_000);
    this.timer.unref();
  }

  get readyCount(): number {
    return this.ready.length;
  }

  /** A session whose cluster is up, or undefined (then the join starts one the usual way). */
  take(): NewSession | undefined {
    while (this.ready.length > 0) {
      const s = this.ready.shift()!;
      // Idle reclaim may have taken it meanwhile.
      if (s.learner().currentCluster()) {
        queueMicrotask(() => this.fill());
        return s;
      }
    }
    this.fill();
    return undefined;
  }

  /** A taken session that was not used (the join failed): ready again. */
  giveBack(s: NewSession): void {
    if (this.closed) void s.learner().release();
    else this.ready.unshift(s);
  }

  fill(): void {
    if (this.closed || Date.now() < this.pausedUntil) return;
    const target = Math.min(this.options.size, Math.max(0, this.options.wanted()));
    // More ready than joins can come (seats filled, workshop ended): stop the surplus.
    while (this.ready.length > target) void this.ready.pop()!.learner().release();
    while (this.ready.length + this.starting < target) {
      this.starting++;
      const s = this.options.newSession();
      s.learner()
        .cluster()
        .then(
          () => {
            if (this.closed) return void s.learner().release();
            this.ready.push(s);
            this.options.logger.info({ learner: s.learnerId, ready: this.ready.length }, 'warm environment ready');
          },
          (err: unknown) => {
            // Full or rate-limited: wait for the next round rather than ask again at once.
            this.pausedUntil = Date.now() + (this.options.intervalMs ?? 30_000);
            this.options.logger.warn({ err: (err as Error).message }, 'warm environment could not start');
          },
        )
        .finally(() => this.starting--);
    }
  }

  private pausedUntil = 0;

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await Promise.allSettled(this.ready.splice(0).map((s) => s.learner().release()));
  }
}

// Runs commands in a terminal's shell one at a time: each waits until the shell is at its prompt,
// is typed with Enter, and ends at the shell's next command-end mark (OSC 133 D), which carries
// its exit status. What Run and Solve use instead of typing ahead, so output never interleaves
// with the next command's echo and the page knows how each command ended. No DOM, no xterm:
// the terminal feeds it marks and connection changes, and it types through `send`.
import { phaseAfter, type ShellMark, type ShellPhase } from './shell-marks.ts';

export type CommandOutcome =
  /** The command ran and ended; exitCode is undefined when the shell did not say. */
  | { kind: 'finished'; exitCode?: number; durationMs: number }
  /** The shell stayed busy with something else (no prompt) for `waitedMs`: nothing was typed. */
  | { kind: 'busy'; waitedMs: number }
  /** Typed, but the shell showed no sign of running it within `waitedMs`. */
  | { kind: 'no-answer'; waitedMs: number }
  /** Typed and started, but not ended within `waitedMs` (it may still run). */
  | { kind: 'still-running'; waitedMs: number }
  /** The terminal had no shell connected within `waitedMs`. */
  | { kind: 'not-connected'; waitedMs: number }
  /** The terminal went away, or an earlier command of the same batch did not end. */
  | { kind: 'cancelled' };

export interface CommandTimings {
  /** How long a command waits for the terminal to connect. */
  connectMs: number;
  /** How long it waits for the shell to come back to its prompt before typing. */
  promptMs: number;
  /** Connected but no mark seen yet (a fresh screen): after this long, type anyway. */
  unknownGraceMs: number;
  /** After typing, how soon the shell must start it (C) or end it (D). */
  startMs: number;
  /** Once started, how long it may run before the page stops waiting. */
  finishMs: number;
}

export const DEFAULT_COMMAND_TIMINGS: CommandTimings = {
  connectMs: 60_000,
  promptMs: 20_000,
  unknownGraceMs: 2_000,
  startMs: 10_000,
  // `kubectl rollout status --timeout=120s` and helm installs fit with room to spare.
  finishMs: 300_000,
};

/** Longest command accepted (the terminal protocol's input limit leaves room for the keys around it). */
export const MAX_COMMAND_CHARS = 60_000;

export type CommandPhase = 'queued' | 'typed' | 'running';

interface Job {
  keys: string;
  resolve(o: CommandOutcome): void;
  onPhase?(p: CommandPhase): void;
  queuedAt: number;
  typedAt?: number;
  started: boolean;
  timer?: ReturnType<typeof setTimeout>;
}

export interface CommandRunnerIO {
  /** Type into the shell. */
  send(keys: string): void;
  now?(): number;
}

/** Enter in a terminal is carriage return; Ctrl-E Ctrl-U first clears what was typed on the line. */
export function commandKeys(command: string): string {
  return `\x05\x15${command.replace(/\r?\n$/, '').replace(/\r?\n/g, '\r')}\r`;
}

export class CommandRunner {
  private phase: ShellPhase = 'unknown';
  private connected = false;
  private connectedAt = 0;
  private readonly queue: Job[] = [];
  private current?: Job;
  private readonly timings: CommandTimings;

  constructor(
    private readonly io: CommandRunnerIO,
    timings: Partial<CommandTimings> = {},
  ) {
    this.timings = { ...DEFAULT_COMMAND_TIMINGS, ...timings };
  }

  private now(): number {
    return this.io.now?.() ?? Date.now();
  }

  /** Where the shell is, as far as the marks tell. */
  get shellPhase(): ShellPhase {
    return this.phase;
  }

  /** Run `command` once every command before it has ended. */
  run(command: string, onPhase?: (p: CommandPhase) => void): Promise<CommandOutcome> {
    if (command.length > MAX_COMMAND_CHARS) return Promise.reject(new RangeError(`a command of ${command.length} characters is longer than ${MAX_COMMAND_CHARS}`));
    return new Promise((resolve) => {
      this.queue.push({ keys: commandKeys(command), resolve, onPhase, queuedAt: this.now(), started: false });
      onPhase?.('queued');
      this.pump();
    });
  }

  /** A mark the shell wrote (from the terminal's OSC 133 handler). */
  mark(m: ShellMark): void {
    this.phase = phaseAfter(m);
    const job = this.current;
    if (job?.typedAt !== undefined) {
      if (m.kind === 'output-start' && !job.started) {
        job.started = true;
        job.onPhase?.('running');
        this.arm(job, this.timings.finishMs, () => ({ kind: 'still-running', waitedMs: this.now() - job.typedAt! }));
      } else if (m.kind === 'command-end') {
        // A command that fails to parse ends without starting (no C): still its end.
        this.finish(job, { kind: 'finished', exitCode: m.exitCode, durationMs: this.now() - job.typedAt });
        return;
      }
    }
    this.pump();
  }

  /** The terminal connected to a shell (true) or lost it (false). */
  setConnected(connected: boolean): void {
    if (connected && !this.connected) this.connectedAt = this.now();
    this.connected = connected;
    this.pump();
  }

  /** The screen starts over (a new shell, or a full replay follows): the marks so far are void. */
  screenReset(): void {
    this.phase = 'unknown';
    if (this.current?.typedAt !== undefined) this.finish(this.current, { kind: 'cancelled' });
    this.pump();
  }

  /** The terminal goes away: everything waiting is cancelled. */
  dispose(): void {
    const jobs = [...(this.current ? [this.current] : []), ...this.queue.splice(0)];
    this.current = undefined;
    for (const j of jobs) {
      clearTimeout(j.timer);
      j.resolve({ kind: 'cancelled' });
    }
  }

  private finish(job: Job, outcome: CommandOutcome): void {
    clearTimeout(job.timer);
    if (this.current === job) this.current = undefined;
    job.resolve(outcome);
    // A command that did not end leaves the shell in an unknown state: do not type the rest into it.
    if (outcome.kind !== 'finished') for (const j of this.queue.splice(0)) j.resolve({ kind: 'cancelled' });
    this.pump();
  }

  private arm(job: Job, ms: number, outcome: () => CommandOutcome): void {
    clearTimeout(job.timer);
    job.timer = setTimeout(() => this.finish(job, outcome()), ms);
  }

  /** Start the next command when the shell can take it, or wait (bounded) until it can. */
  private pump(): void {
    if (!this.current) {
      const next = this.queue.shift();
      if (!next) return;
      this.current = next;
      next.queuedAt = this.now();
    }
    const job = this.current;
    if (job.typedAt !== undefined) return;
    const waited = this.now() - job.queuedAt;
    if (!this.connected) {
      this.arm(job, Math.max(0, this.timings.connectMs - waited), () => ({ kind: 'not-connected', waitedMs: this.now() - job.queuedAt }));
      return;
    }
    const sinceConnect = this.now() - this.connectedAt;
    const waitedConnected = this.now() - Math.max(job.queuedAt, this.connectedAt);
    const ready = this.phase === 'prompt' || (this.phase === 'unknown' && sinceConnect >= this.timings.unknownGraceMs);
    if (!ready) {
      if (this.phase === 'unknown') {
        clearTimeout(job.timer);
        job.timer = setTimeout(() => this.pump(), this.timings.unknownGraceMs - sinceConnect);
      } else {
        this.arm(job, Math.max(0, this.timings.promptMs - waitedConnected), () => ({ kind: 'busy', waitedMs: this.now() - job.queuedAt }));
      }
      return;
    }
    clearTimeout(job.timer);
    job.typedAt = this.now();
    this.phase = 'busy';
    this.io.send(job.keys);
    job.onPhase?.('typed');
    this.arm(job, this.timings.startMs, () => ({ kind: 'no-answer', waitedMs: this.now() - job.typedAt! }));
  }
}

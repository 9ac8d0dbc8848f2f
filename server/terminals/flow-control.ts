// Acknowledgement-based flow control: output sent to the browser but not yet rendered is
// bounded. Above the high watermark the pty is paused (the shell blocks on write, as on a
// slow local terminal); below the low watermark it resumes.

export interface Watermarks {
  high: number;
  low: number;
}

export const DEFAULT_WATERMARKS: Watermarks = { high: 512 * 1024, low: 128 * 1024 };

export type FlowChange = 'pause' | 'resume' | undefined;

export class FlowControl {
  private sentEnd = 0;
  private ackedEnd = 0;
  private paused = false;

  constructor(private readonly marks: Watermarks = DEFAULT_WATERMARKS) {
    if (!(marks.low >= 0 && marks.high > marks.low)) throw new Error('watermarks need 0 <= low < high');
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /** Bytes sent and not acknowledged. */
  get unacked(): number {
    return this.sentEnd - this.ackedEnd;
  }

  /** Start counting from `offset` (a new attachment replays from there). */
  reset(offset: number): FlowChange {
    this.sentEnd = offset;
    this.ackedEnd = offset;
    return this.update();
  }

  /** Output up to absolute offset `end` was sent. */
  sent(end: number): FlowChange {
    if (end > this.sentEnd) this.sentEnd = end;
    return this.update();
  }

  /** The client rendered everything up to absolute offset `end`. Acks beyond what was sent or going back are clamped. */
  ack(end: number): FlowChange {
    const clamped = Math.min(end, this.sentEnd);
    if (clamped > this.ackedEnd) this.ackedEnd = clamped;
    return this.update();
  }

  private update(): FlowChange {
    const pending = this.unacked;
    if (!this.paused && pending > this.marks.high) {
      this.paused = true;
      return 'pause';
    }
    if (this.paused && pending < this.marks.low) {
      this.paused = false;
      return 'resume';
    }
    return undefined;
  }
}

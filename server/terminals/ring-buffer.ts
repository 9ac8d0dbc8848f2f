// The recent output of a terminal, kept for replay when a browser reattaches: a fixed-size
// byte ring addressed by absolute stream offsets (bytes since the shell started).

export class OutputRing {
  private readonly buf: Buffer;
  /** Absolute offset just past the newest byte. */
  private end = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity <= 0) throw new Error('ring capacity must be a positive integer');
    this.buf = Buffer.alloc(capacity);
  }

  /** Offset of the oldest byte still retained. */
  get start(): number {
    return Math.max(0, this.end - this.capacity);
  }

  /** Offset just past the newest byte (total bytes ever appended). */
  get offset(): number {
    return this.end;
  }

  append(data: Uint8Array): void {
    let chunk = data;
    if (chunk.length >= this.capacity) {
      // Only the tail can be retained.
      this.end += chunk.length - this.capacity;
      chunk = chunk.subarray(chunk.length - this.capacity);
    }
    const pos = this.end % this.capacity;
    const first = Math.min(chunk.length, this.capacity - pos);
    this.buf.set(chunk.subarray(0, first), pos);
    if (first < chunk.length) this.buf.set(chunk.subarray(first), 0);
    this.end += chunk.length;
  }

  /**
   * The retained bytes from `from` on. When `from` is older than what is retained, the copy
   * starts at the oldest retained byte and `truncated` says so.
   */
  since(from: number): { offset: number; data: Buffer; truncated: boolean } {
    const truncated = from < this.start;
    const begin = Math.min(Math.max(from, this.start), this.end);
    const length = this.end - begin;
    const out = Buffer.alloc(length);
    const pos = begin % this.capacity;
    const first = Math.min(length, this.capacity - pos);
    this.buf.copy(out, 0, pos, pos + first);
    if (first < length) this.buf.copy(out, first, 0, length - first);
    return { offset: begin, data: out, truncated };
  }
}

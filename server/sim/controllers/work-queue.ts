// The controller pattern's work queue: watch events add keys, a deferred drain reconciles each
// key once however many events named it. Deferring also keeps controllers from writing to the
// store from inside the store's own event dispatch.

export class WorkQueue {
  private readonly keys = new Set<string>();
  private scheduled = false;
  private stopped = false;
  private running: Promise<void> = Promise.resolve();

  constructor(private readonly reconcile: (key: string) => void | Promise<void>) {}

  add(key: string): void {
    if (this.stopped) return;
    this.keys.add(key);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.running = this.drain();
    });
  }

  /** Resolves once nothing is queued or running. */
  async idle(): Promise<void> {
    while (this.scheduled || this.keys.size) {
      await new Promise((r) => setImmediate(r));
      await this.running;
    }
    await this.running;
  }

  stop(): void {
    this.stopped = true;
    this.keys.clear();
  }

  private async drain(): Promise<void> {
    try {
      while (this.keys.size && !this.stopped) {
        const [key] = this.keys;
        this.keys.delete(key!);
        try {
          await this.reconcile(key!);
        } catch {
          // A failed reconcile is retried by the next event for the key; it must not stop the queue.
        }
      }
    } finally {
      this.scheduled = false;
    }
  }
}

// A terminal protocol client for tests and the benchmark: collects decoded output, acks it
// (unless told not to), and waits for text.
import { WebSocket } from 'ws';
import { decodeOutputFrame, parseServerMessage, type ClientMessage, type ServerMessage } from '../../protocol/terminal.ts';

export class TestTerminalClient {
  readonly messages: ServerMessage[] = [];
  private chunks: Buffer[] = [];
  private textCache = '';
  /** Bytes of output received, and the absolute offset past the last byte. */
  received = 0;
  offset = 0;
  autoAck = true;
  /** Keep only this many characters of text (a flood would otherwise fill memory). */
  keepChars = 1_000_000;
  closed: Promise<number>;
  private waiters: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    this.closed = new Promise((resolve) => ws.on('close', (code) => resolve(code)));
    ws.on('message', (data, isBinary) => {
      const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
      if (isBinary) {
        const frame = decodeOutputFrame(buf);
        if (!frame) throw new Error('bad output frame');
        this.received += frame.data.length;
        this.offset = frame.offset + frame.data.length;
        this.chunks.push(Buffer.from(frame.data));
        if (this.autoAck) this.send({ type: 'ack', offset: this.offset });
      } else {
        const parsed = parseServerMessage(buf.toString('utf8'));
        if (!parsed.ok) throw new Error(`bad server message: ${parsed.error}`);
        this.messages.push(parsed.message);
      }
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static open(url: string, headers: Record<string, string>): Promise<TestTerminalClient> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers });
      ws.once('open', () => resolve(new TestTerminalClient(ws)));
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
  }

  get text(): string {
    if (this.chunks.length) {
      // Shell-integration marks (OSC 133) are invisible on a screen: leave them out of the text.
      this.textCache += Buffer.concat(this.chunks).toString('utf8').replace(/\x1b\]133;[^\x07]*\x07/g, '');
      this.chunks = [];
      if (this.textCache.length > this.keepChars) this.textCache = this.textCache.slice(-this.keepChars);
    }
    return this.textCache;
  }

  /** Forget the output so far (waitFor then only sees what comes next). */
  clear(): void {
    void this.text;
    this.textCache = '';
  }

  send(m: ClientMessage | string): void {
    this.ws.send(typeof m === 'string' ? m : JSON.stringify(m));
  }

  type(data: string): void {
    this.send({ type: 'input', data });
  }

  message<T extends ServerMessage['type']>(type: T): Extract<ServerMessage, { type: T }> | undefined {
    return this.messages.find((m) => m.type === type) as Extract<ServerMessage, { type: T }> | undefined;
  }

  async waitFor(predicate: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; output tail: ${JSON.stringify(this.text.slice(-400))}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, Math.min(left, 200));
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  waitForText(pattern: RegExp | string, timeoutMs = 10_000): Promise<void> {
    return this.waitFor(() => (typeof pattern === 'string' ? this.text.includes(pattern) : pattern.test(this.text)), timeoutMs, String(pattern));
  }

  waitForMessage(type: ServerMessage['type'], timeoutMs = 10_000): Promise<void> {
    return this.waitFor(() => this.messages.some((m) => m.type === type), timeoutMs, `a ${type} message`);
  }

  close(): Promise<number> {
    this.ws.close();
    return this.closed;
  }
}

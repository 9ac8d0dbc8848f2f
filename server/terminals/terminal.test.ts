import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ServerMessage } from '../protocol/terminal.ts';
import { LimitError, TerminalManager } from './manager.ts';
import { Terminal, type PtyLike, type TerminalClient } from './terminal.ts';

class FakePty implements PtyLike {
  pid = 4242;
  written: string[] = [];
  paused = false;
  signals: string[] = [];
  size: [number, number] = [80, 24];
  private dataListeners: ((d: Buffer | string) => void)[] = [];
  private exitListeners: ((e: { exitCode: number }) => void)[] = [];
  onData(l: (d: Buffer | string) => void) {
    this.dataListeners.push(l);
  }
  onExit(l: (e: { exitCode: number }) => void) {
    this.exitListeners.push(l);
  }
  write(d: string) {
    this.written.push(d);
  }
  resize(c: number, r: number) {
    this.size = [c, r];
  }
  pause() {
    this.paused = true;
  }
  resume() {
    this.paused = false;
  }
  kill(sig = 'SIGHUP') {
    this.signals.push(sig);
  }
  emit(data: string | Buffer) {
    for (const l of this.dataListeners) l(data);
  }
  exit(code: number) {
    for (const l of this.exitListeners) l({ exitCode: code });
  }
}

class FakeClient implements TerminalClient {
  output: { offset: number; data: string }[] = [];
  messages: ServerMessage[] = [];
  closed = false;
  sendOutput(offset: number, data: Buffer) {
    this.output.push({ offset, data: data.toString() });
  }
  sendMessage(m: ServerMessage) {
    this.messages.push(m);
  }
  close() {
    this.closed = true;
  }
  get text() {
    return this.output.map((o) => o.data).join('');
  }
  last<T extends ServerMessage['type']>(type: T) {
    return this.messages.filter((m) => m.type === type).at(-1) as Extract<ServerMessage, { type: T }> | undefined;
  }
}

const timings = { graceMs: 60_000, idleMs: 600_000, idleWarningMs: 60_000, killAfterMs: 2_000 };

function make(extra: Partial<ConstructorParameters<typeof Terminal>[0]> = {}) {
  const pty = new FakePty();
  const terminal = new Terminal({ learnerId: 'l1', pty, timings, ringBytes: 64, watermarks: { high: 100, low: 20 }, detachedOutputLimit: 200, ...extra });
  return { pty, terminal };
}

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('Terminal session', () => {
  it('attaches, says ready, relays input and output with offsets', () => {
    const { pty, terminal } = make();
    const c = new FakeClient();
    terminal.attach(c);
    expect(c.last('ready')).toMatchObject({ terminalId: terminal.id, resumed: false, offset: 0, truncated: false });
    terminal.input('echo hi\r');
    expect(pty.written).toEqual(['echo hi\r']);
    pty.emit('hi\r\n');
    pty.emit(Buffer.from('$ '));
    expect(c.output).toEqual([
      { offset: 0, data: 'hi\r\n' },
      { offset: 4, data: '$ ' },
    ]);
    expect(terminal.state).toBe('attached');
  });

  it('keeps the shell through a disconnect and replays recent output on reattach', () => {
    const { pty, terminal } = make();
    const a = new FakeClient();
    terminal.attach(a);
    pty.emit('one ');
    terminal.detach(a);
    expect(terminal.state).toBe('detached');
    pty.emit('two ');
    vi.advanceTimersByTime(59_000);
    const b = new FakeClient();
    terminal.attach(b, 0, true);
    expect(b.last('ready')).toMatchObject({ resumed: true, offset: 0 });
    expect(b.text).toBe('one two ');
    // a client that already has the first 4 bytes gets only the rest
    const c = new FakeClient();
    terminal.attach(c, 4, true);
    expect(c.text).toBe('two ');
    expect(b.last('error')).toMatchObject({ code: 'taken-over', fatal: true });
    expect(b.closed).toBe(true);
  });

  it('replay says truncated when output was dropped from the ring', () => {
    const { pty, terminal } = make();
    pty.emit('x'.repeat(100));
    const c = new FakeClient();
    terminal.attach(c, 0, true);
    expect(c.last('ready')).toMatchObject({ offset: 36, truncated: true });
    expect(c.text.length).toBe(64);
  });

  it('lets an observer watch: the scrollback, then live output, outside flow control, told of the end', () => {
    const { pty, terminal } = make();
    const c = new FakeClient();
    terminal.attach(c);
    pty.emit('before ');
    const seen: { offset: number; data: string }[] = [];
    const ends: string[] = [];
    const w = terminal.watch({ output: (offset, data) => seen.push({ offset, data: data.toString() }), ended: (e) => ends.push(e.reason) });
    expect(w).toMatchObject({ offset: 0, truncated: false });
    expect(w.scrollback.toString()).toBe('before ');
    pty.emit('after');
    expect(seen).toEqual([{ offset: 7, data: 'after' }]);
    // The attendee's client is untouched by the watcher, and unacked output is the client's alone.
    expect(c.text).toBe('before after');
    expect(terminal.unacked).toBe(12);
    w.unwatch();
    pty.emit('!');
    expect(seen).toHaveLength(1);
    const again = terminal.watch({ output: () => undefined, ended: (e) => ends.push(e.reason) });
    terminal.end('closed');
    expect(ends).toEqual(['closed']);
    again.unwatch();
    expect(() => terminal.watch({ output: () => undefined, ended: () => undefined })).toThrow(/ended/);
  });

  it('ends the shell after the grace period and says why', () => {
    const ended: Terminal[] = [];
    const { pty, terminal } = make({ onEnd: (t) => ended.push(t) });
    const a = new FakeClient();
    terminal.attach(a);
    terminal.detach(a);
    vi.advanceTimersByTime(60_001);
    expect(terminal.state).toBe('ended');
    expect(terminal.ended).toMatchObject({ reason: 'grace-expired' });
    expect(pty.signals).toEqual(['SIGHUP']);
    vi.advanceTimersByTime(2_001);
    expect(pty.signals).toEqual(['SIGHUP', 'SIGKILL']);
    expect(ended).toEqual([terminal]);
  });

  it('does not SIGKILL a shell that exited after SIGHUP', () => {
    const { pty, terminal } = make();
    terminal.end('closed');
    pty.exit(129);
    vi.advanceTimersByTime(5_000);
    expect(pty.signals).toEqual(['SIGHUP']);
  });

  it('a new terminal nobody attaches to ends after the grace period', () => {
    const { terminal } = make();
    vi.advanceTimersByTime(60_001);
    expect(terminal.ended?.reason).toBe('grace-expired');
  });

  it('warns before reaping an idle shell, input postpones it, then it ends', () => {
    const { terminal } = make();
    const c = new FakeClient();
    terminal.attach(c);
    vi.advanceTimersByTime(539_000);
    expect(c.last('warning')).toBeUndefined();
    vi.advanceTimersByTime(2_000);
    expect(c.last('warning')).toMatchObject({ code: 'idle' });
    terminal.input('x');
    vi.advanceTimersByTime(599_000);
    expect(terminal.state).toBe('attached');
    vi.advanceTimersByTime(2_000);
    expect(terminal.state).toBe('ended');
    expect(c.last('exit')).toMatchObject({ reason: 'idle', code: null });
    expect(c.closed).toBe(true);
  });

  it('a client that reattaches during the warning sees it', () => {
    const { terminal } = make();
    const a = new FakeClient();
    terminal.attach(a);
    vi.advanceTimersByTime(541_000);
    terminal.detach(a);
    const b = new FakeClient();
    terminal.attach(b, 0, true);
    expect(b.last('warning')).toMatchObject({ code: 'idle' });
  });

  it('reports the exit code when the shell exits by itself', () => {
    const { pty, terminal } = make();
    const c = new FakeClient();
    terminal.attach(c);
    pty.exit(3);
    expect(c.last('exit')).toMatchObject({ reason: 'exited', code: 3 });
    expect(pty.signals).toEqual([]);
    expect(() => terminal.attach(new FakeClient())).toThrow();
  });

  it('pauses the pty above the high watermark and resumes below the low one', () => {
    const { pty, terminal } = make();
    const c = new FakeClient();
    terminal.attach(c);
    pty.emit('a'.repeat(60));
    expect(pty.paused).toBe(false);
    pty.emit('b'.repeat(60));
    expect(pty.paused).toBe(true);
    terminal.ack(60);
    expect(pty.paused).toBe(true);
    terminal.ack(110);
    expect(pty.paused).toBe(false);
  });

  it('input still reaches a paused pty (Ctrl-C during a flood)', () => {
    const { pty, terminal } = make();
    terminal.attach(new FakeClient());
    pty.emit('y\n'.repeat(100));
    expect(pty.paused).toBe(true);
    terminal.input('\x03');
    expect(pty.written).toContain('\x03');
  });

  it('while detached the pty pauses after the unseen-output limit and resumes on attach', () => {
    const { pty, terminal } = make();
    const a = new FakeClient();
    terminal.attach(a);
    terminal.detach(a);
    pty.emit('z'.repeat(150));
    expect(pty.paused).toBe(false);
    pty.emit('z'.repeat(100));
    expect(pty.paused).toBe(true);
    terminal.attach(new FakeClient(), 0, true);
    expect(pty.paused).toBe(false);
  });

  it('a detach of a client that was replaced does nothing', () => {
    const { terminal } = make();
    const a = new FakeClient();
    const b = new FakeClient();
    terminal.attach(a);
    terminal.attach(b);
    terminal.detach(a);
    expect(terminal.state).toBe('attached');
  });

  it('drops input beyond the per-second budget, then accepts again', () => {
    const { pty, terminal } = make({ inputBytesPerSecond: 10 });
    expect(terminal.input('12345')).toBe(true);
    expect(terminal.input('123456')).toBe(false);
    expect(terminal.input('12345')).toBe(true);
    expect(terminal.input('\x03')).toBe(true);
    expect(pty.written).toEqual(['12345', '12345', '\x03']);
    vi.advanceTimersByTime(1_000);
    expect(terminal.input('1234567890')).toBe(true);
  });

  it('resize reaches the pty only when the size changes', () => {
    const { pty, terminal } = make();
    terminal.resize(100, 30);
    expect(pty.size).toEqual([100, 30]);
  });

  it('resume tokens are compared exactly', () => {
    const { terminal } = make();
    expect(terminal.tokenMatches(terminal.resumeToken)).toBe(true);
    expect(terminal.tokenMatches(`${terminal.resumeToken}x`)).toBe(false);
    expect(terminal.tokenMatches(undefined)).toBe(false);
  });
});

describe('TerminalManager', () => {
  it('enforces the per-learner and total limits, counting starts in progress', () => {
    const m = new TerminalManager({ limits: { perLearner: 2, total: 3 }, timings });
    const a = m.reserve('a');
    const b = m.reserve('a');
    expect(() => m.reserve('a')).toThrow(LimitError);
    a.create(new FakePty());
    b.release();
    m.reserve('a').create(new FakePty());
    m.reserve('b').create(new FakePty());
    expect(() => m.reserve('c')).toThrow(/server/);
    expect(m.size).toBe(3);
  });

  it('finds a terminal only with the right learner and token, and remembers why it ended', () => {
    const m = new TerminalManager({ timings });
    const t = m.reserve('a').create(new FakePty());
    expect(m.lookup('a', t.id, t.resumeToken).kind).toBe('live');
    expect(m.lookup('b', t.id, t.resumeToken).kind).toBe('unknown');
    expect(m.lookup('a', t.id, 'wrong-token-wrong-token').kind).toBe('unknown');
    vi.advanceTimersByTime(60_001);
    expect(m.lookup('a', t.id, t.resumeToken)).toMatchObject({ kind: 'ended', reason: 'grace-expired' });
    expect(m.lookup('b', t.id, t.resumeToken).kind).toBe('unknown');
    expect(m.size).toBe(0);
    // after its terminal ended, the learner may open a new one
    m.reserve('a').create(new FakePty());
  });

  it('endAll ends every terminal with the given reason', () => {
    const m = new TerminalManager({ timings });
    const t = m.reserve('a').create(new FakePty());
    m.endAll('server-shutdown');
    expect(t.ended?.reason).toBe('server-shutdown');
  });
});

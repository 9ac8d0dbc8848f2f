// The browser side of the protocol (src/theme/Terminal/connection.ts and bus.ts) against a fake
// WebSocket: resume with the saved token and offset, acks after rendering, reconnects.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TerminalConnection, type ConnectionState } from '../../src/theme/Terminal/connection.ts';
import { encodeOutputFrame, type ClientMessage, type ServerMessage } from '../protocol/terminal.ts';

class FakeSocket {
  static OPEN = 1;
  static instances: FakeSocket[] = [];
  readyState = 0;
  binaryType = '';
  sent: ClientMessage[] = [];
  onopen?: () => void;
  onmessage?: (e: { data: unknown }) => void;
  onclose?: () => void;
  constructor(readonly url: string) {
    FakeSocket.instances.push(this);
  }
  send(text: string) {
    this.sent.push(JSON.parse(text) as ClientMessage);
  }
  close() {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.onclose?.();
  }
  open() {
    this.readyState = 1;
    this.onopen?.();
  }
  message(m: ServerMessage) {
    this.onmessage?.({ data: JSON.stringify(m) });
  }
  output(offset: number, text: string) {
    const frame = encodeOutputFrame(offset, new TextEncoder().encode(text));
    this.onmessage?.({ data: frame.buffer.slice(frame.byteOffset, frame.byteOffset + frame.byteLength) });
  }
}

const storage = new Map<string, string>();
const ID = 'terminal-0001';
const TOKEN = 't'.repeat(32);

function setup() {
  const written: string[] = [];
  const states: ConnectionState[] = [];
  let resets = 0;
  const pendingDone: (() => void)[] = [];
  const conn = new TerminalConnection({
    name: 'main',
    lab: 'ingress-gateway',
    size: () => ({ cols: 100, rows: 30 }),
    events: {
      write: (data, done) => {
        written.push(new TextDecoder().decode(data));
        pendingDone.push(done);
      },
      reset: () => resets++,
      state: (s) => states.push(s),
      warning: () => {},
    },
  });
  const flush = () => pendingDone.splice(0).forEach((d) => d());
  return { conn, written, states, flush, resets: () => resets };
}

beforeEach(() => {
  FakeSocket.instances = [];
  storage.clear();
  vi.useFakeTimers();
  vi.stubGlobal('WebSocket', FakeSocket);
  vi.stubGlobal('location', { protocol: 'http:', host: '127.0.0.1:3000' });
  vi.stubGlobal('sessionStorage', {
    getItem: (k: string) => storage.get(k) ?? null,
    setItem: (k: string, v: string) => storage.set(k, v),
    removeItem: (k: string) => storage.delete(k),
  });
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('TerminalConnection', () => {
  it('says hello for a new terminal, then saves the terminal for a reload', () => {
    const { conn, states } = setup();
    conn.connect();
    const ws = FakeSocket.instances[0]!;
    expect(ws.url).toBe('ws://127.0.0.1:3000/api/terminals/ws');
    ws.open();
    expect(ws.sent[0]).toEqual({ type: 'hello', cols: 100, rows: 30, lab: 'ingress-gateway' });
    ws.message({ type: 'ready', terminalId: ID, resumeToken: TOKEN, resumed: false, offset: 0, truncated: false });
    expect(states.at(-1)).toBe('connected');
    expect(JSON.parse(storage.get('meshlab.terminal.ingress-gateway.main')!)).toEqual({ terminalId: ID, resumeToken: TOKEN });
  });

  it('after a reload resumes with the saved id and token from offset 0', () => {
    storage.set('meshlab.terminal.ingress-gateway.main', JSON.stringify({ terminalId: ID, resumeToken: TOKEN }));
    const { conn } = setup();
    conn.connect();
    FakeSocket.instances[0]!.open();
    expect(FakeSocket.instances[0]!.sent[0]).toMatchObject({ type: 'hello', terminalId: ID, resumeToken: TOKEN, offset: 0 });
  });

  it("another lab's page starts its own shell instead of resuming this lab's", () => {
    storage.set('meshlab.terminal.ingress-gateway.main', JSON.stringify({ terminalId: ID, resumeToken: TOKEN }));
    const conn = new TerminalConnection({
      name: 'main',
      lab: 'egress-gateway',
      size: () => ({ cols: 100, rows: 30 }),
      events: { write: (_d, done) => done(), reset: () => {}, state: () => {}, warning: () => {} },
    });
    conn.connect();
    FakeSocket.instances[0]!.open();
    expect(FakeSocket.instances[0]!.sent[0]).toEqual({ type: 'hello', cols: 100, rows: 30, lab: 'egress-gateway' });
    conn.dispose();
  });

  it('acknowledges output only once it is rendered, and resumes after a drop from what it has', () => {
    const { conn, written, flush } = setup();
    conn.connect();
    let ws = FakeSocket.instances[0]!;
    ws.open();
    ws.message({ type: 'ready', terminalId: ID, resumeToken: TOKEN, resumed: false, offset: 0, truncated: false });
    ws.output(0, 'hello ');
    ws.output(6, 'world');
    expect(written).toEqual(['hello ', 'world']);
    vi.advanceTimersByTime(100);
    expect(ws.sent.filter((m) => m.type === 'ack')).toEqual([]);
    flush();
    vi.advanceTimersByTime(100);
    expect(ws.sent.filter((m) => m.type === 'ack')).toEqual([{ type: 'ack', offset: 11 }]);
    // a big chunk is acknowledged at once, without waiting for the timer
    ws.output(11, 'x'.repeat(40_000));
    flush();
    expect(ws.sent.filter((m) => m.type === 'ack').at(-1)).toEqual({ type: 'ack', offset: 40_011 });

    ws.close();
    vi.advanceTimersByTime(1_000);
    ws = FakeSocket.instances[1]!;
    ws.open();
    expect(ws.sent[0]).toMatchObject({ type: 'hello', terminalId: ID, offset: 40_011 });
    // replay overlapping what is on screen is skipped
    ws.message({ type: 'ready', terminalId: ID, resumeToken: TOKEN, resumed: true, offset: 40_000, truncated: false });
    ws.output(40_000, 'x'.repeat(11) + 'new');
    expect(written.at(-1)).toBe('new');
  });

  it('queues input until the shell is ready', () => {
    const { conn } = setup();
    conn.input('kubectl get ns\r');
    conn.connect();
    const ws = FakeSocket.instances[0]!;
    ws.open();
    expect(ws.sent.some((m) => m.type === 'input')).toBe(false);
    ws.message({ type: 'ready', terminalId: ID, resumeToken: TOKEN, resumed: false, offset: 0, truncated: false });
    expect(ws.sent.at(-1)).toEqual({ type: 'input', data: 'kubectl get ns\r' });
  });

  it('reconnects with growing delays while the server is away', () => {
    const { conn, states } = setup();
    conn.connect();
    FakeSocket.instances[0]!.close();
    expect(states.at(-1)).toBe('reconnecting');
    vi.advanceTimersByTime(300);
    expect(FakeSocket.instances).toHaveLength(1);
    vi.advanceTimersByTime(500);
    expect(FakeSocket.instances).toHaveLength(2);
    FakeSocket.instances[1]!.close();
    vi.advanceTimersByTime(700);
    expect(FakeSocket.instances).toHaveLength(2);
    vi.advanceTimersByTime(700);
    expect(FakeSocket.instances).toHaveLength(3);
  });

  it('an ended shell stops reconnecting; the button starts a new one', () => {
    const { conn, states, resets } = setup();
    conn.connect();
    const ws = FakeSocket.instances[0]!;
    ws.open();
    ws.message({ type: 'ready', terminalId: ID, resumeToken: TOKEN, resumed: false, offset: 0, truncated: false });
    ws.output(0, 'x');
    ws.message({ type: 'exit', terminalId: ID, code: null, reason: 'grace-expired', message: 'gone' });
    ws.close();
    expect(states.at(-1)).toBe('ended');
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.instances).toHaveLength(1);
    expect(storage.has('meshlab.terminal.ingress-gateway.main')).toBe(false);
    conn.reconnectNow();
    expect(resets()).toBe(1);
    FakeSocket.instances[1]!.open();
    expect(FakeSocket.instances[1]!.sent[0]).not.toHaveProperty('terminalId');
  });

  it('a terminal the server forgot is replaced by a new one at once', () => {
    storage.set('meshlab.terminal.ingress-gateway.main', JSON.stringify({ terminalId: ID, resumeToken: TOKEN }));
    const { conn } = setup();
    conn.connect();
    const ws = FakeSocket.instances[0]!;
    ws.open();
    ws.message({ type: 'error', code: 'unknown-terminal', message: 'gone', fatal: true });
    expect(FakeSocket.instances).toHaveLength(2);
    FakeSocket.instances[1]!.open();
    expect(FakeSocket.instances[1]!.sent[0]).not.toHaveProperty('terminalId');
  });

  it('a remembered shell that ended while no page showed it gives way to a new one at once', () => {
    // The learner was on the chapter's other tab (another lab's shell) for longer than the grace period.
    storage.set('meshlab.terminal.ingress-gateway.main', JSON.stringify({ terminalId: ID, resumeToken: TOKEN }));
    const { conn, states } = setup();
    conn.connect();
    const ws = FakeSocket.instances[0]!;
    ws.open();
    expect(ws.sent[0]).toMatchObject({ terminalId: ID });
    ws.message({ type: 'exit', terminalId: ID, code: null, reason: 'grace-expired', message: 'gone' });
    expect(states).not.toContain('ended');
    expect(FakeSocket.instances).toHaveLength(2);
    FakeSocket.instances[1]!.open();
    expect(FakeSocket.instances[1]!.sent[0]).not.toHaveProperty('terminalId');
  });

  it('ignores malformed server frames', () => {
    const { conn, written } = setup();
    conn.connect();
    const ws = FakeSocket.instances[0]!;
    ws.open();
    ws.onmessage?.({ data: '{"type":"ready"}' });
    ws.onmessage?.({ data: 'garbage' });
    ws.onmessage?.({ data: new Uint8Array([9, 9]).buffer });
    expect(written).toEqual([]);
    expect(conn.state).toBe('connecting');
  });
});

describe('terminal input bus', () => {
  it('delivers Run text to the named terminal with Enter as carriage return, and the window event too', async () => {
    const listeners = new Map<string, (e: unknown) => void>();
    vi.stubGlobal('window', { addEventListener: (name: string, fn: (e: unknown) => void) => listeners.set(name, fn) });
    vi.resetModules();
    const bus = await import('../../src/theme/Terminal/bus.ts');
    const got: string[] = [];
    const off = bus.onTerminalInput('main', (t) => got.push(t));
    bus.runInTerminal('kubectl get ns');
    bus.runInTerminal('echo a\necho b\n');
    bus.runInTerminal('to the only terminal', 'unnamed');
    listeners.get(bus.TERMINAL_INPUT_EVENT)!({ detail: { text: 'kubectl get pods\n' } });
    listeners.get(bus.TERMINAL_INPUT_EVENT)!({ detail: { text: 42 } });
    expect(got).toEqual(['kubectl get ns\r', 'echo a\recho b\r', 'to the only terminal\r', 'kubectl get pods\r']);
    off();
    expect(bus.hasTerminal('main')).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { MAX_MESSAGE_BYTES, decodeOutputFrame, encodeOutputFrame, parseClientMessage, parseServerMessage } from './terminal.ts';

describe('client messages', () => {
  const valid: [string, unknown][] = [
    ['hello for a new terminal', { type: 'hello', cols: 80, rows: 24 }],
    ['hello with lab', { type: 'hello', cols: 80, rows: 24, lab: 'traffic-shifting' }],
    ['hello to resume', { type: 'hello', terminalId: 'abcdefgh1234', resumeToken: 'x'.repeat(32), offset: 1024, cols: 120, rows: 40 }],
    ['input', { type: 'input', data: 'kubectl get ns\r' }],
    ['resize', { type: 'resize', cols: 100, rows: 30 }],
    ['ack', { type: 'ack', offset: 65536 }],
    ['ping', { type: 'ping', t: 12.5 }],
  ];
  for (const [name, msg] of valid) {
    it(`accepts ${name}`, () => {
      const r = parseClientMessage(JSON.stringify(msg));
      expect(r.ok).toBe(true);
    });
  }

  const invalid: [string, string][] = [
    ['not JSON', '{type: hello'],
    ['JSON null', 'null'],
    ['an array', '[1,2]'],
    ['unknown type', JSON.stringify({ type: 'exec', cmd: 'id' })],
    ['missing type', JSON.stringify({ cols: 1, rows: 1 })],
    ['extra field', JSON.stringify({ type: 'input', data: 'x', extra: 1 })],
    ['empty input', JSON.stringify({ type: 'input', data: '' })],
    ['input not a string', JSON.stringify({ type: 'input', data: 42 })],
    ['oversized input', JSON.stringify({ type: 'input', data: 'a'.repeat(64 * 1024 + 1) })],
    ['zero cols', JSON.stringify({ type: 'resize', cols: 0, rows: 24 })],
    ['huge rows', JSON.stringify({ type: 'resize', cols: 80, rows: 100000 })],
    ['fractional cols', JSON.stringify({ type: 'resize', cols: 80.5, rows: 24 })],
    ['negative ack', JSON.stringify({ type: 'ack', offset: -1 })],
    ['unsafe ack', JSON.stringify({ type: 'ack', offset: 2 ** 60 })],
    ['ack as string', JSON.stringify({ type: 'ack', offset: '10' })],
    ['terminal id with slash', JSON.stringify({ type: 'hello', terminalId: '../../etc/x', cols: 80, rows: 24 })],
    ['lab tag with shell syntax', JSON.stringify({ type: 'hello', cols: 80, rows: 24, lab: '$(id)' })],
    ['frame over the size limit', 'x'.repeat(MAX_MESSAGE_BYTES + 1)],
    ['prototype pollution attempt', '{"type":"ack","offset":1,"__proto__":{"x":1}}'],
  ];
  for (const [name, text] of invalid) {
    it(`rejects ${name}`, () => {
      const r = parseClientMessage(text);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.length).toBeGreaterThan(0);
    });
  }
});

describe('server messages', () => {
  it('round-trips ready and exit', () => {
    const ready = { type: 'ready', terminalId: 'abcdefgh1234', resumeToken: 'y'.repeat(32), resumed: true, offset: 10, truncated: false };
    expect(parseServerMessage(JSON.stringify(ready))).toEqual({ ok: true, message: ready });
    const exit = { type: 'exit', terminalId: 'abcdefgh1234', code: null, reason: 'grace-expired', message: 'gone' };
    expect(parseServerMessage(JSON.stringify(exit))).toEqual({ ok: true, message: exit });
    expect(parseServerMessage(JSON.stringify({ type: 'exit', terminalId: 'abcdefgh1234', code: 0, reason: 'bored', message: '' })).ok).toBe(false);
  });
});

describe('binary output frames', () => {
  const cases: [string, number, number[]][] = [
    ['empty payload at 0', 0, []],
    ['bytes at a large offset', 2 ** 40 + 7, [0x1b, 0x5b, 0x41]],
    ['a split UTF-8 sequence is passed through', 3, [0xe4, 0xb8]],
  ];
  for (const [name, offset, bytes] of cases) {
    it(name, () => {
      const frame = encodeOutputFrame(offset, new Uint8Array(bytes));
      expect(frame.length).toBe(9 + bytes.length);
      const decoded = decodeOutputFrame(frame);
      expect(decoded?.offset).toBe(offset);
      expect([...decoded!.data]).toEqual(bytes);
    });
  }
  it('rejects frames of another kind or too short', () => {
    expect(decodeOutputFrame(new Uint8Array([2, 0, 0, 0, 0, 0, 0, 0, 0]))).toBeUndefined();
    expect(decodeOutputFrame(new Uint8Array([1, 0, 0]))).toBeUndefined();
    const nan = encodeOutputFrame(0, new Uint8Array());
    new DataView(nan.buffer).setFloat64(1, Number.NaN);
    expect(decodeOutputFrame(nan)).toBeUndefined();
  });
});

// The terminal wire protocol between the browser (src/theme/Terminal) and the server
// (server/terminals), over one WebSocket per terminal at /api/terminals/ws.
//
// Framing, chosen for speed:
// - Control messages both ways are JSON text frames, validated with the zod schemas below.
// - Terminal output (server → client), the only high-volume direction, is a binary frame:
//     byte 0      OUTPUT_FRAME (1)
//     bytes 1..8  float64 big-endian: absolute byte offset of the first payload byte in the
//                 terminal's output stream (safe up to 2^53 bytes)
//     bytes 9..   the raw pty bytes (UTF-8 may be split across frames; xterm.js reassembles)
//   This avoids JSON escaping or base64 of output (no 33% growth, no per-byte work) and lets
//   the client acknowledge exact byte offsets for flow control and resume without gaps.
// - Input stays JSON: it is small (keystrokes, pastes up to MAX_INPUT_CHARS).
//
// Flow control: the client sends `ack` with the absolute offset it has finished rendering
// (after xterm's write callback). The server pauses the pty while sent-but-unacked bytes exceed
// a high watermark and resumes below a low one.
//
// No node imports: the browser bundles this file.
import { z } from 'zod';
import { LAB_ID_PATTERN } from './lab-id.ts';

export const TERMINAL_WS_PATH = '/api/terminals/ws';
export const OUTPUT_FRAME = 1;
export const OUTPUT_HEADER_BYTES = 9;
/** Largest text frame the server accepts (a paste of this many characters plus JSON). */
export const MAX_INPUT_CHARS = 64 * 1024;
export const MAX_MESSAGE_BYTES = 4 * MAX_INPUT_CHARS;

const terminalId = z.string().regex(/^[A-Za-z0-9_-]{8,64}$/);
const resumeToken = z.string().regex(/^[A-Za-z0-9_-]{16,128}$/);
const cols = z.number().int().min(2).max(1000);
const rows = z.number().int().min(1).max(500);
const offset = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const labTag = z.string().regex(LAB_ID_PATTERN);

// ---- client → server ----

export const helloMessage = z.strictObject({
  type: z.literal('hello'),
  /** Reattach to this terminal (with its token); absent: start a new one. */
  terminalId: terminalId.optional(),
  resumeToken: resumeToken.optional(),
  /** Bytes of output the client already shows; replay starts here (0 or absent: all retained). */
  offset: offset.optional(),
  cols,
  rows,
  /** The lab the page belongs to: shown in the prompt of a new shell. */
  lab: labTag.optional(),
  /** The page's language: a new shell's MESHLAB_LANG (what `meshlab explain` answers in). */
  lang: z.enum(['en', 'zh']).optional(),
});

export const inputMessage = z.strictObject({
  type: z.literal('input'),
  data: z.string().min(1).max(MAX_INPUT_CHARS),
});

export const resizeMessage = z.strictObject({ type: z.literal('resize'), cols, rows });

export const ackMessage = z.strictObject({ type: z.literal('ack'), offset });

export const pingMessage = z.strictObject({ type: z.literal('ping'), t: z.number().finite().optional() });

export const clientMessage = z.discriminatedUnion('type', [helloMessage, inputMessage, resizeMessage, ackMessage, pingMessage]);

export type HelloMessage = z.infer<typeof helloMessage>;
export type InputMessage = z.infer<typeof inputMessage>;
export type ResizeMessage = z.infer<typeof resizeMessage>;
export type AckMessage = z.infer<typeof ackMessage>;
export type PingMessage = z.infer<typeof pingMessage>;
export type ClientMessage = z.infer<typeof clientMessage>;

// ---- server → client ----

/** Why a terminal ended: the browser shows a sentence for each. */
export const exitReason = z.enum([
  'exited', // the shell exited by itself (e.g. `exit`)
  'grace-expired', // nobody reattached within the grace period after the connection dropped
  'idle', // no input for the idle timeout
  'closed', // closed on request (DELETE /api/terminals/:id)
  'server-shutdown',
  'spawn-failed',
]);
export type ExitReason = z.infer<typeof exitReason>;

export const errorCode = z.enum([
  'bad-message', // malformed or unknown message; the connection stays open
  'not-ready', // a message other than hello before hello
  'unknown-terminal', // terminalId/resumeToken do not match a terminal of this learner
  'limit', // too many terminals (per learner or on the server)
  'sandbox-unavailable', // bubblewrap missing and the server was not started with --unsafe-no-sandbox
  'cluster-unavailable',
  'taken-over', // the terminal was opened in another tab
  'internal',
]);
export type ErrorCode = z.infer<typeof errorCode>;

export const readyMessage = z.strictObject({
  type: z.literal('ready'),
  terminalId,
  resumeToken,
  resumed: z.boolean(),
  /** Offset of the first output byte that follows (replay start). */
  offset,
  /** True when older output than `offset` was dropped from the scrollback buffer. */
  truncated: z.boolean(),
});

export const exitMessage = z.strictObject({
  type: z.literal('exit'),
  terminalId,
  code: z.number().int().nullable(),
  reason: exitReason,
  message: z.string(),
});

export const errorMessage = z.strictObject({
  type: z.literal('error'),
  code: errorCode,
  message: z.string(),
  /** Whether the server closes the connection after this error. */
  fatal: z.boolean(),
});

export const warningMessage = z.strictObject({
  type: z.literal('warning'),
  code: z.enum(['idle']),
  message: z.string(),
  /** Epoch milliseconds when the action happens unless the learner acts. */
  at: z.number(),
});

export const pongMessage = z.strictObject({ type: z.literal('pong'), t: z.number().finite().optional() });

export const serverMessage = z.discriminatedUnion('type', [readyMessage, exitMessage, errorMessage, warningMessage, pongMessage]);

export type ReadyMessage = z.infer<typeof readyMessage>;
export type ExitMessage = z.infer<typeof exitMessage>;
export type ErrorMessage = z.infer<typeof errorMessage>;
export type WarningMessage = z.infer<typeof warningMessage>;
export type PongMessage = z.infer<typeof pongMessage>;
export type ServerMessage = z.infer<typeof serverMessage>;

export type ParseResult<T> = { ok: true; message: T } | { ok: false; error: string };

/** Parse one client text frame; never throws. */
export function parseClientMessage(text: string): ParseResult<ClientMessage> {
  if (text.length > MAX_MESSAGE_BYTES) return { ok: false, error: `message larger than ${MAX_MESSAGE_BYTES} bytes` };
  return parseFrame(clientMessage, text);
}

/** Parse one server text frame (browser side); never throws. */
export function parseServerMessage(text: string): ParseResult<ServerMessage> {
  return parseFrame(serverMessage, text);
}

function parseFrame<T>(schema: z.ZodType<T>, text: string): ParseResult<T> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, error: 'not JSON' };
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) return { ok: false, error: describeIssues(parsed.error) };
  return { ok: true, message: parsed.data };
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(message)'}: ${i.message}`)
    .join('; ');
}

/** Build a binary output frame. */
export function encodeOutputFrame(startOffset: number, payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(OUTPUT_HEADER_BYTES + payload.length);
  frame[0] = OUTPUT_FRAME;
  new DataView(frame.buffer, frame.byteOffset, frame.byteLength).setFloat64(1, startOffset, false);
  frame.set(payload, OUTPUT_HEADER_BYTES);
  return frame;
}

/** Decode a binary output frame; undefined when it is not one. */
export function decodeOutputFrame(frame: Uint8Array): { offset: number; data: Uint8Array } | undefined {
  if (frame.length < OUTPUT_HEADER_BYTES || frame[0] !== OUTPUT_FRAME) return undefined;
  const offset = new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getFloat64(1, false);
  if (!Number.isSafeInteger(offset) || offset < 0) return undefined;
  return { offset, data: frame.subarray(OUTPUT_HEADER_BYTES) };
}

// Small HTTP helpers: bounded body reading, JSON answers, Status errors, media types.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ApiError, errors } from './status.ts';

/** etcd's default request limit; a real API server rejects bigger bodies with 413. */
export const MAX_BODY_BYTES = 3 * 1024 * 1024;

/** A body must arrive within this time (watches and logs stream responses, never request bodies). */
export const BODY_TIMEOUT_MS = 60_000;

export async function readBody(req: IncomingMessage, limit = MAX_BODY_BYTES, timeoutMs = BODY_TIMEOUT_MS): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? '0');
  if (Number.isFinite(declared) && declared > limit) throw errors.tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    req.destroy();
  }, timeoutMs);
  try {
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > limit) throw errors.tooLarge();
      chunks.push(chunk as Buffer);
    }
  } catch (err) {
    if (timedOut) throw new ApiError(408, 'Timeout', 'the request body did not arrive in time');
    throw err;
  } finally {
    clearTimeout(timer);
  }
  return Buffer.concat(chunks);
}

export function sendJson(res: ServerResponse, code: number, body: unknown, contentType = 'application/json', headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) {
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-cache, private', ...headers });
  res.end(text);
}

/** Lists shorter than this are sent in one piece; longer ones are streamed. */
const STREAM_FROM_ITEMS = 200;
const STREAM_CHUNK_BYTES = 64 * 1024;
/** A client that reads nothing of a streamed list for this long is disconnected. */
export const STALLED_CLIENT_MS = 30_000;

function waitDrain(res: ServerResponse, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      res.off('drain', onDrain);
      res.off('close', onClose);
      resolve(ok);
    };
    const onDrain = (): void => done(true);
    const onClose = (): void => done(false);
    const timer = setTimeout(() => done(false), timeoutMs);
    res.on('drain', onDrain);
    res.on('close', onClose);
  });
}

/**
 * A list answer (`envelope` plus its `key` array) serialized a chunk at a time: the event loop is
 * yielded between chunks so one large LIST does not stall every other cluster, and a client that
 * does not read holds at most one chunk in memory (then is dropped after STALLED_CLIENT_MS).
 */
export async function sendJsonList(res: ServerResponse, code: number, envelope: Record<string, unknown>, key: string, elements: readonly unknown[], contentType = 'application/json', headers: Record<string, string> = {}, stalledMs = STALLED_CLIENT_MS): Promise<void> {
  if (elements.length < STREAM_FROM_ITEMS) return sendJson(res, code, { ...envelope, [key]: elements }, contentType, headers);
  if (res.headersSent || res.destroyed) {
    res.end();
    return;
  }
  res.writeHead(code, { 'Content-Type': contentType, 'Cache-Control': 'no-cache, private', ...headers });
  const head = JSON.stringify(envelope);
  let chunk = `${head.slice(0, -1)}${head === '{}' ? '' : ','}${JSON.stringify(key)}:[`;
  for (let i = 0; i < elements.length; i++) {
    chunk += (i ? ',' : '') + JSON.stringify(elements[i]);
    if (chunk.length < STREAM_CHUNK_BYTES) continue;
    const flushed = res.write(chunk);
    chunk = '';
    if (!flushed && !(await waitDrain(res, stalledMs))) {
      res.destroy();
      return;
    }
    await new Promise<void>((resolve) => setImmediate(resolve));
    if (res.destroyed) return;
  }
  res.end(`${chunk}]}`);
}

export function sendError(res: ServerResponse, err: unknown): void {
  const apiErr = err instanceof ApiError ? err : errors.internal(err instanceof Error ? err.message : String(err));
  sendJson(res, apiErr.code, apiErr.toStatus());
}

/** The media type without parameters, lower-cased. */
export function mediaType(header: string | undefined): string {
  return (header ?? '').split(';')[0]!.trim().toLowerCase();
}

export interface TableRequest {
  include: 'None' | 'Metadata' | 'Object';
}

/** Whether the client asked for a meta.k8s.io Table (what `kubectl get` does). */
export function wantsTable(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.split(',').some((p) => {
    const s = p.replace(/\s+/g, '');
    return s.includes('as=Table') && s.includes('g=meta.k8s.io') && (s.includes('v=v1;') || s.endsWith('v=v1') || s.includes('v=v1beta1'));
  });
}

/** Whether the client asked for meta.k8s.io PartialObjectMetadata(List) (metadata-only clients). */
export function wantsPartialMetadata(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.split(',').some((p) => {
    const s = p.replace(/\s+/g, '');
    return /as=PartialObjectMetadata(List)?(;|$)/.test(s) && s.includes('g=meta.k8s.io') && !s.includes('as=Table');
  });
}

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

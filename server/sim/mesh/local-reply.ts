// Envoy's local replies: the answers a proxy writes itself (no route, no cluster, no healthy
// upstream, fault abort, timeout, reset, overflow, redirect, direct response), with the body and
// headers Envoy sends for each response code detail. Every local reply of the embedded proxies is
// written here, and response heads go through one writer (HTTP/1 exactly as Envoy's codec, or an
// HTTP/2 compatibility response).
import type { ServerResponse } from 'node:http';

/** Body (and extra headers) per %RESPONSE_CODE_DETAILS% of a local reply. */
const BODIES: Record<string, { body: string; headers?: [string, string][] }> = {
  route_not_found: { body: '' },
  cluster_not_found: { body: '' },
  no_healthy_upstream: { body: 'no healthy upstream' },
  fault_filter_abort: { body: 'fault filter abort' },
  response_timeout: { body: 'upstream request timeout' },
  'upstream_reset_before_response_started{connection_failure}': { body: 'upstream connect error or disconnect/reset before headers. reset reason: connection failure' },
  'upstream_reset_before_response_started{overflow}': { body: 'upstream connect error or disconnect/reset before headers. reset reason: overflow', headers: [['x-envoy-overloaded', 'true']] },
  request_payload_too_large: { body: 'Payload Too Large' },
  internal_error: { body: 'internal error' },
};

export interface LocalReply {
  status: number;
  /** Envoy's response code details; picks the body unless `body` is given. */
  details: string;
  /** A direct response's configured body. */
  body?: string;
  /** A redirect's Location. */
  location?: string;
  /** The request was retried: Envoy's reset body says `retried and the latest reset reason: ...`. */
  retried?: boolean;
}

const RESET_PREFIX = 'upstream connect error or disconnect/reset before headers. ';

/**
 * Envoy's reason phrases (source/common/http/codes.cc, `CodeUtility::toString`). Envoy's HTTP/1
 * codec writes the status line from this table whatever the upstream sent, so a code it has no
 * name for reads `Unknown` (`HTTP/1.1 418 Unknown`), and Node's own names (`I'm a Teapot`, `Too
 * Early`, `Processing`) never appear.
 */
const ENVOY_REASON_PHRASES: Readonly<Record<number, string>> = {
  100: 'Continue', 101: 'Switching Protocols',
  200: 'OK', 201: 'Created', 202: 'Accepted', 203: 'Non-Authoritative Information', 204: 'No Content', 205: 'Reset Content', 206: 'Partial Content', 207: 'Multi-Status', 208: 'Already Reported', 226: 'IM Used',
  300: 'Multiple Choices', 301: 'Moved Permanently', 302: 'Found', 303: 'See Other', 304: 'Not Modified', 305: 'Use Proxy', 307: 'Temporary Redirect', 308: 'Permanent Redirect',
  400: 'Bad Request', 401: 'Unauthorized', 402: 'Payment Required', 403: 'Forbidden', 404: 'Not Found', 405: 'Method Not Allowed', 406: 'Not Acceptable', 407: 'Proxy Authentication Required', 408: 'Request Timeout', 409: 'Conflict', 410: 'Gone', 411: 'Length Required', 412: 'Precondition Failed', 413: 'Payload Too Large', 414: 'URI Too Long', 415: 'Unsupported Media Type', 416: 'Range Not Satisfiable', 417: 'Expectation Failed', 421: 'Misdirected Request', 422: 'Unprocessable Entity', 423: 'Locked', 424: 'Failed Dependency', 426: 'Upgrade Required', 428: 'Precondition Required', 429: 'Too Many Requests', 431: 'Request Header Fields Too Large',
  500: 'Internal Server Error', 501: 'Not Implemented', 502: 'Bad Gateway', 503: 'Service Unavailable', 504: 'Gateway Timeout', 505: 'HTTP Version Not Supported', 506: 'Variant Also Negotiates', 507: 'Insufficient Storage', 508: 'Loop Detected', 510: 'Not Extended', 511: 'Network Authentication Required',
};

/** The reason phrase Envoy writes on an HTTP/1 status line for this code. */
export function envoyReasonPhrase(status: number): string {
  return ENVOY_REASON_PHRASES[status] ?? 'Unknown';
}

const H2_FORBIDDEN = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection']);

/** Status line (Envoy's reason phrase) and headers in the given order, as Envoy writes them. */
export function writeResponseHead(res: ServerResponse, status: number, headers: [string, string][]): void {
  if (res.headersSent || res.destroyed) return;
  res.sendDate = false;
  if ((res as unknown as { stream?: unknown }).stream !== undefined) {
    // HTTP/2 compatibility response: one object, repeated names as arrays, no connection headers.
    const obj: Record<string, string | string[]> = {};
    for (const [k, v] of headers) {
      if (H2_FORBIDDEN.has(k)) continue;
      const prev = obj[k];
      obj[k] = prev === undefined ? v : ([] as string[]).concat(prev, v);
    }
    res.writeHead(status, obj);
    return;
  }
  // Envoy's HTTP/1 codec sends exactly these headers: no Node `Connection`/`Keep-Alive`.
  res.removeHeader('connection');
  for (const [k, v] of headers) res.appendHeader(k, v);
  res.writeHead(status, envoyReasonPhrase(status));
}

/** Writes a local reply; returns the body's length (%BYTES_SENT%). */
export function writeLocalReply(res: ServerResponse, reply: LocalReply, server: string, date: Date): number {
  const known = BODIES[reply.details];
  let body = reply.body ?? known?.body ?? '';
  if (reply.retried && body.startsWith(RESET_PREFIX)) body = `${RESET_PREFIX}retried and the latest ${body.slice(RESET_PREFIX.length)}`;
  const extra: [string, string][] = [...(reply.location !== undefined ? ([['location', reply.location]] as [string, string][]) : []), ...(known?.headers ?? [])];
  const stamp: [string, string][] = [['date', date.toUTCString()], ['server', server]];
  const headers: [string, string][] = body ? [['content-length', String(Buffer.byteLength(body))], ['content-type', 'text/plain'], ...extra, ...stamp] : [...extra, ...stamp, ['content-length', '0']];
  writeResponseHead(res, reply.status, headers);
  res.end(body);
  return Buffer.byteLength(body);
}

// httpbin.org as the simulated internet serves it: the Python httpbin (kennethreitz/httpbin, the
// same implementation the cluster's httpbin pods use, server/sim/workloads/httpbin.ts) behind
// httpbin.org's AWS load balancer, which adds `X-Amzn-Trace-Id` and tells the app the scheme
// (X-Forwarded-Proto, hidden from the echo like the other proxy headers). Works for HTTP/1.1 and
// HTTP/2 (where the host arrives as :authority).
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { httpbinRespond, MAX_BODY_BYTES, type HttpbinResponse } from '../workloads/httpbin.ts';
import { readBoundedBody } from '../../util/read-body.ts';

export type AnyRequest = IncomingMessage | Http2ServerRequest;
export type AnyResponse = ServerResponse | Http2ServerResponse;

function traceId(): string {
  return `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
}

/** Header pairs as an HTTP/1.1 server would see them: pseudo-headers dropped, :authority as Host. */
export function loadBalancedHeaders(rawHeaders: string[], scheme: 'http' | 'https', trace = traceId()): string[] {
  const out: string[] = [];
  let authority: string | undefined;
  let hasHost = false;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i]!;
    const lower = name.toLowerCase();
    if (lower === ':authority') authority = rawHeaders[i + 1];
    if (name.startsWith(':') || lower === 'x-forwarded-proto' || lower === 'x-amzn-trace-id') continue;
    if (lower === 'host') hasHost = true;
    out.push(name, rawHeaders[i + 1]!);
  }
  if (!hasHost && authority) out.unshift('Host', authority);
  out.push('X-Forwarded-Proto', scheme, 'X-Amzn-Trace-Id', trace);
  return out;
}

/** Handle one request the way httpbin.org answers it. `scheme` is how the client reached us. */
export function httpbinOrg(req: AnyRequest, res: AnyResponse, scheme: 'http' | 'https'): Promise<void> {
  return readBoundedBody(req, MAX_BODY_BYTES).then(
    (body) =>
      new Promise<void>((resolve) => {
        if (body === 'error') {
          res.destroy();
          resolve();
          return;
        }
        const answer: HttpbinResponse = body === 'too_large'
          ? { status: 413, headers: [['Content-Type', 'text/plain']], body: Buffer.from('request body too large') }
          : httpbinRespond('python', {
              method: req.method ?? 'GET',
              url: req.url ?? '/',
              rawHeaders: loadBalancedHeaders(req.rawHeaders, scheme),
              remoteAddress: (req.socket?.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, ''),
              body,
            });
        const send = () => {
          if (!res.destroyed && !res.writableEnded) {
            const headers: Record<string, string | string[]> = {};
            for (const [k, v] of answer.headers) {
              const key = k.toLowerCase();
              const prev = headers[key];
              headers[key] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
            }
            headers['content-length'] = String(answer.body.length);
            try {
              res.statusCode = answer.status;
              // HTTP/2 refuses connection-specific headers (e.g. /response-headers?Connection=x): drop those.
              for (const [k, v] of Object.entries(headers)) {
                try {
                  res.setHeader(k, v);
                } catch {
                  // not representable on this protocol
                }
              }
              res.end(answer.body);
            } catch {
              res.destroy(); // a status the stream cannot carry, or a client already gone: end it rather than send half an answer
            }
          }
          resolve();
        };
        if (answer.delayMs) {
          const t = setTimeout(send, answer.delayMs);
          res.once('close', () => {
            clearTimeout(t);
            resolve();
          });
        } else send();
      }),
  );
}

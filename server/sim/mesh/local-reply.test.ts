// The status line an embedded proxy writes: Envoy's reason phrases (source/common/http/codes.cc,
// `CodeUtility::toString`), `Unknown` for the codes Envoy has no name for, whatever Node or the
// upstream would call them. istio.io's access-log task shows `< HTTP/1.1 418 Unknown` for
// httpbin's teapot (https://istio.io/latest/docs/tasks/observability/logs/access-log/, "Test the
// access log").
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envoyReasonPhrase, writeLocalReply, writeResponseHead } from './local-reply.ts';

describe('envoyReasonPhrase', () => {
  it.each([
    [200, 'OK'],
    [201, 'Created'],
    [301, 'Moved Permanently'],
    [308, 'Permanent Redirect'],
    [404, 'Not Found'],
    [413, 'Payload Too Large'],
    [416, 'Range Not Satisfiable'],
    [421, 'Misdirected Request'],
    [422, 'Unprocessable Entity'],
    [503, 'Service Unavailable'],
    [504, 'Gateway Timeout'],
    [511, 'Network Authentication Required'],
    // Codes Node names and Envoy does not.
    [102, 'Unknown'],
    [103, 'Unknown'],
    [418, 'Unknown'],
    [425, 'Unknown'],
    [451, 'Unknown'],
    [509, 'Unknown'],
    [599, 'Unknown'],
    [299, 'Unknown'],
  ])('%i → %s', (code, phrase) => {
    expect(envoyReasonPhrase(code)).toBe(phrase);
  });
});

describe('the status line on the wire', () => {
  let server: Server;
  let port: number;
  beforeAll(async () => {
    server = createServer((req, res) => {
      const code = Number(req.url!.split('/')[2]);
      if (req.url!.startsWith('/local/')) writeLocalReply(res, { status: code, details: 'fault_filter_abort' }, 'envoy', new Date(0));
      else {
        writeResponseHead(res, code, [['content-length', '0']]);
        res.end();
      }
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const statusLine = (path: string) =>
    new Promise<string>((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => s.write(`GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
      let got = '';
      s.on('data', (c) => (got += c.toString('latin1')));
      s.on('end', () => resolve(got.split('\r\n')[0]!));
      s.on('error', reject);
    });

  it.each([
    ['/upstream/418', 'HTTP/1.1 418 Unknown'],
    ['/upstream/200', 'HTTP/1.1 200 OK'],
    ['/upstream/425', 'HTTP/1.1 425 Unknown'],
    ['/local/418', 'HTTP/1.1 418 Unknown'],
    ['/local/503', 'HTTP/1.1 503 Service Unavailable'],
  ])('%s → %s', async (path, line) => {
    expect(await statusLine(path)).toBe(line);
  });

  it('Node’s client reads the phrase Envoy wrote', async () => {
    const msg = await new Promise<string | undefined>((resolve) => request({ port, host: '127.0.0.1', path: '/upstream/418' }, (r) => { r.resume(); resolve(r.statusMessage); }).end());
    expect(msg).toBe('Unknown');
  });
});

// SNI from a real ClientHello (produced by Node's TLS client), and malformed input.
import { connect } from 'node:tls';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { parseSni } from './sni.ts';

function clientHello(servername?: string): Promise<Buffer> {
  return new Promise((resolve) => {
    const server = createServer((s) => {
      s.once('data', (d: Buffer) => {
        resolve(d);
        s.destroy();
        server.close();
      });
    });
    server.listen(0, '127.0.0.1', () => {
      const c = connect({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, servername, rejectUnauthorized: false });
      c.on('error', () => {});
    });
  });
}

describe('parseSni', () => {
  it('reads the server name of a real ClientHello', async () => {
    expect(parseSni(await clientHello('edition.cnn.com'))).toBe('edition.cnn.com');
  });
  it('asks for more bytes while the record is incomplete', async () => {
    const hello = await clientHello('edition.cnn.com');
    expect(parseSni(hello.subarray(0, 20))).toBe('need-more');
  });
  it.each([
    ['plain HTTP', Buffer.from('GET / HTTP/1.1\r\n\r\n')],
    ['garbage handshake', Buffer.from([0x16, 3, 1, 0, 4, 2, 0, 0, 0])],
  ])('%s has no SNI', (_n, buf) => {
    expect(parseSni(buf)).toBeUndefined();
  });
});

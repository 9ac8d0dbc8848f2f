// A simulated server learns its caller from the connection the mesh opened, never from a header.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PeerAgent, peerConnectionCount, peerOf } from './peer-identity.ts';

let server: Server;
let port: number;

function get(options: Record<string, unknown>): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = request({ host: '127.0.0.1', port, path: '/', ...options }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve(body));
    });
    r.on('error', reject);
    r.end();
  });
}

beforeAll(async () => {
  server = createServer((req, res) => res.end(peerOf(req.socket) ?? 'unknown'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});

afterAll(() => server.close());

describe('peer identity', () => {
  it('a connection the mesh opens for a pod carries that pod IP', async () => {
    const agent = new PeerAgent({ keepAlive: false });
    expect(await get({ agent, peer: '10.244.0.7' })).toBe('10.244.0.7');
  });

  it('a client-sent x-meshlab-peer-address header claims nothing', async () => {
    expect(await get({ headers: { 'x-meshlab-peer-address': '10.244.0.99' } })).toBe('unknown');
  });

  it('kept-alive connections are pooled per peer, never reused for another pod', async () => {
    const agent = new PeerAgent({ keepAlive: true });
    expect(await get({ agent, peer: '10.244.0.1' })).toBe('10.244.0.1');
    expect(await get({ agent, peer: '10.244.0.2' })).toBe('10.244.0.2');
    expect(await get({ agent, peer: '10.244.0.1' })).toBe('10.244.0.1');
    expect(await get({ agent })).toBe('unknown');
    agent.destroy();
    await new Promise((r) => setTimeout(r, 50));
    expect(peerConnectionCount()).toBe(0);
  });
});

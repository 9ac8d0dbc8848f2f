// The network gate's host side without a sandbox: connections through its unix sockets reach the
// cluster's port, and the cap on open connections counts the sandbox's connections (not both ends),
// one budget for all of a learner's gates (terminals and exec'd commands together).
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LEARNER_CONNECTIONS, LEARNER_CONNECTIONS_ENV, NetworkGate, learnerConnectionsFromEnv } from './network-gate.ts';

let dir: string;
let upstream: Server;
let port: number;
const accepted: Socket[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'meshlab-gate-'));
  upstream = createServer((s) => {
    accepted.push(s);
    s.on('error', () => {});
    s.write('hello\n');
  });
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', () => r()));
  port = (upstream.address() as { port: number }).port;
});

afterAll(() => {
  upstream.close();
  rmSync(dir, { recursive: true, force: true });
});

afterEach(() => {
  delete process.env[LEARNER_CONNECTIONS_ENV];
  for (const s of accepted.splice(0)) s.destroy();
});

/** Connects through the gate; resolves with the first line, or 'closed' when the gate shuts the connection. */
function through(gate: NetworkGate, clients: Socket[]): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(join(gate.dir, `tcp-${port}.sock`));
    clients.push(s);
    s.on('error', () => {});
    s.once('data', (d) => resolve(d.toString().trim()));
    s.once('close', () => resolve('closed'));
  });
}

describe('network gate connection cap', () => {
  it.each([
    ['from the option', { option: 3 } as { option?: number; env?: string }, 3],
    ['from MESHLAB_LEARNER_MAX_CONNECTIONS', { env: '4' } as { option?: number; env?: string }, 4],
  ])('admits as many connections as the cap %s, and closes the next', async (_, how, cap) => {
    if (how.env) process.env[LEARNER_CONNECTIONS_ENV] = how.env;
    const gate = await NetworkGate.open({ dir: join(dir, `g-${cap}`), ports: () => ({ tcp: [port], udp: [] }), maxConnections: how.option });
    const clients: Socket[] = [];
    try {
      const answers: string[] = [];
      for (let i = 0; i < cap; i++) answers.push(await through(gate, clients));
      expect(answers).toEqual(Array(cap).fill('hello'));
      expect(gate.openConnections).toBe(cap);
      expect(await through(gate, clients)).toBe('closed');
      expect(gate.openConnections).toBe(cap);
      expect(accepted).toHaveLength(cap);
      // A closed connection frees its place.
      clients[0]!.destroy();
      for (let i = 0; i < 200 && gate.openConnections >= cap; i++) await new Promise((r) => setTimeout(r, 10));
      expect(await through(gate, clients)).toBe('hello');
    } finally {
      for (const c of clients) c.destroy();
      await gate.close();
    }
  });

  it("shares one budget among one learner's gates, and not with another learner's", async () => {
    const open = (name: string, owner: string) => NetworkGate.open({ dir: join(dir, name), ports: () => ({ tcp: [port], udp: [] }), owner, maxConnections: 3 });
    const [terminal, exec, other] = await Promise.all([open('t', 'learner-a'), open('e', 'learner-a'), open('o', 'learner-b')]);
    const clients: Socket[] = [];
    try {
      expect([await through(terminal, clients), await through(terminal, clients), await through(exec, clients)]).toEqual(['hello', 'hello', 'hello']);
      expect(await through(exec, clients)).toBe('closed');
      expect(await through(terminal, clients)).toBe('closed');
      expect(await through(other, clients)).toBe('hello');
      // The budget goes with the learner's last gate: a new gate starts afresh.
      for (const c of clients) c.destroy();
      await Promise.all([terminal.close(), exec.close()]);
      const again = await open('t2', 'learner-a');
      try {
        expect(await through(again, clients)).toBe('hello');
      } finally {
        await again.close();
      }
    } finally {
      for (const c of clients) c.destroy();
      await Promise.all([terminal.close(), exec.close(), other.close()]);
    }
  });

  it.each([
    [undefined, DEFAULT_LEARNER_CONNECTIONS],
    ['', DEFAULT_LEARNER_CONNECTIONS],
    ['1024', 1024],
  ])('reads %j from the environment as %d', (raw, expected) => {
    if (raw !== undefined) process.env[LEARNER_CONNECTIONS_ENV] = raw;
    expect(learnerConnectionsFromEnv()).toBe(expected);
  });

  it.each(['0', '-1', '1.5', 'many'])('refuses %j with the variable named', (raw) => {
    process.env[LEARNER_CONNECTIONS_ENV] = raw;
    expect(() => learnerConnectionsFromEnv()).toThrow(`${LEARNER_CONNECTIONS_ENV} must be a whole number of 1 or more, not ${JSON.stringify(raw)}`);
  });
});

// Real WebSocket + node-pty + bubblewrap, through the real site server shell.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkSandbox } from '../sandbox/sandbox.ts';
import { PROJECT_ROOT } from '../tools/binaries.ts';
import { startHarness, type Harness } from './testing/harness.ts';
import type { TestTerminalClient } from './testing/client.ts';

const SECRET = 'meshlab-test-secret-9f3a7c';
process.env.MESHLAB_TEST_SERVER_SECRET = SECRET;

let h: Harness;
let lastCookie = '';

async function shell(cookie: string, lab?: string): Promise<TestTerminalClient> {
  const c = await h.open(cookie);
  c.send({ type: 'hello', cols: 100, rows: 30, ...(lab ? { lab } : {}) });
  await c.waitForMessage('ready', 15_000);
  await c.waitForText('$ ', 15_000);
  return c;
}

/** Run a command and wait for a marker printed after it. */
async function run(c: TestTerminalClient, command: string, timeoutMs = 10_000): Promise<string> {
  const marker = `__done_${Math.random().toString(36).slice(2, 8)}`;
  c.clear();
  c.type(`${command}; echo ${marker.slice(0, 6)}""${marker.slice(6)}\r`);
  await c.waitForText(marker, timeoutMs);
  // What the command printed: after the echo of the command line, before the marker.
  const text = c.text.slice(0, c.text.indexOf(marker)).replace(/\x1b\[\?2004[hl]\r?/g, '');
  const echoEnd = text.indexOf('\r\n');
  return echoEnd < 0 ? '' : text.slice(echoEnd);
}

beforeAll(async () => {
  expect(checkSandbox()).toEqual({ ok: true });
  h = await startHarness({ labsDir: join(PROJECT_ROOT, 'labs'), timings: { graceMs: 4_000, idleMs: 600_000, idleWarningMs: 60_000 }, limits: { perLearner: 3, total: 50 }, heartbeatMs: 60_000 });
});

afterAll(async () => {
  await h?.close();
});

describe('terminal over WebSocket, pty and bubblewrap', () => {
  it('types and prints, as an unprivileged learner with the lab in the prompt', async () => {
    const c = await shell(await h.newSession(), 'ingress-gateway');
    expect(c.text).toMatch(/learner@meshlab.*\[ingress-gateway\]/);
    expect(await run(c, 'echo $((6*7))')).toMatch(/\r\n42\r\n/);
    const id = await run(c, 'id -u; whoami');
    expect(id).toMatch(/\r\n(\d+)\r\nlearner\r\n/);
    expect(Number(/\r\n(\d+)\r\n/.exec(id)![1])).not.toBe(0);
    await c.close();
  });

  it('a terminal opened from a lab page finds the lab\'s files in the home, owned by the learner', async () => {
    lastCookie = await h.newSession();
    const c = await shell(lastCookie, 'ingress-gateway');
    const out = await run(c, 'pwd; ls; stat -c %U httpbin.yaml; head -1 httpbin.yaml; rm httpbin-vs.yaml && echo removed');
    expect(out).toContain('/home/learner');
    expect(out).toMatch(/httpbin-gateway\.yaml\s+httpbin-vs\.yaml\s+httpbin\.yaml/);
    expect(out).toMatch(/\r\nlearner\r\n/);
    expect(out).toContain('removed');
    // Reattached from another lab's page: that lab's files arrive, and the prompt keeps naming the
    // shell's own lab (each lab page has its own shell; the prompt follows no other page).
    const ready = c.message('ready')!;
    await c.close();
    const again = await h.open(lastCookie);
    again.send({ type: 'hello', terminalId: ready.terminalId, resumeToken: ready.resumeToken, cols: 100, rows: 30, lab: 'egress-gateway' });
    await again.waitForMessage('ready');
    const out2 = await run(again, 'ls curl.yaml httpbin.yaml');
    expect(out2).toMatch(/curl\.yaml\s+httpbin\.yaml/);
    expect(await run(again, 'echo "$MESHLAB_LAB"')).toContain('\r\ningress-gateway\r\n');
    expect(again.text).toContain('[ingress-gateway]');
    expect(again.text).not.toContain('[egress-gateway]');
    await again.close();
  });

  it('resizes the pty', async () => {
    const c = await shell(await h.newSession());
    expect(await run(c, 'stty size')).toContain('30 100');
    c.send({ type: 'resize', cols: 132, rows: 50 });
    expect(await run(c, 'stty size')).toContain('50 132');
    await c.close();
  });

  it('reattaches to the same shell after the socket drops, with scrollback', async () => {
    const cookie = await h.newSession();
    const a = await shell(cookie);
    await run(a, 'export MESHLAB_KEPT=kept-4711; echo before-drop');
    const ready = a.message('ready')!;
    await a.close();
    const b = await h.open(cookie);
    b.send({ type: 'hello', terminalId: ready.terminalId, resumeToken: ready.resumeToken, cols: 100, rows: 30 });
    await b.waitForMessage('ready');
    expect(b.message('ready')).toMatchObject({ terminalId: ready.terminalId, resumed: true });
    await b.waitForText('before-drop');
    expect(await run(b, 'echo $MESHLAB_KEPT')).toContain('kept-4711');
    await b.close();
  });

  it('the same terminal opened in a second tab moves there; the first tab is told', async () => {
    const cookie = await h.newSession();
    const a = await shell(cookie);
    const ready = a.message('ready')!;
    const b = await h.open(cookie);
    b.send({ type: 'hello', terminalId: ready.terminalId, resumeToken: ready.resumeToken, cols: 100, rows: 30 });
    await b.waitForMessage('ready');
    await a.waitForMessage('error');
    expect(a.message('error')).toMatchObject({ code: 'taken-over', fatal: true });
    await a.closed;
    expect(await run(b, 'echo in-second-tab')).toContain('in-second-tab');
    await b.close();
  });

  it('another learner cannot reattach with a stolen terminal id and token', async () => {
    const a = await shell(await h.newSession());
    const ready = a.message('ready')!;
    const other = await h.open(await h.newSession());
    other.send({ type: 'hello', terminalId: ready.terminalId, resumeToken: ready.resumeToken, cols: 80, rows: 24 });
    await other.waitForMessage('error');
    expect(other.message('error')).toMatchObject({ code: 'unknown-terminal', fatal: true });
    await a.close();
  });

  it('after the grace period the shell is gone and a returning client is told why', async () => {
    const cookie = await h.newSession();
    const a = await shell(cookie);
    const ready = a.message('ready')!;
    await a.close();
    await new Promise((r) => setTimeout(r, 4_500));
    const b = await h.open(cookie);
    b.send({ type: 'hello', terminalId: ready.terminalId, resumeToken: ready.resumeToken, cols: 80, rows: 24 });
    await b.waitForMessage('exit');
    expect(b.message('exit')).toMatchObject({ reason: 'grace-expired', terminalId: ready.terminalId });
    await b.closed;
  });

  it('a 100 MB flood ends, with acks keeping the server bounded', async () => {
    const c = await shell(await h.newSession());
    c.keepChars = 10_000;
    const start = Date.now();
    const before = c.received;
    await run(c, 'head -c 100000000 /dev/zero | tr "\\0" "y"', 120_000);
    const mb = (c.received - before) / 1e6;
    expect(mb).toBeGreaterThan(100);
    console.log(`flood: ${mb.toFixed(0)} MB in ${Date.now() - start} ms`);
    await c.close();
  }, 150_000);

  it('a client that stops acking pauses the shell; Ctrl-C still works and memory stays bounded', async () => {
    const c = await shell(await h.newSession());
    c.keepChars = 10_000;
    c.autoAck = false;
    c.type('yes\r');
    await new Promise((r) => setTimeout(r, 500));
    const rss1 = process.memoryUsage().rss;
    const got1 = c.received;
    await new Promise((r) => setTimeout(r, 1_500));
    const got2 = c.received;
    const rss2 = process.memoryUsage().rss;
    // Paused: at most the high watermark plus one pty read went out unacknowledged.
    expect(got2).toBeLessThan(2 * 1024 * 1024);
    expect(got2 - got1).toBeLessThan(256 * 1024);
    expect(rss2 - rss1).toBeLessThan(64 * 1024 * 1024);
    c.type('\x03');
    c.autoAck = true;
    c.send({ type: 'ack', offset: c.offset });
    expect(await run(c, 'echo after-ctrl-c', 20_000)).toBeDefined();
    await c.close();
  }, 60_000);

  it('Ctrl-C stops a flood while the client keeps up', async () => {
    const c = await shell(await h.newSession());
    c.keepChars = 10_000;
    c.type('yes\r');
    await c.waitFor(() => c.received > 5_000_000, 20_000, '5 MB of yes');
    c.type('\x03');
    await run(c, 'echo stopped', 20_000);
    await c.close();
  }, 60_000);

  it('cannot see another learner\'s home, the server\'s files or its environment', async () => {
    const alice = await shell(await h.newSession());
    await run(alice, 'echo alice-private > ~/diary.txt');
    const bob = await shell(await h.newSession());
    const out = await run(
      bob,
      [
        `ls ${h.dataDir}/learners 2>&1 | head -3`,
        `find / -name diary.txt -not -path "/proc/*" 2>/dev/null | head -3`,
        `cat ${join(PROJECT_ROOT, 'package.json')} 2>&1 | head -1`,
        `ls ${PROJECT_ROOT}/server 2>&1 | head -1`,
        'env | grep -c MESHLAB_TEST_SERVER_SECRET',
        `cat /proc/*/environ 2>/dev/null | tr "\\0" "\\n" | grep -c ${SECRET}`,
        'ls /proc | grep -cE "^[0-9]+$"',
        'cat /etc/shadow 2>&1 | head -1',
      ].join('; '),
    );
    expect(out).not.toContain('alice-private');
    expect(out).not.toContain('diary.txt');
    expect(out).not.toContain('"name"');
    expect(out).toMatch(/No such file or directory/);
    expect(out).not.toContain(SECRET.slice(0, 20) + '=');
    // the two grep -c lines print 0
    expect(out.split('\r\n').filter((l) => l === '0').length).toBeGreaterThanOrEqual(2);
    await alice.close();
    await bob.close();
  });

  it('has what the lab needs and the limits in place', async () => {
    const c = await shell(await h.newSession());
    const out = await run(c, 'echo "K=$KUBECONFIG H=$INGRESS_HOST P=$INGRESS_PORT"; head -c 40 "$KUBECONFIG"; echo; command -v kubectl helm curl; ulimit -u; ulimit -n; touch /usr/x 2>&1; touch /tmp/t && echo tmp-ok');
    expect(out).toMatch(/K=\/.*kubeconfig H=127\.0\.0\.1 P=31080/);
    expect(out).toContain('apiVersion: v1');
    // the cluster's other files stay unreadable
    expect(await run(c, 'cat "$(dirname "$KUBECONFIG")/ca.key" 2>&1')).toContain('Permission denied');
    expect(out).toMatch(/\/kubectl\r\n.*\/helm\r\n.*\/curl\r\n256\r\n1024\r\n/s);
    expect(out).toContain('Read-only file system');
    expect(out).toContain('tmp-ok');
    // the process limit binds: a fork storm fails instead of taking the machine
    const storm = await run(c, '(for i in $(seq 400); do sleep 5 & done) 2>&1 | grep -c "fork: " ; pkill -u learner sleep; true', 30_000);
    expect(Number(/\r\n(\d+)\r\n/.exec(storm)?.[1] ?? 0)).toBeGreaterThan(0);
    await c.close();
  }, 60_000);

  it('input to a shell that does not read is bounded; Ctrl-C still gets through', async () => {
    const c = await shell(await h.newSession());
    c.type('sleep 60\r');
    await new Promise((r) => setTimeout(r, 300));
    const rss0 = process.memoryUsage().rss;
    const chunk = 'y'.repeat(60 * 1024);
    for (let i = 0; i < 200; i++) c.type(chunk); // 12 MB of input at once
    await c.waitFor(() => c.messages.some((m) => m.type === 'error' && m.message.startsWith('Input dropped')), 10_000, 'input dropped');
    expect(process.memoryUsage().rss - rss0).toBeLessThan(100 * 1024 * 1024);
    c.type('\x03');
    c.type('\x15');
    expect(await run(c, 'echo alive-after-input-flood', 20_000)).toBeDefined();
    await c.close();
  }, 60_000);

  it('rejects malformed messages with an error frame and keeps working', async () => {
    const c = await shell(await h.newSession());
    c.send('not json');
    c.send(JSON.stringify({ type: 'exec', command: 'id' }));
    c.send(JSON.stringify({ type: 'resize', cols: -1, rows: 1e9 }));
    c.ws.send(Buffer.from([1, 2, 3]), { binary: true });
    c.send(JSON.stringify({ type: 'hello', cols: 80, rows: 24 }));
    await c.waitFor(() => c.messages.filter((m) => m.type === 'error').length >= 5, 5_000, '5 errors');
    expect(c.messages.filter((m) => m.type === 'error').every((m) => m.type === 'error' && m.code === 'bad-message' && !m.fatal)).toBe(true);
    expect(await run(c, 'echo still-alive')).toBeDefined();
    c.send({ type: 'ping', t: 7 });
    await c.waitFor(() => c.messages.some((m) => m.type === 'pong'), 5_000, 'pong');
    await c.close();
  });

  it('a frame larger than the limit closes the socket, not the server', async () => {
    const c = await h.open(await h.newSession());
    c.send('x'.repeat(1024 * 1024));
    expect(await c.closed).toBe(1009);
    const d = await shell(await h.newSession());
    await d.close();
  });

  it('input before hello is refused', async () => {
    const c = await h.open(await h.newSession());
    c.type('id\r');
    await c.waitForMessage('error');
    expect(c.message('error')).toMatchObject({ code: 'not-ready' });
    await c.close();
  });

  it('limits terminals per learner', async () => {
    const cookie = await h.newSession();
    const open = [await shell(cookie), await shell(cookie), await shell(cookie)];
    const extra = await h.open(cookie);
    extra.send({ type: 'hello', cols: 80, rows: 24 });
    await extra.waitForMessage('error');
    expect(extra.message('error')).toMatchObject({ code: 'limit', fatal: true });
    for (const c of open) await c.close();
  });

  it('refuses a socket without a session or from another origin', async () => {
    await expect(h.open('')).rejects.toThrow('HTTP 401');
    await expect(h.open(await h.newSession(), 'http://evil.example')).rejects.toThrow('HTTP 403');
  });

  it('HTTP API: create, list, delete', async () => {
    const cookie = await h.newSession();
    const post = await fetch(`${h.origin}/api/terminals`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify({ cols: 90, rows: 20 }) });
    expect(post.status).toBe(201);
    const created = (await post.json()) as { terminalId: string; resumeToken: string };
    const list = (await (await fetch(`${h.origin}/api/terminals`, { headers: { cookie } })).json()) as { available: boolean; terminals: { terminalId: string }[] };
    expect(list.available).toBe(true);
    expect(list.terminals.map((t) => t.terminalId)).toEqual([created.terminalId]);
    const bad = await fetch(`${h.origin}/api/terminals`, { method: 'POST', headers: { cookie, 'content-type': 'application/json' }, body: JSON.stringify({ cols: 'wide' }) });
    expect(bad.status).toBe(400);
    const del = await fetch(`${h.origin}/api/terminals/${created.terminalId}`, { method: 'DELETE', headers: { cookie } });
    expect(del.status).toBe(204);
    const c = await h.open(cookie);
    c.send({ type: 'hello', terminalId: created.terminalId, resumeToken: created.resumeToken, cols: 80, rows: 24 });
    await c.waitForMessage('exit');
    expect(c.message('exit')).toMatchObject({ reason: 'closed' });
  });
});


// Without bubblewrap: terminals are refused with a clear message, unless the server runs with
// --unsafe-no-sandbox (then a plain shell starts, still without the server's environment).
import { afterEach, expect, it } from 'vitest';
import { startHarness, type Harness } from './testing/harness.ts';

let h: Harness | undefined;

afterEach(async () => {
  await h?.close();
  h = undefined;
});

const missing = () => ({ ok: false, problem: 'bubblewrap (bwrap) is not installed. Install it, or start meshlab with --unsafe-no-sandbox on a single-user machine.' });

it('refuses terminals when the sandbox is unavailable', async () => {
  h = await startHarness({ sandboxCheck: missing });
  const cookie = await h.newSession();
  const c = await h.open(cookie);
  c.send({ type: 'hello', cols: 80, rows: 24 });
  await c.waitForMessage('error');
  expect(c.message('error')).toMatchObject({ code: 'sandbox-unavailable', fatal: true });
  expect(c.message('error')!.message).toContain('--unsafe-no-sandbox');
  await c.closed;
  const list = (await (await fetch(`${h.origin}/api/terminals`, { headers: { cookie } })).json()) as { available: boolean; problem?: string };
  expect(list).toMatchObject({ available: false });
  expect(list.problem).toContain('bubblewrap');
  const post = await fetch(`${h.origin}/api/terminals`, { method: 'POST', headers: { cookie } });
  expect(post.status).toBe(503);
});

it('with --unsafe-no-sandbox a shell starts without the server environment', async () => {
  process.env.MESHLAB_UNSAFE_TEST_SECRET = 'unsafe-secret-5521';
  h = await startHarness({ sandboxCheck: missing, unsafeNoSandbox: true });
  const c = await h.open(await h.newSession());
  c.send({ type: 'hello', cols: 80, rows: 24, lab: 'egress-gateway' });
  await c.waitForMessage('ready', 15_000);
  // The prompt names the lab; unsafe mode runs as whoever runs the server (# for root).
  await c.waitForText(/\[egress-gateway\].*[$#] $/, 15_000);
  c.clear();
  c.type('env | grep -c UNSAFE_TEST_SECRET; echo "home=$HOME"\r');
  await c.waitForText(/home=\/\S+/);
  expect(c.text.replace(/\x1b\[\?2004[hl]\r?/g, '')).toMatch(/\r\n0\r\n/);
  expect(c.text).not.toContain('unsafe-secret-5521');
  await c.close();
});

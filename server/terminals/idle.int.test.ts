// Idle reaping through the real server: a warning first, then the shell ends and says why.
import { afterEach, expect, it } from 'vitest';
import { startHarness, type Harness } from './testing/harness.ts';

let h: Harness | undefined;

afterEach(async () => {
  await h?.close();
  h = undefined;
});

it('an idle shell gets a warning, then ends with the reason', async () => {
  h = await startHarness({ timings: { idleMs: 3_000, idleWarningMs: 1_500, graceMs: 60_000 } });
  const c = await h.open(await h.newSession());
  c.send({ type: 'hello', cols: 80, rows: 24 });
  await c.waitForMessage('ready', 15_000);
  await c.waitForMessage('warning', 5_000);
  expect(c.message('warning')).toMatchObject({ code: 'idle' });
  expect(c.message('exit')).toBeUndefined();
  await c.waitForMessage('exit', 5_000);
  expect(c.message('exit')).toMatchObject({ reason: 'idle', code: null });
  await c.closed;
}, 30_000);

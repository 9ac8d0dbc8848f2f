// Browser terminal benchmark, through the real site server on loopback: WebSocket + pty +
// bubblewrap sandbox. Prints keystroke echo round-trip (p50/p99; target p99 <= 15 ms), flood
// throughput with acknowledgement flow control, and memory for 50 idle terminals.
import { readFileSync, readdirSync } from 'node:fs';
import { checkSandbox } from '../server/sandbox/sandbox.ts';
import type { TestTerminalClient } from '../server/terminals/testing/client.ts';
import { startHarness } from '../server/terminals/testing/harness.ts';

const KEYSTROKES = 400;
const FLOOD_BYTES = 100_000_000;
const IDLE_TERMINALS = 50;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** RSS (KiB) of every process descending from this one: the sandboxes and their shells. */
function descendantsRssKiB(): { processes: number; kib: number } {
  const parent = new Map<number, number>();
  const rss = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const status = readFileSync(`/proc/${name}/status`, 'utf8');
      parent.set(Number(name), Number(/^PPid:\s+(\d+)/m.exec(status)?.[1] ?? 0));
      rss.set(Number(name), Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0));
    } catch {
      // gone
    }
  }
  let processes = 0;
  let kib = 0;
  for (const pid of parent.keys()) {
    let p = parent.get(pid);
    while (p && p !== process.pid) p = parent.get(p);
    if (p === process.pid) {
      processes++;
      kib += rss.get(pid) ?? 0;
    }
  }
  return { processes, kib };
}

function mb(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(1);
}

async function shell(h: Awaited<ReturnType<typeof startHarness>>, cookie: string): Promise<TestTerminalClient> {
  const c = await h.open(cookie);
  c.keepChars = 4096;
  c.send({ type: 'hello', cols: 120, rows: 40 });
  await c.waitForMessage('ready', 30_000);
  await c.waitForText('$ ', 30_000);
  return c;
}

async function main(): Promise<void> {
  const sandbox = checkSandbox();
  if (!sandbox.ok) {
    console.log(`skipped: ${sandbox.problem}`);
    return;
  }
  const h = await startHarness({ limits: { perLearner: 4, total: IDLE_TERMINALS + 10 }, heartbeatMs: 600_000 });
  try {
    // 1. Keystroke echo: one character typed, until its echo arrives.
    const c = await shell(h, await h.newSession());
    await new Promise((r) => setTimeout(r, 300));
    const times: number[] = [];
    for (let i = 0; i < KEYSTROKES; i++) {
      if (i % 40 === 39) {
        // Ctrl-U keeps the line short; not measured, and let its redraw settle.
        c.type('\x15');
        await new Promise((r) => setTimeout(r, 50));
      }
      const key = String.fromCharCode(97 + (i % 26));
      const before = c.received;
      c.clear();
      const started = process.hrtime.bigint();
      c.type(key);
      await c.waitFor(() => c.received > before && c.text.endsWith(key), 5_000, `echo of ${key}`);
      times.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
    times.sort((a, b) => a - b);
    console.log(`keystroke echo round-trip (ws + pty + sandbox, ${KEYSTROKES} keys): p50 ${percentile(times, 50).toFixed(2)} ms, p99 ${percentile(times, 99).toFixed(2)} ms, max ${times.at(-1)!.toFixed(2)} ms (target p99 <= 15 ms)`);

    // 2. Flood: 100 MB through the terminal with acks.
    c.type('\x15clear\r');
    await new Promise((r) => setTimeout(r, 300));
    const rssBefore = process.memoryUsage().rss;
    let rssPeak = rssBefore;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, process.memoryUsage().rss)), 50);
    const start = c.received;
    const t0 = Date.now();
    c.clear();
    c.type(`head -c ${FLOOD_BYTES} /dev/zero | tr "\\0" "y"; echo; echo FLOOD""-END\r`);
    await c.waitForText('FLOOD-END', 300_000);
    const seconds = (Date.now() - t0) / 1000;
    clearInterval(sampler);
    const got = c.received - start;
    console.log(`flood: ${mb(got)} MiB in ${seconds.toFixed(2)} s = ${(got / 1e6 / seconds).toFixed(1)} MB/s; server RSS ${mb(rssBefore)} -> peak ${mb(rssPeak)} MiB`);
    await c.close();

    // 3. Memory of idle terminals.
    (globalThis as { gc?: () => void }).gc?.();
    await new Promise((r) => setTimeout(r, 500));
    const heap0 = process.memoryUsage();
    const proc0 = descendantsRssKiB();
    const clients: TestTerminalClient[] = [];
    let cookie = '';
    for (let i = 0; i < IDLE_TERMINALS; i++) {
      if (i % 4 === 0) cookie = await h.newSession();
      clients.push(await shell(h, cookie));
    }
    await new Promise((r) => setTimeout(r, 1000));
    (globalThis as { gc?: () => void }).gc?.();
    const heap1 = process.memoryUsage();
    const proc1 = descendantsRssKiB();
    console.log(
      `${IDLE_TERMINALS} idle terminals: server RSS +${mb(heap1.rss - heap0.rss)} MiB (heap +${mb(heap1.heapUsed - heap0.heapUsed)} MiB, ` +
        `external+buffers +${mb(heap1.external + heap1.arrayBuffers - heap0.external - heap0.arrayBuffers)} MiB); ` +
        `sandbox processes: ${proc1.processes - proc0.processes} using ${((proc1.kib - proc0.kib) / 1024).toFixed(1)} MiB RSS ` +
        `(${((proc1.kib - proc0.kib) / 1024 / IDLE_TERMINALS).toFixed(2)} MiB per terminal)`,
    );
    for (const cl of clients) await cl.close();
  } finally {
    await h.close();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);

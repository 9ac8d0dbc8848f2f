// A workshop's room on this machine: a real `meshlab serve` (embedded driver, sandboxed terminals,
// no warm environments so every join pays for its cluster), an instructor creates a workshop and
// N attendees (MESHLAB_BENCH_ATTENDEES, default 50) join it a few at a time. Each one opens the lab's
// terminal (its embedded cluster starts then), runs the first step's commands in it and presses
// Check. Prints the time to join all of them (join + cluster + shell at a prompt), the Check latency
// under that load (p50, p95, max) and the server's memory (its process tree) in total and per
// attendee. Prints numbers measured in this run; asserts nothing. Bounded: gives up after 5 minutes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebSocket } from 'ws';
import { startServe } from '../server/cli/serve-process.ts';
import { processTree, rssOf } from './process-memory.ts';
import { TERMINAL_WS_PATH } from '../server/protocol/terminal.ts';

const ATTENDEES = Number(process.env.MESHLAB_BENCH_ATTENDEES ?? 50);
const AT_ONCE = 5;
const LAB = 'ingress-gateway';
const STEP = 'create-namespace';
const COMMANDS = 'kubectl create namespace bookinfo && kubectl label namespace bookinfo istio-injection=enabled; echo step-done-$?';
const TOKEN = 'bench-instructor-token-0123456789abcdef';
const DEADLINE = Date.now() + 5 * 60_000;

const dir = mkdtempSync(join(tmpdir(), 'meshlab-bench-workshop-'));
const server = await startServe({
  dataDir: join(dir, 'data'),
  args: ['--max-clusters', String(ATTENDEES + 5), '--clusters-per-minute', '1000', '--requests-per-minute', '0'],
  env: { MESHLAB_INSTRUCTOR_TOKEN: TOKEN, MESHLAB_WORKSHOP_WARM: '0' },
  readyTimeoutMs: 120_000,
});
const base = server.url;
process.on('exit', () => {
  if (server.child.exitCode === null) server.child.kill('SIGKILL');
});

const memory = () => processTree(server.child.pid!).reduce((sum, p) => sum + rssOf(p), 0);
const mib = (b: number) => `${(b / 1024 ** 2).toFixed(0)} MiB`;
const percentile = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil((p / 100) * xs.length) - 1)]!;

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${base}${path}`, {
    method,
    headers: { origin: base, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(Math.max(1000, DEADLINE - Date.now())),
  });
}

interface Seat {
  name: string;
  cookie: string;
  ws: WebSocket;
  output: string;
}

/** Resolves once the shell's output matches. */
function waitFor(seat: Seat, pattern: RegExp, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${seat.name}: no ${what} in time; the shell printed ${JSON.stringify(seat.output.slice(-300))}`)), Math.max(1000, DEADLINE - Date.now()));
    const check = () => {
      if (!pattern.test(seat.output)) return;
      clearTimeout(timer);
      seat.ws.off('message', check);
      resolve();
    };
    seat.ws.on('message', check);
    check();
  });
}

async function joinWorkshop(code: string, name: string): Promise<Seat> {
  const res = await call('POST', '/api/workshops/join', { code, name });
  if (res.status !== 200) throw new Error(`${name}: join answered ${res.status} ${await res.text()}`);
  const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
  const ws = new WebSocket(`${base.replace('http', 'ws')}${TERMINAL_WS_PATH}`, { headers: { origin: base, cookie } });
  const seat: Seat = { name, cookie, ws, output: '' };
  ws.on('message', (data, binary) => {
    if (binary) seat.output += Buffer.from(data as Buffer).subarray(9).toString();
    else if (String(data).includes('"fatal":true')) seat.output += `\n[error] ${String(data)}`;
  });
  await new Promise<void>((resolve, reject) => (ws.once('open', () => resolve()), ws.once('error', reject)));
  ws.send(JSON.stringify({ type: 'hello', cols: 100, rows: 30, lab: LAB }));
  await waitFor(seat, /\$ /, 'prompt');
  return seat;
}

async function inBatches<T, R>(items: T[], n: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

try {
  const created = await call('POST', '/api/workshops', { title: 'Bench room', labs: [LAB], seats: ATTENDEES }, { authorization: `Bearer ${TOKEN}` });
  const w = (await created.json()) as { id: string; joinCode: string };
  const before = memory();

  const joinTimes: number[] = [];
  const startedAll = Date.now();
  const seats = await inBatches(
    Array.from({ length: ATTENDEES }, (_, i) => `attendee-${i + 1}`),
    AT_ONCE,
    async (name) => {
      const t = Date.now();
      const seat = await joinWorkshop(w.joinCode, name);
      joinTimes.push(Date.now() - t);
      return seat;
    },
  );
  const joinAll = Date.now() - startedAll;
  const joined = memory();

  // Everyone does the step at once, then presses Check: the latency a room sees.
  for (const s of seats) s.ws.send(JSON.stringify({ type: 'input', data: `${COMMANDS}\r` }));
  await Promise.all(seats.map((s) => waitFor(s, /step-done-\d/, 'end of the step')));
  const checks = await Promise.all(
    seats.map(async (s) => {
      const t = Date.now();
      const res = await call('POST', `/api/labs/${LAB}/steps/${STEP}/check`, undefined, { cookie: s.cookie });
      const body = (await res.json()) as { passed?: boolean };
      return { ms: Date.now() - t, passed: body.passed === true };
    }),
  );
  const grid = (await (await call('GET', `/api/workshops/${w.id}`, undefined, { authorization: `Bearer ${TOKEN}` })).json()) as { attendees: { stepsDone: number }[] };
  const after = memory();

  const latencies = checks.map((c) => c.ms);
  console.log(`attendees                     ${ATTENDEES} (joined ${Math.min(AT_ONCE, ATTENDEES)} at a time; no warm environments)`);
  console.log(`time to join all              ${(joinAll / 1000).toFixed(1)} s (join + embedded cluster + sandboxed shell at its prompt)`);
  console.log(`one join                      p50 ${percentile(joinTimes, 50)} ms, p95 ${percentile(joinTimes, 95)} ms, max ${Math.max(...joinTimes)} ms`);
  console.log(`Check, all at once            p50 ${percentile(latencies, 50)} ms, p95 ${percentile(latencies, 95)} ms, max ${Math.max(...latencies)} ms; passed ${checks.filter((c) => c.passed).length}/${ATTENDEES}`);
  console.log(`dashboard                     ${grid.attendees.filter((a) => a.stepsDone === 1).length}/${ATTENDEES} attendees show the step passed`);
  console.log(`server memory (process tree)  before ${mib(before)}, joined ${mib(joined)}, after the Checks ${mib(after)}`);
  console.log(`per attendee                  ${mib((after - before) / ATTENDEES)} (${processTree(server.child.pid!).length} processes in the tree)`);
  for (const s of seats) s.ws.close();
} finally {
  await server.stop();
  rmSync(dir, { recursive: true, force: true });
}

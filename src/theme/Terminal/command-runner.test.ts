import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CommandRunner, commandKeys, type CommandOutcome } from './command-runner.ts';
import { parseShellMark, type ShellMark } from './shell-marks.ts';

const A: ShellMark = { kind: 'prompt-start' };
const B: ShellMark = { kind: 'prompt-end' };
const C: ShellMark = { kind: 'output-start' };
const D = (exitCode?: number): ShellMark => (exitCode === undefined ? { kind: 'command-end' } : { kind: 'command-end', exitCode });

describe('parseShellMark', () => {
  it.each([
    ['A', { kind: 'prompt-start' }],
    ['B', { kind: 'prompt-end' }],
    ['C', { kind: 'output-start' }],
    ['D;0', { kind: 'command-end', exitCode: 0 }],
    ['D;130', { kind: 'command-end', exitCode: 130 }],
    ['D', { kind: 'command-end' }],
    ['D;x', { kind: 'command-end' }],
    ['P;k=v', undefined],
    ['', undefined],
  ])('%j', (payload, mark) => expect(parseShellMark(payload)).toEqual(mark));
});

describe('commandKeys', () => {
  it.each([
    ['kubectl get ns', '\x05\x15kubectl get ns\r'],
    ['echo a\n', '\x05\x15echo a\r'],
    ['cat <<EOF\nx\nEOF', '\x05\x15cat <<EOF\rx\rEOF\r'],
  ])('%j', (command, keys) => expect(commandKeys(command)).toBe(keys));
});

describe('CommandRunner', () => {
  let sent: string[];
  let runner: CommandRunner;
  beforeEach(() => {
    vi.useFakeTimers();
    sent = [];
    runner = new CommandRunner({ send: (k) => sent.push(k) }, { connectMs: 5_000, promptMs: 3_000, unknownGraceMs: 500, startMs: 1_000, finishMs: 10_000 });
  });
  afterEach(() => vi.useRealTimers());

  function prompt(): void {
    runner.mark(D(0));
    runner.mark(A);
    runner.mark(B);
  }

  it('types one command at a time, each after the previous one ended, with its exit status', async () => {
    runner.setConnected(true);
    prompt();
    const first = runner.run('kubectl apply -f x.yaml');
    const second = runner.run('curl -s x');
    expect(sent).toEqual(['\x05\x15kubectl apply -f x.yaml\r']);
    runner.mark(C);
    vi.advanceTimersByTime(200);
    expect(sent).toHaveLength(1);
    runner.mark(D(0));
    expect(await first).toMatchObject({ kind: 'finished', exitCode: 0 });
    // Not until the prompt is back.
    expect(sent).toHaveLength(1);
    runner.mark(A);
    runner.mark(B);
    expect(sent).toEqual(['\x05\x15kubectl apply -f x.yaml\r', '\x05\x15curl -s x\r']);
    runner.mark(C);
    runner.mark(D(35));
    expect(await second).toMatchObject({ kind: 'finished', exitCode: 35 });
  });

  it('a command that does not parse ends without C, with its status', async () => {
    runner.setConnected(true);
    prompt();
    const p = runner.run('echo (');
    runner.mark(D(2));
    expect(await p).toMatchObject({ kind: 'finished', exitCode: 2 });
  });

  it('waits for the connection, and gives up after connectMs', async () => {
    const p = runner.run('true');
    vi.advanceTimersByTime(5_000);
    expect(await p).toEqual({ kind: 'not-connected', waitedMs: 5_000 });
    expect(sent).toEqual([]);
  });

  it('types once connected and at the prompt', async () => {
    const p = runner.run('true');
    vi.advanceTimersByTime(1_000);
    runner.setConnected(true);
    expect(sent).toEqual([]);
    prompt();
    expect(sent).toHaveLength(1);
    runner.mark(C);
    runner.mark(D(0));
    expect((await p).kind).toBe('finished');
  });

  it('types after a grace period when the screen has shown no mark yet', async () => {
    runner.setConnected(true);
    const p = runner.run('true');
    vi.advanceTimersByTime(499);
    expect(sent).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(sent).toHaveLength(1);
    runner.mark(D(0));
    expect((await p).kind).toBe('finished');
  });

  it('says the shell is busy when something else runs past promptMs, and types nothing', async () => {
    runner.setConnected(true);
    prompt();
    runner.mark(C); // the learner's own `kubectl get pods -w`
    const p = runner.run('true');
    vi.advanceTimersByTime(3_000);
    expect(await p).toMatchObject({ kind: 'busy' });
    expect(sent).toEqual([]);
  });

  it('a shell that never answers: no-answer, and the rest of the queue is cancelled', async () => {
    runner.setConnected(true);
    prompt();
    const first = runner.run('one');
    const second = runner.run('two');
    vi.advanceTimersByTime(1_000);
    expect(await first).toMatchObject({ kind: 'no-answer', waitedMs: 1_000 });
    expect(await second).toEqual({ kind: 'cancelled' });
    expect(sent).toHaveLength(1);
  });

  it('a command that starts but does not end within finishMs: still-running', async () => {
    const phases: string[] = [];
    runner.setConnected(true);
    prompt();
    const p = runner.run('sleep 1000', (ph) => phases.push(ph));
    runner.mark(C);
    vi.advanceTimersByTime(9_999);
    runner.mark(D(0)); // resolves in time: finished
    expect((await p).kind).toBe('finished');
    expect(phases).toEqual(['queued', 'typed', 'running']);
    const q = runner.run('sleep 1000');
    prompt();
    runner.mark(C);
    vi.advanceTimersByTime(10_000);
    expect(await q).toMatchObject({ kind: 'still-running' });
  });

  it('a new screen cancels the command in flight; dispose cancels everything', async () => {
    runner.setConnected(true);
    prompt();
    const a = runner.run('a');
    runner.screenReset();
    expect(await a).toEqual({ kind: 'cancelled' });
    const b = runner.run('b');
    const c = runner.run('c');
    runner.dispose();
    const outcomes: CommandOutcome[] = await Promise.all([b, c]);
    expect(outcomes).toEqual([{ kind: 'cancelled' }, { kind: 'cancelled' }]);
  });

  it('refuses a command longer than the terminal protocol allows', async () => {
    await expect(runner.run('x'.repeat(70_000))).rejects.toThrow(/longer than/);
  });
});

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_REPORT_BYTES, ProgressStore } from './progress-store.ts';

const dirs: string[] = [];
function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'meshlab-progress-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('ProgressStore', () => {
  it('records a step and reads it back with its report', () => {
    const store = ProgressStore.open('', ':memory:');
    store.record('learner1', 'ingress-gateway', 'deploy-httpbin', 'failed', { passed: false, checks: [{ name: 'pods ready' }] });
    expect(store.get('learner1', 'ingress-gateway')).toEqual({
      lab: 'ingress-gateway',
      steps: [{ step: 'deploy-httpbin', status: 'failed', report: { passed: false, checks: [{ name: 'pods ready' }] }, updatedAt: expect.any(String) }],
    });
  });

  it('overwrites a step with its latest status', () => {
    const store = ProgressStore.open('', ':memory:');
    store.record('l1', 'lab', 's1', 'failed', { n: 1 }, new Date('2026-01-01T00:00:00Z'));
    store.record('l1', 'lab', 's1', 'passed', { n: 2 }, new Date('2026-01-01T00:00:01Z'));
    const { steps } = store.get('l1', 'lab');
    expect(steps).toHaveLength(1);
    expect(steps[0]).toMatchObject({ status: 'passed', report: { n: 2 }, updatedAt: '2026-01-01T00:00:01.000Z' });
  });

  it('keeps learners and labs apart', () => {
    const store = ProgressStore.open('', ':memory:');
    store.record('alice', 'lab-a', 's1', 'passed');
    store.record('bob', 'lab-a', 's1', 'failed');
    store.record('alice', 'lab-b', 's1', 'failed');
    expect(store.get('alice', 'lab-a').steps.map((s) => s.status)).toEqual(['passed']);
    expect(store.get('bob', 'lab-a').steps.map((s) => s.status)).toEqual(['failed']);
    expect(store.get('bob', 'lab-b').steps).toEqual([]);
  });

  it('clears one lab of one learner only', () => {
    const store = ProgressStore.open('', ':memory:');
    store.record('alice', 'lab-a', 's1', 'passed');
    store.record('alice', 'lab-a', 's2', 'passed');
    store.record('alice', 'lab-b', 's1', 'passed');
    store.record('bob', 'lab-a', 's1', 'passed');
    expect(store.clear('alice', 'lab-a')).toBe(2);
    expect(store.get('alice', 'lab-a').steps).toEqual([]);
    expect(store.get('alice', 'lab-b').steps).toHaveLength(1);
    expect(store.get('bob', 'lab-a').steps).toHaveLength(1);
  });

  it('survives closing and reopening the database file (a server restart)', () => {
    const dir = tempDir();
    const first = ProgressStore.open(dir);
    first.record('alice', 'ingress-gateway', 'gateway', 'passed', { passed: true });
    first.close();
    const second = ProgressStore.open(dir);
    expect(second.get('alice', 'ingress-gateway').steps).toMatchObject([{ step: 'gateway', status: 'passed', report: { passed: true } }]);
    second.close();
  });

  it('replaces an oversized report with a short note', () => {
    const store = ProgressStore.open('', ':memory:');
    store.record('l1', 'lab', 's1', 'failed', { actual: 'x'.repeat(MAX_REPORT_BYTES + 1) });
    expect(store.get('l1', 'lab').steps[0]!.report).toEqual({ truncated: true, message: 'the check report was too large to keep' });
  });

  it.each([
    { name: 'empty learner', args: ['', 'lab', 's'] },
    { name: 'lab with a slash', args: ['l', '../lab', 's'] },
    { name: 'step with spaces', args: ['l', 'lab', 'a step'] },
    { name: 'overlong step', args: ['l', 'lab', 'x'.repeat(200)] },
    { name: 'SQL in the lab id', args: ['l', "lab'; DROP TABLE step_progress;--", 's'] },
  ])('rejects invalid ids: $name', ({ args }) => {
    const store = ProgressStore.open('', ':memory:');
    const [learner, lab, step] = args as [string, string, string];
    expect(() => store.record(learner, lab, step, 'passed')).toThrow(RangeError);
    store.record('l', 'lab', 's', 'passed');
    expect(store.get('l', 'lab').steps).toHaveLength(1);
  });

  it('rejects an unknown status', () => {
    const store = ProgressStore.open('', ':memory:');
    expect(() => store.record('l', 'lab', 's', 'done' as never)).toThrow(/invalid status/);
  });
});

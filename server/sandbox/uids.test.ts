import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { UID_BASE, UID_SPAN, claimUid } from './uids.ts';

const dirs: string[] = [];
const fresh = () => {
  const d = mkdtempSync(join(tmpdir(), 'meshlab-uids-'));
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

it('gives a key the same unprivileged uid every time', () => {
  const dir = fresh();
  const a = claimUid(dir, '/data/learners/a/home');
  expect(claimUid(dir, '/data/learners/a/home')).toBe(a);
  expect(a).toBeGreaterThanOrEqual(UID_BASE);
  expect(a).toBeLessThan(UID_BASE + UID_SPAN);
});

it('moves a second key whose first candidate is taken to another uid', () => {
  const probe = fresh();
  const wanted = claimUid(probe, 'learner-b');
  const dir = fresh();
  // Someone else holds b's first candidate (as a hash collision would).
  writeFileSync(join(dir, String(wanted)), 'learner-a');
  const b = claimUid(dir, 'learner-b');
  expect(b).not.toBe(wanted);
  expect(b).toBe(wanted + 1 === UID_BASE + UID_SPAN ? UID_BASE : wanted + 1);
});

it('2,000 learners get 2,000 distinct uids', () => {
  const dir = fresh();
  const uids = new Set(Array.from({ length: 2000 }, (_, i) => claimUid(dir, `learner-${i}`)));
  expect(uids.size).toBe(2000);
});

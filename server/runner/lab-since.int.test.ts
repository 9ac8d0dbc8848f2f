// A Check passes only for work the learner did: call-status's checks read the ingress gateway's
// access log, whose pods (and lines) survive the embedded Reset and a step's undo. After either,
// the check fails until the learner sends the requests again (real kubectl, embedded cluster).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDriver } from '../drivers/registry.ts';
import type { ClusterHandle } from '../drivers/types.ts';
import { loadLab } from './load-lab.ts';
import { checkStep, prepareLab, resetLab } from './runner.ts';
import { solveSteps } from './testing/solve-steps.ts';
import { undoChain, undoSteps } from './undo-step.ts';

const ROOT = join(import.meta.dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'meshlab-lab-since-int-'));
const lab = loadLab(join(ROOT, 'labs', 'ingress-gateway'));
let handle: ClusterHandle;

beforeAll(async () => {
  handle = await (await createDriver('embedded', { dataDir: join(work, 'data') })).create({ name: 'lab-since-int' });
  await prepareLab(handle, lab);
  await solveSteps(handle, lab, 'call-status');
}, 120_000);
afterAll(async () => {
  await handle?.destroy();
  rmSync(work, { recursive: true, force: true });
});

const callStatus = async () => (await checkStep(handle, lab, 'call-status', { timeoutSeconds: 2 })).status;

it('after the lab is reset, call-status fails until its requests are sent again', { timeout: 120_000 }, async () => {
  expect(await callStatus()).toBe('passed');
  await resetLab(handle, lab);
  await solveSteps(handle, lab, 'find-ingress-port');
  expect(await callStatus()).toBe('failed');
  await solveSteps(handle, lab, 'call-status', 'call-status');
  expect(await callStatus()).toBe('passed');
});

it('after call-status is undone, it fails until its requests are sent again', { timeout: 60_000 }, async () => {
  expect(await callStatus()).toBe('passed');
  await undoSteps(handle, lab, undoChain(lab, 'call-status', new Set(['call-status'])));
  expect(await callStatus()).toBe('failed');
  await solveSteps(handle, lab, 'call-status', 'call-status');
  expect(await callStatus()).toBe('passed');
});

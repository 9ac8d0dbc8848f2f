// An http Check's report says what the mesh did with the check's own request, on the embedded
// driver and the ingress-gateway chapter: after the /status match is removed (istio.io/latest/docs/tasks/traffic-management/ingress/ingress-control/)
// the 404 names the VirtualService and what it still routes; with a subset no DestinationRule
// defines, the 503 names the missing subset (istio.io/latest/docs/ops/common-problems/network-issues/).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDriver } from '../../drivers/registry.ts';
import type { ClusterHandle } from '../../drivers/types.ts';
import { PROJECT_ROOT } from '../../tools/binaries.ts';
import { loadLab } from '../load-lab.ts';
import { checkStep } from '../runner.ts';
import { solveSteps } from '../testing/solve-steps.ts';

const work = mkdtempSync(join(tmpdir(), 'meshlab-trace-int-'));
const lab = loadLab(join(PROJECT_ROOT, 'labs', 'ingress-gateway'));
let handle: ClusterHandle;

beforeAll(async () => {
  handle = await (await createDriver('embedded', { dataDir: join(work, 'data') })).create({ name: 'trace-int' });
});
afterAll(async () => {
  await handle?.destroy();
  rmSync(work, { recursive: true, force: true });
});

type Report = Awaited<ReturnType<typeof checkStep>>;
/** The step's http checks, in order. */
const http = (r: Report) => r.checks.filter((c) => c.type === 'http');
const statusOf = (r: Report) => http(r)[0]!.details.find((x) => x.what === 'status');

describe('http Check reports carry their request', () => {
  it('404 after /status is removed: the VirtualService and its /delay match', async () => {
    await solveSteps(handle, lab, 'remove-status-route');
    // The earlier step's check wants 200 from /status/200: now it fails, and says why.
    const failing = await checkStep(handle, lab, 'route-status-and-delay');
    expect(failing.status).toBe('failed');
    expect(statusOf(failing)).toMatchObject({ expected: '200', actual: '404: no route matched; VirtualService bookinfo/httpbin only routes /delay', ok: false });
    expect(http(failing)[0]!.message).toContain('expected 200, got 404: no route matched; VirtualService bookinfo/httpbin only routes /delay');
    expect(http(failing)[0]!.trace?.explanation.en).toContain('path /status/200 does not start with /delay');
    expect(http(failing)[0]!.trace?.explanation['zh-Hans']).toContain('原因');
    // The step's own checks pass, and say what each request did.
    const passing = await checkStep(handle, lab, 'remove-status-route');
    expect(passing.status).toBe('passed');
    expect(http(passing)[0]!.message).toMatch(/^passed: .*: no route matched; VirtualService bookinfo\/httpbin only routes \/delay$/);
    expect(http(passing)[1]!.trace?.reason).toMatch(/^routed by VirtualService bookinfo\/httpbin rule 0 to .*answered 200$/);
  }, 90_000);

  it('503 NC: the subset no DestinationRule defines', async () => {
    await solveSteps(handle, lab, 'route-everything-to-subset', 'route-everything-to-subset');
    const failing = await checkStep(handle, lab, 'define-subset');
    expect(failing.status).toBe('failed');
    expect(statusOf(failing)?.actual).toBe('503: cluster not found: subset v1 of httpbin.bookinfo.svc.cluster.local is not defined by any DestinationRule (VirtualService bookinfo/httpbin rule 0)');
    expect(http(failing)[0]!.trace?.flags).toBe('NC');
  }, 90_000);
});

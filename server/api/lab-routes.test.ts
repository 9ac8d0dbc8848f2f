import Fastify, { type FastifyInstance } from 'fastify';
import { CapacityError } from './learners.ts';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ClusterHandle } from '../drivers/types.ts';
import { ProgressStore } from '../store/progress-store.ts';
import type { Learner, ServerContext } from './context.ts';
import type { CheckResult, StepReport } from '../protocol/runner-events.ts';
import type { Lab, LabCommand } from '../runner/lab.ts';
import { laterPassedSteps, registerLabRoutesWith, type LabRunner } from './lab-routes.ts';

const LAB = {
  id: 'ingress-gateway',
  steps: [
    { id: 'deploy-httpbin', hints: [{ 'zh-Hans': '检查命名空间', en: 'check the namespace' }], undo: ['kubectl delete -f httpbin.yaml'] },
    { id: 'gateway', hints: [], undo: [] },
    { id: 'clean-up', hints: [] },
  ],
} as unknown as Lab;

const cmd = (run: string): LabCommand => ({ run, exitCode: [0], deliberateWaitSeconds: 0 });

function check(name: string, ok: boolean, details: CheckResult['details'] = [], error?: string): CheckResult {
  const shown = details.filter((d) => !d.ok || ok);
  return {
    index: 0,
    type: 'http',
    name,
    ok,
    attempts: 1,
    durationMs: 3,
    details,
    expected: shown.map((d) => d.expected).join('\n'),
    actual: shown.map((d) => d.actual).join('\n'),
    message: ok ? 'passed' : `${name} failed`,
    error,
  } as CheckResult;
}

function stepReport(status: 'passed' | 'failed', checks: CheckResult[], failure?: string): StepReport {
  return { id: 's', title: { 'zh-Hans': 's', en: 's' }, status, durationMs: 5, commands: [], checks, failure: failure ? { kind: 'check', message: failure } : undefined };
}

const handle = { id: 'c1' } as unknown as ClusterHandle;

function fakeLearner(id: string): Learner {
  // "full" stands for a learner whose cluster the server has no room for.
  if (id === 'full') return { id, homeDir: '/tmp', cluster: async () => Promise.reject(new CapacityError('this server is full: no memory; try again in a few minutes', 60)), currentCluster: () => undefined, release: async () => {} };
  return { id, homeDir: '/tmp', cluster: async () => handle, currentCluster: () => handle, release: async () => {} };
}

interface Harness {
  app: FastifyInstance;
  store: ProgressStore;
  calls: string[];
  checkResult: { value: unknown };
  /** While set, checks wait for it (to hold one operation in flight). */
  gate: { wait?: Promise<void> };
  closers: (() => unknown)[];
}

async function harness(): Promise<Harness> {
  const calls: string[] = [];
  const gate: { wait?: Promise<void> } = {};
  const checkResult = { value: stepReport('passed', [check('GET /status/200', true, [{ what: 'status', expected: '200', actual: '200', ok: true }])]) as unknown };
  const runner: LabRunner = {
    loadLabs: () => [LAB],
    async checkStep(_h, lab, step) {
      calls.push(`check ${lab.id}/${step}`);
      if (gate.wait) await gate.wait;
      calls.push(`checked ${lab.id}/${step}`);
      if (checkResult.value instanceof Error) throw checkResult.value;
      return checkResult.value as StepReport;
    },
    solutionFor: (_lab, step) => (step === 'gateway' ? [] : [cmd('kubectl create ns bookinfo'), cmd('kubectl -n bookinfo apply -f httpbin.yaml')]),
    async resetLab(_h, lab) {
      calls.push(`reset ${lab.id}`);
    },
    async undoSteps(_h, lab, steps) {
      calls.push(`undo ${lab.id}/${steps.map((s) => s.id).join(',')}`);
    },
    async prepareLab(_h, lab) {
      calls.push(`prepare ${lab.id}`);
    },
  };
  const store = ProgressStore.open('', ':memory:');
  const closers: (() => unknown)[] = [];
  const ctx = {
    config: { dataDir: '/nonexistent', labsDir: '/nonexistent' },
    learners: {
      fromRequest: (req: { headers: Record<string, string | string[] | undefined> }) => {
        const who = req.headers['x-learner'];
        return typeof who === 'string' ? fakeLearner(who) : undefined;
      },
    },
    events: { emit: () => {}, subscribe: () => () => {} },
    logger: pino({ level: 'silent' }),
    onClose: (fn: () => unknown) => closers.push(fn),
  } as unknown as ServerContext;
  const app = Fastify();
  await registerLabRoutesWith(app, ctx, { runner, store });
  await app.ready();
  return { app, store, calls, checkResult, gate, closers };
}

let h: Harness;
beforeEach(async () => {
  h = await harness();
});
afterEach(async () => {
  await h.app.close();
  for (const fn of h.closers) fn();
});

const as = (learner: string) => ({ 'x-learner': learner });

describe('lab routes', () => {
  it('answers 503 with Retry-After when the server has no room for a cluster', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/api/labs/ingress-gateway/steps/deploy-httpbin/check', headers: as('full') });
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('60');
    expect(res.json()).toEqual({ error: 'could not start your cluster: this server is full: no memory; try again in a few minutes', retryAfterSeconds: 60 });
  });

  it('starts with no progress', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/api/labs/ingress-gateway/progress', headers: as('alice') });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ lab: 'ingress-gateway', steps: [] });
  });

  it('records a passed check and returns it in the progress', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/api/labs/ingress-gateway/steps/deploy-httpbin/check', headers: as('alice') });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      lab: 'ingress-gateway',
      step: 'deploy-httpbin',
      passed: true,
      checks: [{ name: 'GET /status/200', passed: true, details: [{ what: 'status', expected: '200', actual: '200', ok: true }] }],
      hints: [],
    });
    const progress = (await h.app.inject({ method: 'GET', url: '/api/labs/ingress-gateway/progress', headers: as('alice') })).json();
    expect(progress.steps).toMatchObject([{ step: 'deploy-httpbin', status: 'passed', report: { passed: true } }]);
    const other = (await h.app.inject({ method: 'GET', url: '/api/labs/ingress-gateway/progress', headers: as('bob') })).json();
    expect(other.steps).toEqual([]);
  });

  it('a failed check carries expected, actual and the step hints', async () => {
    h.checkResult.value = stepReport('failed', [check('GET /status/200', false, [{ what: 'status', expected: '200', actual: '404', ok: false }])], 'check 1 failed');
    const res = await h.app.inject({ method: 'POST', url: '/api/labs/ingress-gateway/steps/deploy-httpbin/check', headers: as('alice') });
    expect(res.json()).toMatchObject({
      passed: false,
      failure: 'check 1 failed',
      checks: [{ passed: false, details: [{ what: 'status', expected: '200', actual: '404', ok: false }], message: 'GET /status/200 failed' }],
      hints: [{ 'zh-Hans': '检查命名空间', en: 'check the namespace' }],
    });
    expect(h.store.get('alice', 'ingress-gateway').steps[0]!.status).toBe('failed');
  });

  it('a failing check after a later step passed says so and changes nothing', async () => {
    const url = (step: string) => `/api/labs/ingress-gateway/steps/${step}/check`;
    expect((await h.app.inject({ method: 'POST', url: url('deploy-httpbin'), headers: as('l1') })).json().passed).toBe(true);
    expect((await h.app.inject({ method: 'POST', url: url('gateway'), headers: as('l1') })).json().passed).toBe(true);
    // The later step removed what the first one checks.
    h.checkResult.value = stepReport('failed', [check('GET /status/200', false, [{ what: 'status', expected: '200', actual: '404', ok: false }])], 'GET /status/200 failed');
    const res = (await h.app.inject({ method: 'POST', url: url('deploy-httpbin'), headers: as('l1') })).json();
    expect(res).toMatchObject({ passed: false, changedByLaterSteps: ['gateway'] });
    const progress = (await h.app.inject({ method: 'GET', url: '/api/labs/ingress-gateway/progress', headers: as('l1') })).json();
    expect(progress.steps.map((s: { step: string; status: string; report: { passed: boolean } }) => [s.step, s.status, s.report.passed])).toEqual([
      ['deploy-httpbin', 'passed', true],
      ['gateway', 'passed', true],
    ]);
    // The last step has no later one: its failure is recorded as ever.
    const last = (await h.app.inject({ method: 'POST', url: url('gateway'), headers: as('l1') })).json();
    expect(last.changedByLaterSteps).toBeUndefined();
    expect(h.store.get('l1', 'ingress-gateway').steps.find((s) => s.step === 'gateway')?.status).toBe('failed');
  });

  it.each<[string, [string, string][], string[]]>([
    ['nothing after it passed', [['gateway', 'failed']], []],
    ['a later step passed', [['gateway', 'passed']], ['gateway']],
    ['only earlier steps count as before', [['deploy-httpbin', 'passed']], []],
  ])('laterPassedSteps: %s', (_what, progress, later) => {
    expect(laterPassedSteps(LAB, 'deploy-httpbin', progress.map(([step, status]) => ({ step, status })))).toEqual(later);
  });

  it('redo: undoes the step and the later ones done (latest first), and makes them pending', async () => {
    const url = (step: string, what = 'check') => `/api/labs/ingress-gateway/steps/${step}/${what}`;
    await h.app.inject({ method: 'POST', url: url('deploy-httpbin'), headers: as('l1') });
    await h.app.inject({ method: 'POST', url: url('gateway'), headers: as('l1') });
    const res = await h.app.inject({ method: 'POST', url: url('deploy-httpbin', 'undo'), headers: as('l1') });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ lab: 'ingress-gateway', step: 'deploy-httpbin', undone: ['gateway', 'deploy-httpbin'] });
    expect(h.calls).toContain('undo ingress-gateway/gateway,deploy-httpbin');
    expect(h.store.get('l1', 'ingress-gateway').steps.map((s) => [s.step, s.status])).toEqual(expect.arrayContaining([['deploy-httpbin', 'pending'], ['gateway', 'pending']]));
  });

  it('redo: refused, with nothing run, when the step or a later one done cannot be undone', async () => {
    const url = (step: string, what = 'check') => `/api/labs/ingress-gateway/steps/${step}/${what}`;
    const own = await h.app.inject({ method: 'POST', url: url('clean-up', 'undo'), headers: as('l1') });
    expect(own.statusCode).toBe(409);
    expect(own.json().error).toBe('step "clean-up" cannot be undone (its lab.yaml gives no undo): reset the lab to do it again');
    await h.app.inject({ method: 'POST', url: url('clean-up'), headers: as('l1') });
    const later = await h.app.inject({ method: 'POST', url: url('gateway', 'undo'), headers: as('l1') });
    expect(later.statusCode).toBe(409);
    expect(later.json().error).toContain('step "clean-up", done after "gateway", cannot be undone');
    expect(h.calls.filter((c) => c.startsWith('undo'))).toEqual([]);
  });

  it('a runner error becomes a failed check with its message, not a crash', async () => {
    h.checkResult.value = new Error('kubectl timed out');
    const res = await h.app.inject({ method: 'POST', url: '/api/labs/ingress-gateway/steps/gateway/check', headers: as('alice') });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ passed: false, checks: [], failure: 'the check could not run: kubectl timed out' });
  });

  it.each([
    { name: 'runner passed, all checks ok', status: 'passed' as const, oks: [true, true], passed: true },
    { name: 'runner passed, no checks (a step of commands only)', status: 'passed' as const, oks: [], passed: true },
    { name: 'runner failed, no checks (a command failed)', status: 'failed' as const, oks: [], passed: false },
    { name: 'runner passed but a check failed', status: 'passed' as const, oks: [true, false], passed: false },
  ])('decides pass or fail: $name', async ({ status, oks, passed }) => {
    h.checkResult.value = stepReport(status, oks.map((ok, i) => check(`c${i}`, ok)));
    const res = await h.app.inject({ method: 'POST', url: '/api/labs/ingress-gateway/steps/gateway/check', headers: as('alice') });
    expect(res.json().passed).toBe(passed);
    expect(h.store.get('alice', 'ingress-gateway').steps[0]!.status).toBe(passed ? 'passed' : 'failed');
  });

  it('prepares a lab once per cluster', async () => {
    for (let i = 0; i < 2; i++) {
      const res = await h.app.inject({ method: 'POST', url: '/api/labs/ingress-gateway/prepare', headers: as('alice') });
      expect(res.json()).toEqual({ lab: 'ingress-gateway', prepared: true });
    }
    expect(h.calls).toEqual(['prepare ingress-gateway']);
  });

  it('returns the solution commands of a step', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/api/labs/ingress-gateway/steps/deploy-httpbin/solution', headers: as('alice') });
    expect(res.json()).toEqual({ lab: 'ingress-gateway', step: 'deploy-httpbin', commands: ['kubectl create ns bookinfo', 'kubectl -n bookinfo apply -f httpbin.yaml'] });
    const none = await h.app.inject({ method: 'GET', url: '/api/labs/ingress-gateway/steps/gateway/solution', headers: as('alice') });
    expect(none.statusCode).toBe(404);
  });

  it('settled: false at once without a settle signal, else what the driver says', async () => {
    const url = '/api/labs/ingress-gateway/settled';
    expect((await h.app.inject({ method: 'GET', url, headers: as('alice') })).json()).toEqual({ lab: 'ingress-gateway', settled: false });
    const withSignal = handle as { settled?: () => Promise<boolean> };
    let waited = false;
    withSignal.settled = async () => {
      await new Promise((r) => setTimeout(r, 30));
      waited = true;
      return true;
    };
    try {
      expect((await h.app.inject({ method: 'GET', url, headers: as('alice') })).json()).toEqual({ lab: 'ingress-gateway', settled: true });
      expect(waited).toBe(true);
      expect((await h.app.inject({ method: 'GET', url: '/api/labs/nope/settled', headers: as('alice') })).statusCode).toBe(404);
    } finally {
      delete withSignal.settled;
    }
  });

  it('reset resets the cluster and clears the progress', async () => {
    await h.app.inject({ method: 'POST', url: '/api/labs/ingress-gateway/steps/deploy-httpbin/check', headers: as('alice') });
    const res = await h.app.inject({ method: 'POST', url: '/api/labs/ingress-gateway/reset', headers: as('alice') });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ lab: 'ingress-gateway', reset: true });
    expect(h.calls).toEqual(['check ingress-gateway/deploy-httpbin', 'checked ingress-gateway/deploy-httpbin', 'reset ingress-gateway']);
    expect(h.store.get('alice', 'ingress-gateway').steps).toEqual([]);
  });

  it('DELETE progress clears only that learner', async () => {
    h.store.record('alice', 'ingress-gateway', 'gateway', 'passed');
    h.store.record('bob', 'ingress-gateway', 'gateway', 'passed');
    const res = await h.app.inject({ method: 'DELETE', url: '/api/labs/ingress-gateway/progress', headers: as('alice') });
    expect(res.json()).toEqual({ lab: 'ingress-gateway', cleared: 1 });
    expect(h.store.get('bob', 'ingress-gateway').steps).toHaveLength(1);
  });

  it.each([
    { name: 'unknown lab', method: 'GET', url: '/api/labs/nope/progress', status: 404, error: 'there is no lab "nope"' },
    { name: 'unknown step', method: 'POST', url: '/api/labs/ingress-gateway/steps/nope/check', status: 404, error: 'lab "ingress-gateway" has no step "nope"' },
    { name: 'uppercase lab id', method: 'GET', url: '/api/labs/Ingress/progress', status: 400, error: 'invalid path lab: must be lower-case letters, digits and dashes, starting and ending with a letter or digit, at most 63 characters (like a Kubernetes name)' },
    { name: 'encoded traversal in step', method: 'POST', url: '/api/labs/ingress-gateway/steps/..%2F..%2Fetc/check', status: 400, error: 'invalid path step: must be lower-case letters, digits and dashes, starting and ending with a letter or digit, at most 63 characters (like a Kubernetes name)' },
    { name: 'overlong lab id', method: 'GET', url: `/api/labs/${'a'.repeat(80)}/progress`, status: 400, error: 'invalid path lab: must be lower-case letters, digits and dashes, starting and ending with a letter or digit, at most 63 characters (like a Kubernetes name)' },
  ])('rejects bad input: $name', async ({ method, url, status, error }) => {
    const res = await h.app.inject({ method: method as 'GET', url, headers: as('alice') });
    expect(res.statusCode).toBe(status);
    expect(res.json()).toEqual({ error });
    expect(h.calls).toEqual([]);
  });

  it('refuses requests without a session', async () => {
    const res = await h.app.inject({ method: 'POST', url: '/api/labs/ingress-gateway/reset' });
    expect(res.statusCode).toBe(401);
    expect(res.json().error).toMatch(/no session/);
    expect(h.calls).toEqual([]);
  });

  it("runs one learner's check and reset one at a time, other learners in parallel", async () => {
    let release!: () => void;
    h.gate.wait = new Promise<void>((r) => (release = r));
    const check = h.app.inject({ method: 'POST', url: '/api/labs/ingress-gateway/steps/gateway/check', headers: as('alice') });
    await new Promise((r) => setTimeout(r, 20));
    const reset = h.app.inject({ method: 'POST', url: '/api/labs/ingress-gateway/reset', headers: as('alice') });
    const otherReset = h.app.inject({ method: 'POST', url: '/api/labs/ingress-gateway/reset', headers: as('bob') });
    await otherReset;
    await new Promise((r) => setTimeout(r, 20));
    // bob's reset ran while alice's check was held; alice's reset waits for her check.
    expect(h.calls).toEqual(['check ingress-gateway/gateway', 'reset ingress-gateway']);
    release();
    await Promise.all([check, reset]);
    expect(h.calls).toEqual(['check ingress-gateway/gateway', 'reset ingress-gateway', 'checked ingress-gateway/gateway', 'reset ingress-gateway']);
  });
});

// batch/v1 Job through the real kubectl 1.35: `kubectl create job` (protobuf), the table kubectl
// prints (STATUS, COMPLETIONS, DURATION, AGE), defaults and the generated selector, validation
// errors, and the job controller taking the Job to Complete once its pod has succeeded.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ControllerManager } from '../../controllers/controller-manager.ts';
import { kubectlRunner, type RunResult } from '../testing/kubectl.ts';
import { startTestApiServer, type TestApiServer } from '../testing/server.ts';

let t: TestApiServer;
let controllers: ControllerManager;
let kubectl: (args: string[], opts?: { input?: string }) => Promise<RunResult>;

beforeAll(async () => {
  t = await startTestApiServer();
  controllers = new ControllerManager({ store: t.store });
  controllers.start();
  kubectl = kubectlRunner(t.kubeconfigPath, t.dir);
});

afterAll(async () => {
  await controllers.stop();
  await t.close();
});

function rows(text: string): string[][] {
  return text
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s{2,}/));
}

async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('Job (batch/v1)', () => {
  it('kubectl create job: defaults, the generated selector and the pod template labels', async () => {
    const created = await kubectl(['create', 'job', 'hello', '--image=busybox:1.36', '--', 'echo', 'hi']);
    expect(created.stderr).toBe('');
    expect(created.stdout).toBe('job.batch/hello created\n');
    const job = JSON.parse((await kubectl(['get', 'job', 'hello', '-o', 'json'])).stdout);
    const uid = job.metadata.uid;
    expect(job.spec).toMatchObject({ completions: 1, parallelism: 1, backoffLimit: 6, completionMode: 'NonIndexed', suspend: false, manualSelector: false, podReplacementPolicy: 'TerminatingOrFailed', selector: { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } } });
    expect(job.spec.template.metadata.labels).toEqual({ 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': 'hello', 'controller-uid': uid, 'job-name': 'hello' });
    expect(job.metadata.labels).toEqual(job.spec.template.metadata.labels);
    expect(job.spec.template.spec).toMatchObject({ restartPolicy: 'Never', containers: [{ name: 'hello', image: 'busybox:1.36', command: ['echo', 'hi'] }] });
    expect(job.metadata.generation).toBe(1);
  });

  it('kubectl get jobs prints kubectl columns; the controller runs a pod and Complete follows its success', async () => {
    await until(() => t.store.list('pods', 'default').items.some((p) => p.metadata.labels?.['job-name'] === 'hello'), 'the job pod');
    const listed = rows((await kubectl(['get', 'jobs'])).stdout);
    expect(listed[0]).toEqual(['NAME', 'STATUS', 'COMPLETIONS', 'DURATION', 'AGE']);
    expect(listed[1]!.slice(0, 3)).toEqual(['hello', 'Running', '0/1']);
    expect(listed[1]![3]).toMatch(/^\d+s$/);

    const wide = rows((await kubectl(['get', 'job', 'hello', '-o', 'wide'])).stdout);
    expect(wide[0]).toEqual(['NAME', 'STATUS', 'COMPLETIONS', 'DURATION', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR']);
    expect(wide[1]!.slice(5, 7)).toEqual(['hello', 'busybox:1.36']);
    expect(wide[1]![7]).toMatch(/^batch\.kubernetes\.io\/controller-uid=[0-9a-f-]{36}$/);

    const pod = t.store.list('pods', 'default').items.find((p) => p.metadata.labels?.['job-name'] === 'hello')!;
    expect(pod.metadata.ownerReferences?.[0]).toMatchObject({ kind: 'Job', name: 'hello', controller: true });
    // The simulated kubelet keeps containers running; a pod that exits is what a real node reports.
    await until(() => (t.store.get('pods', 'default', pod.metadata.name)?.status as { phase?: string } | undefined)?.phase === 'Running', 'the pod to run');
    t.store.mutate('pods', 'default', pod.metadata.name, (o) => {
      o.status = { ...(o.status as object), phase: 'Succeeded' };
    });
    const waited = await kubectl(['wait', '--for=condition=complete', 'job/hello', '--timeout=10s']);
    expect(waited.stdout).toBe('job.batch/hello condition met\n');
    const done = rows((await kubectl(['get', 'jobs'])).stdout);
    expect(done[1]!.slice(0, 3)).toEqual(['hello', 'Complete', '1/1']);
    const status = JSON.parse((await kubectl(['get', 'job', 'hello', '-o', 'json'])).stdout).status;
    expect(status.succeeded).toBe(1);
    expect(status.conditions.map((c: { type: string }) => c.type)).toEqual(['SuccessCriteriaMet', 'Complete']);
    expect(status.completionTime).toBeDefined();
  });

  it('a Job whose pods would restart is refused with the real message', async () => {
    const manifest = JSON.stringify({ apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'forever' }, spec: { template: { spec: { containers: [{ name: 'c', image: 'busybox' }] } } } });
    const res = await kubectl(['apply', '-f', '-'], { input: manifest });
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('The Job "forever" is invalid: spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"');
  });

  it('field selectors on status.successful, and `kubectl get all` lists jobs', async () => {
    const ok = await kubectl(['get', 'jobs', '--field-selector', 'status.successful=1', '-o', 'name']);
    expect(ok.stdout).toBe('job.batch/hello\n');
    const bad = await kubectl(['get', 'jobs', '--field-selector', 'spec.parallelism=1']);
    expect(bad.stderr).toContain('field label not supported: spec.parallelism');
    const all = await kubectl(['get', 'all', '-o', 'name']);
    expect(all.stdout).toContain('job.batch/hello');
  });
});

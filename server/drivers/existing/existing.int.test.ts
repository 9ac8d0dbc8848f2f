// The existing-cluster driver against a real Kubernetes API: an embedded cluster, reached only
// through its kubeconfig as any shared cluster would be.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDriver } from '../registry.ts';
import type { ClusterHandle } from '../types.ts';
import { eventually, runConformance, run } from '../testing/conformance-suite.ts';
import { findTool, PROJECT_ROOT } from '../../tools/binaries.ts';
import { loadLabs } from '../../runner/load-lab.ts';
import { verifyLabs } from '../../runner/verify.ts';
import { createExistingDriver } from './index.ts';
import { LEARNER_RULES, ISTIO_VIEW_RULES } from './learner-plan.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'meshlab-existing-'));

describe.sequential('existing driver on a live API server', () => {
  let shared: ClusterHandle;
  const operator = (args: string[]) => run(findTool('kubectl'), args, { KUBECONFIG: shared.kubeconfigPath });

  beforeAll(async () => {
    shared = await (await createDriver('embedded', { dataDir })).create({ name: 'shared' });
  }, 60_000);
  afterAll(async () => shared?.destroy(), 60_000);

  it('passes preflight: API reachable, Istio CRDs present, the gateway reached by its node port', async () => {
    const driver = createExistingDriver({ kubeconfig: shared.kubeconfigPath, dataDir });
    expect(await driver.preflight()).toEqual({ ok: true, problems: [] });
    const ingress = await driver.findIngress(driver.loadConfig());
    expect(ingress.source).toBe('nodeport');
    expect(ingress.address).toEqual({ host: '127.0.0.1', port: shared.ingress.port, securePort: shared.ingress.securePort });
  });

  it('prefers --ingress over what the Service says', async () => {
    const driver = createExistingDriver({ kubeconfig: shared.kubeconfigPath, ingress: 'http://gw.workshop.example:8080', dataDir });
    const ingress = await driver.findIngress(driver.loadConfig());
    expect(ingress).toMatchObject({ source: 'flag', address: { host: 'gw.workshop.example', port: 8080 } });
  });

  it.each([
    ['a missing kubeconfig', { kubeconfig: '/nonexistent/kubeconfig' }, /^cannot read kubeconfig \/nonexistent\/kubeconfig/],
    ['an unknown context', { context: 'nope' }, /has no context "nope"/],
  ])('fails preflight with %s', async (_n, extra, message) => {
    const driver = createExistingDriver({ kubeconfig: shared.kubeconfigPath, dataDir, ...extra });
    const r = await driver.preflight();
    expect(r.ok).toBe(false);
    expect(r.problems[0]!.message).toMatch(message);
  });

  it('fails preflight when the API server does not answer', async () => {
    const file = join(dataDir, 'dead-kubeconfig');
    writeFileSync(file, 'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:9"}}]\nusers: [{name: u, user: {token: t}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n');
    const r = await createExistingDriver({ kubeconfig: file, dataDir }).preflight();
    expect(r.ok).toBe(false);
    expect(r.problems[0]!.message).toMatch(/^API server https:\/\/127\.0\.0\.1:9 not reachable/);
  });

  it("creates a learner's namespace and RBAC as planned, and down removes them", async () => {
    const driver = createExistingDriver({ kubeconfig: shared.kubeconfigPath, dataDir, tokenWaitMs: 500 });
    // Service-account tokens need the TokenRequest API or the token controller; either way the
    // namespace and RBAC are created first.
    await driver.create({ name: 'alice' }).then((h) => h.destroy(), () => undefined);
    await driver.create({ name: 'alice' }).catch(() => undefined);
    const ns = JSON.parse((await operator(['get', 'namespace', 'meshlab-alice', '-o', 'json'])).stdout);
    expect(ns.metadata.labels).toMatchObject({ 'istio-injection': 'enabled', 'meshlab.dev/learner': 'alice', 'app.kubernetes.io/managed-by': 'meshlab' });
    const role = JSON.parse((await operator(['-n', 'meshlab-alice', 'get', 'role', 'meshlab-learner', '-o', 'json'])).stdout);
    expect(role.rules).toEqual(LEARNER_RULES);
    const view = JSON.parse((await operator(['-n', 'istio-system', 'get', 'role', 'meshlab-learner-istio-view', '-o', 'json'])).stdout);
    expect(view.rules).toEqual(ISTIO_VIEW_RULES);
    const crb = JSON.parse((await operator(['get', 'clusterrolebinding', 'meshlab-learner-alice', '-o', 'json'])).stdout);
    expect(crb.subjects).toEqual([{ kind: 'ServiceAccount', name: 'learner', namespace: 'meshlab-alice' }]);
    await driver.down('alice');
    const after = await operator(['get', 'clusterrolebinding', 'meshlab-learner-alice']);
    expect(after.stderr).toMatch(/NotFound/);
    const rb = await operator(['-n', 'istio-system', 'get', 'rolebinding', 'meshlab-learner-alice']);
    expect(rb.stderr).toMatch(/NotFound/);
  }, 120_000);

  it('with operator credentials, reset and destroy remove the namespaces a lab created, not other learners\'', async () => {
    const driver = createExistingDriver({ kubeconfig: shared.kubeconfigPath, dataDir, learnerCredentials: 'operator' });
    const carol = await driver.create({ name: 'carol' });
    const dave = await driver.create({ name: 'dave' });
    const asCarol = (args: string[]) => run(findTool('kubectl'), args, { KUBECONFIG: carol.kubeconfigPath });
    expect((await asCarol(['create', 'namespace', 'bookinfo'])).stdout).toBe('namespace/bookinfo created\n');
    await carol.reset();
    const gone = await eventually(() => operator(['get', 'namespace', 'bookinfo']), (r) => r.code !== 0, 30_000);
    expect(gone.stderr).toMatch(/NotFound/);
    expect((await operator(['get', 'namespace', 'meshlab-dave', '-o', 'name'])).stdout).toBe('namespace/meshlab-dave\n');
    expect((await asCarol(['create', 'namespace', 'egress-demo'])).code).toBe(0);
    await carol.destroy();
    expect((await eventually(() => operator(['get', 'namespace', 'egress-demo']), (r) => r.code !== 0, 30_000)).stderr).toMatch(/NotFound/);
    expect((await operator(['get', 'namespace', 'meshlab-dave', '-o', 'name'])).stdout).toBe('namespace/meshlab-dave\n');
    await dave.destroy();
  }, 120_000);

  it('runs the ingress gateway lab, as meshlab verify does, with operator credentials', async () => {
    const driver = createExistingDriver({ kubeconfig: shared.kubeconfigPath, dataDir, learnerCredentials: 'operator' });
    // (The egress gateway lab needs the internet, which only a real host or the embedded driver's own shell env gives.)
    const labs = loadLabs(join(PROJECT_ROOT, 'labs')).filter((l) => l.id === 'ingress-gateway');
    expect(labs).toHaveLength(1);
    const result = await verifyLabs({ labs, driver, concurrency: 1 });
    const failed = result.reports.flatMap((r) => r.steps.filter((s) => s.status !== 'passed').map((s) => `${s.id}: ${JSON.stringify(s.failure)}`));
    expect(failed).toEqual([]);
    expect(result.ok).toBe(true);
  }, 180_000);
});

// The whole conformance suite, with the embedded cluster standing in for a shared one. The
// embedded API server issues no ServiceAccount tokens, so learners use the operator's credentials.
let target: ClusterHandle | undefined;
runConformance({
  name: 'existing (on an embedded cluster)',
  makeDriver: async () => {
    target = await (await createDriver('embedded', { dataDir })).create({ name: 'target' });
    return createExistingDriver({ kubeconfig: target.kubeconfigPath, dataDir, learnerCredentials: 'operator' });
  },
  cleanup: async () => target?.destroy(),
});

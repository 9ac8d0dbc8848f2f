// A sandboxed terminal on a real embedded cluster: the learner's kubectl reaches its own
// cluster's API server on loopback with the kubeconfig bound into the sandbox.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDriver } from '../drivers/registry.ts';
import { startHarness, type Harness } from './testing/harness.ts';

let h: Harness;

beforeAll(async () => {
  h = await startHarness({ driver: (dataDir) => createDriver('embedded', { dataDir }) });
});

afterAll(async () => {
  await h?.close();
});

it('kubectl get ns in the terminal lists the cluster namespaces', async () => {
  const c = await h.open(await h.newSession());
  c.send({ type: 'hello', cols: 120, rows: 40, lab: 'ingress-gateway' });
  await c.waitForMessage('ready', 60_000);
  await c.waitForText('$ ', 30_000);
  c.clear();
  c.type('kubectl version --client | head -1; kubectl get ns\r');
  await c.waitForText('istio-system', 30_000);
  expect(c.text).toMatch(/Client Version: v1\.3[4-6]\./);
  expect(c.text).toMatch(/NAME\s+STATUS\s+AGE/);
  expect(c.text).toMatch(/default\s+Active/);
  // Tab completes kubectl subcommands and resource names from the cluster.
  await c.waitForText(/\$ $/);
  c.clear();
  c.type('kubectl get ns istio-sys\t');
  await c.waitForText('istio-system', 20_000);
  c.type('\x15');
  await c.close();
}, 120_000);

it('helm and curl in the terminal reach the simulated internet (Istio chart repository, httpbin.org)', async () => {
  const c = await h.open(await h.newSession());
  c.send({ type: 'hello', cols: 160, rows: 40, lab: 'egress-gateway' });
  await c.waitForMessage('ready', 60_000);
  await c.waitForText('$ ', 30_000);
  c.clear();
  c.type('helm repo add istio https://istio-release.storage.googleapis.com/charts && helm search repo istio/gateway; echo HELM-$((40+2))\r');
  // the marker is computed so the echoed command line cannot satisfy the wait
  await c.waitForText('HELM-42', 60_000);
  expect(c.text).toContain('"istio" has been added to your repositories');
  expect(c.text).toMatch(/istio\/gateway\s+\S+/);
  c.clear();
  c.type('curl -s -o /dev/null -w "code=%{http_code}\\n" http://httpbin.org/get\r');
  await c.waitForText('code=', 30_000);
  await c.waitForText(/code=\d{3}/, 5_000);
  expect(c.text).toMatch(/code=200/);
  await c.close();
}, 180_000);

// A sandboxed terminal on a real embedded cluster: the learner's kubectl reaches its own
// cluster's API server on loopback with the kubeconfig bound into the sandbox.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createDriver } from '../drivers/registry.ts';
import { startHarness, type Harness } from './test-harness.ts';

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

// The Check button on the embedded driver: once the cluster has settled, a wrong answer is final,
// so a failing check answers at once (not after retrying to its timeout) and names the likely
// mistake (the object was created in another namespace).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDriver } from '../drivers/registry.ts';
import type { ClusterHandle } from '../drivers/types.ts';
import { kubeClients } from './checks/kube-clients.ts';
import { loadLab } from './load-lab.ts';
import { checkStep } from './runner.ts';

const work = mkdtempSync(join(tmpdir(), 'meshlab-settle-int-'));
let handle: ClusterHandle;

beforeAll(async () => {
  handle = await (await createDriver('embedded', { dataDir: join(work, 'data') })).create({ name: 'settle-int' });
});
afterAll(async () => {
  await handle?.destroy();
  rmSync(work, { recursive: true, force: true });
});

const dir = join(work, 'labs', 'settle');
mkdirSync(dir, { recursive: true });
writeFileSync(
  join(dir, 'lab.yaml'),
  `id: settle
title: { zh-Hans: 稳定, en: Settle }
summary: { zh-Hans: 稳定, en: Settle }
estimatedMinutes: 1
steps:
  - id: svc
    title: { zh-Hans: 服务, en: Service }
    commands:
      - kubectl create namespace team-a
      - kubectl -n team-a create service clusterip web --tcp=80:80
    checks:
      - type: k8s
        object: { apiVersion: v1, kind: Service, namespace: team-a, name: web }
        timeoutSeconds: 10
`,
);

describe('Check on the embedded driver', () => {
  it('reports the cluster as settled when nothing is in flight', async () => {
    expect(await handle.settled?.()).toBe(true);
  });

  it('fails at once once settled, naming the namespace the object is in', async () => {
    const lab = loadLab(dir);
    const { core } = kubeClients(handle.kubeconfigPath);
    await core.createNamespace({ body: { metadata: { name: 'team-a' } } });
    // The forgotten -n: the Service went to default.
    await core.createNamespacedService({ namespace: 'default', body: { metadata: { name: 'web' }, spec: { ports: [{ port: 80 }] } } });
    const started = Date.now();
    const r = await checkStep(handle, lab, 'svc');
    const took = Date.now() - started;
    expect(r.status).toBe('failed');
    expect(took).toBeLessThan(1500);
    expect(r.checks[0]!.details[0]!.actual).toBe('absent (web is in namespace default)');
  });

  it('still passes once the object is where the step asks for it', async () => {
    const lab = loadLab(dir);
    const { core } = kubeClients(handle.kubeconfigPath);
    await core.createNamespacedService({ namespace: 'team-a', body: { metadata: { name: 'web' }, spec: { ports: [{ port: 80 }] } } });
    const r = await checkStep(handle, lab, 'svc');
    expect(r.status).toBe('passed');
  });
});

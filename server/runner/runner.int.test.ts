// The runner against a real embedded cluster (through the driver registry): requirements set
// through the Kubernetes API, k8s checks through client-node, Check and Reset.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDriver } from '../drivers/registry.ts';
import type { ClusterHandle } from '../drivers/types.ts';
import { kubeClients } from './checks/kube-clients.ts';
import { loadLab } from './load-lab.ts';
import { checkStep, prepareLab, resetLab, runLab } from './runner.ts';

const work = mkdtempSync(join(tmpdir(), 'meshlab-runner-int-'));
let handle: ClusterHandle;

beforeAll(async () => {
  handle = await (await createDriver('embedded', { dataDir: join(work, 'data') })).create({ name: 'runner-int' });
});
afterAll(async () => {
  await handle?.destroy();
  rmSync(work, { recursive: true, force: true });
});

const dir = join(work, 'labs', 'mesh-policy');
mkdirSync(dir, { recursive: true });
writeFileSync(
  join(dir, 'lab.yaml'),
  `id: mesh-policy
title: { zh-Hans: 策略, en: Policy }
summary: { zh-Hans: 策略, en: Policy }
estimatedMinutes: 1
requires: { istio: true, outboundTrafficPolicy: REGISTRY_ONLY, tools: [kubectl] }
steps:
  - id: make-ns
    title: { zh-Hans: 命名空间, en: Namespace }
    commands:
      - kubectl create namespace runner-int
      - kubectl label namespace runner-int istio-injection=enabled
    checks:
      - type: k8s
        object: { apiVersion: v1, kind: Namespace, name: runner-int }
        expect: { jsonPath: [{ path: "$.metadata.labels.istio-injection", equals: enabled }] }
      - type: k8s
        object: { apiVersion: apps/v1, kind: Deployment, namespace: istio-system, name: istiod }
        expect: { conditions: [{ type: Available }] }
      - type: command
        run: kubectl -n istio-system get configmap istio -o jsonpath='{.data.mesh}'
        expect: { stdoutContains: "mode: REGISTRY_ONLY" }
`,
);

describe('runner on the embedded cluster', () => {
  it('establishes requirements, runs a step and checks it through client-node and kubectl', { timeout: 60_000 }, async () => {
    const lab = loadLab(dir);
    const report = await runLab(handle, lab);
    expect(report.steps[0]!.failure?.message ?? '', JSON.stringify(report.steps[0]!.checks.map((c) => c.message))).toBe('');
    expect(report.ok).toBe(true);
    expect(report.requirements.join('\n')).toContain('outboundTrafficPolicy.mode=REGISTRY_ONLY');
  });

  it('Check fails with expected vs actual after Reset removed the namespace, and Reset re-establishes the policy', { timeout: 60_000 }, async () => {
    const lab = loadLab(dir);
    await resetLab(handle, lab);
    const r = await checkStep(handle, lab, 'make-ns', { timeoutSeconds: 0 });
    expect(r.status).toBe('failed');
    expect(r.checks[0]!.message).toContain('Namespace runner-int: expected exists, got absent');
    expect(r.checks[2]!.ok).toBe(true);
    const cm = await kubeClients(handle.kubeconfigPath).core.readNamespacedConfigMap({ name: 'istio', namespace: 'istio-system' });
    expect(cm.data?.mesh).toContain('REGISTRY_ONLY');
  });

  it('prepareLab establishes the requirements and is idempotent', { timeout: 60_000 }, async () => {
    const lab = loadLab(dir);
    await handle.reset();
    const first = await prepareLab(handle, lab);
    expect(first.messages.join('\n')).toContain('set outboundTrafficPolicy.mode=REGISTRY_ONLY');
    const second = await prepareLab(handle, lab);
    expect(second).toMatchObject({ ok: true });
    expect(second.messages.join('\n')).toContain('mesh config: already as the lab requires');
  });
});

// The kind driver's own logic (plan execution, readiness waits, baseline and reset) with the real
// kubectl against a real API server: an embedded cluster stands in for the kind node. Only the
// commands that need Docker (docker, kind) and the Istio installs (helm) are scripted; `kind create`
// hands over the embedded cluster's kubeconfig and `kind delete` stops it.
import { copyFileSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDriver } from '../registry.ts';
import { PROJECT_ROOT } from '../../tools/binaries.ts';
import { loadLabs } from '../../runner/load-lab.ts';
import { verifyLabs } from '../../runner/verify.ts';
import type { ClusterHandle } from '../types.ts';
import { runConformance } from '../testing/conformance-suite.ts';
import { processRunner, type CommandRunner } from './command-runner.ts';
import { KindDriver } from './driver.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'meshlab-kind-embedded-'));
let stand: ClusterHandle | undefined;

function hybridRunner(target: () => ClusterHandle): CommandRunner {
  return {
    async run(argv, options) {
      const tool = argv[0]!.split('/').pop();
      const line = argv.slice(1).join(' ');
      if (tool === 'docker') return line.startsWith('info') ? { code: 0, stdout: JSON.stringify({ ServerVersion: '29.1.0', MemTotal: 8 * 1024 ** 3 }), stderr: '' } : { code: 0, stdout: '', stderr: '' };
      if (tool === 'kind') {
        if (line.startsWith('create cluster')) {
          const kubeconfig = argv[argv.indexOf('--kubeconfig') + 1]!;
          mkdirSync(dirname(kubeconfig), { recursive: true });
          copyFileSync(target().kubeconfigPath, kubeconfig);
        }
        if (line.startsWith('delete cluster')) await target().destroy();
        return { code: 0, stdout: line.startsWith('version') ? 'kind v0.33.0\n' : '', stderr: '' };
      }
      if (tool === 'helm') return { code: 0, stdout: line.startsWith('list') ? '[]' : '', stderr: '' };
      return processRunner.run(argv, options);
    },
  };
}

runConformance({
  name: 'kind (driver logic on an embedded API server)',
  makeDriver: async () => {
    stand = await (await createDriver('embedded', { dataDir })).create({ name: 'kind-stand-in' });
    return new KindDriver({
      name: 'stand-in',
      dataDir,
      images: [],
      httpPort: stand.ingress.port,
      httpsPort: stand.ingress.securePort,
      runner: hybridRunner(() => stand!),
      portFree: async () => true,
    });
  },
  cleanup: async () => stand?.destroy(),
});

describe('kind driver logic running a lab', () => {
  it('runs the ingress gateway lab as meshlab verify does', async () => {
    let lab: ClusterHandle | undefined;
    try {
      lab = await (await createDriver('embedded', { dataDir })).create({ name: 'kind-lab-stand-in' });
      const driver = new KindDriver({
        name: 'lab-stand-in', dataDir, images: [], httpPort: lab.ingress.port, httpsPort: lab.ingress.securePort,
        runner: hybridRunner(() => lab!), portFree: async () => true,
      });
      // (The egress gateway lab installs a chart with helm, which is scripted away here.)
      const labs = loadLabs(join(PROJECT_ROOT, 'labs')).filter((l) => l.id === 'ingress-gateway');
      const result = await verifyLabs({ labs, driver });
      const failed = result.reports.flatMap((r) => r.steps.filter((s) => s.status !== 'passed').map((s) => `${s.id}: ${JSON.stringify(s.failure)}`));
      expect(failed).toEqual([]);
      expect(result.ok).toBe(true);
    } finally {
      await lab?.destroy();
    }
  }, 180_000);
});

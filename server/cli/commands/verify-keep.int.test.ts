// `meshlab verify --keep` as an author uses it: the real CLI on the embedded cluster; after a
// failure the cluster stays up as the failure left it, and the real kubectl reaches it with the
// printed env lines; Ctrl-C removes it.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { eventually, run } from '../../drivers/testing/conformance-suite.ts';
import { findTool, PROJECT_ROOT } from '../../tools/binaries.ts';

const root = mkdtempSync(join(tmpdir(), 'meshlab-keep-'));
mkdirSync(join(root, 'labs', 'kept'), { recursive: true });
writeFileSync(
  join(root, 'labs', 'kept', 'lab.yaml'),
  `id: kept
title: { zh-Hans: 保留, en: Kept }
summary: { zh-Hans: 摘要, en: Summary }
estimatedMinutes: 1
steps:
  - id: make-namespace
    title: { zh-Hans: 命名空间, en: Namespace }
    commands: [kubectl create namespace kept-demo]
  - id: fails
    title: { zh-Hans: 失败, en: Fails }
    commands: [kubectl -n kept-demo create configmap evidence --from-literal=k=v]
    checks:
      - type: command
        name: never true
        timeoutSeconds: 0.5
        run: kubectl -n kept-demo get configmap missing
        expect: { exitCode: 0 }
cleanup:
  - kubectl delete namespace kept-demo
`,
);

describe('meshlab verify --keep', () => {
  it('leaves the failed cluster up and reachable with the printed env lines; Ctrl-C removes it', async () => {
    const { MESHLAB_DATA_DIR: _unused, ...env } = process.env;
    const child = spawn(process.execPath, [join(PROJECT_ROOT, 'bin', 'meshlab.mjs'), 'verify', 'kept', '--labs-dir', join(root, 'labs'), '--keep'], { env: { ...env, CI: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let stdout = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    await eventually(async () => stderr, (t) => t.includes('Ctrl-C removes the cluster') || child.exitCode !== null, 120_000);
    expect(stderr, stdout).toContain('The cluster of lab kept is still up, as the failure left it');
    const kubeconfig = /export KUBECONFIG=(\S+)/.exec(stderr)?.[1];
    expect(kubeconfig).toBeTruthy();
    // What the failed step did is there, and the lab's cleanup did not run.
    const cm = await run(findTool('kubectl'), ['-n', 'kept-demo', 'get', 'configmap', 'evidence', '-o', 'jsonpath={.data.k}'], { KUBECONFIG: kubeconfig! });
    expect(cm.stdout, cm.stderr).toBe('v');
    child.kill('SIGINT');
    expect(await exited).toBe(1);
    const after = await run(findTool('kubectl'), ['get', 'ns', '--request-timeout=3s'], { KUBECONFIG: kubeconfig! });
    expect(after.code).not.toBe(0);
  }, 180_000);
});

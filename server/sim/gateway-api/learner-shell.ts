// For the acceptance tests: an embedded cluster with the embedded driver's whole composition and a
// shell environment like a learner's terminal (KUBECONFIG, the uplink's proxychains, INGRESS_*),
// in which the real kubectl, curl and bash run.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fullClusterOptions } from '../../drivers/embedded/composition.ts';
import { findTool } from '../../tools/binaries.ts';
import { EmbeddedCluster } from '../cluster.ts';

export interface RunResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface LearnerShell {
  cluster: EmbeddedCluster;
  run(file: string, args: string[], input?: string): Promise<RunResult>;
  kubectl(args: string[], input?: string): Promise<RunResult>;
  /** A bash script, as typed into the terminal. */
  sh(script: string): Promise<RunResult>;
  stop(): Promise<void>;
}

export async function startLearnerShell(prefix: string): Promise<LearnerShell> {
  const work = mkdtempSync(join(tmpdir(), prefix));
  const cluster = await EmbeddedCluster.start(fullClusterOptions({ dataDir: work, unsafeNoSandbox: true, timing: { podScheduleMs: 20, podStartMs: 60, podReadyMs: 40 }, meshPropagationMs: 50 }));
  const shell = cluster.shellEnv();
  const env = { ...shell, PATH: `${shell.PATH ? `${shell.PATH}:` : ''}${dirname(findTool('kubectl'))}:/usr/bin:/bin`, HOME: join(work, 'home') };
  const run = (file: string, args: string[], input?: string): Promise<RunResult> =>
    new Promise((resolve) => {
      const child = execFile(file, args, { env, timeout: 60_000, encoding: 'utf8' }, (err, stdout, stderr) => resolve({ stdout, stderr, code: err ? Number((err as { code?: number }).code ?? -1) : 0 }));
      child.stdin?.end(input ?? '');
    });
  return {
    cluster,
    run,
    kubectl: (args, input) => run('kubectl', args, input),
    sh: (script) => run('bash', ['-c', script]),
    async stop() {
      await cluster.stop();
      rmSync(work, { recursive: true, force: true });
    },
  };
}

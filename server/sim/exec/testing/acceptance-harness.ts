// A whole embedded cluster for acceptance tests that drive the REAL kubectl and curl: the
// embedded driver's composition (API server, controllers, workloads, mesh, validation, simulated
// internet) with the sandboxed exec backend and sidecar interception. Test code only.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fullClusterOptions } from '../../../drivers/embedded/composition.ts';
import { EmbeddedCluster } from '../../cluster.ts';
import type { MeshDataPlane } from '../../mesh/mesh-data-plane.ts';
import { acquireSimulatedInternet, type SimulatedInternetLease } from '../../world/simulated-internet.ts';
import { findTool } from '../../../tools/binaries.ts';
import { SandboxExecBackend } from '../sandbox-exec-backend.ts';

export interface Run {
  stdout: string;
  stderr: string;
  code: number;
}

export interface AcceptanceCluster {
  cluster: EmbeddedCluster;
  mesh: MeshDataPlane;
  run(file: string, args: string[], input?: string): Promise<Run>;
  kubectl(args: string[], input?: string): Promise<Run>;
  /** `kubectl apply -f -`, failing on any stderr, then waits until the mesh has the config. */
  apply(yaml: string, ns?: string): Promise<void>;
  /** Replaces the mesh config (ConfigMap istio's `mesh`) with `edit(current)`, as `istioctl install --set meshConfig...` would. */
  editMeshConfig(edit: (mesh: string) => string): Promise<void>;
  stop(): Promise<void>;
}

export async function startAcceptanceCluster(): Promise<AcceptanceCluster> {
  const work = mkdtempSync(join(tmpdir(), 'meshlab-acceptance-'));
  const lease: SimulatedInternetLease = await acquireSimulatedInternet();
  const cluster = await EmbeddedCluster.start(
    fullClusterOptions({
      dataDir: work,
      timing: { podScheduleMs: 20, podStartMs: 60, podReadyMs: 40 },
      meshPropagationMs: 50,
      exec: (ctx) =>
        new SandboxExecBackend({
          store: ctx.store,
          logs: ctx.logs,
          clusterDir: ctx.dir,
          dataPlane: () => ctx.parts.mesh?.sidecar,
          world: lease.world,
          podSocket: (ip, port) => ctx.network.socketOf(ip, port),
        }),
    }),
  );
  const mesh = cluster.mesh;
  if (!mesh) throw new Error('the composed cluster has no mesh');
  const shell = cluster.shellEnv();
  const env = { ...shell, PATH: `${shell.PATH ? `${shell.PATH}:` : ''}${dirname(findTool('kubectl'))}:/usr/bin:/bin`, HOME: join(work, 'home') };
  const run = (file: string, args: string[], input?: string): Promise<Run> =>
    new Promise((resolve) => {
      const child = execFile(file, args, { env, timeout: 60_000, encoding: 'utf8', maxBuffer: 8 << 20 }, (err, stdout, stderr) =>
        resolve({ stdout, stderr, code: err ? Number((err as { code?: number }).code ?? -1) : 0 }),
      );
      if (input !== undefined) child.stdin!.end(input);
    });
  const kubectl = (args: string[], input?: string) => run(findTool('kubectl'), args, input);
  const apply = async (yaml: string, ns = 'default') => {
    const r = await kubectl(['apply', '-n', ns, '-f', '-'], yaml);
    if (r.code !== 0 || r.stderr !== '') throw new Error(`kubectl apply failed (${r.code}): ${r.stderr}`);
    await mesh.whenApplied();
  };
  const editMeshConfig = async (edit: (mesh: string) => string) => {
    const cm = await kubectl(['-n', 'istio-system', 'get', 'configmap', 'istio', '-o', 'jsonpath={.data.mesh}']);
    const patch = JSON.stringify({ data: { mesh: edit(cm.stdout) } });
    const r = await kubectl(['-n', 'istio-system', 'patch', 'configmap', 'istio', '--type', 'merge', '-p', patch]);
    if (r.code !== 0) throw new Error(`kubectl patch failed: ${r.stderr}`);
    await mesh.whenApplied();
  };
  return {
    cluster,
    mesh,
    run,
    kubectl,
    apply,
    editMeshConfig,
    async stop() {
      await cluster.stop();
      await lease.release();
      rmSync(work, { recursive: true, force: true });
    },
  };
}

/** Polls `check` every 100 ms until it holds. */
export async function waitFor(check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}

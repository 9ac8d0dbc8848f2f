// The kind driver: a real Kubernetes cluster in Docker with Istio from the official charts. It
// runs the command plan (plan.ts) step by step with progress, after a preflight that says what
// is missing. Nothing here has run against a real Docker engine in this repository's own test
// runs: the plan, config and preflight are unit-tested with a fake runner.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { ClusterDriver, ClusterHandle, CreateOptions, PreflightResult, ProgressSink } from '../types.ts';
import { silentProgress } from '../types.ts';
import { dataDir, describeTool, PROJECT_ROOT } from '../../tools/binaries.ts';
import { CommandError, processRunner, type CommandRunner } from './command-runner.ts';
import { validClusterName } from './cluster-config.ts';
import type { OutboundTrafficPolicy } from './istio-values.ts';
import { labImages } from './lab-images.ts';
import { helmIstiodArgs, ingressHost, kindDownPlan, kindPaths, kindUpPlan, renderPlan, type KindPlanOptions, type PlanStep } from './plan.ts';
import { kindPreflight, probePort, type KindPreflightReport } from './preflight.ts';
import { DEFAULT_HOST_PORTS } from './versions.ts';

export interface KindDriverOptions {
  /** kind cluster name; default "meshlab". */
  name?: string;
  httpPort?: number;
  httpsPort?: number;
  listenAddress?: string;
  nodeImage?: string;
  istioVersion?: string;
  outboundTrafficPolicy?: OutboundTrafficPolicy;
  /** Images to pre-load; default: every image named under labs/. */
  images?: string[];
  /** Base directory for per-cluster files; default meshlab's data directory. */
  dataDir?: string;
  runner?: CommandRunner;
  portFree?: (port: number, host: string) => Promise<boolean>;
  /** Leave the cluster running when the handle is destroyed. */
  keep?: boolean;
  /** Keep a cluster whose creation failed half way (for debugging), as `kind create --retain` does. */
  retainOnFailure?: boolean;
}

export class KindPreflightError extends Error {
  constructor(readonly report: PreflightResult) {
    super(`the kind driver cannot run here:\n${report.problems.map((p) => `  - ${p.message}\n    fix: ${p.fix}`).join('\n')}`);
  }
}

export const DEFAULT_KIND_NAME = 'meshlab';

export class KindDriver implements ClusterDriver {
  readonly name = 'kind' as const;
  readonly parallel = false;
  private readonly runner: CommandRunner;

  constructor(readonly options: KindDriverOptions = {}) {
    this.runner = options.runner ?? processRunner;
    const name = options.name ?? DEFAULT_KIND_NAME;
    if (!validClusterName(name)) throw new Error(`"${name}" is not a valid kind cluster name (lowercase letters, digits and '-', at most 32 characters)`);
    for (const [flag, port] of [['--http-port', options.httpPort], ['--https-port', options.httpsPort]] as const) {
      if (port !== undefined && !(Number.isInteger(port) && port >= 1 && port <= 65535)) throw new Error(`${flag} must be a port from 1 to 65535, not ${port}`);
    }
    if (options.httpPort !== undefined && options.httpPort === options.httpsPort) throw new Error('--http-port and --https-port must differ');
  }

  get clusterName(): string {
    return this.options.name ?? DEFAULT_KIND_NAME;
  }

  get hostPorts() {
    return { http: this.options.httpPort ?? DEFAULT_HOST_PORTS.http, https: this.options.httpsPort ?? DEFAULT_HOST_PORTS.https };
  }

  get workDir(): string {
    return join(this.options.dataDir ?? dataDir(), 'clusters', `kind-${this.clusterName}`);
  }

  private get listenAddress(): string {
    return this.options.listenAddress ?? '127.0.0.1';
  }

  planOptions(): KindPlanOptions {
    return {
      name: this.clusterName,
      workDir: this.workDir,
      hostPorts: this.hostPorts,
      listenAddress: this.listenAddress,
      nodeImage: this.options.nodeImage,
      istioVersion: this.options.istioVersion,
      outboundTrafficPolicy: this.options.outboundTrafficPolicy,
      images: this.options.images ?? labImages(join(PROJECT_ROOT, 'labs')),
      tools: {
        kind: 'kind',
        docker: 'docker',
        kubectl: describeTool('kubectl').path ?? 'kubectl',
        helm: describeTool('helm').path ?? 'helm',
      },
    };
  }

  /** Every command and file `create` would run or write, in order, as a readable script. */
  dryRun(): string {
    return renderPlan(kindUpPlan(this.planOptions()));
  }

  dryRunDown(): string {
    return renderPlan(kindDownPlan(this.planOptions()));
  }

  async preflightReport(): Promise<KindPreflightReport> {
    return kindPreflight(
      {
        name: this.clusterName,
        hostPorts: this.hostPorts,
        listenAddress: this.listenAddress,
        tools: { kind: 'kind', docker: 'docker' },
        kubectl: describeTool('kubectl'),
        helm: describeTool('helm'),
      },
      { runner: this.runner, portFree: this.options.portFree ?? probePort },
    );
  }

  async preflight(): Promise<PreflightResult> {
    const { ok, problems } = await this.preflightReport();
    return { ok, problems };
  }

  async create(options: CreateOptions = {}): Promise<ClusterHandle> {
    const progress = options.progress ?? silentProgress;
    progress.start('Checking Docker, kind, kubectl and helm');
    const report = await this.preflightReport();
    progress.end('Checking Docker, kind, kubectl and helm', report.ok);
    if (!report.ok) throw new KindPreflightError(report);
    const reused = report.clusterExists === true;
    if (reused) progress.info(`Reusing the existing kind cluster "${this.clusterName}"`);
    const plan = this.planOptions();
    try {
      await executePlan(kindUpPlan(plan), { runner: this.runner, progress, signal: options.signal, clusterExists: reused });
    } catch (err) {
      if (!reused && !this.options.retainOnFailure) {
        progress.info(`Deleting the half-made cluster "${this.clusterName}" (set retainOnFailure to keep it)`);
        await executePlan(kindDownPlan(plan), { runner: this.runner, progress: silentProgress, clusterExists: true }).catch((err: unknown) =>
          progress.info(`Could not delete the half-made cluster "${this.clusterName}": ${(err as Error).message} (kind delete cluster --name ${this.clusterName})`),
        );
      }
      throw err;
    }
    const handle = new KindClusterHandle(this, plan, this.runner, { deleteOnDestroy: !reused && !this.options.keep, resetOnDestroy: reused });
    await handle.recordBaseline();
    return handle;
  }

  /** `meshlab cluster down --driver kind`: delete the cluster and its files. */
  async down(_name?: string, progress: ProgressSink = silentProgress): Promise<void> {
    await executePlan(kindDownPlan(this.planOptions()), { runner: this.runner, progress, clusterExists: true });
    await rm(this.workDir, { recursive: true, force: true });
  }
}

interface ExecuteContext {
  runner: CommandRunner;
  progress: ProgressSink;
  signal?: AbortSignal;
  clusterExists: boolean;
}

export async function executePlan(steps: PlanStep[], ctx: ExecuteContext): Promise<void> {
  for (const step of steps) {
    if (ctx.signal?.aborted) throw new Error('cancelled');
    if (step.kind === 'write') {
      await mkdir(dirname(step.path), { recursive: true, mode: 0o700 });
      await writeFile(step.path, step.content, { mode: 0o600 });
      continue;
    }
    if (step.when === 'new-cluster' && ctx.clusterExists) continue;
    if (step.when === 'existing-cluster' && !ctx.clusterExists) continue;
    ctx.progress.start(step.title);
    const result = await ctx.runner.run(step.argv, { timeoutMs: step.timeoutMs, signal: ctx.signal });
    if (result.code === 0) {
      ctx.progress.end(step.title, true);
    } else if (step.optional) {
      ctx.progress.end(step.title, false, 'skipped: the cluster will pull it when a pod needs it');
    } else {
      ctx.progress.end(step.title, false);
      throw new CommandError(step.argv, result);
    }
  }
}

interface Baseline {
  namespaces: Set<string>;
  releases: Set<string>;
  /** kind/name of the objects istio-system had after create (Istio's own, from helm). */
  istioSystem: Set<string>;
}

/** Istio configuration kinds: labs create them; Istio's helm charts create none. */
const ISTIO_CONFIG_KINDS = [
  'gateways.networking.istio.io', 'virtualservices.networking.istio.io', 'destinationrules.networking.istio.io',
  'serviceentries.networking.istio.io', 'sidecars.networking.istio.io',
];
/** Everything a lab may create in `default`; reset deletes all of it there. */
const LAB_KINDS = ['deployments.apps', 'replicasets.apps', 'statefulsets.apps', 'daemonsets.apps', 'jobs.batch', 'pods', ...ISTIO_CONFIG_KINDS];
/** What a lab may add to istio-system (an egress gateway applied as plain manifests); reset deletes only what was not there after create. */
const ISTIO_SYSTEM_KINDS = ['deployments.apps', 'services', 'serviceaccounts', 'roles.rbac.authorization.k8s.io', 'rolebindings.rbac.authorization.k8s.io'];

class KindClusterHandle implements ClusterHandle {
  readonly driver = 'kind' as const;
  readonly id: string;
  readonly kubeconfigPath: string;
  readonly ingress;
  private baseline: Baseline = { namespaces: new Set(), releases: new Set(), istioSystem: new Set() };
  private destroyed = false;

  constructor(
    private readonly owner: KindDriver,
    private readonly plan: KindPlanOptions,
    private readonly runner: CommandRunner,
    private readonly flags: { deleteOnDestroy: boolean; resetOnDestroy: boolean },
  ) {
    this.id = `kind-${plan.name}`;
    this.kubeconfigPath = kindPaths(plan.workDir).kubeconfig;
    this.ingress = { host: ingressHost(plan), port: plan.hostPorts.http, securePort: plan.hostPorts.https };
  }

  shellEnv(): Record<string, string> {
    return {
      KUBECONFIG: this.kubeconfigPath,
      INGRESS_HOST: this.ingress.host,
      INGRESS_PORT: String(this.ingress.port),
      SECURE_INGRESS_PORT: String(this.ingress.securePort),
    };
  }

  private kubectl(...args: string[]) {
    return this.runner.run([this.plan.tools.kubectl, '--kubeconfig', this.kubeconfigPath, ...args], { timeoutMs: 180_000 });
  }

  /** kubectl that must succeed (reset would otherwise leave lab objects behind silently). */
  private async mustKubectl(...args: string[]) {
    const argv = [this.plan.tools.kubectl, '--kubeconfig', this.kubeconfigPath, ...args];
    const r = await this.runner.run(argv, { timeoutMs: 180_000 });
    if (r.code !== 0) throw new CommandError(argv, r);
    return r;
  }

  private async namespaces(): Promise<string[]> {
    const r = await this.kubectl('get', 'namespaces', '-o', 'jsonpath={.items[*].metadata.name}');
    if (r.code !== 0) throw new CommandError(['kubectl', 'get', 'namespaces'], r);
    return r.stdout.split(/\s+/).filter(Boolean);
  }

  private async releases(): Promise<{ name: string; namespace: string }[]> {
    const r = await this.runner.run([this.plan.tools.helm, 'list', '--all-namespaces', '--output', 'json', '--kubeconfig', this.kubeconfigPath], { timeoutMs: 60_000 });
    if (r.code !== 0) throw new CommandError(['helm', 'list'], r);
    try {
      return (JSON.parse(r.stdout) as { name: string; namespace: string }[]).filter((x) => typeof x?.name === 'string');
    } catch { // not the JSON expected: no releases to reuse
      return [];
    }
  }

  private async istioSystemObjects(): Promise<string[]> {
    const r = await this.kubectl('get', ISTIO_SYSTEM_KINDS.join(','), '--namespace', 'istio-system', '-o', 'name');
    if (r.code !== 0) throw new CommandError(['kubectl', 'get', '-n', 'istio-system'], r);
    return r.stdout.split('\n').map((l) => l.trim()).filter(Boolean);
  }

  async recordBaseline(): Promise<void> {
    this.baseline = {
      namespaces: new Set(await this.namespaces()),
      releases: new Set((await this.releases()).map((r) => `${r.namespace}/${r.name}`)),
      istioSystem: new Set(await this.istioSystemObjects()),
    };
  }

  async reset(progress: ProgressSink = silentProgress): Promise<void> {
    progress.start('Resetting the kind cluster');
    for (const release of await this.releases()) {
      if (this.baseline.releases.has(`${release.namespace}/${release.name}`)) continue;
      await this.runner.run([this.plan.tools.helm, 'uninstall', release.name, '--namespace', release.namespace, '--wait', '--kubeconfig', this.kubeconfigPath], { timeoutMs: 300_000 });
    }
    for (const ns of await this.namespaces()) {
      if (!this.baseline.namespaces.has(ns)) await this.mustKubectl('delete', 'namespace', ns, '--ignore-not-found', '--wait=true', '--timeout=120s');
    }
    // Only kinds the API server serves: kubectl refuses the whole command for one unknown kind.
    const served = new Set((await this.mustKubectl('api-resources', '-o', 'name')).stdout.split('\n').map((l) => l.trim()));
    const labKinds = LAB_KINDS.filter((k) => served.has(k));
    const istioKinds = ISTIO_CONFIG_KINDS.filter((k) => served.has(k));
    if (labKinds.length) await this.mustKubectl('delete', labKinds.join(','), '--all', '--namespace', 'default', '--ignore-not-found', '--wait=false');
    if (istioKinds.length) await this.mustKubectl('delete', istioKinds.join(','), '--all', '--namespace', 'istio-system', '--ignore-not-found', '--wait=false');
    const added = (await this.istioSystemObjects()).filter((o) => !this.baseline.istioSystem.has(o));
    if (added.length) await this.mustKubectl('delete', ...added, '--namespace', 'istio-system', '--ignore-not-found', '--wait=false');
    await this.mustKubectl('delete', 'services,configmaps', '--namespace', 'default', '--field-selector', 'metadata.name!=kubernetes,metadata.name!=kube-root-ca.crt', '--ignore-not-found');
    await this.kubectl('label', 'namespace', 'default', 'istio-injection-', 'istio.io/rev-');
    // Labs change the mesh config (outbound traffic policy) with helm: put the original values back.
    const istiod = helmIstiodArgs(this.plan);
    const r = await this.runner.run(istiod, { timeoutMs: 660_000 });
    progress.end('Resetting the kind cluster', r.code === 0, r.code === 0 ? undefined : 'restoring istiod values failed');
    if (r.code !== 0) throw new CommandError(istiod, r);
  }

  /** Deletes a cluster this handle made; a reused (or kept) one is reset instead, so the next user finds it as it was. */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    if (this.flags.deleteOnDestroy) await this.owner.down();
    else if (this.flags.resetOnDestroy) await this.reset();
  }
}


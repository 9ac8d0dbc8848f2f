// What `cluster up --driver kind` does, as data: an ordered list of files to write and commands
// to run. The driver executes it; --dry-run prints it; the golden tests compare it.
import { dirname, join } from 'node:path';
import { kindClusterConfigYaml } from './cluster-config.ts';
import { ingressGatewayValues, istiodValues, toYaml, type OutboundTrafficPolicy } from './istio-values.ts';
import { shellQuote } from './command-runner.ts';
import { ISTIO_CHART_REPO, ISTIO_HUB, ISTIO_VERSION, NODE_IMAGE } from './versions.ts';

export interface KindPlanOptions {
  name: string;
  /** Where the config, values files and kubeconfig go (<dataDir>/clusters/kind-<name>). */
  workDir: string;
  hostPorts: { http: number; https: number };
  listenAddress?: string;
  nodeImage?: string;
  istioVersion?: string;
  outboundTrafficPolicy?: OutboundTrafficPolicy;
  /** Images loaded into the node so labs do not wait on pulls. */
  images: string[];
  tools: { kind: string; docker: string; kubectl: string; helm: string };
}

export type PlanStep =
  | { kind: 'write'; title: string; path: string; content: string }
  | {
      kind: 'run';
      title: string;
      argv: string[];
      /** Only when the cluster is new / only when it already existed. */
      when?: 'new-cluster' | 'existing-cluster';
      /** A failure is reported and the plan goes on (image pre-pulls: the cluster can pull itself). */
      optional?: boolean;
      timeoutMs?: number;
    };

const MINUTE = 60_000;

export function kindPaths(workDir: string) {
  return {
    config: join(workDir, 'kind-config.yaml'),
    kubeconfig: join(workDir, 'kubeconfig'),
    istiodValues: join(workDir, 'istiod-values.yaml'),
    gatewayValues: join(workDir, 'ingressgateway-values.yaml'),
  };
}

/** Istio's own images of the pinned release, loaded with the labs' images. */
export function istioImages(version = ISTIO_VERSION): string[] {
  return [`${ISTIO_HUB}/pilot:${version}`, `${ISTIO_HUB}/proxyv2:${version}`];
}

export function helmIstiodArgs(o: KindPlanOptions): string[] {
  const p = kindPaths(o.workDir);
  const version = o.istioVersion ?? ISTIO_VERSION;
  return [o.tools.helm, 'upgrade', '--install', 'istiod', 'istio/istiod', '--namespace', 'istio-system', '--version', version,
    '--values', p.istiodValues, '--kubeconfig', p.kubeconfig, '--wait', '--timeout', '10m'];
}

export function kindUpPlan(o: KindPlanOptions): PlanStep[] {
  const p = kindPaths(o.workDir);
  const version = o.istioVersion ?? ISTIO_VERSION;
  const kubectl = (...args: string[]) => [o.tools.kubectl, '--kubeconfig', p.kubeconfig, ...args];
  const helmIstio = (release: string, chart: string, extra: string[]) => [
    o.tools.helm, 'upgrade', '--install', release, chart, '--namespace', 'istio-system', '--version', version,
    ...extra, '--kubeconfig', p.kubeconfig, '--wait', '--timeout', '10m'];
  const images = [...new Set([...istioImages(version), ...o.images])].sort();

  const steps: PlanStep[] = [
    {
      kind: 'write',
      title: 'Write the kind cluster configuration',
      path: p.config,
      content: kindClusterConfigYaml({ name: o.name, nodeImage: o.nodeImage ?? NODE_IMAGE, hostPorts: o.hostPorts, listenAddress: o.listenAddress }),
    },
    {
      kind: 'run',
      title: `Create the kind cluster "${o.name}"`,
      argv: [o.tools.kind, 'create', 'cluster', '--name', o.name, '--config', p.config, '--kubeconfig', p.kubeconfig, '--wait', '5m'],
      when: 'new-cluster',
      timeoutMs: 10 * MINUTE,
    },
    {
      kind: 'run',
      title: `Reuse the kind cluster "${o.name}": write its kubeconfig`,
      argv: [o.tools.kind, 'export', 'kubeconfig', '--name', o.name, '--kubeconfig', p.kubeconfig],
      when: 'existing-cluster',
    },
    {
      kind: 'run',
      title: 'Wait for the nodes to be Ready',
      argv: kubectl('wait', '--for=condition=Ready', 'nodes', '--all', '--timeout=300s'),
      timeoutMs: 6 * MINUTE,
    },
  ];
  for (const image of images) {
    steps.push(
      { kind: 'run', title: `Pull ${image}`, argv: [o.tools.docker, 'pull', image], optional: true, timeoutMs: 10 * MINUTE },
      { kind: 'run', title: `Load ${image} into the node`, argv: [o.tools.kind, 'load', 'docker-image', image, '--name', o.name], optional: true, timeoutMs: 10 * MINUTE },
    );
  }
  steps.push(
    { kind: 'write', title: 'Write istiod values', path: p.istiodValues, content: toYaml(istiodValues(o.outboundTrafficPolicy ?? 'ALLOW_ANY')) },
    { kind: 'write', title: 'Write ingress gateway values', path: p.gatewayValues, content: toYaml(ingressGatewayValues()) },
    { kind: 'run', title: "Add Istio's chart repository", argv: [o.tools.helm, 'repo', 'add', 'istio', ISTIO_CHART_REPO, '--force-update'] },
    { kind: 'run', title: "Update Istio's chart repository", argv: [o.tools.helm, 'repo', 'update', 'istio'], timeoutMs: 5 * MINUTE },
    {
      kind: 'run',
      title: `Install istio/base ${version} (CRDs)`,
      argv: helmIstio('istio-base', 'istio/base', ['--create-namespace', '--set', 'defaultRevision=default']),
      timeoutMs: 11 * MINUTE,
    },
    { kind: 'run', title: `Install istio/istiod ${version}`, argv: helmIstiodArgs(o), timeoutMs: 11 * MINUTE },
    {
      kind: 'run',
      title: `Install istio/gateway ${version} as istio-ingressgateway`,
      argv: helmIstio('istio-ingressgateway', 'istio/gateway', ['--values', p.gatewayValues]),
      timeoutMs: 11 * MINUTE,
    },
    {
      kind: 'run',
      title: 'Wait for istiod',
      argv: kubectl('-n', 'istio-system', 'rollout', 'status', 'deployment/istiod', '--timeout=300s'),
      timeoutMs: 6 * MINUTE,
    },
    {
      kind: 'run',
      title: 'Wait for the ingress gateway',
      argv: kubectl('-n', 'istio-system', 'rollout', 'status', 'deployment/istio-ingressgateway', '--timeout=300s'),
      timeoutMs: 6 * MINUTE,
    },
  );
  return steps;
}

/** Where the host reaches the published ports: the listen address, or loopback when it listens everywhere. */
export function ingressHost(o: Pick<KindPlanOptions, 'listenAddress'>): string {
  return !o.listenAddress || o.listenAddress === '0.0.0.0' ? '127.0.0.1' : o.listenAddress;
}

export function kindDownPlan(o: Pick<KindPlanOptions, 'name' | 'workDir' | 'tools'>): PlanStep[] {
  return [
    {
      kind: 'run',
      title: `Delete the kind cluster "${o.name}"`,
      argv: [o.tools.kind, 'delete', 'cluster', '--name', o.name, '--kubeconfig', kindPaths(o.workDir).kubeconfig],
      timeoutMs: 5 * MINUTE,
    },
  ];
}

/** The plan as a shell script a person can read (and run): what --dry-run prints. */
export function renderPlan(steps: PlanStep[]): string {
  const out: string[] = [];
  const dirs = new Set<string>();
  steps.forEach((step, i) => {
    const notes = [
      step.kind === 'run' && step.when === 'new-cluster' ? 'only when no cluster of that name exists' : '',
      step.kind === 'run' && step.when === 'existing-cluster' ? 'only when the cluster already exists' : '',
      step.kind === 'run' && step.optional ? 'a failure here is reported, not fatal' : '',
    ].filter(Boolean);
    out.push(`# ${i + 1}. ${step.title}${notes.length ? ` (${notes.join('; ')})` : ''}`);
    if (step.kind === 'write') {
      const dir = dirname(step.path);
      if (!dirs.has(dir)) out.push(`mkdir -p ${shellQuote(dir)}`);
      dirs.add(dir);
      out.push(`cat > ${shellQuote(step.path)} <<'EOF'`, step.content.replace(/\n$/, ''), 'EOF');
    } else {
      out.push(step.argv.map(shellQuote).join(' '));
    }
    out.push('');
  });
  return out.join('\n');
}

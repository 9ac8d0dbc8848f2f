import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { kindDownPlan, kindUpPlan, renderPlan, type KindPlanOptions } from './plan.ts';

// Golden files: run with UPDATE_GOLDEN=1 to rewrite them after an intended change, then review the diff.
const update = process.env.UPDATE_GOLDEN === '1';
const golden = (name: string, actual: string) => {
  const path = join(import.meta.dirname, 'testdata', name);
  if (update) writeFileSync(path, actual);
  expect(actual).toBe(readFileSync(path, 'utf8'));
};

const options: KindPlanOptions = {
  name: 'meshlab',
  workDir: '/var/lib/meshlab/clusters/kind-meshlab',
  hostPorts: { http: 30080, https: 30443 },
  images: ['docker.io/mccutchen/go-httpbin:v2.15.0', 'curlimages/curl:8.16.0'],
  tools: { kind: 'kind', docker: 'docker', kubectl: 'kubectl', helm: 'helm' },
};

describe('kind command plan', () => {
  it('matches the golden dry-run of cluster up', () => golden('up-plan.golden.sh', renderPlan(kindUpPlan(options))));
  it('matches the golden dry-run of cluster down', () => golden('down-plan.golden.sh', renderPlan(kindDownPlan(options))));

  const steps = kindUpPlan(options);
  const commands = steps.flatMap((s) => (s.kind === 'run' ? [s.argv.join(' ')] : []));
  const index = (prefix: string) => commands.findIndex((c) => c.startsWith(prefix));

  it.each([
    ['the cluster exists before nodes are awaited', 'kind create cluster', 'kubectl --kubeconfig'],
    ['nodes are Ready before images are loaded', 'kubectl --kubeconfig /var/lib/meshlab/clusters/kind-meshlab/kubeconfig wait', 'kind load docker-image'],
    ['images are loaded before Istio starts pulling', 'kind load docker-image', 'helm upgrade --install istio-base'],
    ['the repository is added before any chart install', 'helm repo add istio', 'helm upgrade --install istio-base'],
    ['CRDs (base) come before istiod', 'helm upgrade --install istio-base', 'helm upgrade --install istiod'],
    ['istiod comes before the gateway (its injector configures the gateway pod)', 'helm upgrade --install istiod', 'helm upgrade --install istio-ingressgateway'],
  ])('orders: %s', (_name, first, second) => {
    expect(index(first)).toBeGreaterThanOrEqual(0);
    expect(index(second)).toBeGreaterThan(index(first));
  });

  it('pins every chart to one Istio version and uses the official repository', () => {
    const installs = commands.filter((c) => c.startsWith('helm upgrade --install'));
    expect(installs).toHaveLength(3);
    for (const c of installs) expect(c).toContain('--version 1.31.0');
    expect(commands).toContain('helm repo add istio https://istio-release.storage.googleapis.com/charts --force-update');
  });

  it('writes values that set the access log, the outbound policy and the gateway identity', () => {
    const files = Object.fromEntries(steps.flatMap((s) => (s.kind === 'write' ? [[s.path.split('/').pop(), parse(s.content)]] : [])));
    expect(files['istiod-values.yaml']).toEqual({ meshConfig: { accessLogFile: '/dev/stdout', outboundTrafficPolicy: { mode: 'ALLOW_ANY' } } });
    const gw = files['ingressgateway-values.yaml'];
    expect(gw.labels).toEqual({ app: 'istio-ingressgateway', istio: 'ingressgateway' });
    expect(gw.service.type).toBe('NodePort');
    expect(gw.service.ports.map((p: { name: string; nodePort?: number }) => [p.name, p.nodePort])).toEqual([
      ['status-port', undefined], ['http2', 30080], ['https', 30443],
    ]);
  });

  it('honours REGISTRY_ONLY when asked', () => {
    const s = kindUpPlan({ ...options, outboundTrafficPolicy: 'REGISTRY_ONLY' }).find((x) => x.kind === 'write' && x.path.endsWith('istiod-values.yaml'));
    expect(s?.kind === 'write' && s.content).toContain('mode: REGISTRY_ONLY');
  });

  it('loads Istio images and lab images once each', () => {
    const loads = commands.filter((c) => c.startsWith('kind load docker-image')).map((c) => c.split(' ')[3]);
    expect(loads).toEqual(['curlimages/curl:8.16.0', 'docker.io/istio/pilot:1.31.0', 'docker.io/istio/proxyv2:1.31.0', 'docker.io/mccutchen/go-httpbin:v2.15.0']);
  });

  it('renders file contents as heredocs that parse back to the same YAML', () => {
    const text = renderPlan(steps);
    const m = /cat > \S+kind-config\.yaml <<'EOF'\n([\s\S]*?)\nEOF/.exec(text);
    expect(m).not.toBeNull();
    expect(parseAllDocuments(m![1]!)[0]!.toJS().kind).toBe('Cluster');
  });

  it('quotes arguments a shell would split', () => {
    const text = renderPlan(kindUpPlan({ ...options, workDir: "/tmp/with space/it's" }));
    expect(text).toContain(`--kubeconfig '/tmp/with space/it'\\''s/kubeconfig'`);
  });
});

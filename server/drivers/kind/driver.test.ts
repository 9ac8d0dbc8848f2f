import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeRunner, type FakeAnswer } from './fake-runner.ts';
import { KindDriver, KindPreflightError } from './driver.ts';
import { labImages } from './lab-images.ts';

const healthy: Record<string, FakeAnswer> = {
  'docker info': { stdout: JSON.stringify({ ServerVersion: '29.1.0', MemTotal: 16 * 1024 ** 3 }) },
  'kind version': { stdout: 'kind v0.33.0\n' },
  'kind get clusters': { stdout: '' },
};
const kubectlNs = (argv: string[]) => (argv.includes('namespaces') ? { stdout: 'default istio-system kube-system' } : {});

function driver(answers: Record<string, FakeAnswer>, extra: Partial<ConstructorParameters<typeof KindDriver>[0]> = {}) {
  const runner = new FakeRunner({ ...healthy, ...answers });
  const dataDir = mkdtempSync(join(tmpdir(), 'meshlab-kind-'));
  const d = new KindDriver({ name: 'meshlab', dataDir, runner, portFree: async () => true, images: [], ...extra });
  return { d, runner, dataDir };
}
const words = (runner: FakeRunner) => runner.calls.map((c) => c.slice(0, 3).map((w) => w.split('/').pop()).join(' '));

describe('KindDriver', () => {
  it('creates a new cluster, writes its files, and gives the shell env', async () => {
    const { d, runner, dataDir } = driver({ kubectl: kubectlNs, '': kubectlNs });
    const handle = await d.create();
    expect(words(runner)).toContain('kind create cluster');
    expect(words(runner)).not.toContain('kind export kubeconfig');
    expect(readFileSync(join(dataDir, 'clusters/kind-meshlab/kind-config.yaml'), 'utf8')).toContain('name: meshlab');
    expect(handle.shellEnv()).toEqual({
      KUBECONFIG: join(dataDir, 'clusters/kind-meshlab/kubeconfig'),
      INGRESS_HOST: '127.0.0.1',
      INGRESS_PORT: '30080',
      SECURE_INGRESS_PORT: '30443',
    });
  });

  it('reuses a cluster of the same name and resets it on destroy instead of deleting it', async () => {
    const { d, runner } = driver({ 'kind get clusters': { stdout: 'meshlab\n' }, '': kubectlNs, 'helm list': { stdout: '[{"name":"istiod","namespace":"istio-system"}]' } });
    const handle = await d.create();
    expect(words(runner)).toContain('kind export kubeconfig');
    expect(words(runner)).not.toContain('kind create cluster');
    const before = runner.calls.length;
    await handle.destroy();
    const after = runner.calls.slice(before).map((c) => [c[0]!.split('/').pop(), ...c.slice(1)].join(' '));
    expect(after.some((c) => c.startsWith('kind delete cluster'))).toBe(false);
    expect(after.some((c) => c.startsWith('helm upgrade --install istiod'))).toBe(true);
  });

  it('reset removes what labs added since create: new namespaces, new helm releases, lab objects', async () => {
    let namespaces = 'default istio-system kube-system';
    let releases = '[{"name":"istiod","namespace":"istio-system"}]';
    let istioSystem = 'deployment.apps/istiod\ndeployment.apps/istio-ingressgateway\nservice/istiod\n';
    const { d, runner } = driver({
      '': (argv) => {
        if (argv.includes('namespaces') && argv.includes('get')) return { stdout: namespaces };
        if (argv.includes('get') && argv.includes('istio-system') && argv.includes('name')) return { stdout: istioSystem };
        if (argv.includes('api-resources')) return { stdout: 'pods\nservices\ndeployments.apps\nreplicasets.apps\ngateways.networking.istio.io\nvirtualservices.networking.istio.io\n' };
        return {};
      },
      'helm list': () => ({ stdout: releases }),
    });
    const handle = await d.create();
    namespaces += ' lab-ns';
    istioSystem += 'deployment.apps/istio-egressgateway\nservice/istio-egressgateway\n';
    releases = '[{"name":"istiod","namespace":"istio-system"},{"name":"istio-egressgateway","namespace":"istio-system"}]';
    const before = runner.calls.length;
    await handle.reset();
    const after = runner.calls.slice(before).map((c) => [c[0]!.split('/').pop(), ...c.slice(1)].join(' '));
    expect(after).toContain('helm uninstall istio-egressgateway --namespace istio-system --wait --kubeconfig ' + handle.kubeconfigPath);
    expect(after.some((c) => c.includes('delete namespace lab-ns'))).toBe(true);
    expect(after.some((c) => c.includes('delete namespace default'))).toBe(false);
    // Only served kinds are named (kubectl rejects the whole command for one it does not know).
    expect(after).toContainEqual(expect.stringMatching(/ delete deployments\.apps,replicasets\.apps,pods,gateways\.networking\.istio\.io,virtualservices\.networking\.istio\.io --all --namespace default /));
    // In istio-system only lab config and what was added after create go; Istio's own deployments stay.
    const istioDeletes = after.filter((c) => c.includes(' delete ') && c.includes('--namespace istio-system'));
    expect(istioDeletes).toEqual([
      expect.stringMatching(/delete gateways\.networking\.istio\.io,virtualservices\.networking\.istio\.io --all --namespace istio-system/),
      expect.stringMatching(/delete deployment\.apps\/istio-egressgateway service\/istio-egressgateway --namespace istio-system/),
    ]);
    expect(istioDeletes.join(' ')).not.toMatch(/istiod|istio-ingressgateway/);
  });

  it('deletes a cluster it created on destroy, once', async () => {
    const { d, runner } = driver({ '': kubectlNs });
    const handle = await d.create();
    await handle.destroy();
    await handle.destroy();
    expect(words(runner).filter((w) => w === 'kind delete cluster')).toHaveLength(1);
  });

  it('fails before running anything when preflight fails, naming the Docker engine', async () => {
    const { d, runner } = driver({ 'docker info': { code: 127, notFound: true } });
    const err = await d.create().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(KindPreflightError);
    expect(String((err as Error).message)).toContain('Docker engine not found');
    expect(words(runner)).not.toContain('kind create cluster');
  });

  it('deletes a half-made cluster when a required step fails, keeping the error output', async () => {
    const { d, runner } = driver({ '': kubectlNs, 'helm upgrade --install istiod': { code: 1, stderr: 'Error: context deadline exceeded\n' } });
    const err = await d.create().catch((e: unknown) => e);
    expect(String((err as Error)?.message ?? err)).toMatch(/failed \(exit 1\):\nError: context deadline exceeded/);
    expect(words(runner)).toContain('kind delete cluster');
  });

  it('goes on when an optional image pull fails', async () => {
    const { d } = driver({ '': kubectlNs, 'docker pull': { code: 1, stderr: 'toomanyrequests' } }, { images: ['docker.io/library/nginx:1.29'] });
    await expect(d.create()).resolves.toBeDefined();
  });

  it('rejects a cluster name that is not a DNS label', () => {
    expect(() => new KindDriver({ name: 'Bad Name' })).toThrow(/not a valid kind cluster name/);
  });

  it.each([
    ['port 0', { httpPort: 0 }, /--http-port must be a port from 1 to 65535, not 0/],
    ['a port past 65535', { httpsPort: 70000 }, /--https-port must be a port/],
    ['a fractional port', { httpPort: 80.5 }, /--http-port must be a port/],
    ['the same port twice', { httpPort: 8080, httpsPort: 8080 }, /must differ/],
  ])('rejects %s', (_n, ports, message) => expect(() => new KindDriver(ports)).toThrow(message));
});

describe('labImages', () => {
  it('collects image fields from manifests and inline heredocs, once each, sorted', () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshlab-labs-'));
    mkdirSync(join(dir, 'a'));
    writeFileSync(join(dir, 'a', 'httpbin.yaml'), 'kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n      - name: h\n        image: docker.io/mccutchen/go-httpbin:v2.15.0\n---\nkind: Service\n');
    writeFileSync(join(dir, 'a', 'lab.yaml'), 'steps:\n- run: |\n    kubectl apply -f - <<EOF\n    spec:\n      containers:\n      - image: curlimages/curl:8.16.0\n    EOF\n');
    writeFileSync(join(dir, 'a', 'broken.yaml'), 'image: [unclosed');
    expect(labImages(dir)).toEqual(['curlimages/curl:8.16.0', 'docker.io/mccutchen/go-httpbin:v2.15.0']);
  });

  it('gives nothing for a missing directory', () => expect(labImages('/nonexistent/meshlab')).toEqual([]));

  it("skips the `image: auto` placeholder of Istio's gateway injection", () => {
    const dir = mkdtempSync(join(tmpdir(), 'meshlab-labs-'));
    writeFileSync(join(dir, 'gateway.yaml'), 'kind: Deployment\nspec:\n  template:\n    spec:\n      containers:\n      - name: istio-proxy\n        image: auto\n');
    writeFileSync(join(dir, 'lab.yaml'), 'steps:\n- run: |\n    kubectl apply -f - <<EOF\n      containers:\n      - image: auto\n      - image: nginx\n    EOF\n');
    expect(labImages(dir)).toEqual(['nginx']);
  });
});

// Golden: what `meshlab cluster up --driver kind --dry-run` pulls and loads for the labs in labs/.
// UPDATE_GOLDEN=1 rewrites it after a lab adds an image; review the diff.
describe('the kind plan for the labs in labs/', () => {
  it('pulls and loads only real images', () => {
    const lines = new KindDriver({}).dryRun().split('\n').filter((l) => /docker pull|kind load docker-image/.test(l));
    const path = join(import.meta.dirname, 'testdata', 'lab-images.golden.txt');
    if (process.env.UPDATE_GOLDEN === '1') writeFileSync(path, `${lines.join('\n')}\n`);
    expect(lines.some((l) => /\bauto\b/.test(l))).toBe(false);
    expect(`${lines.join('\n')}\n`).toBe(readFileSync(path, 'utf8'));
  });
});

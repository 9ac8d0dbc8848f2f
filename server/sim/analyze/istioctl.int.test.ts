// `istioctl` in the embedded cluster's terminal: the script the terminal finds first on its PATH,
// run with the terminal's environment against a real embedded cluster, answers analyze, x describe
// pod and version with istioctl's formats and exit codes (istio.io/latest/docs/ops/diagnostic-tools/istioctl-analyze/,
// istio.io/latest/docs/ops/diagnostic-tools/istioctl-describe/), on the ingress chapter's 503 step.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDriver } from '../../drivers/registry.ts';
import type { ClusterHandle } from '../../drivers/types.ts';
import { loadLab } from '../../runner/load-lab.ts';
import { solveSteps } from '../../runner/testing/solve-steps.ts';
import { PROJECT_ROOT } from '../../tools/binaries.ts';
import { ISTIO_VERSION } from '../controllers/sidecar-injection.ts';

const work = mkdtempSync(join(tmpdir(), 'meshlab-istioctl-int-'));
const lab = loadLab(join(PROJECT_ROOT, 'labs', 'ingress-gateway'));
let handle: ClusterHandle;

beforeAll(async () => {
  handle = await (await createDriver('embedded', { dataDir: join(work, 'data') })).create({ name: 'istioctl-int' });
  await solveSteps(handle, lab, 'route-everything-to-subset');
}, 120_000);
afterAll(async () => {
  await handle?.destroy();
  rmSync(work, { recursive: true, force: true });
});

/** A command as the terminal runs it: its PATH (the cluster's bin first) and kubeconfig. */
function inTerminal(file: string, args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  const env = handle.shellEnv();
  return new Promise((resolve) =>
    execFile(file, args, { env: { ...env, PATH: `${env.PATH}:${join(PROJECT_ROOT, '.meshlab', 'tools')}:/usr/bin:/bin`, HOME: work } }, (err, stdout, stderr) =>
      resolve({ stdout, stderr, code: err ? Number((err as NodeJS.ErrnoException & { code?: number }).code ?? 1) : 0 }),
    ),
  );
}

const istioctl = (...args: string[]) => inTerminal('istioctl', args);

async function httpbinPod(): Promise<string> {
  const r = await new Promise<string>((resolve, reject) =>
    execFile('kubectl', ['-n', 'bookinfo', 'get', 'pod', '-l', 'app=httpbin', '-o', 'jsonpath={.items[0].metadata.name}'], { env: { ...handle.shellEnv(), PATH: `${join(PROJECT_ROOT, '.meshlab', 'tools')}:/usr/bin:/bin`, HOME: work } }, (err, out) => (err ? reject(err) : resolve(out))),
  );
  return r;
}

describe("meshlab's istioctl in the terminal", () => {
  it('version: client, control plane and data plane with the number of proxies', async () => {
    const r = await istioctl('version');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^client version: ${ISTIO_VERSION}\\ncontrol plane version: ${ISTIO_VERSION}\\ndata plane version: ${ISTIO_VERSION} \\(\\d+ proxies\\)\\n$`));
  });

  it('analyze: the subset no DestinationRule defines, exit code 79 and the pointer to the docs', async () => {
    const r = await istioctl('analyze', '-n', 'bookinfo');
    expect(r.stdout).toBe('Error [IST0101] (VirtualService bookinfo/httpbin) Referenced host+subset in destinationrule not found: "httpbin+v1"\n');
    expect(r.stderr).toMatch(/^Error: Analyzers found issues when analyzing namespace: bookinfo\.\nSee https:\/\/istio\.io\/v\d+\.\d+\/docs\/reference\/config\/analysis for more information about causes and resolutions\.\n$/);
    expect(r.code).toBe(79);
    const quiet = await istioctl('analyze', '-n', 'bookinfo', '--failure-threshold', 'Info', '--output-threshold', 'Error');
    expect(quiet.code).toBe(79);
    // The terminal's `meshlab analyze` is the same.
    expect(await inTerminal('meshlab', ['analyze', '-n', 'bookinfo'])).toEqual(r);
    expect((await istioctl('analyze', '-n', 'kube-system')).stdout).toBe('✔ No validation issues found when analyzing namespace: kube-system.\n');
  });

  it('x describe pod: the pod, its Service and the route to a subset no DestinationRule defines', async () => {
    const pod = await httpbinPod();
    const r = await istioctl('x', 'describe', 'pod', pod, '-n', 'bookinfo');
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toBe(`Pod: ${pod}`);
    // The injected istio-proxy declares no ports here (Istio's declares 15090 http-envoy-prom).
    expect(lines).toContain('   Pod Ports: 80 (httpbin)');
    expect(lines).toContain('Service: httpbin');
    expect(lines).toContain('   Port: http 8000/HTTP targets pod port 80');
    expect(lines).toContain('Effective PeerAuthentication:');
    expect(lines).toContain('VirtualService: httpbin');
    expect(lines).toContain('   WARNING: No destinations match pod subsets (checked 1 HTTP routes)');
    expect(lines).toContain('      Warning: Route to subset v1 but NO DESTINATION RULE defining subsets!');
    // pod.namespace as istioctl accepts it, from another namespace.
    expect((await istioctl('x', 'describe', 'pod', `${pod}.bookinfo`)).stdout.split('\n')[0]).toBe(`Pod: ${pod}.bookinfo`);
  });

  it('x describe pod after the DestinationRule defines the subset: it matches the pod', async () => {
    await solveSteps(handle, lab, 'define-subset', 'define-subset');
    const r = await istioctl('x', 'describe', 'pod', await httpbinPod(), '-n', 'bookinfo');
    expect(r.stdout).toContain('DestinationRule: httpbin for "httpbin"\n   Matching subsets: v1\n   No Traffic Policy\n');
    expect(r.stdout).not.toContain('NO DESTINATION RULE');
    expect((await istioctl('analyze', '-n', 'bookinfo')).code).toBe(0);
  });

  it('x describe pod: the effective PeerAuthentication and the RBAC policies from the applied objects', async () => {
    const policies = [
      'apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata:\n  name: default\n  namespace: istio-system\nspec:\n  mtls:\n    mode: STRICT',
      'apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\nmetadata:\n  name: allow-get\n  namespace: bookinfo\nspec:\n  selector:\n    matchLabels:\n      app: httpbin\n  rules:\n  - to:\n    - operation:\n        methods: ["GET"]',
    ].join('\n---\n');
    await new Promise<void>((resolve, reject) => {
      const child = execFile('kubectl', ['apply', '-f', '-'], { env: { ...handle.shellEnv(), PATH: `${join(PROJECT_ROOT, '.meshlab', 'tools')}:/usr/bin:/bin`, HOME: work } }, (err) => (err ? reject(err) : resolve()));
      child.stdin!.end(policies);
    });
    const r = await istioctl('x', 'describe', 'pod', await httpbinPod(), '-n', 'bookinfo');
    expect(r.stdout).toContain('\nRBAC policies: ns[bookinfo]-policy[allow-get]-rule[0]\n');
    expect(r.stdout).toContain('Effective PeerAuthentication:\n   Workload mTLS mode: STRICT\nApplied PeerAuthentication:\n   default.istio-system\n');
  });

  it('says what it does not answer, with istioctl-like errors', async () => {
    const r = await istioctl('proxy-config', 'clusters', 'x');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("meshlab's istioctl answers only analyze, x describe pod and version");
    expect((await istioctl('x', 'describe', 'pod', 'nope', '-n', 'bookinfo')).stderr).toBe('Error: pods "nope" not found\n');
  });
});

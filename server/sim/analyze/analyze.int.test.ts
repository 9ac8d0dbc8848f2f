// `meshlab analyze` against the embedded cluster after both chapters' labs (each tab) ran through the runner
// (the real kubectl, helm and curl): nothing on their final configurations, and the messages of
// istioctl analyze once real kubectl applies a broken VirtualService.
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDriver } from '../../drivers/registry.ts';
import type { ClusterHandle } from '../../drivers/types.ts';
import { loadLab } from '../../runner/load-lab.ts';
import { runLab } from '../../runner/runner.ts';
import { findTool, PROJECT_ROOT } from '../../tools/binaries.ts';

const run = promisify(execFile);
const work = mkdtempSync(join(tmpdir(), 'meshlab-analyze-int-'));
let handle: ClusterHandle;

beforeAll(async () => {
  handle = await (await createDriver('embedded', { dataDir: join(work, 'data') })).create({ name: 'analyze-int' });
}, 120_000);
afterAll(async () => {
  await handle?.destroy();
  rmSync(work, { recursive: true, force: true });
});

function meshlab(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(PROJECT_ROOT, 'bin', 'meshlab.mjs'), ...args], { cwd: PROJECT_ROOT, env: { ...process.env, KUBECONFIG: handle.kubeconfigPath }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('meshlab analyze on the chapters’ final configurations', () => {
  it.each([
    ['ingress-gateway', 'bookinfo'],
    ['egress-gateway', 'egress-demo'],
    // The chapters' Gateway API tabs (HTTPRoutes turned into Istio's configuration).
    ['ingress-gateway-api', 'bookinfo'],
    ['egress-gateway-api', 'egress-demo'],
  ])('%s: nothing to report in namespace %s', { timeout: 300_000 }, async (lab, namespace) => {
    await handle.reset();
    const report = await runLab(handle, loadLab(join(PROJECT_ROOT, 'labs', lab)));
    expect(report.ok, JSON.stringify(report.steps.filter((s) => s.status !== 'passed').map((s) => [s.id, s.failure?.message]))).toBe(true);
    const r = await meshlab(['analyze', '-n', namespace]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(`✔ No validation issues found when analyzing namespace: ${namespace}.\n`);
    expect(r.code).toBe(0);
  });

  it('reports what real kubectl applied wrong, with istioctl’s lines and exit code', { timeout: 180_000 }, async () => {
    const file = join(work, 'broken.yaml');
    writeFileSync(
      file,
      `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: httpbin-broken, namespace: analyze-demo}
spec:
  hosts: ["httpbin.example.com"]
  gateways: [httpbin-gateway-bogus]
  http:
  - route:
    - destination: {host: httpbin2}
`,
    );
    const kubectl = findTool('kubectl')!;
    const env = { PATH: process.env.PATH ?? '', HOME: work, KUBECONFIG: handle.kubeconfigPath };
    await run(kubectl, ['create', 'namespace', 'analyze-demo'], { env });
    await run(kubectl, ['label', 'namespace', 'analyze-demo', 'istio-injection=enabled'], { env });
    await run(kubectl, ['apply', '-f', file], { env });
    const r = await meshlab(['analyze', '-n', 'analyze-demo']);
    expect(r.stdout).toBe(
      'Error [IST0101] (VirtualService analyze-demo/httpbin-broken) Referenced gateway not found: "httpbin-gateway-bogus"\n' + 'Error [IST0101] (VirtualService analyze-demo/httpbin-broken) Referenced host not found: "httpbin2"\n',
    );
    expect(r.stderr).toContain('Error: Analyzers found issues when analyzing namespace: analyze-demo.');
    expect(r.code).toBe(79);
    const all = await meshlab(['analyze', '-A']);
    expect(all.stdout).toContain('(VirtualService analyze-demo/httpbin-broken)');
  });
});

// Shares the cluster above. istio.io reference, Virtual Service > StringMatch: "regex: RE2 style
// regex-based match (https://github.com/google/re2/wiki/Syntax)" — kubectl shows the webhook's refusal.
describe('validation.istio.io speaks RE2 through real kubectl', () => {
  it.each([
    ['[a-z', '"uri": error parsing regexp: missing closing ]: `[a-z`; Istio uses RE2 style regex-based match (https://github.com/google/re2/wiki/Syntax)'],
    ['/(?=api)', '"uri": error parsing regexp: invalid or unsupported Perl syntax: `(?=`; Istio uses RE2 style regex-based match (https://github.com/google/re2/wiki/Syntax)'],
  ])('uri regex %s is refused', { timeout: 60_000 }, async (regex, message) => {
    const file = join(work, 're2.yaml');
    writeFileSync(file, `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: re2, namespace: default}\nspec:\n  hosts: [httpbin]\n  http:\n  - match:\n    - uri: {regex: ${JSON.stringify(regex)}}\n    route:\n    - destination: {host: httpbin}\n`);
    const env = { PATH: process.env.PATH ?? '', HOME: work, KUBECONFIG: handle.kubeconfigPath };
    const err = await run(findTool('kubectl')!, ['apply', '-f', file], { env }).then(() => undefined, (e: { stderr: string }) => e.stderr);
    expect(err).toContain(`admission webhook "validation.istio.io" denied the request: configuration is invalid: ${message}`);
  });

  it('a VirtualService without hosts is accepted as a delegate', { timeout: 60_000 }, async () => {
    const file = join(work, 'delegate.yaml');
    writeFileSync(file, `apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata: {name: delegate, namespace: default}\nspec:\n  http:\n  - route:\n    - destination: {host: httpbin}\n`);
    const env = { PATH: process.env.PATH ?? '', HOME: work, KUBECONFIG: handle.kubeconfigPath };
    const r = await run(findTool('kubectl')!, ['apply', '-f', file], { env });
    expect(r.stdout).toBe('virtualservice.networking.istio.io/delegate created\n');
  });
});

// istio.io's egress-gateway task, "Egress gateway for HTTPS traffic", Gateway API tab
// (https://istio.io/latest/docs/tasks/traffic-management/egress/egress-gateway/#egress-gateway-for-https-traffic),
// as written, with the real kubectl, git and curl: the experimental channel's CRDs installed with
// `kubectl kustomize "github.com/kubernetes-sigs/gateway-api/config/crd/experimental?ref=v1.4.0" | kubectl apply -f -`
// (a clone from the simulated github.com), then TLSRoutes that pass the pod's TLS through
// cnn-egress-gateway-istio by SNI, whose access log shows the TCP proxy's line.
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLearnerShell, type LearnerShell } from './learner-shell.ts';
import { CURL_SAMPLE, EGRESS_TLS_GATEWAY_AND_ROUTES, EGRESS_TLS_SERVICE_ENTRY, INSTALL_EXPERIMENTAL_CRDS } from './testing/manifests.ts';

let shell: LearnerShell;
const kubectl = (args: string[], input?: string) => shell.kubectl(args, input);
const fromCurl = (command: string[]) => kubectl(['exec', 'deploy/curl', '-c', 'curl', '--', ...command]);

beforeAll(async () => {
  shell = await startLearnerShell('meshlab-gwapi-egress-tls-');
  await kubectl(['label', 'namespace', 'default', 'istio-injection=enabled']);
  await kubectl(['apply', '-f', '-'], CURL_SAMPLE);
  expect((await kubectl(['rollout', 'status', 'deployment/curl', '--timeout=60s'])).code).toBe(0);
}, 90_000);

afterAll(async () => {
  await shell?.stop();
});

describe('egress gateway for HTTPS traffic (Gateway API tab)', () => {
  it('installs the experimental channel from github.com with kubectl kustomize', async () => {
    const r = await shell.sh(INSTALL_EXPERIMENTAL_CRDS);
    expect(r.stderr).toBe('');
    const lines = r.stdout.trim().split('\n');
    expect(lines).toContain('customresourcedefinition.apiextensions.k8s.io/tlsroutes.gateway.networking.k8s.io created');
    expect(lines).toContain('customresourcedefinition.apiextensions.k8s.io/tcproutes.gateway.networking.k8s.io created');
    expect(lines).toContain('customresourcedefinition.apiextensions.k8s.io/gateways.gateway.networking.k8s.io configured');
    const channel = await kubectl(['get', 'crd', 'tlsroutes.gateway.networking.k8s.io', '-o', 'jsonpath={.metadata.annotations.gateway\\.networking\\.k8s\\.io/channel} {.spec.versions[*].name}']);
    expect(channel.stdout).toBe('experimental v1alpha2');
  }, 60_000);

  it('sends the pod\'s HTTPS through cnn-egress-gateway-istio by SNI', async () => {
    await kubectl(['apply', '-f', '-'], EGRESS_TLS_SERVICE_ENTRY);
    const direct = await fromCurl(['curl', '-sSL', '-o', '/dev/null', '-D', '-', 'https://edition.cnn.com/politics']);
    expect(direct.stdout).toMatch(/^HTTP\/2 200 \r\n/);

    const applied = await kubectl(['apply', '-f', '-'], EGRESS_TLS_GATEWAY_AND_ROUTES);
    expect(applied.stderr).toBe('');
    expect(applied.stdout.trim().split('\n')).toEqual([
      'gateway.gateway.networking.k8s.io/cnn-egress-gateway created',
      'tlsroute.gateway.networking.k8s.io/direct-cnn-to-egress-gateway created',
      'tlsroute.gateway.networking.k8s.io/forward-cnn-from-egress-gateway created',
    ]);
    expect((await kubectl(['wait', '--for=condition=programmed', 'gtw', 'cnn-egress-gateway', '--timeout=30s'])).code).toBe(0);
    expect((await kubectl(['rollout', 'status', 'deployment/cnn-egress-gateway-istio', '--timeout=30s'])).code).toBe(0);
    await shell.cluster.settled();
    for (const name of ['direct-cnn-to-egress-gateway', 'forward-cnn-from-egress-gateway']) {
      const parents = parseYaml((await kubectl(['get', 'tlsroute', name, '-o', 'yaml'])).stdout).status.parents;
      expect(parents[0].conditions.map((c: Record<string, string>) => `${c.type}=${c.status}`), name).toEqual(['Accepted=True', 'ResolvedRefs=True']);
    }

    const through = await fromCurl(['curl', '-sSL', '-o', '/dev/null', '-D', '-', 'https://edition.cnn.com/politics']);
    expect(through.stdout).toMatch(/^HTTP\/2 200 \r\n/);
    const logs = await kubectl(['logs', '-l', 'gateway.networking.k8s.io/gateway-name=cnn-egress-gateway', '-c', 'istio-proxy']);
    const line = logs.stdout.trim().split('\n').at(-1) ?? '';
    // [2024-01-11T21:09:42.835Z] "- - -" 0 - - - "-" 839 2504306 231 - "-" "-" "-" "-" "151.101.129.67:443" outbound|443||edition.cnn.com ... edition.cnn.com -
    expect(line).toMatch(/"- - -" 0 /);
    expect(line).toContain('outbound|443||edition.cnn.com');
    expect(line).toMatch(/ edition\.cnn\.com -?$/);
  }, 90_000);
});

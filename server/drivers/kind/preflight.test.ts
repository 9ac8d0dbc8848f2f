import { describe, expect, it } from 'vitest';
import { FakeRunner, type FakeAnswer } from './fake-runner.ts';
import { kindPreflight, probePort, type KindPreflightOptions } from './preflight.ts';
import { createServer } from 'node:net';

const GiB = 1024 ** 3;
const options: KindPreflightOptions = {
  name: 'meshlab',
  hostPorts: { http: 30080, https: 30443 },
  listenAddress: '127.0.0.1',
  tools: { kind: 'kind', docker: 'docker' },
  kubectl: { path: '/opt/kubectl' },
  helm: { path: '/opt/helm' },
};
const dockerOk = { stdout: JSON.stringify({ ServerVersion: '29.1.0', MemTotal: 16 * GiB, ServerErrors: null }) };
const healthy: Record<string, FakeAnswer> = {
  'docker info': dockerOk,
  'kind version': { stdout: 'kind v0.33.0 go1.25.1 linux/amd64\n' },
  'kind get clusters': { stdout: '', stderr: 'No kind clusters found.\n' },
};
const allFree = async (_port: number, _host: string) => true;

async function check(answers: Record<string, FakeAnswer>, portFree = allFree, o: Partial<KindPreflightOptions> = {}) {
  return kindPreflight({ ...options, ...o }, { runner: new FakeRunner({ ...healthy, ...answers }), portFree });
}

describe('kind preflight', () => {
  it('passes when Docker, kind, kubectl, helm and the ports are there', async () => {
    const r = await check({});
    expect(r).toEqual({ ok: true, problems: [], clusterExists: false });
  });

  it.each([
    ['docker missing', { 'docker info': { code: 127, notFound: true } }, /^Docker engine not found/, /install Docker Engine/],
    [
      'daemon down (exit 1, message on stderr)',
      { 'docker info': { code: 1, stderr: 'Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n' } },
      /^Docker engine not reachable: `docker info` failed: Cannot connect to the Docker daemon/,
      /systemctl start docker/,
    ],
    [
      'daemon down (exit 0, ServerErrors in JSON)',
      { 'docker info': { stdout: JSON.stringify({ ServerErrors: ['permission denied while trying to connect to the Docker daemon socket'] }) } },
      /^Docker engine not reachable: .*permission denied/,
      /usermod -aG docker/,
    ],
    ['too little memory', { 'docker info': { stdout: JSON.stringify({ ServerVersion: '29.1.0', MemTotal: 2 * GiB }) } }, /^not enough memory: Docker has 2\.0 GiB/, /Resources/],
    ['kind missing', { 'kind version': { code: 127, notFound: true } }, /^kind not found/, /go install sigs\.k8s\.io\/kind@v0\.33\.0/],
    ['kind too old for the pinned node image', { 'kind version': { stdout: 'kind v0.20.0 go1.20.4 linux/amd64\n' } }, /^kind v0\.20\.0 is older than v0\.33\.0/, /kind@v0\.33\.0/],
    ['kind broken', { 'kind version': { code: 2, stderr: 'exec format error\n' } }, /^`kind version` failed: exec format error/, /kind\.sigs\.k8s\.io/],
  ])('%s', async (_name, answers, message, fix) => {
    const r = await check(answers);
    expect(r.ok).toBe(false);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]!.message).toMatch(message);
    expect(r.problems[0]!.fix).toMatch(fix);
  });

  it.each([['the pinned release', 'kind v0.33.0 go1.25.1 linux/amd64'], ['a newer release', 'kind v0.34.2 go1.26 darwin/arm64'], ['a newer minor with an older patch', 'kind v1.0.0']])('accepts %s of kind', async (_n, stdout) => {
    expect((await check({ 'kind version': { stdout } })).ok).toBe(true);
  });

  it('reports busy host ports with the flag to change them', async () => {
    const r = await check({}, async (port) => port !== 30443);
    expect(r.problems.map((p) => p.message)).toEqual([
      "host port 30443 on 127.0.0.1 is busy; kind publishes the ingress gateway's HTTPS node port there",
    ]);
    expect(r.problems[0]!.fix).toContain('--https-port');
  });

  it('does not check ports of a cluster it will reuse', async () => {
    const r = await check({ 'kind get clusters': { stdout: 'other\nmeshlab\n' } }, async () => false);
    expect(r).toEqual({ ok: true, problems: [], clusterExists: true });
  });

  it('reports missing kubectl and helm', async () => {
    const r = await check({}, allFree, { kubectl: { problem: 'kubectl not found' }, helm: {} });
    expect(r.problems.map((p) => p.message)).toEqual(['kubectl not usable: kubectl not found', 'helm not usable: not found']);
  });

  it('reports every problem at once (no Docker and no kind)', async () => {
    const r = await check({ 'docker info': { code: 127, notFound: true }, 'kind version': { code: 127, notFound: true } });
    expect(r.problems.map((p) => p.message.split(':')[0])).toEqual(['Docker engine not found', 'kind not found']);
    expect(r.clusterExists).toBeUndefined();
  });
});

describe('probePort', () => {
  it('sees a port held by a listener as busy and a released one as free', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    expect(await probePort(port, '127.0.0.1')).toBe(false);
    await new Promise((resolve) => server.close(resolve));
    expect(await probePort(port, '127.0.0.1')).toBe(true);
  });
});

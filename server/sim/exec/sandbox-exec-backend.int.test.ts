// SandboxExecBackend with real bubblewrap, curl and a fake mesh: the container's environment and
// host name, exit codes, stdin, a tty, a missing command, abort, and the pod's network.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SidecarDataPlane } from '../mesh/sidecar-data-plane.ts';
import { ObjectStore, type KubeObject } from '../store/object-store.ts';
import { acquireSimulatedInternet, type SimulatedInternetLease } from '../world/simulated-internet.ts';
import type { ExecIO } from './exec-backend.ts';
import { SandboxExecBackend } from './sandbox-exec-backend.ts';

let lease: SimulatedInternetLease;
let clusterDir: string;
let backend: SandboxExecBackend;
let ownServer: Server;
let hostOnly: Server;
const calls: { pod: string | null; host: string }[] = [];

const store = new ObjectStore();
const pod: KubeObject = {
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'curl-5b7c9d-x2x4z', namespace: 'default', labels: { app: 'curl' } },
  spec: {
    containers: [{ name: 'curl', image: 'curlimages/curl', env: [{ name: 'GREETING', value: 'hi $(MY_POD)' }, { name: 'MY_POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } }] }],
    initContainers: [{ name: 'istio-proxy', image: 'docker.io/istio/proxyv2:1.28.1' }],
  },
  status: { podIP: '10.244.0.9' },
};
const plainPod: KubeObject = { ...pod, metadata: { ...pod.metadata, name: 'plain' }, spec: { containers: [{ name: 'app', image: 'curl' }] } };

const mesh: SidecarDataPlane = {
  isHttpPort: () => true,
  handleOutboundHttp(p, target, _req, res) {
    calls.push({ pod: p?.metadata.name ?? null, host: target.host });
    res.writeHead(200, { server: 'envoy', 'content-type': 'text/plain' });
    res.end(`via ${p ? 'sidecar' : 'direct'} to ${target.host}\n`);
  },
  routeOutboundTcp: () => ({ kind: 'deny', reason: 'test' }),
};

function collect(stdin: string[] | null = null, signal = new AbortController().signal) {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  const io: ExecIO = {
    stdin: stdin
      ? (async function* () {
          for (const s of stdin) yield Buffer.from(s);
        })()
      : null,
    stdout: (b) => out.push(b),
    stderr: (b) => err.push(b),
    onResize: () => {},
    signal,
  };
  return { io, stdout: () => Buffer.concat(out).toString(), stderr: () => Buffer.concat(err).toString() };
}

beforeAll(async () => {
  lease = await acquireSimulatedInternet();
  clusterDir = mkdtempSync(join(tmpdir(), 'meshlab-exec-'));
  store.create('services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'kubernetes', namespace: 'default' }, spec: { clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP' }] } });
  store.create('services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'httpbin', namespace: 'default' }, spec: { clusterIP: '10.96.3.4', ports: [{ name: 'http', port: 8000 }] } });
  ownServer = createServer((_req, res) => res.end('own port\n'));
  await new Promise<void>((r) => ownServer.listen(0, '127.0.0.1', () => r()));
  hostOnly = createServer((_req, res) => res.end('host loopback\n'));
  await new Promise<void>((r) => hostOnly.listen(0, '127.0.0.1', () => r()));
  const ownPort = (ownServer.address() as AddressInfo).port;
  backend = new SandboxExecBackend({
    store,
    dataPlane: mesh,
    world: lease.world,
    clusterDir,
    podSocket: (ip, port) => (ip === '10.244.0.9' && port === 8080 ? { host: '127.0.0.1', port: ownPort } : undefined),
  });
}, 30_000);

afterAll(async () => {
  ownServer?.close();
  hostOnly?.close();
  await lease?.release();
  rmSync(clusterDir, { recursive: true, force: true });
});

describe('SandboxExecBackend', () => {
  const cases: { name: string; command: string[]; stdout: RegExp; exitCode: number }[] = [
    { name: 'exit code passes through', command: ['sh', '-c', 'exit 3'], stdout: /^$/, exitCode: 3 },
    { name: 'host name is the pod name', command: ['hostname'], stdout: /^curl-5b7c9d-x2x4z\n$/, exitCode: 0 },
    { name: 'container env with $(VAR) and fieldRef', command: ['sh', '-c', 'echo "$GREETING|$MY_POD|$HOSTNAME"'], stdout: /^hi \$\(MY_POD\)\|curl-5b7c9d-x2x4z\|curl-5b7c9d-x2x4z\n$/, exitCode: 0 },
    { name: 'service links', command: ['sh', '-c', 'echo $KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT $HTTPBIN_PORT'], stdout: /^10\.96\.0\.1:443 tcp:\/\/10\.96\.3\.4:8000\n$/, exitCode: 0 },
    // The runtime's message for a missing executable; kubectl then prints its exit status.
    { name: 'missing command', command: ['no-such-tool', '--x'], stdout: /^OCI runtime exec failed: exec failed: unable to start container process: exec: "no-such-tool": executable file not found in \$PATH: unknown\r\n$/, exitCode: 127 },
    { name: 'traffic goes through the sidecar', command: ['curl', '-sS', 'http://httpbin:8000/get'], stdout: /^via sidecar to httpbin\.default\.svc\.cluster\.local\n$/, exitCode: 0 },
    { name: 'unknown host: DNS failure', command: ['curl', '-sS', 'http://nowhere.invalid/'], stdout: /^$/, exitCode: 6 },
  ];
  it.each(cases)('$name', async (c) => {
    const r = collect();
    const result = await backend.exec({ pod, container: 'curl', command: c.command, stdin: false, tty: false }, r.io);
    expect(result).toEqual({ kind: 'exited', exitCode: c.exitCode });
    expect(r.stdout()).toMatch(c.stdout);
  }, 20_000);

  it('a pod without a sidecar is routed with pod null', async () => {
    const r = collect();
    const result = await backend.exec({ pod: plainPod, container: 'app', command: ['curl', '-sS', 'http://httpbin.org/'], stdin: false, tty: false }, r.io);
    expect(result).toEqual({ kind: 'exited', exitCode: 0 });
    expect(r.stdout()).toBe('via direct to httpbin.org\n');
  }, 20_000);

  it('stdin reaches the process', async () => {
    const r = collect(['hello ', 'world\n']);
    const result = await backend.exec({ pod, container: 'curl', command: ['cat'], stdin: true, tty: false }, r.io);
    expect(result).toEqual({ kind: 'exited', exitCode: 0 });
    expect(r.stdout()).toBe('hello world\n');
  }, 20_000);

  it('a tty is a terminal', async () => {
    const r = collect();
    const result = await backend.exec({ pod, container: 'curl', command: ['sh', '-c', 'test -t 1 && echo tty; exit 4'], stdin: false, tty: true }, r.io);
    expect(result).toEqual({ kind: 'exited', exitCode: 4 });
    expect(r.stdout()).toContain('tty');
  }, 20_000);

  it('abort kills the process', async () => {
    const ac = new AbortController();
    const r = collect(null, ac.signal);
    const started = Date.now();
    setTimeout(() => ac.abort(), 300);
    const result = await backend.exec({ pod, container: 'curl', command: ['sleep', '30'], stdin: false, tty: false }, r.io);
    expect(result.kind).toBe('exited');
    expect(Date.now() - started).toBeLessThan(10_000);
  }, 20_000);

  // A pod's loopback is its own: localhost reaches the pod's containers, never the machine's.
  it('localhost is the pod\'s own loopback', async () => {
    const own = collect();
    expect(await backend.exec({ pod, container: 'curl', command: ['curl', '-sS', 'http://localhost:8080/'], stdin: false, tty: false }, own.io)).toEqual({ kind: 'exited', exitCode: 0 });
    expect(own.stdout()).toBe('own port\n');
    const machine = collect();
    const port = (hostOnly.address() as AddressInfo).port;
    const r = await backend.exec({ pod, container: 'curl', command: ['curl', '-sS', `http://127.0.0.1:${port}/`], stdin: false, tty: false }, machine.io);
    expect(r).toEqual({ kind: 'exited', exitCode: 7 });
    expect(machine.stdout()).toBe('');
  }, 20_000);

  it('pods do not share files', async () => {
    const write = collect();
    expect(await backend.exec({ pod, container: 'curl', command: ['sh', '-c', 'echo mine > ~/note && cat ~/note'], stdin: false, tty: false }, write.io)).toEqual({ kind: 'exited', exitCode: 0 });
    expect(write.stdout()).toBe('mine\n');
    const other = collect();
    expect(await backend.exec({ pod: plainPod, container: 'app', command: ['cat', '/home/learner/note'], stdin: false, tty: false }, other.io)).toEqual({ kind: 'exited', exitCode: 1 });
  }, 20_000);

  it('before the mesh runs, exec says the network is not ready', async () => {
    const early = new SandboxExecBackend({ store, dataPlane: () => undefined, world: lease.world, clusterDir });
    const r = collect();
    expect(await early.exec({ pod, container: 'curl', command: ['true'], stdin: false, tty: false }, r.io)).toEqual({ kind: 'failed', message: 'the pod network is not ready yet' });
  });

  it('a tty follows resizes', async () => {
    let resize: ((size: { width: number; height: number }) => void) | undefined;
    const out: Buffer[] = [];
    const io: ExecIO = {
      stdin: (async function* () {
        await new Promise((r) => setTimeout(r, 300));
        resize?.({ width: 120, height: 40 });
        await new Promise((r) => setTimeout(r, 200));
        yield Buffer.from('stty size; exit\n');
      })(),
      stdout: (b) => out.push(b),
      stderr: () => {},
      onResize: (l) => (resize = l),
      signal: new AbortController().signal,
    };
    const result = await backend.exec({ pod, container: 'curl', command: ['sh'], stdin: true, tty: true }, io);
    expect(result).toEqual({ kind: 'exited', exitCode: 0 });
    expect(Buffer.concat(out).toString()).toContain('40 120');
  }, 20_000);

  // `kubectl exec -it deploy/curl -- sh`: Ctrl-C stops the foreground command, not the shell, and
  // `exit` ends the session with status 0.
  it('an interactive sh: Ctrl-C interrupts the command, exit is clean', async () => {
    const out: Buffer[] = [];
    const started = Date.now();
    const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
    const io: ExecIO = {
      stdin: (async function* () {
        await pause(300);
        yield Buffer.from('sleep 8\n');
        await pause(500);
        yield Buffer.from('\x03');
        await pause(300);
        yield Buffer.from('echo alive; exit\n');
      })(),
      stdout: (b) => out.push(b),
      stderr: () => {},
      onResize: () => {},
      signal: new AbortController().signal,
    };
    expect(await backend.exec({ pod, container: 'curl', command: ['sh'], stdin: true, tty: true }, io)).toEqual({ kind: 'exited', exitCode: 0 });
    expect(Date.now() - started).toBeLessThan(7000);
    const text = Buffer.concat(out).toString();
    expect(text).toContain('alive\r\n');
    expect(text).not.toContain('Cannot set tty process group');
  }, 20_000);
});

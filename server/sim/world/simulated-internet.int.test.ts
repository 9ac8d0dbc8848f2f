// The simulated internet through real curl: HTTP and HTTPS (h2) per host, redirects as Istio's
// egress docs show them, httpbin.org's formats, and the Helm chart repository with real helm.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findTool } from '../../tools/binaries.ts';
import { acquireSimulatedInternet, SimulatedInternet, type SimulatedInternetLease } from './simulated-internet.ts';

const run = promisify(execFile);
let lease: SimulatedInternetLease;
let dir: string;
let bundle: string;

/** curl with every world host pinned to its loopback listener (what the sidecar or uplink does). */
async function curl(args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  const pins: string[] = [];
  for (const host of lease.world.hosts) {
    for (const port of [80, 443]) {
      const a = lease.world.lookup(host, port)!;
      pins.push('--connect-to', `${host}:${port}:${a.host}:${a.port}`);
    }
  }
  try {
    const r = await run(findTool('curl'), [...pins, '--cacert', bundle, ...args], { timeout: 20_000 });
    return { ...r, code: 0 };
  } catch (err) {
    const e = err as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

beforeAll(async () => {
  lease = await acquireSimulatedInternet();
  dir = mkdtempSync(join(tmpdir(), 'meshlab-world-'));
  bundle = join(dir, 'ca.pem');
  writeFileSync(bundle, lease.world.caBundle());
}, 30_000);

afterAll(async () => {
  await lease?.release();
  rmSync(dir, { recursive: true, force: true });
});

describe('simulated internet through real curl', () => {
  // Istio egress-control task: `curl -sSL -o /dev/null -D - http://edition.cnn.com/politics`
  // shows a 301 to https followed by HTTP/2 200.
  it('edition.cnn.com redirects HTTP to HTTPS, then answers HTTP/2 200', async () => {
    const r = await curl(['-sSL', '-o', '/dev/null', '-D', '-', 'http://edition.cnn.com/politics']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^HTTP\/1\.1 301 Moved Permanently\r\n/);
    expect(r.stdout).toMatch(/\r\n[Ll]ocation: https:\/\/edition\.cnn\.com\/politics\r\n/);
    expect(r.stdout).toMatch(/\r\nHTTP\/2 200 \r\n/);
  });

  const cases: { name: string; args: string[]; expect: RegExp; code?: number }[] = [
    // Istio egress-control: `curl -sSI https://www.google.com | grep "HTTP/"` gives `HTTP/2 200`.
    { name: 'www.google.com over HTTPS is HTTP/2', args: ['-sSI', 'https://www.google.com'], expect: /^HTTP\/2 200 /m },
    { name: 'www.google.com over plain HTTP', args: ['-sS', '-o', '/dev/null', '-w', '%{http_code}', 'http://www.google.com/'], expect: /^200$/ },
    // kennethreitz/httpbin: header keys Title-Cased, values strings, X-Amzn-Trace-Id from the load balancer.
    { name: 'httpbin.org /headers', args: ['-sS', '-H', 'x-envoy-decorator-operation: httpbin.org:80/*', 'http://httpbin.org/headers'], expect: /"X-Amzn-Trace-Id": "Root=1-[\s\S]*"X-Envoy-Decorator-Operation": "httpbin\.org:80\/\*"/ },
    { name: 'httpbin.org hides X-Forwarded-For', args: ['-sS', '-H', 'X-Forwarded-For: 1.2.3.4', 'http://httpbin.org/headers'], expect: /^(?![\s\S]*X-Forwarded-For)[\s\S]*"Host": "httpbin\.org"/ },
    { name: 'httpbin.org /status/418 teapot', args: ['-sS', '-w', '%{http_code}', 'http://httpbin.org/status/418'], expect: /teapot[\s\S]*418$/ },
    { name: 'httpbin.org bad status code', args: ['-sS', '-w', ' %{http_code}', 'http://httpbin.org/status/abc'], expect: /^Invalid status code 400$/ },
    { name: 'httpbin.org over HTTPS', args: ['-sS', 'https://httpbin.org/get?a=1'], expect: /"url": "https:\/\/httpbin\.org\/get\?a=1"/ },
    // A header HTTP/2 cannot carry must not take the site down.
    { name: 'httpbin.org /response-headers with a connection header over h2', args: ['-sS', '-o', '/dev/null', '-w', '%{http_code}', 'https://httpbin.org/response-headers?Connection=close&X-Ok=1'], expect: /^200$/ },
    { name: 'httpbin.org still answers afterwards', args: ['-sS', '-o', '/dev/null', '-w', '%{http_code}', 'https://httpbin.org/get'], expect: /^200$/ },
    { name: 'chart repository index', args: ['-sS', 'https://istio-release.storage.googleapis.com/charts/index.yaml'], expect: /urls:\n\s+- https:\/\/istio-release\.storage\.googleapis\.com\/charts\/gateway-1\.28\.1\.tgz/ },
    { name: 'chart repository missing key', args: ['-sS', '-w', ' %{http_code}', 'https://istio-release.storage.googleapis.com/charts/nope.tgz'], expect: /NoSuchKey[\s\S]* 404$/ },
  ];
  it.each(cases)('$name', async (c) => {
    const r = await curl(c.args);
    expect(r.code).toBe(c.code ?? 0);
    expect(r.stdout).toMatch(c.expect);
  });

  it('unknown hosts do not resolve; known hosts only on 80 and 443', () => {
    expect(lease.world.lookup('example.invalid', 80)).toBeUndefined();
    expect(lease.world.lookup('HTTPBIN.ORG.', 80)).toEqual(lease.world.lookup('httpbin.org', 80));
    expect(lease.world.lookup('httpbin.org', 8080)).toBeUndefined();
    expect(lease.world.resolves('httpbin.org')).toBe(true);
    expect(lease.world.resolves('bad host')).toBe(false);
  });

  it('a second lease shares the running world', async () => {
    const again = await acquireSimulatedInternet();
    expect(again.world).toBe(lease.world);
    await again.release();
    expect(lease.world.lookup('httpbin.org', 80)).toBeDefined();
  });

  // A client holding an HTTP/2 session open must not keep the world from stopping.
  it('stops with open keep-alive and HTTP/2 connections', async () => {
    const { connect } = await import('node:http2');
    const own = await SimulatedInternet.start();
    const a = own.lookup('httpbin.org', 443)!;
    const session = connect(`https://127.0.0.1:${a.port}`, { ca: own.caCert, servername: 'httpbin.org' });
    session.on('error', () => {});
    await new Promise<void>((resolve, reject) => {
      const req = session.request({ ':path': '/get', ':authority': 'httpbin.org' });
      req.on('response', () => resolve());
      req.on('error', reject);
      req.resume();
      req.end();
    });
    const started = Date.now();
    await own.stop();
    expect(Date.now() - started).toBeLessThan(2000);
    session.destroy();
  }, 20_000);
});

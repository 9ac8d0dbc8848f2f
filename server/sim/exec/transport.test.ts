// Unit tests for the interception transport's pure parts: proxychains' remote DNS protocol, the
// TLS ClientHello server name, CONNECT lines, a pod's DNS search path, the kubelet's environment.
import { connect as tlsConnect } from 'node:tls';
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ObjectStore } from '../store/object-store.ts';
import { notFoundMessage, podDirName } from './sandbox-exec-backend.ts';
import { hasSidecar } from '../meta/pod.ts';
import { helmWrapper } from './host-network.ts';
import { expand, podEnvironment, serviceLinkEnv } from './pod-environment.ts';
import { LaptopNames, PodNames } from './pod-names.ts';
import { proxychainsConfig } from './proxychains-config.ts';
import { answer, ATM_GETIP, ATM_GETNAME, type NameTable } from './remote-dns.ts';
import { parseConnectLine } from './sidecar-interceptor.ts';
import { serverNameOf } from './tls-client-hello.ts';

function request(type: number, data: Buffer): Buffer {
  const h = Buffer.alloc(4);
  h[0] = type;
  h.writeUInt16BE(data.length, 2);
  return Buffer.concat([h, data]);
}

const table: NameTable = {
  addressOf: (n) => (n === 'httpbin' ? '10.96.1.2' : undefined),
  nameOf: (ip) => (ip === '10.96.1.2' ? 'httpbin.default.svc.cluster.local' : undefined),
};

describe('remote DNS protocol (proxychains-ng remotedns.h)', () => {
  const cases: { name: string; req: Buffer; reply: Buffer | undefined }[] = [
    { name: 'GETIP known name', req: request(ATM_GETIP, Buffer.from('httpbin\0')), reply: Buffer.from([0, 0, 0, 4, 10, 96, 1, 2]) },
    { name: 'GETIP unknown name: empty reply', req: request(ATM_GETIP, Buffer.from('nope\0')), reply: Buffer.from([0, 0, 0, 0]) },
    { name: 'GETNAME known address', req: request(ATM_GETNAME, Buffer.from([10, 96, 1, 2])), reply: Buffer.concat([Buffer.from([1, 0, 0, 34]), Buffer.from('httpbin.default.svc.cluster.local\0')]) },
    { name: 'GETNAME unknown address', req: request(ATM_GETNAME, Buffer.from([10, 9, 9, 9])), reply: Buffer.from([1, 0, 0, 0]) },
    { name: 'GETNAME with a bad length', req: request(ATM_GETNAME, Buffer.from([10, 9, 9])), reply: Buffer.from([1, 0, 0, 0]) },
    { name: 'truncated datagram', req: Buffer.from([0, 0]), reply: undefined },
    { name: 'declared length beyond the datagram', req: Buffer.from([0, 0, 0, 50, 65]), reply: undefined },
    { name: 'unknown message type', req: request(7, Buffer.from('x')), reply: undefined },
  ];
  it.each(cases)('$name', (c) => expect(answer(c.req, table)).toEqual(c.reply));

  it('a throwing table answers failure', () => {
    const bad: NameTable = { addressOf: () => { throw new Error('x'); }, nameOf: () => { throw new Error('x'); } };
    expect(answer(request(ATM_GETIP, Buffer.from('a\0')), bad)).toEqual(Buffer.from([0, 0, 0, 0]));
  });
});

describe('CONNECT line', () => {
  const cases: { line: string; want: ReturnType<typeof parseConnectLine> }[] = [
    { line: 'CONNECT httpbin.org:80 HTTP/1.0', want: { host: 'httpbin.org', port: 80 } },
    { line: 'CONNECT 10.96.0.1:443 HTTP/1.1', want: { host: '10.96.0.1', port: 443 } },
    { line: 'CONNECT [::1]:8080 HTTP/1.1', want: { host: '::1', port: 8080 } },
    { line: 'CONNECT HTTPBIN.ORG:80 HTTP/1.0', want: { host: 'httpbin.org', port: 80 } },
    { line: 'CONNECT httpbin.org:0 HTTP/1.0', want: undefined },
    { line: 'CONNECT httpbin.org:99999 HTTP/1.0', want: undefined },
    { line: 'CONNECT httpbin.org HTTP/1.0', want: undefined },
    { line: 'GET / HTTP/1.1', want: undefined },
    { line: 'CONNECT a b:80 HTTP/1.0', want: undefined },
  ];
  it.each(cases)('$line', (c) => expect(parseConnectLine(c.line)).toEqual(c.want));
});

/** A real ClientHello, as node:tls sends it. */
function clientHello(servername: string | undefined): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const server = createServer((s) => {
      s.once('data', (d: Buffer) => {
        resolve(d);
        s.destroy();
        server.close();
      });
    });
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      const c = tlsConnect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false });
      c.on('error', () => {});
      c.on('close', () => {});
    });
    server.on('error', reject);
  });
}

describe('TLS ClientHello server name', () => {
  it('reads SNI from a real ClientHello', async () => expect(serverNameOf(await clientHello('www.google.com'))).toBe('www.google.com'));
  it('no SNI extension', async () => expect(serverNameOf(await clientHello(''))).toBeUndefined());
  const bad = [
    { name: 'empty', data: Buffer.alloc(0) },
    { name: 'plain HTTP', data: Buffer.from('GET / HTTP/1.1\r\n\r\n') },
    { name: 'truncated record', data: Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00]) },
    { name: 'random bytes', data: Buffer.from([0x16, 0x03, 0x03, 0xff, 0xff, ...Array.from({ length: 64 }, (_, i) => (i * 37) & 255)]) },
  ];
  it.each(bad)('$name gives no name', (c) => expect(serverNameOf(c.data)).toBeUndefined());
});

describe('a pod\'s DNS (kube-dns search path, ndots 5)', () => {
  const store = new ObjectStore();
  store.create('services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'httpbin', namespace: 'apps' }, spec: { clusterIP: '10.96.5.5' } });
  store.create('services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'ext', namespace: 'apps' }, spec: { type: 'ExternalName', externalName: 'httpbin.org' } });
  store.create('services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'headless', namespace: 'apps' }, spec: { clusterIP: 'None' } });
  store.create('services', { apiVersion: 'v1', kind: 'Service', metadata: { name: 'db-headless', namespace: 'apps' }, spec: { clusterIP: 'None' } });
  store.create('endpoints', { apiVersion: 'v1', kind: 'Endpoints', metadata: { name: 'db-headless', namespace: 'apps' }, subsets: [{ addresses: [{ ip: '10.244.0.31' }], notReadyAddresses: [{ ip: '10.244.0.32' }] }] });
  store.create('networking.istio.io/serviceentries', { apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name: 'db', namespace: 'apps' }, spec: { hosts: ['db.example.internal'], addresses: ['240.1.1.1'] } });
  const world = { resolves: (h: string) => h === 'httpbin.org' };
  const names = new PodNames(store, 'apps', world);
  const cases: { name: string; query: string; want: string | 'outside' | undefined }[] = [
    { name: 'short name in the pod namespace', query: 'httpbin', want: '10.96.5.5' },
    { name: 'name.namespace', query: 'httpbin.apps', want: '10.96.5.5' },
    { name: 'name.namespace.svc', query: 'httpbin.apps.svc', want: '10.96.5.5' },
    { name: 'FQDN', query: 'httpbin.apps.svc.cluster.local', want: '10.96.5.5' },
    { name: 'FQDN with trailing dot', query: 'httpbin.apps.svc.cluster.local.', want: '10.96.5.5' },
    { name: 'upper case', query: 'HTTPBIN', want: '10.96.5.5' },
    { name: 'another namespace needs qualifying', query: 'httpbin.other', want: undefined },
    { name: 'ExternalName service', query: 'ext', want: 'outside' },
    { name: 'headless service without endpoints', query: 'headless', want: undefined },
    { name: 'headless service: a ready endpoint', query: 'db-headless', want: '10.244.0.31' },
    // kube-dns knows no ServiceEntry: without the sidecar's DNS proxy the name does not resolve.
    { name: 'ServiceEntry host without DNS proxying', query: 'db.example.internal', want: undefined },
    { name: 'outside host', query: 'httpbin.org', want: 'outside' },
    { name: 'unknown outside host', query: 'example.com', want: undefined },
    { name: 'literal address', query: '10.244.0.7', want: '10.244.0.7' },
    { name: 'invalid characters', query: 'a b', want: undefined },
  ];
  it.each(cases)('$name', (c) => {
    const got = names.addressOf(c.query);
    if (c.want === 'outside') expect(got).toMatch(/^10\.255\.\d+\.\d+$/);
    else expect(got).toBe(c.want);
  });

  it('addresses map back to names', () => {
    expect(names.nameOf('10.96.5.5')).toBe('httpbin.apps.svc.cluster.local');
    expect(names.nameOf(names.addressOf('httpbin.org')!)).toBe('httpbin.org');
    expect(names.nameOf('240.1.1.1')).toBe('db.example.internal');
    expect(names.nameOf('10.244.3.3')).toBe('10.244.3.3');
  });

  // istio.io/latest/docs/ops/configuration/traffic-management/dns-proxy/: with ISTIO_META_DNS_CAPTURE
  // the sidecar answers ServiceEntry hosts (their address, or with ISTIO_META_DNS_AUTO_ALLOCATE one
  // from 240.240.0.0/16); other names go on to kube-dns.
  const proxied = (env: Record<string, string>) =>
    new PodNames(store, 'apps', world, { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'c', namespace: 'apps' }, spec: { initContainers: [{ name: 'istio-proxy', env: Object.entries(env).map(([name, value]) => ({ name, value })) }] } });
  store.create('networking.istio.io/serviceentries', { apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name: 'auto', namespace: 'apps' }, spec: { hosts: ['auto.internal'], resolution: 'DNS' } });
  store.create('networking.istio.io/serviceentries', { apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name: 'none', namespace: 'apps' }, spec: { hosts: ['none.internal'] } });
  it.each([
    ['capture: the entry address', { ISTIO_META_DNS_CAPTURE: 'true' }, 'db.example.internal', '240.1.1.1'],
    ['capture: no address, no auto allocation', { ISTIO_META_DNS_CAPTURE: 'true' }, 'auto.internal', undefined],
    ['capture + auto allocation', { ISTIO_META_DNS_CAPTURE: 'true', ISTIO_META_DNS_AUTO_ALLOCATE: 'true' }, 'auto.internal', /^240\.240\.\d+\.\d+$/],
    ['auto allocation skips resolution NONE', { ISTIO_META_DNS_CAPTURE: 'true', ISTIO_META_DNS_AUTO_ALLOCATE: 'true' }, 'none.internal', undefined],
    ['auto allocation alone does nothing', { ISTIO_META_DNS_AUTO_ALLOCATE: 'true' }, 'auto.internal', undefined],
    ['capture "false"', { ISTIO_META_DNS_CAPTURE: 'false' }, 'db.example.internal', undefined],
    ['capture: services as kube-dns answers', { ISTIO_META_DNS_CAPTURE: 'true' }, 'httpbin', '10.96.5.5'],
    ['capture: outside names still resolve', { ISTIO_META_DNS_CAPTURE: 'true' }, 'httpbin.org', /^10\.255\./],
  ])('DNS proxy, %s', (_n, env, query, want) => {
    const got = proxied(env).addressOf(query);
    if (want instanceof RegExp) expect(got).toMatch(want);
    else expect(got).toBe(want);
  });
  it('an auto-allocated address maps back to its host', () => {
    const names = proxied({ ISTIO_META_DNS_CAPTURE: 'true', ISTIO_META_DNS_AUTO_ALLOCATE: 'true' });
    expect(names.nameOf(names.addressOf('auto.internal')!)).toBe('auto.internal');
  });

  it('search order: fewer than 5 dots tries the search list first', () => {
    expect(names.candidates('a.b')).toEqual(['a.b.apps.svc.cluster.local', 'a.b.svc.cluster.local', 'a.b.cluster.local', 'a.b']);
    expect(names.candidates('a.b.c.d.e.f')[0]).toBe('a.b.c.d.e.f');
  });

  it('the laptop resolves only the outside world', () => {
    const laptop = new LaptopNames(world);
    expect(laptop.addressOf('httpbin')).toBeUndefined();
    expect(laptop.addressOf('httpbin.org')).toBe(names.addressOf('httpbin.org'));
  });
});

describe('container environment (kubelet)', () => {
  // pkg/kubelet/envvars/envvars_test.go: FOO_SERVICE_HOST, FOO_SERVICE_PORT, FOO_PORT, FOO_PORT_<port>_<PROTO>[_PROTO|_PORT|_ADDR].
  it('service links', () => {
    const env = serviceLinkEnv([{ apiVersion: 'v1', kind: 'Service', metadata: { name: 'test-svc' }, spec: { clusterIP: '1.2.3.4', ports: [{ name: 'http', port: 8083, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }] } }]);
    expect(env).toEqual({
      TEST_SVC_SERVICE_HOST: '1.2.3.4',
      TEST_SVC_SERVICE_PORT: '8083',
      TEST_SVC_SERVICE_PORT_HTTP: '8083',
      TEST_SVC_PORT: 'tcp://1.2.3.4:8083',
      TEST_SVC_PORT_8083_TCP: 'tcp://1.2.3.4:8083',
      TEST_SVC_PORT_8083_TCP_PROTO: 'tcp',
      TEST_SVC_PORT_8083_TCP_PORT: '8083',
      TEST_SVC_PORT_8083_TCP_ADDR: '1.2.3.4',
      TEST_SVC_PORT_53_UDP: 'udp://1.2.3.4:53',
      TEST_SVC_PORT_53_UDP_PROTO: 'udp',
      TEST_SVC_PORT_53_UDP_PORT: '53',
      TEST_SVC_PORT_53_UDP_ADDR: '1.2.3.4',
    });
  });

  // third_party/forked/golang/expansion: $(VAR) known expands, unknown stays, $$ escapes.
  const expansions = [
    { input: '$(A)-x', want: 'a-x' },
    { input: '$(MISSING)', want: '$(MISSING)' },
    { input: '$$(A)', want: '$(A)' },
    { input: 'plain', want: 'plain' },
  ];
  it.each(expansions)('expand $input', (c) => expect(expand(c.input, { A: 'a' })).toBe(c.want));

  it('env from configMap, secret and fieldRef; later entries win', () => {
    const store = new ObjectStore();
    store.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', namespace: 'ns' }, data: { MODE: 'fast', LEVEL: '3' } });
    store.create('secrets', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'sec', namespace: 'ns' }, data: { token: Buffer.from('s3cret').toString('base64') } });
    const pod = {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'ns', labels: { app: 'web' } },
      spec: { enableServiceLinks: false, containers: [{ name: 'c', envFrom: [{ configMapRef: { name: 'cfg' }, prefix: 'CFG_' }], env: [
        { name: 'CFG_MODE', value: 'slow' },
        { name: 'TOKEN', valueFrom: { secretKeyRef: { name: 'sec', key: 'token' } } },
        { name: 'APP', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app']" } } },
        { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      ] }] },
      status: { podIP: '10.244.0.4' },
    };
    const env = podEnvironment(pod, 'c', store);
    expect(env).toMatchObject({ CFG_MODE: 'slow', CFG_LEVEL: '3', TOKEN: 's3cret', APP: 'web', IP: '10.244.0.4', HOSTNAME: 'p' });
    expect(Object.keys(env).some((k) => k.endsWith('_SERVICE_HOST'))).toBe(false);
  });
});

describe('small pieces', () => {
  it('proxychains config', () => {
    expect(proxychainsConfig({ proxyPort: 4000, dnsPort: 5000 })).toBe(
      'strict_chain\nquiet_mode\nproxy_dns_daemon 127.0.0.1:5000\nremote_dns_subnet 10\ntcp_read_time_out 15000\ntcp_connect_time_out 8000\nlocalnet 127.0.0.0/255.0.0.0\n[ProxyList]\nhttp 127.0.0.1 4000\n',
    );
    expect(proxychainsConfig({ proxyPort: 4000, dnsPort: 5000, directLoopback: false })).not.toContain('localnet');
    expect(() => proxychainsConfig({ proxyPort: 0, dnsPort: 1 })).toThrow();
  });

  it('helm wrapper quotes the path and proxies only helm', () => {
    const w = helmWrapper("/opt/it's/helm", 4321);
    expect(w).toContain("exec '/opt/it'\\''s/helm' \"$@\"");
    expect(w).toContain('HTTPS_PROXY=http://127.0.0.1:4321');
    expect(w).toContain('NO_PROXY=127.0.0.1,localhost');
  });

  // runc's error for a missing executable, which containerd passes on to kubectl.
  it('missing command message', () => {
    expect(notFoundMessage('foo')).toBe('OCI runtime exec failed: exec failed: unable to start container process: exec: "foo": executable file not found in $PATH: unknown');
  });

  const dirs = [
    { name: 'namespace, name and uid', meta: { name: 'curl-1', namespace: 'default', uid: 'abcdef12-3456' }, want: 'default_curl-1-abcdef12' },
    { name: 'no uid', meta: { name: 'curl-1', namespace: 'ns' }, want: 'ns_curl-1' },
    { name: 'path characters are neutralised', meta: { name: '../../etc', namespace: 'a/b' }, want: 'a_b_.._.._etc' },
  ];
  it.each(dirs)('pod directory: $name', (c) => expect(podDirName({ apiVersion: 'v1', kind: 'Pod', metadata: c.meta })).toBe(c.want));

  const sidecars = [
    { name: 'native sidecar', spec: { initContainers: [{ name: 'istio-proxy' }], containers: [{ name: 'app' }] }, want: true },
    { name: 'legacy sidecar', spec: { containers: [{ name: 'app' }, { name: 'istio-proxy' }] }, want: true },
    { name: 'no sidecar', spec: { containers: [{ name: 'app' }] }, want: false },
  ];
  it.each(sidecars)('hasSidecar: $name', (c) => expect(hasSidecar({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec: c.spec })).toBe(c.want));
});

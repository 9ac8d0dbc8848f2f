// Cluster DNS names and addresses as a pod's resolv.conf search path (`<ns>.svc.cluster.local
// svc.cluster.local cluster.local`) resolves them, and kube-proxy's Service → endpoint choice.
import { describe, expect, it } from 'vitest';
import { ObjectStore } from '../store/object-store.ts';
import { ClusterNetwork } from './cluster-network.ts';

function setup() {
  const store = new ObjectStore();
  const svc = (name: string, ns: string, ip: string) =>
    store.create('services', { apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: ns }, spec: { clusterIP: ip, clusterIPs: [ip], ports: [{ name: 'http', port: 8000, targetPort: 8080, protocol: 'TCP' }] } });
  svc('httpbin', 'default', '10.96.0.20');
  svc('httpbin', 'bookinfo', '10.96.0.21');
  store.create('endpoints', {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'httpbin', namespace: 'default' },
    subsets: [{ addresses: [{ ip: '10.244.0.5', targetRef: { kind: 'Pod', name: 'a', namespace: 'default' } }, { ip: '10.244.0.6' }], ports: [{ name: 'http', port: 8080, protocol: 'TCP' }] }],
  });
  const net = new ClusterNetwork(store);
  net.register('10.244.0.5', 8080, 40001);
  net.register('10.244.0.6', 8080, 40002);
  return { store, net };
}

describe('cluster DNS', () => {
  it.each([
    ['httpbin', 'default', 'httpbin.default.svc.cluster.local'],
    ['httpbin', 'bookinfo', 'httpbin.bookinfo.svc.cluster.local'],
    ['httpbin.bookinfo', 'default', 'httpbin.bookinfo.svc.cluster.local'],
    ['httpbin.bookinfo.svc', 'default', 'httpbin.bookinfo.svc.cluster.local'],
    ['httpbin.bookinfo.svc.cluster.local', 'default', 'httpbin.bookinfo.svc.cluster.local'],
    ['HTTPBIN.default.svc.cluster.local.', 'x', 'httpbin.default.svc.cluster.local'],
    ['10.96.0.21', 'default', 'httpbin.bookinfo.svc.cluster.local'],
  ])('%s from %s → %s', (name, ns, fqdn) => {
    expect(setup().net.resolveService(name, ns)?.fqdn).toBe(fqdn);
  });
  it.each([
    ['httpbin', 'other'],
    ['httpbin.org', 'default'],
    ['httpbin.default.svc.example.com', 'default'],
    ['', 'default'],
  ])('%s from %s does not resolve', (name, ns) => {
    expect(setup().net.resolveService(name, ns)).toBeUndefined();
  });
});

describe('addresses', () => {
  it('a pod IP and container port map to the registered loopback socket; unknown is refused', () => {
    const { net } = setup();
    expect(net.socketOf('10.244.0.5', 8080)).toEqual({ host: '127.0.0.1', port: 40001 });
    expect(net.socketOf('10.244.0.5', 80)).toBeUndefined();
    net.unregister('10.244.0.5');
    expect(net.socketOf('10.244.0.5', 8080)).toBeUndefined();
  });
  it('only loopback addresses can be registered', () => {
    expect(() => setup().net.register('10.244.0.9', 80, 1, '192.168.1.1')).toThrow();
  });
  it('kube-proxy: Service name or cluster IP and service port → endpoints round robin', () => {
    const { net } = setup();
    const picks = [0, 1, 2, 3].map(() => net.connectTarget('httpbin', 8000, 'default')?.port);
    expect(picks).toEqual([40001, 40002, 40001, 40002]);
    expect(net.connectTarget('10.96.0.20', 8000, 'x')?.port).toBeDefined();
    expect(net.connectTarget('httpbin', 9999, 'default')).toBeUndefined();
  });
  it('readyEndpoints carries the pod reference', () => {
    expect(setup().net.readyEndpoints('default', 'httpbin', 8000)).toEqual([
      { ip: '10.244.0.5', port: 8080, podName: 'a', podNamespace: 'default' },
      { ip: '10.244.0.6', port: 8080, podName: undefined, podNamespace: 'default' },
    ]);
  });
});

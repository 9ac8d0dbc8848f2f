import type { V1Node, V1Service } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { chooseIngress, parseIngressUrl } from './ingress.ts';

const ports = [
  { name: 'status-port', port: 15021, nodePort: 31001 },
  { name: 'http2', port: 80, nodePort: 31080 },
  { name: 'https', port: 443, nodePort: 31443 },
];
const svc = (type: string, lb?: { ip?: string; hostname?: string }): V1Service => ({
  metadata: { name: 'istio-ingressgateway', namespace: 'istio-system' },
  spec: { type, ports },
  status: lb ? { loadBalancer: { ingress: [lb] } } : {},
});
const node = (addresses: [string, string][]): V1Node => ({ status: { addresses: addresses.map(([type, address]) => ({ type, address })) } });

describe('chooseIngress', () => {
  it.each([
    ['--ingress wins over everything', { ingressUrl: 'http://gw.example:8080', service: svc('LoadBalancer', { ip: '203.0.113.7' }), nodes: [] }, { source: 'flag', address: { host: 'gw.example', port: 8080 } }],
    ['an https --ingress URL defaults to 443', { ingressUrl: 'https://gw.example', nodes: [] }, { source: 'flag', address: { host: 'gw.example', port: 443, securePort: 443 } }],
    ['LoadBalancer IP on the service port', { service: svc('LoadBalancer', { ip: '203.0.113.7' }), nodes: [] }, { source: 'loadbalancer', address: { host: '203.0.113.7', port: 80, securePort: 443 } }],
    ['LoadBalancer hostname', { service: svc('LoadBalancer', { hostname: 'abc.elb.example' }), nodes: [] }, { source: 'loadbalancer', address: { host: 'abc.elb.example', port: 80, securePort: 443 } }],
    ['pending LoadBalancer falls back to a node port on an ExternalIP', { service: svc('LoadBalancer'), nodes: [node([['InternalIP', '10.0.0.5'], ['ExternalIP', '198.51.100.4']])] }, { source: 'nodeport', address: { host: '198.51.100.4', port: 31080, securePort: 31443 } }],
    ['NodePort on an InternalIP', { service: svc('NodePort'), nodes: [node([['InternalIP', '10.0.0.5']])] }, { source: 'nodeport', address: { host: '10.0.0.5', port: 31080, securePort: 31443 } }],
    ['a loopback API server means node ports on loopback (kind, embedded)', { service: svc('NodePort'), nodes: [node([['InternalIP', '172.18.0.2']])], apiHost: '127.0.0.1' }, { source: 'nodeport', address: { host: '127.0.0.1', port: 31080, securePort: 31443 } }],
  ])('%s', (_name, input, expected) => {
    expect(chooseIngress(input)).toEqual(expected);
  });

  it.each([
    ['no gateway service', { nodes: [] }, /no ingress gateway Service found in istio-system/],
    ['a ClusterIP gateway', { service: svc('ClusterIP'), nodes: [] }, /type ClusterIP\) has no LoadBalancer address and no HTTP node port/],
    ['node ports but no node addresses', { service: svc('NodePort'), nodes: [] }, /node port 31080 but no node has an address/],
  ])('says why not: %s', (_name, input, problem) => {
    const r = chooseIngress(input);
    expect(r.address).toBeUndefined();
    expect(r.problem).toMatch(problem);
  });
});

describe('parseIngressUrl', () => {
  it('takes IPv6 literals without brackets', () => expect(parseIngressUrl('http://[::1]:8080')).toEqual({ host: '::1', port: 8080 }));
  it('rejects other schemes', () => expect(() => parseIngressUrl('ftp://x')).toThrow(/http:\/\/ or https:\/\//));
  it('rejects non-URLs', () => expect(() => parseIngressUrl('not a url')).toThrow());
});

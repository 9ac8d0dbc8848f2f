// TLS passed through by SNI, as data: configuration + a TLS connection (port, SNI) → the listener,
// the PASSTHROUGH server whose hosts take the SNI, the VirtualService `tls` route and match
// block, the destination, cluster and endpoints, or why the connection is closed (Envoy finds no
// filter chain: NR; no cluster: NC; no endpoints: UH). Cases from istio.io's "Ingress Gateway
// without TLS Termination" task (nginx.example.com on 443) and the egress gateway's HTTPS
// passthrough (edition.cnn.com from the mesh to the egress gateway).
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../store/object-store.ts';
import { simulate, type SimulatedCall, type SimulationResult } from './simulate.ts';
import { buildGatewayTable, translateConfig } from './translate.ts';
import type { ClusterLookup, ClusterQuery } from './upstreams.ts';
import { resolveShortName } from './hosts.ts';
import { untranslatedWords } from './zh-words.ts';

let rv = 1;
const istio = (kind: string, name: string, namespace: string, spec: Record<string, unknown>): KubeObject => ({ apiVersion: 'networking.istio.io/v1', kind, metadata: { name, namespace, creationTimestamp: '2026-01-01T00:00:00Z', resourceVersion: String(rv++), generation: 1 }, spec });
const service = (name: string, namespace: string, port: number): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace }, spec: { ports: [{ name: 'https', port }] } });

function clusters(list: Record<string, string[]>) {
  return (q: ClusterQuery): ClusterLookup => {
    const host = resolveShortName(q.host, q.namespace);
    const name = `outbound|${q.port ?? q.listenerPort ?? ''}|${q.subset ?? ''}|${host}`;
    const eps = list[name];
    if (!eps) return { kind: 'not_found', name };
    return { kind: 'ok', name, host, port: q.port ?? 0, subset: q.subset, endpoints: eps.map((address) => ({ address })), limits: { maxConnections: 1, http1MaxPendingRequests: 1, http2MaxRequests: 1, maxRequestsPerConnection: 0 }, external: !host.endsWith('.svc.cluster.local'), serviceNamespace: host.split('.')[1] };
  };
}

const nginxSvc = service('my-nginx', 'default', 443);
const NGINX = 'outbound|443||my-nginx.default.svc.cluster.local';
const passthroughServer = (hosts: string[], mode = 'PASSTHROUGH') => ({ port: { number: 443, name: 'https', protocol: 'HTTPS' }, tls: { mode, ...(mode === 'PASSTHROUGH' ? {} : { credentialName: 'nginx-credential' }) }, hosts });
const gw = (hosts = ['nginx.example.com'], mode = 'PASSTHROUGH') => istio('Gateway', 'mygateway', 'default', { selector: { istio: 'ingressgateway' }, servers: [passthroughServer(hosts, mode)] });
const nginxVs = (tls: unknown[], hosts = ['nginx.example.com'], namespace = 'default') => istio('VirtualService', 'nginx', namespace, { hosts, gateways: namespace === 'default' ? ['mygateway'] : ['default/mygateway'], tls });
const toNginx = (sniHosts: string[] = ['nginx.example.com'], extra: Record<string, unknown> = {}) => ({ match: [{ port: 443, sniHosts, ...extra }], route: [{ destination: { host: 'my-nginx', port: { number: 443 } } }] });
const ingressPod = { namespace: 'istio-system', name: 'istio-ingressgateway-0', labels: { istio: 'ingressgateway' } };
const tlsAtIngress = (sni: string | undefined, port = 443): SimulatedCall => ({ proxy: { kind: 'gateway', namespace: 'istio-system', labels: ingressPod.labels }, port, authority: sni ?? '', path: '', sni, passthrough: true });
const tlsFromSidecar = (sni: string, port = 443): SimulatedCall => ({ proxy: { kind: 'sidecar', namespace: 'default', labels: { app: 'curl' } }, port, authority: sni, path: '', sni, passthrough: true });

const egressGw = istio('Gateway', 'istio-egressgateway', 'default', { selector: { istio: 'egressgateway' }, servers: [{ port: { number: 443, name: 'tls', protocol: 'TLS' }, hosts: ['edition.cnn.com'], tls: { mode: 'PASSTHROUGH' } }] });
const egressVs = istio('VirtualService', 'direct-cnn-through-egress-gateway', 'default', {
  hosts: ['edition.cnn.com'],
  gateways: ['mesh', 'istio-egressgateway'],
  tls: [
    { match: [{ gateways: ['mesh'], port: 443, sniHosts: ['edition.cnn.com'] }], route: [{ destination: { host: 'istio-egressgateway.istio-system.svc.cluster.local', port: { number: 443 } } }] },
    { match: [{ gateways: ['istio-egressgateway'], port: 443, sniHosts: ['edition.cnn.com'] }], route: [{ destination: { host: 'edition.cnn.com', port: { number: 443 } }, weight: 100 }] },
  ],
});
const EGRESS = 'outbound|443||istio-egressgateway.istio-system.svc.cluster.local';
const meshConfig = (mode: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'istio', namespace: 'istio-system' }, data: { mesh: `outboundTrafficPolicy:\n  mode: ${mode}\n` } });
const cnnEntry = istio('ServiceEntry', 'cnn', 'default', { hosts: ['edition.cnn.com'], ports: [{ number: 443, name: 'tls', protocol: 'TLS' }], resolution: 'DNS' });

interface Case {
  name: string;
  config: KubeObject[];
  cds?: Record<string, string[]>;
  call: SimulatedCall;
  random?: () => number;
  expect: Partial<Pick<SimulationResult, 'tls' | 'destination' | 'cluster' | 'endpoints' | 'noListener'>> & { kind: SimulationResult['response']['kind']; flags: string; details?: string; reason: RegExp; passedOver?: string[] };
}

const cases: Case[] = [
  { name: 'PASSTHROUGH server and a tls route for nginx.example.com: passed through to my-nginx', config: [nginxSvc, gw(), nginxVs([toNginx()])], cds: { [NGINX]: ['10.244.0.7:443'] }, call: tlsAtIngress('nginx.example.com'), expect: { kind: 'tls_passthrough', flags: '-', tls: { sni: 'nginx.example.com', server: { gateway: 'default/mygateway', serverIndex: 0 }, route: { virtualService: 'default/nginx', ruleIndex: 0, matchIndex: 0 } }, destination: { host: 'my-nginx', port: 443, subset: undefined }, cluster: NGINX, endpoints: ['10.244.0.7:443'], reason: /TLS with SNI nginx.example.com passed through by VirtualService default\/nginx tls rule 0 to outbound\|443\|\|my-nginx/ } },
  { name: 'SNI in another case is matched lowercased', config: [nginxSvc, gw(), nginxVs([toNginx()])], cds: { [NGINX]: ['10.244.0.7:443'] }, call: tlsAtIngress('NGINX.example.com'), expect: { kind: 'tls_passthrough', flags: '-', cluster: NGINX, reason: /passed through/ } },
  { name: 'no Gateway server on the port: connection refused', config: [nginxSvc, gw(), nginxVs([toNginx()])], call: tlsAtIngress('nginx.example.com', 8443), expect: { kind: 'no_route', flags: '-', noListener: 'no Gateway server selecting this gateway listens on port 8443', reason: /connection refused/ } },
  { name: 'a ClientHello without SNI: no filter chain, NR', config: [nginxSvc, gw(), nginxVs([toNginx()])], call: tlsAtIngress(undefined), expect: { kind: 'no_route', flags: 'NR', details: 'filter_chain_not_found', reason: /carries no SNI/ } },
  { name: 'an SNI outside the server hosts: no filter chain, NR, the hosts named', config: [nginxSvc, gw(), nginxVs([toNginx()])], call: tlsAtIngress('other.example.com'), expect: { kind: 'no_route', flags: 'NR', details: 'filter_chain_not_found', reason: /no PASSTHROUGH server on port 443 has a host matching SNI other.example.com \(hosts: nginx.example.com\)/ } },
  { name: 'server hosts *, but no tls route takes the SNI: NR with the rule passed over', config: [nginxSvc, gw(['*']), nginxVs([toNginx()], ['*.example.com'])], call: tlsAtIngress('other.example.com'), expect: { kind: 'no_route', flags: 'NR', passedOver: ['SNI other.example.com does not match sniHosts nginx.example.com'], reason: /no VirtualService tls route bound to Gateway default\/mygateway on port 443 matches SNI other.example.com/ } },
  { name: 'SNI outside the VirtualService hosts: the VirtualService passed over', config: [nginxSvc, gw(['*']), nginxVs([toNginx(['*.example.com'])], ['nginx.example.com'])], call: tlsAtIngress('other.example.com'), expect: { kind: 'no_route', flags: 'NR', passedOver: ['SNI other.example.com is not among the VirtualService hosts nginx.example.com'], reason: /no VirtualService tls route/ } },
  { name: 'match.port of another port: the rule does not apply, NR', config: [nginxSvc, gw(), nginxVs([{ ...toNginx(), match: [{ port: 8443, sniHosts: ['nginx.example.com'] }] }])], call: tlsAtIngress('nginx.example.com'), expect: { kind: 'no_route', flags: 'NR', reason: /no VirtualService tls route/ } },
  { name: 'the second rule takes the SNI: the first is passed over', config: [nginxSvc, gw(['*.example.com']), nginxVs([toNginx(['a.example.com']), toNginx(['*.example.com'])], ['*.example.com'])], cds: { [NGINX]: ['10.244.0.7:443'] }, call: tlsAtIngress('b.example.com'), expect: { kind: 'tls_passthrough', flags: '-', passedOver: ['SNI b.example.com does not match sniHosts a.example.com'], tls: { sni: 'b.example.com', server: { gateway: 'default/mygateway', serverIndex: 0 }, route: { virtualService: 'default/nginx', ruleIndex: 1, matchIndex: 0 } }, reason: /tls rule 1/ } },
  { name: 'server host ns/host binds only VirtualServices of that namespace', config: [nginxSvc, gw(['other/nginx.example.com']), nginxVs([toNginx()])], call: tlsAtIngress('nginx.example.com'), expect: { kind: 'no_route', flags: 'NR', reason: /no VirtualService tls route bound to Gateway default\/mygateway/ } },
  { name: 'destination host that is no Service: NC, the host named', config: [gw(), nginxVs([toNginx()])], call: tlsAtIngress('nginx.example.com'), expect: { kind: 'cluster_not_found', flags: 'NC', cluster: NGINX, reason: /cluster not found: host my-nginx.default.svc.cluster.local is neither a Service nor a ServiceEntry host \(VirtualService default\/nginx tls rule 0\)/ } },
  { name: 'a Service with no ready endpoints: UH', config: [nginxSvc, gw(), nginxVs([toNginx()])], cds: { [NGINX]: [] }, call: tlsAtIngress('nginx.example.com'), expect: { kind: 'no_healthy_upstream', flags: 'UH', reason: /no healthy upstream: no ready endpoint of my-nginx.default.svc.cluster.local/ } },
  { name: 'SIMPLE server on the port: TLS is terminated there, not passed through', config: [nginxSvc, gw(['nginx.example.com'], 'SIMPLE'), nginxVs([toNginx()])], call: tlsAtIngress('nginx.example.com'), expect: { kind: 'no_route', flags: 'NR', reason: /not in tls.mode PASSTHROUGH/ } },
  { name: 'weights pick the destination with the random source', config: [nginxSvc, service('my-nginx-v2', 'default', 443), gw(), nginxVs([{ match: [{ port: 443, sniHosts: ['nginx.example.com'] }], route: [{ destination: { host: 'my-nginx', port: { number: 443 } }, weight: 50 }, { destination: { host: 'my-nginx-v2', port: { number: 443 } }, weight: 50 }] }])], cds: { [NGINX]: ['a:443'], 'outbound|443||my-nginx-v2.default.svc.cluster.local': ['b:443'] }, call: tlsAtIngress('nginx.example.com'), random: () => 0.75, expect: { kind: 'tls_passthrough', flags: '-', destination: { host: 'my-nginx-v2', port: 443, subset: undefined }, reason: /my-nginx-v2/ } },
  // Egress gateway, HTTPS passthrough: the mesh rule sends the sidecar's TLS to the egress gateway.
  { name: 'sidecar: mesh tls route for edition.cnn.com goes to the egress gateway', config: [service('istio-egressgateway', 'istio-system', 443), egressGw, egressVs], cds: { [EGRESS]: ['10.244.0.9:8443'] }, call: tlsFromSidecar('edition.cnn.com'), expect: { kind: 'tls_passthrough', flags: '-', tls: { sni: 'edition.cnn.com', route: { virtualService: 'default/direct-cnn-through-egress-gateway', ruleIndex: 0, matchIndex: 0 } }, cluster: EGRESS, endpoints: ['10.244.0.9:8443'], reason: /tls rule 0/ } },
  // A sidecar's TLS that no tls route takes: the outbound traffic policy (istio-semantics: REGISTRY_ONLY,
  // HTTPS to an unknown host: the connection closes during TLS, curl exit 35; istio.io's egress-control task).
  { name: 'sidecar, ALLOW_ANY: an SNI no mesh tls route takes passes through', config: [service('istio-egressgateway', 'istio-system', 443), egressGw, egressVs], call: tlsFromSidecar('www.google.com'), expect: { kind: 'passthrough', flags: '-', passedOver: ['SNI www.google.com is not among the VirtualService hosts edition.cnn.com'], cluster: 'PassthroughCluster', endpoints: ['www.google.com:443'], reason: /passed through \(outboundTrafficPolicy ALLOW_ANY, PassthroughCluster\)/ } },
  { name: 'sidecar, REGISTRY_ONLY, HTTPS to an unknown host: BlackHoleCluster, closed during the handshake', config: [meshConfig('REGISTRY_ONLY')], call: tlsFromSidecar('edition.cnn.com'), expect: { kind: 'registry_only_blocked', flags: 'UH', cluster: 'BlackHoleCluster', endpoints: [], reason: /connection closed during the TLS handshake \(BlackHoleCluster\): outboundTrafficPolicy REGISTRY_ONLY and no ServiceEntry for edition.cnn.com on port 443/ } },
  { name: 'sidecar, REGISTRY_ONLY with a ServiceEntry for the host on 443: its cluster', config: [meshConfig('REGISTRY_ONLY'), cnnEntry], cds: { 'outbound|443||edition.cnn.com': ['edition.cnn.com:443'] }, call: tlsFromSidecar('edition.cnn.com'), expect: { kind: 'tls_passthrough', flags: '-', cluster: 'outbound|443||edition.cnn.com', endpoints: ['edition.cnn.com:443'], reason: /proxied to outbound\|443\|\|edition.cnn.com \(ServiceEntry default\/cnn\)/ } },
  { name: 'sidecar, REGISTRY_ONLY, a ServiceEntry only for port 80: still blocked on 443', config: [meshConfig('REGISTRY_ONLY'), istio('ServiceEntry', 'cnn', 'default', { hosts: ['edition.cnn.com'], ports: [{ number: 80, name: 'http', protocol: 'HTTP' }], resolution: 'DNS' })], call: tlsFromSidecar('edition.cnn.com'), expect: { kind: 'registry_only_blocked', flags: 'UH', cluster: 'BlackHoleCluster', reason: /no ServiceEntry for edition.cnn.com on port 443/ } },
  { name: 'sidecar: a Service port named by its DNS name: the service cluster', config: [nginxSvc], cds: { [NGINX]: ['10.244.0.7:443'] }, call: tlsFromSidecar('my-nginx.default.svc.cluster.local'), expect: { kind: 'tls_passthrough', flags: '-', cluster: NGINX, endpoints: ['10.244.0.7:443'], reason: /proxied to outbound\|443\|\|my-nginx.default.svc.cluster.local/ } },
];

function run(c: Case): SimulationResult {
  const snapshot = translateConfig(c.config, 1);
  const gatewayTable = buildGatewayTable(snapshot, ingressPod);
  return simulate({ snapshot, gatewayTable, cluster: clusters(c.cds ?? {}), random: c.random ?? (() => 0) }, c.call);
}

describe('simulate: TLS passthrough by SNI', () => {
  it.each(cases)('$name', (c) => {
    const r = run(c);
    const want = c.expect;
    expect(r.response.kind).toBe(want.kind);
    expect(r.response.flags).toBe(want.flags);
    expect(r.response.status).toBeUndefined();
    if (want.details) expect(r.response.details).toBe(want.details);
    expect(r.reason).toMatch(want.reason);
    if (want.passedOver) expect(r.passedOver.flatMap((p) => p.failures)).toEqual(want.passedOver);
    const { kind: _k, flags: _f, details: _d, reason: _r, passedOver: _p, ...fields } = want;
    for (const [k, v] of Object.entries(fields)) expect(r[k as keyof SimulationResult], k).toEqual(v);
  });

  it('the egress gateway routes the passed-through SNI to the external host', () => {
    const snapshot = translateConfig([service('istio-egressgateway', 'istio-system', 443), egressGw, egressVs], 1);
    const egressPod = { namespace: 'istio-system', name: 'istio-egressgateway-0', labels: { istio: 'egressgateway' } };
    const r = simulate({ snapshot, gatewayTable: buildGatewayTable(snapshot, egressPod), cluster: clusters({ 'outbound|443||edition.cnn.com': ['edition.cnn.com:443'] }) }, { ...tlsAtIngress('edition.cnn.com'), proxy: { kind: 'gateway', namespace: 'istio-system', labels: egressPod.labels } });
    expect(r.response.kind).toBe('tls_passthrough');
    expect(r.tls?.route).toEqual({ virtualService: 'default/direct-cnn-through-egress-gateway', ruleIndex: 1, matchIndex: 0 });
    expect(r.cluster).toBe('outbound|443||edition.cnn.com');
  });

  it.each(cases)('in Chinese too: $name', (c) => {
    const r = run(c);
    expect(r.reasonZh).not.toBe(r.reason);
    expect(untranslatedWords(r.reasonZh, [r.destination?.host, r.cluster, r.tls?.sni].filter((x): x is string => Boolean(x)))).toEqual([]);
    for (const p of r.passedOver) expect(p.failuresZh?.length).toBe(p.failures.length);
  });
});

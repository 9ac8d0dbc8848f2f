// Every reason the mesh gives, in Chinese for the zh pages: per kind of answer, per failed match
// condition, per destination problem. The Chinese keeps object names, operands and Envoy's and
// Istio's words as they are written, and has no other English word.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../store/object-store.ts';
import { destinationProblem, firstFailedCondition, reasonFor, traceOf } from './explain.ts';
import type { MeshRequest } from './match.ts';
import { buildGatewayTable, type MeshSnapshot } from './translate.ts';
import type { ResponseKind, RouteDecision } from './decisions.ts';
import { untranslatedWords } from './zh-words.ts';

const NAMES = ['httpbin.bookinfo.svc.cluster.local', 'httpbin.example.com', 'outbound|8000|v1|httpbin.bookinfo.svc.cluster.local', 'bookinfo/httpbin', 'bookinfo/other', 'httpbin', 'v1', 'v2', 'end-user', 'jason', 'bob', 'x-debug', 'POST', 'GET', '/status/200', '/status/abc', '/status/[0-9]+', '/delay', '/headers', '/get', 'exact', 'regex', 'http', '10.0.0.7:80'];

function obj(kind: string, name: string, namespace: string, spec: Record<string, unknown>): KubeObject {
  return { apiVersion: kind === 'Service' ? 'v1' : 'networking.istio.io/v1', kind, metadata: { name, namespace, creationTimestamp: '2026-01-01T00:00:00Z', resourceVersion: '1', generation: 1 }, spec };
}
const snapshot = (parts: Partial<MeshSnapshot>): MeshSnapshot => ({ revision: 1, gateways: [], virtualServices: [], destinationRules: [], serviceEntries: [], sidecars: [], services: [], outboundTrafficPolicy: 'ALLOW_ANY', ...parts });
const service = obj('Service', 'httpbin', 'bookinfo', { ports: [{ name: 'http', port: 8000, targetPort: 80 }], selector: { app: 'httpbin' } });
const gateway = obj('Gateway', 'httpbin-gateway', 'bookinfo', { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'] }] });
const vs = obj('VirtualService', 'httpbin', 'bookinfo', { hosts: ['*'], gateways: ['httpbin-gateway'], http: [{ match: [{ uri: { prefix: '/delay' } }, { uri: { exact: '/headers' } }], route: [{ destination: { host: 'httpbin', port: { number: 8000 } } }] }] });
const routes = buildGatewayTable(snapshot({ gateways: [gateway], virtualServices: [vs], services: [service] }), { namespace: 'istio-system', name: 'gw', labels: { istio: 'ingressgateway' } }).listeners[0]!.virtualHosts[0]!.routes;

const routed = { name: 'httpbin', namespace: 'bookinfo', ruleIndex: 0, matchIndex: 0 };
const dest = { host: 'httpbin.bookinfo.svc.cluster.local', port: 8000, subset: 'v1' };
function decision(kind: ResponseKind, status: number, extra: Partial<RouteDecision> = {}): Omit<RouteDecision, 'id' | 'trace'> {
  return { time: '', requestId: 'r', proxy: { kind: 'gateway', namespace: 'istio-system', pod: 'gw' }, listener: { port: 80 }, request: { method: 'GET', authority: 'httpbin.example.com', path: '/status/200' }, response: { status, kind, flags: '-', details: '' }, ...extra };
}

describe('reasonFor in Chinese: every kind of answer', () => {
  const cases: { kind: ResponseKind; status: number; extra?: Partial<RouteDecision>; ctx?: Parameters<typeof reasonFor>[1]; zh: string }[] = [
    { kind: 'no_route', status: 404, ctx: { routes }, extra: { virtualHost: '*:80' }, zh: '没有匹配的路由；VirtualService bookinfo/httpbin 只路由 /delay、/headers (exact)' },
    { kind: 'no_route', status: 404, ctx: { routes: [] }, extra: { virtualHost: '*:80' }, zh: '没有匹配的路由；该虚拟主机 在此端口上不路由任何路径' },
    { kind: 'no_route', status: 404, zh: '没有匹配的路由：端口 80 上没有 httpbin.example.com 的虚拟主机' },
    { kind: 'cluster_not_found', status: 503, extra: { virtualService: routed, destination: dest }, ctx: { destinationProblem: '没有任何 DestinationRule 定义 httpbin.bookinfo.svc.cluster.local 的 subset v1' }, zh: '找不到集群：没有任何 DestinationRule 定义 httpbin.bookinfo.svc.cluster.local 的 subset v1（VirtualService bookinfo/httpbin 规则 0）' },
    { kind: 'cluster_not_found', status: 503, extra: { upstreamCluster: 'outbound|8000|v1|httpbin.bookinfo.svc.cluster.local' }, zh: '找不到集群：outbound|8000|v1|httpbin.bookinfo.svc.cluster.local 不存在' },
    { kind: 'no_healthy_upstream', status: 503, extra: { destination: dest }, zh: '没有健康的上游：httpbin.bookinfo.svc.cluster.local subset v1 没有带有该 subset 标签的就绪 pod' },
    { kind: 'timeout', status: 504, extra: { virtualService: routed }, zh: '上游请求超时（超时由 VirtualService bookinfo/httpbin 规则 0 设置）' },
    { kind: 'connection_failure', status: 503, extra: { upstreamHost: '10.0.0.7:80', attempts: 3 }, zh: '连接上游 10.0.0.7:80 失败，共尝试 3 次' },
    { kind: 'overflow', status: 503, extra: { upstreamCluster: 'outbound|8000|v1|httpbin.bookinfo.svc.cluster.local' }, zh: 'outbound|8000|v1|httpbin.bookinfo.svc.cluster.local 上的熔断器溢出（DestinationRule connectionPool）' },
    { kind: 'fault_abort', status: 500, extra: { virtualService: routed }, zh: '故障注入以 500 中止了请求（VirtualService bookinfo/httpbin 规则 0）' },
    { kind: 'redirect', status: 301, extra: { virtualService: routed }, zh: '由 VirtualService bookinfo/httpbin 规则 0 以 301 重定向' },
    { kind: 'direct_response', status: 200, extra: { virtualService: routed }, zh: '由 VirtualService bookinfo/httpbin 规则 0 直接以 200 应答' },
    { kind: 'registry_only_blocked', status: 502, zh: '已阻止：outboundTrafficPolicy 为 REGISTRY_ONLY，且没有 httpbin.example.com 的 ServiceEntry' },
    { kind: 'passthrough', status: 200, zh: '直通到 httpbin.example.com（outboundTrafficPolicy ALLOW_ANY，PassthroughCluster）' },
    { kind: 'upstream', status: 200, extra: { virtualService: routed, upstreamCluster: 'outbound|8000|v1|httpbin.bookinfo.svc.cluster.local' }, zh: '由 VirtualService bookinfo/httpbin 规则 0 路由到 outbound|8000|v1|httpbin.bookinfo.svc.cluster.local，应答 200' },
  ];
  it.each(cases)('$kind: $zh', ({ kind, status, extra, ctx, zh }) => {
    const d = decision(kind, status, extra);
    const got = reasonFor(d, ctx ?? {}, 'zh');
    expect(got).toBe(zh);
    expect(untranslatedWords(got, NAMES)).toEqual([]);
    // The English sentence is still the default, unchanged.
    expect(reasonFor(d, ctx ?? {})).not.toBe(got);
  });
});

describe('firstFailedCondition in Chinese', () => {
  const req = (path: string, extra: Partial<MeshRequest> = {}): MeshRequest => ({ method: 'GET', path, authority: 'httpbin.example.com', scheme: 'http', port: 80, headers: {}, ...extra });
  const cases: { name: string; match: Record<string, unknown>; request: MeshRequest; zh: string }[] = [
    { name: 'prefix', match: { uri: { prefix: '/delay' } }, request: req('/status/200'), zh: '路径 /status/200 不以 /delay 开头' },
    { name: 'exact', match: { uri: { exact: '/headers' } }, request: req('/get'), zh: '路径 /get 不是 /headers' },
    { name: 'regex', match: { uri: { regex: '/status/[0-9]+' } }, request: req('/status/abc'), zh: '路径 /status/abc 不匹配正则表达式 /status/[0-9]+' },
    { name: 'method', match: { method: { exact: 'POST' } }, request: req('/'), zh: '方法 GET 不是 POST' },
    { name: 'scheme', match: { scheme: { exact: 'https' } }, request: req('/'), zh: 'scheme http 不是 https' },
    { name: 'header absent', match: { headers: { 'end-user': { exact: 'jason' } } }, request: req('/'), zh: '缺少请求头 end-user' },
    { name: 'header value', match: { headers: { 'end-user': { exact: 'jason' } } }, request: req('/', { headers: { 'end-user': 'bob' } }), zh: '请求头 end-user bob 不是 jason' },
    { name: 'withoutHeaders', match: { withoutHeaders: { 'x-debug': {} } }, request: req('/', { headers: { 'x-debug': '1' } }), zh: '存在请求头 x-debug（withoutHeaders）' },
    { name: 'port', match: { port: 8080 }, request: req('/'), zh: '端口 80 不是 8080' },
    { name: 'query parameter', match: { queryParams: { v2: { exact: '2' } } }, request: req('/?v2=1'), zh: '查询参数 v2 1 不是 2' },
  ];
  it.each(cases)('$name', ({ match, request, zh }) => {
    const got = firstFailedCondition(match, request, 'zh');
    expect(got).toBe(zh);
    expect(untranslatedWords(got!, NAMES)).toEqual([]);
  });
});

describe('destinationProblem in Chinese', () => {
  const drOther = obj('DestinationRule', 'httpbin', 'bookinfo', { host: 'httpbin', subsets: [{ name: 'v2', labels: { version: 'v2' } }] });
  const cases: { name: string; snap: MeshSnapshot; dest: { host: string; port?: number; subset?: string }; zh: string }[] = [
    { name: 'unknown host', snap: snapshot({}), dest: { host: 'httpbin' }, zh: '主机 httpbin.bookinfo.svc.cluster.local 既不是 Service 也不是 ServiceEntry 的主机' },
    { name: 'no such port', snap: snapshot({ services: [service] }), dest: { host: 'httpbin', port: 9000 }, zh: 'Service httpbin.bookinfo.svc.cluster.local 没有端口 9000（端口：8000）' },
    { name: 'no DestinationRule', snap: snapshot({ services: [service] }), dest: { host: 'httpbin', subset: 'v1' }, zh: '没有任何 DestinationRule 定义 httpbin.bookinfo.svc.cluster.local 的 subset v1' },
    { name: 'subset not in the rule', snap: snapshot({ services: [service], destinationRules: [drOther] }), dest: { host: 'httpbin', subset: 'v1' }, zh: 'DestinationRule bookinfo/httpbin 没有定义 httpbin.bookinfo.svc.cluster.local 的 subset v1' },
  ];
  it.each(cases)('$name', ({ snap, dest: d, zh }) => {
    const got = destinationProblem(snap, d, 'bookinfo', 'bookinfo', 'zh');
    expect(got).toBe(zh);
    expect(untranslatedWords(got!, [...NAMES, '9000', '8000'])).toEqual([]);
  });
});

describe('traceOf carries both languages', () => {
  it('the 503 NC of a subset no DestinationRule defines: reason and problem in English and Chinese', () => {
    const snap = snapshot({ services: [service], destinationRules: [] });
    const t = traceOf(decision('cluster_not_found', 503, { destination: dest }), { snapshot: snap, configNamespace: 'bookinfo', clientNamespace: 'bookinfo' });
    expect(t.reason).toBe('cluster not found: subset v1 of httpbin.bookinfo.svc.cluster.local is not defined by any DestinationRule');
    expect(t.reasonZh).toBe('找不到集群：没有任何 DestinationRule 定义 httpbin.bookinfo.svc.cluster.local 的 subset v1');
    expect(t.destinationProblemZh).toBe('没有任何 DestinationRule 定义 httpbin.bookinfo.svc.cluster.local 的 subset v1');
  });
});

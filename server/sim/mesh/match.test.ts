// Request matching, host matching and virtual host choice, table-driven. Cases cite the Istio
// API docs (istio/api networking/v1alpha3/virtual_service.proto) and Envoy's route matching
// docs (route_components.proto) they come from.
import { describe, expect, it } from 'vitest';
import { authorityHost, hostMatches, intersectHosts, pickVirtualHost, resolveShortName } from './hosts.ts';
import { faultFires, matchBlock, parseDurationMs, pickWeighted, selectRoute, type MeshRequest } from './match.ts';
import type { HttpRouteEntry } from './translate.ts';
import { resolveRoute } from './routes.ts';

const req = (over: Partial<MeshRequest> = {}): MeshRequest => ({ method: 'GET', path: '/status/200', authority: 'httpbin.example.com', scheme: 'http', port: 80, headers: {}, ...over });

describe('matchBlock (HTTPMatchRequest)', () => {
  const cases: [string, Record<string, unknown>, Partial<MeshRequest>, boolean][] = [
    // virtual_service.proto StringMatch: exact / prefix / regex (RE2, full match)
    ['uri prefix matches the start', { uri: { prefix: '/status' } }, {}, true],
    ['uri prefix is case-sensitive', { uri: { prefix: '/STATUS' } }, {}, false],
    ['ignoreUriCase makes prefix case-insensitive', { uri: { prefix: '/STATUS' }, ignoreUriCase: true }, {}, true],
    ['uri exact ignores the query string (Envoy path match)', { uri: { exact: '/status/200' } }, { path: '/status/200?x=1' }, true],
    ['uri exact does not match a longer path', { uri: { exact: '/status' } }, {}, false],
    ['uri regex is a full match', { uri: { regex: '/status/[0-9]+' } }, {}, true],
    ['uri regex partial does not match', { uri: { regex: '/stat' } }, {}, false],
    ['invalid RE2 regex never matches', { uri: { regex: '(?<=x)' } }, {}, false],
    // headers: keys lowercase; empty StringMatch = presence (HTTPMatchRequest.headers)
    ['header exact', { headers: { 'end-user': { exact: 'jason' } } }, { headers: { 'end-user': 'jason' } }, true],
    ['header exact mismatch', { headers: { 'end-user': { exact: 'jason' } } }, { headers: { 'end-user': 'json' } }, false],
    ['header presence with {}', { headers: { 'x-canary': {} } }, { headers: { 'x-canary': '' } }, true],
    ['header absent', { headers: { 'x-canary': {} } }, {}, false],
    ['withoutHeaders negates', { withoutHeaders: { 'end-user': { exact: 'jason' } } }, { headers: { 'end-user': 'jason' } }, false],
    ['withoutHeaders passes when absent', { withoutHeaders: { 'end-user': { exact: 'jason' } } }, {}, true],
    ['method exact', { method: { exact: 'POST' } }, { method: 'GET' }, false],
    ['authority prefix', { authority: { prefix: 'httpbin' } }, {}, true],
    ['scheme exact', { scheme: { exact: 'https' } }, {}, false],
    ['port must equal the listener port', { port: 8080 }, {}, false],
    ['queryParams exact', { queryParams: { v: { exact: '2' } } }, { path: '/get?v=2' }, true],
    ['queryParams regex', { queryParams: { v: { regex: '\\d+' } } }, { path: '/get?v=22' }, true],
    ['queryParams missing', { queryParams: { v: { exact: '2' } } }, { path: '/get' }, false],
    ['conditions in one block are ANDed', { uri: { prefix: '/status' }, method: { exact: 'POST' } }, {}, false],
  ];
  it.each(cases)('%s', (_name, m, r, expected) => {
    expect(matchBlock(m, req(r))).toBe(expected);
  });
});

function entry(ruleIndex: number, matches: Record<string, unknown>[]): HttpRouteEntry {
  return { vs: { name: 'vs', namespace: 'default' }, ruleIndex, route: {}, resolved: resolveRoute({}), matches };
}

describe('selectRoute (first match wins, match blocks ORed)', () => {
  const routes = [entry(0, [{ uri: { prefix: '/status' } }, { uri: { prefix: '/delay' } }]), entry(1, [{ headers: { 'end-user': { exact: 'jason' } } }]), entry(2, [])];
  const cases: [string, Partial<MeshRequest>, number, number][] = [
    ['first block of first route', { path: '/status/418' }, 0, 0],
    ['second block ORed', { path: '/delay/1' }, 0, 1],
    ['header route', { path: '/get', headers: { 'end-user': 'jason' } }, 1, 0],
    ['catch-all last', { path: '/get' }, 2, -1],
  ];
  it.each(cases)('%s', (_n, r, rule, matchIndex) => {
    const s = selectRoute(routes, req(r))!;
    expect(s.entry.ruleIndex).toBe(rule);
    expect(s.matchIndex).toBe(matchIndex);
  });
  it('no route when nothing matches and there is no catch-all', () => {
    expect(selectRoute(routes.slice(0, 2), req({ path: '/get' }))).toBeUndefined();
  });
});

describe('hosts', () => {
  const matches: [string, string, string, boolean][] = [
    ['* matches anything', '*', 'httpbin.example.com', true],
    ['*.example.com matches a subdomain', '*.example.com', 'a.example.com', true],
    ['*.example.com does not match the apex', '*.example.com', 'example.com', false],
    ['exact is case-insensitive', 'HTTPBIN.example.com', 'httpbin.example.com', true],
  ];
  it.each(matches)('hostMatches: %s', (_n, p, h, e) => expect(hostMatches(p, h)).toBe(e));

  // Gateway virtual host domains = wildcard-aware intersection of server hosts and VS hosts.
  const inter: [string, string, string | undefined][] = [
    ['*', 'httpbin.example.com', 'httpbin.example.com'],
    ['*.example.com', 'a.example.com', 'a.example.com'],
    ['*.example.com', '*', '*.example.com'],
    ['a.example.com', 'b.example.com', undefined],
    ['*.a.com', '*.com', '*.a.com'],
  ];
  it.each(inter)('intersectHosts(%s, %s) = %s', (a, b, e) => expect(intersectHosts(a, b)).toBe(e));

  it.each([
    ['httpbin', 'default', 'httpbin.default.svc.cluster.local'],
    ['httpbin.org', 'default', 'httpbin.org'],
    ['*', 'default', '*'],
    ['*.example.com', 'x', '*.example.com'],
  ])('resolveShortName(%s, %s) = %s', (h, ns, e) => expect(resolveShortName(h, ns)).toBe(e));

  it.each([
    ['httpbin.example.com:31380', 'httpbin.example.com'],
    ['HTTPBIN.example.com', 'httpbin.example.com'],
    ['127.0.0.1:8080', '127.0.0.1'],
    ['[::1]:80', '[::1]'],
  ])('authorityHost(%s) = %s (the port in Host is ignored)', (a, e) => expect(authorityHost(a)).toBe(e));

  // Envoy virtual host selection: exact, then longest suffix wildcard, then *.
  it.each([
    ['exact beats wildcards', 'a.example.com', 0],
    ['longest suffix wildcard', 'b.x.example.com', 2],
    ['shorter wildcard', 'b.example.com', 1],
    ['* last', 'other.org', 3],
  ])('pickVirtualHost: %s', (_n, host, idx) => {
    expect(pickVirtualHost([['a.example.com'], ['*.example.com'], ['*.x.example.com'], ['*']], host as string)).toBe(idx);
  });
});

describe('weights, durations, fault percentage', () => {
  it('weight 0 is never picked (request-routing: 0/100)', () => {
    for (const r of [0, 0.3, 0.99]) expect(pickWeighted([{ weight: 0, n: 'v1' }, { weight: 100, n: 'v2' }], () => r)!.n).toBe('v2');
  });
  it('weights are shares of the total (50/50 split by the random draw)', () => {
    const list = [{ weight: 50, n: 'a' }, { weight: 50, n: 'b' }];
    expect(pickWeighted(list, () => 0.2)!.n).toBe('a');
    expect(pickWeighted(list, () => 0.7)!.n).toBe('b');
  });
  it.each([
    ['1s', 1000],
    ['0.5s', 500],
    ['100ms', 100],
    ['2m', 120000],
    ['10', undefined],
  ])('parseDurationMs(%s) = %s', (v, e) => expect(parseDurationMs(v)).toBe(e));
  it.each([
    ['percentage 100 fires', { percentage: { value: 100 } }, 0.999, true],
    ['percentage 0 never fires', { percentage: { value: 0 } }, 0, false],
    ['percentage 50 with a low draw', { percentage: { value: 50 } }, 0.1, true],
    ['percentage 50 with a high draw', { percentage: { value: 50 } }, 0.9, false],
    ['no percentage: Istio configures 0%', {}, 0, false],
    ['deprecated integer percent', { percent: 100 }, 0.5, true],
  ])('faultFires: %s', (_n, f, draw, e) => expect(faultFires(f, () => draw as number)).toBe(e));
});

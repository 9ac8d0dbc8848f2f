// Istio's config validation messages (istio/istio pkg/config/validation/validation.go:
// validateHTTPRouteConflict, ValidateGateway, ValidateServiceEntry, ValidateVirtualService).
import { describe, expect, it } from 'vitest';
import { formatErrors, istioValidationPlugin, validateDestinationRule, validateGateway, validateServiceEntry, validateVirtualService, validateWildcardDomain } from './validation.ts';

const dest = { route: [{ destination: { host: 'httpbin' } }] };

describe('VirtualService', () => {
  const cases: [string, Record<string, unknown>, string[]][] = [
    ['valid', { hosts: ['httpbin'], http: [dest] }, []],
    // A VirtualService without hosts is a delegate (istio.io virtual-service reference, "Delegate").
    ['no hosts: a delegate', { http: [dest] }, []],
    ['delegate bound to a gateway', { gateways: ['gw'], http: [dest] }, ['delegate virtual service must have no gateways specified']],
    ['delegate with a tcp route', { tcp: [dest] }, ['delegate virtual service must have no tcp route specified']],
    // Regexes are RE2, with Go's messages (pkg/config/validation validateStringMatchRegexp).
    ['uri regex missing ]', { hosts: ['h'], http: [{ ...dest, match: [{ uri: { regex: '[a-z' } }] }] }, ['"uri": error parsing regexp: missing closing ]: `[a-z`; Istio uses RE2 style regex-based match (https://github.com/google/re2/wiki/Syntax)']],
    ['look-ahead is not RE2', { hosts: ['h'], http: [{ ...dest, match: [{ uri: { regex: '/(?=api)' } }] }] }, ['"uri": error parsing regexp: invalid or unsupported Perl syntax: `(?=`; Istio uses RE2 style regex-based match (https://github.com/google/re2/wiki/Syntax)']],
    ['header regex', { hosts: ['h'], http: [{ ...dest, match: [{ headers: { 'end-user': { regex: 'a(b' } } }] }] }, ['"headers": error parsing regexp: missing closing ): `a(b`; Istio uses RE2 style regex-based match (https://github.com/google/re2/wiki/Syntax)']],
    ['queryParams and authority regexes', { hosts: ['h'], http: [{ ...dest, match: [{ authority: { regex: '*x' }, queryParams: { v: { regex: 'a{2,1}' } } }] }] }, ['"authority": error parsing regexp: missing argument to repetition operator: `*`; Istio uses RE2 style regex-based match (https://github.com/google/re2/wiki/Syntax)', '"queryParams": error parsing regexp: invalid repeat count: `{2,1}`; Istio uses RE2 style regex-based match (https://github.com/google/re2/wiki/Syntax)']],
    ['withoutHeaders * is a presence match', { hosts: ['h'], http: [{ ...dest, match: [{ withoutHeaders: { x: { regex: '*' } } }] }] }, []],
    ['empty regex', { hosts: ['h'], http: [{ ...dest, match: [{ method: { regex: '' } }] }] }, ['"method": regex string match should not be empty']],
    ['a regex JavaScript rejects but RE2 accepts', { hosts: ['h'], http: [{ ...dest, match: [{ uri: { regex: '(?i)/status' } }] }] }, []],
    ['* bound to mesh', { hosts: ['*'], http: [dest] }, ['wildcard host * is not allowed for virtual services bound to the mesh gateway']],
    ['* bound to a gateway is fine', { hosts: ['*'], gateways: ['gw'], http: [dest] }, []],
    ['no http/tcp/tls', { hosts: ['httpbin'] }, ['http, tcp or tls must be provided in virtual service']],
    ['route + redirect', { hosts: ['h'], http: [{ ...dest, redirect: { uri: '/x' } }] }, ['HTTP route cannot contain both route and redirect']],
    ['redirect + rewrite', { hosts: ['h'], http: [{ redirect: { uri: '/x' }, rewrite: { uri: '/y' } }] }, ['HTTP route rule cannot contain both rewrite and redirect']],
    ['route + directResponse', { hosts: ['h'], http: [{ ...dest, directResponse: { status: 200 } }] }, ['HTTP route cannot contain both route and direct_response']],
    ['fault + directResponse', { hosts: ['h'], http: [{ directResponse: { status: 200 }, fault: { abort: { httpStatus: 500 } } }] }, ['HTTP route cannot contain both fault and direct_response']],
    ['nothing to do', { hosts: ['h'], http: [{ match: [{ uri: { prefix: '/' } }] }] }, ['HTTP route, redirect or direct_response is required']],
    ['destination without host', { hosts: ['h'], http: [{ route: [{ destination: {} }] }] }, ['destination.host is required']],
    ['tls route without match', { hosts: ['h'], tls: [{ route: [{ destination: { host: 'h' } }] }] }, ['TLS route must have at least one match condition']],
    ['tls match without sniHosts', { hosts: ['h'], tls: [{ match: [{ port: 443 }], route: [{ destination: { host: 'h' } }] }] }, ['TLS match must have at least one SNI host']],
  ];
  it.each(cases)('%s', (_n, spec, errs) => expect(validateVirtualService(spec)).toEqual(errs));
});

describe('Gateway', () => {
  const server = (extra: Record<string, unknown> = {}) => ({ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['*'], ...extra });
  const cases: [string, Record<string, unknown>, string[]][] = [
    ['valid', { selector: { istio: 'ingressgateway' }, servers: [server()] }, []],
    ['no servers', { selector: { istio: 'ingressgateway' } }, ['gateway must have at least one server']],
    ['server without hosts', { servers: [server({ hosts: [] })] }, ['server config must contain at least one host']],
    ['HTTPS without tls', { servers: [server({ port: { number: 443, name: 'https', protocol: 'HTTPS' } })] }, ['server must have TLS settings for HTTPS/TLS protocols']],
    ['HTTP with tls mode', { servers: [server({ tls: { mode: 'SIMPLE' } })] }, ['server cannot have TLS settings for plain text HTTP ports']],
    ['HTTP with httpsRedirect is fine', { servers: [server({ tls: { httpsRedirect: true } })] }, []],
    ['bad port', { servers: [server({ port: { number: 70000, name: 'http', protocol: 'HTTP' } })] }, ['port number 70000 must be in the range 1..65535']],
  ];
  it.each(cases)('%s', (_n, spec, errs) => expect(validateGateway(spec)).toEqual(errs));
});

describe('ServiceEntry', () => {
  const base = { hosts: ['httpbin.org'], ports: [{ number: 80, name: 'http', protocol: 'HTTP' }] };
  const cases: [string, Record<string, unknown>, string[]][] = [
    ['valid DNS', { ...base, resolution: 'DNS', location: 'MESH_EXTERNAL' }, []],
    ['resolution: MESH_EXTERNAL (the seed chapter mistake)', { ...base, resolution: 'MESH_EXTERNAL' }, ['unsupported resolution type MESH_EXTERNAL']],
    ['bare * host', { ...base, hosts: ['*'] }, ['invalid host *']],
    ['NONE with endpoints', { ...base, resolution: 'NONE', endpoints: [{ address: '1.2.3.4' }] }, ['no endpoints should be provided for resolution type none']],
    ['DNS wildcard without endpoints', { ...base, hosts: ['*.example.com'], resolution: 'DNS' }, ['wildcard host *.example.com is not allowed for resolution DNS with no endpoints']],
    ['DNS_ROUND_ROBIN with two endpoints', { ...base, resolution: 'DNS_ROUND_ROBIN', endpoints: [{ address: 'a.com' }, { address: 'b.com' }] }, ['there must only be 0 or 1 endpoint for resolution DNS_ROUND_ROBIN']],
    ['no hosts', { ports: base.ports }, ['service entry must have at least one host']],
  ];
  it.each(cases)('%s', (_n, spec, errs) => expect(validateServiceEntry(spec)).toEqual(errs));
});

describe('DestinationRule and domains', () => {
  it.each([
    ['valid', { host: 'httpbin', subsets: [{ name: 'v1', labels: { version: 'v1' } }] }, []],
    ['no host', { subsets: [] }, ['destination rule must have a host']],
    ['bad subset name', { host: 'h', subsets: [{ name: 'V_1' }] }, ['subset name is invalid: V_1']],
  ])('%s', (_n, spec, errs) => expect(validateDestinationRule(spec as Record<string, unknown>)).toEqual(errs));

  it.each([
    ['httpbin.example.com', undefined],
    ['*.example.com', undefined],
    ['*', undefined],
    ['bad_host.com', 'domain name "bad_host.com" invalid (label "bad_host" invalid)'],
  ])('validateWildcardDomain(%s)', (d, e) => expect(validateWildcardDomain(d)).toBe(e));
});

describe('webhook', () => {
  it('one error prints alone, several as a counted list', () => {
    expect(formatErrors(['a'])).toBe('a');
    expect(formatErrors(['a', 'b'])).toBe('2 errors occurred:\n\t* a\n\t* b\n\n');
  });
  it('denies as validation.istio.io with "configuration is invalid: "', () => {
    const denial = istioValidationPlugin.validate!({ resource: 'networking.istio.io/serviceentries', operation: 'CREATE', dryRun: false, object: { apiVersion: 'networking.istio.io/v1', kind: 'ServiceEntry', metadata: { name: 'x' }, spec: { hosts: ['httpbin.org'], resolution: 'MESH_EXTERNAL' } } });
    expect(denial).toEqual({ webhook: 'validation.istio.io', message: 'configuration is invalid: unsupported resolution type MESH_EXTERNAL', code: 400 });
  });
  it('ignores other resources', () => {
    expect(istioValidationPlugin.validate!({ resource: 'pods', operation: 'CREATE', dryRun: false, object: { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x' } } })).toBeUndefined();
  });
});

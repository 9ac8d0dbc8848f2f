// Istio's validating webhook (validation.istio.io) for the networking kinds learners write, with
// the messages of istio/istio pkg/config/validation: one error prints alone, several print as
// "N errors occurred:\n\t* ...", all after "configuration is invalid: ".
import type { AdmissionPlugin, AdmissionRequest } from '../apiserver/admission.ts';
import { RE2JS } from 're2js';
import { parseDurationMs } from './match.ts';

type Obj = Record<string, unknown>;

const GATEWAY_PROTOCOLS = ['HTTP', 'HTTPS', 'GRPC', 'GRPC-WEB', 'HTTP2', 'MONGO', 'REDIS', 'MYSQL', 'TCP', 'TLS'];
const RESOLUTIONS = ['NONE', 'STATIC', 'DNS', 'DNS_ROUND_ROBIN', 'DYNAMIC_DNS'];
const LOCATIONS = ['MESH_EXTERNAL', 'MESH_INTERNAL'];

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/i;

/** Istio's ValidateWildcardDomain: `*`, `*.suffix` or a FQDN with valid labels. */
export function validateWildcardDomain(domain: string): string | undefined {
  if (domain.length > 255) return `domain name "${domain}" too long (max 255)`;
  if (domain === '*') return undefined;
  let labels = domain.split('.');
  if (labels[0] === '*') labels = labels.slice(1);
  else if (labels[0]!.startsWith('*')) labels[0] = labels[0]!.slice(1) || 'x';
  if (labels.length && labels[labels.length - 1] === '') labels = labels.slice(0, -1);
  for (const l of labels) {
    if (!DNS1123_LABEL.test(l) || l.length > 63) return `domain name "${domain}" invalid (label "${l}" invalid)`;
  }
  return undefined;
}

function isIP(s: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}(\/\d{1,2})?$/.test(s) || s.includes(':');
}

function validatePort(port: unknown): string | undefined {
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) return `port number ${String(port)} must be in the range 1..65535`;
  return undefined;
}

export function validateGateway(spec: Obj): string[] {
  const errs: string[] = [];
  const servers = (spec.servers as Obj[] | undefined) ?? [];
  if (!servers.length) errs.push('gateway must have at least one server');
  const names = new Set<string>();
  for (const s of servers) {
    const hosts = (s.hosts as unknown[] | undefined) ?? [];
    if (!hosts.length) errs.push('server config must contain at least one host');
    for (const h of hosts) {
      const host = String(h);
      const i = host.indexOf('/');
      const ns = i >= 0 ? host.slice(0, i) : undefined;
      const name = i >= 0 ? host.slice(i + 1) : host;
      if (ns !== undefined && ns !== '.' && ns !== '*' && !DNS1123_LABEL.test(ns)) errs.push(`invalid namespace value ${JSON.stringify(ns)} in host ${JSON.stringify(host)}`);
      const e = validateWildcardDomain(name);
      if (e && !isIP(name)) errs.push(e);
    }
    const port = s.port as Obj | undefined;
    if (!port) errs.push('port is required');
    else {
      const e = validatePort(port.number);
      if (e) errs.push(e);
      const protocol = String(port.protocol ?? '').toUpperCase();
      if (!GATEWAY_PROTOCOLS.includes(protocol)) errs.push(`invalid protocol ${JSON.stringify(String(port.protocol ?? ''))}, supported protocols are HTTP, HTTP2, GRPC, GRPC-WEB, MONGO, REDIS, MYSQL, TCP`);
      if (typeof port.name === 'string' && port.name) {
        if (names.has(port.name)) errs.push(`port names in servers must be unique: duplicate name ${port.name}`);
        names.add(port.name);
      }
      const tls = s.tls as Obj | undefined;
      if ((protocol === 'HTTPS' || protocol === 'TLS') && !tls) errs.push('server must have TLS settings for HTTPS/TLS protocols');
      if (protocol === 'HTTP' && tls && Object.keys(tls).some((k) => k !== 'httpsRedirect')) errs.push('server cannot have TLS settings for plain text HTTP ports');
    }
  }
  return errs;
}

function validateDestination(d: Obj | undefined): string[] {
  if (!d) return ['destination is required'];
  const errs: string[] = [];
  if (typeof d.host !== 'string' || !d.host) errs.push('destination.host is required');
  else if (d.host === '*') errs.push('invalid destination host *');
  else {
    const e = validateWildcardDomain(d.host);
    if (e) errs.push(e);
  }
  if (d.subset !== undefined && (typeof d.subset !== 'string' || !DNS1123_LABEL.test(d.subset))) errs.push(`subset name is invalid: ${String(d.subset)}`);
  const port = d.port as Obj | undefined;
  if (port && port.number !== undefined) {
    const e = validatePort(port.number);
    if (e) errs.push(e);
  }
  return errs;
}

/**
 * Istio's validateStringMatchRegexp: a StringMatch's regex compiled as Go's regexp (RE2) compiles
 * it, with Go's error text and Istio's note, e.g.
 * `"uri": error parsing regexp: missing closing ]: `[a-z`; Istio uses RE2 style regex-based match (...)`.
 */
export function validateStringMatchRegexp(sm: unknown, where: string): string | undefined {
  if (!sm || typeof sm !== 'object' || !('regex' in sm)) return undefined;
  const re = String((sm as Obj).regex ?? '');
  if (re === '') return `${JSON.stringify(where)}: regex string match should not be empty`;
  if (re.length > 1024) return `${JSON.stringify(where)}: regex is too large, max length allowed is 1024`;
  try {
    RE2JS.compile(re);
    return undefined;
  } catch (err) {
    return `${JSON.stringify(where)}: ${(err as Error).message}; Istio uses RE2 style regex-based match (https://github.com/google/re2/wiki/Syntax)`;
  }
}

function validateHttpRoute(r: Obj): string[] {
  const errs: string[] = [];
  const routes = (r.route as Obj[] | undefined) ?? [];
  if (r.redirect) {
    if (routes.length) errs.push('HTTP route cannot contain both route and redirect');
    if (r.fault) errs.push('HTTP route cannot contain both fault and redirect');
    if (r.rewrite) errs.push('HTTP route rule cannot contain both rewrite and redirect');
    if (r.directResponse) errs.push('HTTP route rule cannot contain both direct_response and redirect');
  } else if (r.directResponse) {
    if (routes.length) errs.push('HTTP route cannot contain both route and direct_response');
    if (r.fault) errs.push('HTTP route cannot contain both fault and direct_response');
    if (r.rewrite) errs.push('HTTP route rule cannot contain both rewrite and direct_response');
  } else if (!routes.length && !r.delegate) {
    errs.push('HTTP route, redirect or direct_response is required');
  }
  for (const dst of routes) {
    errs.push(...validateDestination(dst.destination as Obj | undefined));
    if (typeof dst.weight === 'number' && dst.weight < 0) errs.push('weight -1 < 0'.replace('-1', String(dst.weight)));
  }
  if (r.timeout !== undefined) {
    const ms = parseDurationMs(r.timeout);
    if (ms === undefined) errs.push(`invalid duration ${JSON.stringify(String(r.timeout))}`);
    else if (ms > 0 && ms < 1) errs.push('duration must be greater than 1ms');
  }
  const fault = r.fault as Obj | undefined;
  if (fault) {
    if (!fault.delay && !fault.abort) errs.push('HTTP fault injection must have an abort and/or a delay');
    const abort = fault.abort as Obj | undefined;
    if (abort && typeof abort.httpStatus === 'number' && (abort.httpStatus < 200 || abort.httpStatus > 599)) errs.push('invalid abort http status ' + abort.httpStatus);
    const pct = ((abort?.percentage ?? (fault.delay as Obj | undefined)?.percentage) as Obj | undefined)?.value;
    if (typeof pct === 'number' && (pct < 0 || pct > 100)) errs.push('percentage ' + pct + ' is not in range 0..100');
    const delay = fault.delay as Obj | undefined;
    if (delay && delay.fixedDelay === undefined && delay.exponentialDelay === undefined) errs.push('delay fixedDelay or exponentialDelay must be set');
  }
  const retries = r.retries as Obj | undefined;
  if (retries && typeof retries.attempts === 'number' && retries.attempts < 0) errs.push('attempts cannot be negative');
  for (const m of (r.match as Obj[] | undefined) ?? []) {
    for (const [, sm] of Object.entries((m.headers as Obj | undefined) ?? {})) {
      const e = validateStringMatchRegexp(sm, 'headers');
      if (e) errs.push(e);
    }
    for (const [, sm] of Object.entries((m.withoutHeaders as Obj | undefined) ?? {})) {
      // `regex: "*"` is not RE2 here: Istio turns it into a presence match.
      if ((sm as Obj | undefined)?.regex === '*') continue;
      const e = validateStringMatchRegexp(sm, 'withoutHeaders');
      if (e) errs.push(e);
    }
    for (const field of ['uri', 'scheme', 'method', 'authority']) {
      const e = validateStringMatchRegexp(m[field], field);
      if (e) errs.push(e);
    }
    for (const sm of Object.values((m.queryParams as Obj | undefined) ?? {})) {
      const e = validateStringMatchRegexp(sm, 'queryParams');
      if (e) errs.push(e);
    }
    if (m.port !== undefined) {
      const e = validatePort(m.port);
      if (e) errs.push(e);
    }
    for (const name of Object.keys((m.headers as Obj | undefined) ?? {})) if (!/^[a-z0-9-]+$/i.test(name) && !name.startsWith(':')) errs.push(`invalid header name: ${JSON.stringify(name)}`);
  }
  return errs;
}

export function validateVirtualService(spec: Obj): string[] {
  const errs: string[] = [];
  const hosts = ((spec.hosts as unknown[] | undefined) ?? []).map(String);
  const gateways = ((spec.gateways as unknown[] | undefined) ?? []).map(String);
  const appliesToMesh = !gateways.length || gateways.includes('mesh');
  // No hosts makes a delegate (PILOT_ENABLE_VIRTUAL_SERVICE_DELEGATE is on by default): a root
  // VirtualService's `delegate:` pulls its http rules in, so it binds to no gateway of its own.
  if (!hosts.length) {
    if (gateways.length) errs.push('delegate virtual service must have no gateways specified');
    if (((spec.tls as unknown[] | undefined) ?? []).length) errs.push('delegate virtual service must have no tls route specified');
    if (((spec.tcp as unknown[] | undefined) ?? []).length) errs.push('delegate virtual service must have no tcp route specified');
  }
  for (const h of hosts) {
    if (h === '*' && appliesToMesh) {
      errs.push('wildcard host * is not allowed for virtual services bound to the mesh gateway');
      continue;
    }
    const e = validateWildcardDomain(h);
    if (e && !isIP(h)) errs.push(e);
  }
  const http = (spec.http as Obj[] | undefined) ?? [];
  const tcp = (spec.tcp as Obj[] | undefined) ?? [];
  const tls = (spec.tls as Obj[] | undefined) ?? [];
  if (!http.length && !tcp.length && !tls.length) errs.push('http, tcp or tls must be provided in virtual service');
  for (const r of http) errs.push(...validateHttpRoute(r));
  for (const r of tls) {
    const matches = (r.match as Obj[] | undefined) ?? [];
    if (!matches.length) errs.push('TLS route must have at least one match condition');
    for (const m of matches) if (!((m.sniHosts as unknown[] | undefined) ?? []).length) errs.push('TLS match must have at least one SNI host');
    for (const dst of (r.route as Obj[] | undefined) ?? []) errs.push(...validateDestination(dst.destination as Obj | undefined));
  }
  return errs;
}

export function validateDestinationRule(spec: Obj): string[] {
  const errs: string[] = [];
  if (typeof spec.host !== 'string' || !spec.host) errs.push('destination rule must have a host');
  else {
    const e = validateWildcardDomain(spec.host);
    if (e) errs.push(e);
  }
  for (const s of (spec.subsets as Obj[] | undefined) ?? []) {
    if (typeof s.name !== 'string' || !s.name) errs.push('subset name is invalid: ');
    else if (!DNS1123_LABEL.test(s.name)) errs.push(`subset name is invalid: ${s.name}`);
  }
  return errs;
}

export function validateServiceEntry(spec: Obj): string[] {
  const errs: string[] = [];
  const hosts = ((spec.hosts as unknown[] | undefined) ?? []).map(String);
  if (!hosts.length) errs.push('service entry must have at least one host');
  for (const h of hosts) {
    if (h === '*') errs.push('invalid host *');
    else {
      const e = validateWildcardDomain(h);
      if (e) errs.push(e);
    }
  }
  const resolution = spec.resolution === undefined ? 'NONE' : String(spec.resolution);
  const location = spec.location === undefined ? 'MESH_EXTERNAL' : String(spec.location);
  if (!RESOLUTIONS.includes(resolution)) errs.push(`unsupported resolution type ${resolution}`);
  if (!LOCATIONS.includes(location)) errs.push(`unsupported location type ${location}`);
  const endpoints = (spec.endpoints as Obj[] | undefined) ?? [];
  const addresses = ((spec.addresses as unknown[] | undefined) ?? []).map(String);
  if (resolution === 'NONE' && endpoints.length) errs.push('no endpoints should be provided for resolution type none');
  if (resolution === 'STATIC' && !endpoints.length && !spec.workloadSelector) errs.push('endpoints must be provided for resolution type static');
  if ((resolution === 'DNS' || resolution === 'DNS_ROUND_ROBIN') && !endpoints.length) {
    for (const h of hosts) if (h.startsWith('*')) errs.push(`wildcard host ${h} is not allowed for resolution DNS with no endpoints`);
  }
  if (resolution === 'DNS_ROUND_ROBIN' && endpoints.length > 1) errs.push(`there must only be 0 or 1 endpoint for resolution DNS_ROUND_ROBIN`);
  if (spec.workloadSelector && endpoints.length) errs.push('only one of WorkloadSelector or Endpoints is allowed in Service Entry');
  if (resolution !== 'NONE' && resolution !== 'STATIC') for (const a of addresses) if (a.includes('/')) errs.push(`CIDR addresses are allowed only for NONE/STATIC resolution types`);
  const ports = (spec.ports as Obj[] | undefined) ?? [];
  const portNames = new Set<string>();
  const portNumbers = new Set<number>();
  for (const p of ports) {
    const e = validatePort(p.number);
    if (e) errs.push(e);
    if (typeof p.number === 'number') {
      if (portNumbers.has(p.number)) errs.push(`service entry port ${p.number} already defined`);
      portNumbers.add(p.number);
    }
    if (typeof p.name === 'string' && p.name) {
      if (portNames.has(p.name)) errs.push(`service entry port name ${p.name} already defined`);
      portNames.add(p.name);
    }
    if (p.protocol !== undefined && !GATEWAY_PROTOCOLS.concat(['UDP', 'UNSUPPORTED']).includes(String(p.protocol).toUpperCase())) errs.push(`unsupported protocol: ${String(p.protocol)}`);
  }
  return errs;
}

/** Istio's multierror format: one error alone, several as a bulleted list. */
export function formatErrors(errs: string[]): string {
  if (errs.length === 1) return errs[0]!;
  return `${errs.length} errors occurred:\n${errs.map((e) => `\t* ${e}`).join('\n')}\n\n`;
}

const VALIDATORS: Record<string, (spec: Obj) => string[]> = {
  'networking.istio.io/gateways': validateGateway,
  'networking.istio.io/virtualservices': validateVirtualService,
  'networking.istio.io/destinationrules': validateDestinationRule,
  'networking.istio.io/serviceentries': validateServiceEntry,
};

export const istioValidationPlugin: AdmissionPlugin = {
  name: 'validation.istio.io',
  validate(request: AdmissionRequest) {
    const validator = VALIDATORS[request.resource];
    if (!validator) return undefined;
    const spec = request.object.spec;
    let errs: string[];
    try {
      errs = validator(spec && typeof spec === 'object' ? (spec as Obj) : {});
    } catch (err) {
      // A shape the checks did not expect (the CRD schema normally rejects it first).
      errs = [`cannot validate: ${(err as Error).message}`];
    }
    if (!errs.length) return undefined;
    return { webhook: 'validation.istio.io', message: `configuration is invalid: ${formatErrors(errs)}`, code: 400 };
  },
};

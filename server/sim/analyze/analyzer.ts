// meshlab's `istioctl analyze`: pure checks of the objects learners write against each other and
// against the pods, in the manner of istio/istio pkg/config/analysis/analyzers (gateway,
// virtualservice, destinationrule, injection, sidecar). Objects in, messages out; no I/O.
import { message, list, type AnalysisMessage, type Origin } from './messages.ts';
import { hasSidecar } from '../meta/pod.ts';

export interface KObj {
  apiVersion?: string;
  kind?: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string>; creationTimestamp?: string };
  spec?: Record<string, unknown>;
}

/** What the analyzer reads: the objects of every namespace (references cross namespaces). */
export interface Snapshot {
  namespaces: KObj[];
  services: KObj[];
  pods: KObj[];
  gateways: KObj[];
  virtualServices: KObj[];
  destinationRules: KObj[];
  serviceEntries: KObj[];
  sidecars: KObj[];
  /** security.istio.io, read by `x describe pod` (the mesh itself enforces neither). */
  peerAuthentications: KObj[];
  authorizationPolicies: KObj[];
}

export interface AnalyzeScope {
  /** Report only messages about objects in this namespace; undefined reports every namespace. */
  namespace?: string;
}

const DOMAIN = 'svc.cluster.local';
/** Namespaces the injection analyzer leaves alone, as Istio's does. */
const SYSTEM_NAMESPACES = new Set(['kube-system', 'kube-public', 'kube-node-lease', 'local-path-storage', 'istio-system']);

type Obj = Record<string, unknown>;
const arr = <T = Obj>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);
const nsOf = (o: KObj): string => o.metadata.namespace ?? 'default';
const full = (o: KObj): string => `${nsOf(o)}/${o.metadata.name}`;
const origin = (kind: string, o: KObj): Origin => ({ kind, namespace: o.metadata.namespace === undefined ? undefined : nsOf(o), name: o.metadata.name });

/** Istio's ResolveShortnameToFQDN: a name without dots is a Service in the object's namespace. */
export function fqdn(host: string, namespace: string): string {
  if (host.includes('*') || host.includes('.')) return host;
  return `${host}.${namespace}.${DOMAIN}`;
}

/** Whether host `a` (possibly a wildcard) covers host `b`. */
export function hostMatches(pattern: string, host: string): boolean {
  if (pattern === '*' || pattern === host) return true;
  if (pattern.startsWith('*')) return host.endsWith(pattern.slice(1));
  return false;
}

/** A gateway or service host that may be a wildcard: either side may cover the other. */
const hostsIntersect = (a: string, b: string): boolean => hostMatches(a, b) || hostMatches(b, a);

function labelsMatch(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  return Object.entries(selector ?? {}).every(([k, v]) => l[k] === v);
}

/** klabels.SelectorFromSet(...).String(): keys sorted, `k=v` joined by commas. */
function selectorString(selector: Record<string, string> | undefined): string {
  return Object.keys(selector ?? {})
    .sort()
    .map((k) => `${k}=${selector![k]}`)
    .join(',');
}

interface Registry {
  services: Map<string, KObj>;
  entryHosts: { host: string; entry: KObj }[];
}

function registryOf(s: Snapshot): Registry {
  const services = new Map<string, KObj>();
  for (const svc of s.services) services.set(`${svc.metadata.name}.${nsOf(svc)}.${DOMAIN}`, svc);
  const entryHosts = s.serviceEntries.flatMap((entry) => arr<string>(entry.spec?.hosts).map((host) => ({ host: String(host), entry })));
  return { services, entryHosts };
}

function hostKnown(reg: Registry, host: string): boolean {
  if (reg.services.has(host)) return true;
  return reg.entryHosts.some((e) => hostMatches(e.host, host));
}

/** The gateway a VirtualService names: `name`, `ns/name` or `name.ns.svc.cluster.local`. */
function gatewayKey(ref: string, vsNamespace: string): string {
  if (ref.includes('/')) return ref;
  const parts = ref.split('.');
  if (parts.length >= 2) return `${parts[1]}/${parts[0]}`;
  return `${vsNamespace}/${ref}`;
}

/** `#n` or the quoted name, as Istio's routeName/requestName print a rule or a match. */
const ruleName = (rule: Obj, index: number): string => (typeof rule.name === 'string' && rule.name ? JSON.stringify(rule.name) : `#${index}`);

function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v as Obj)
      .filter((k) => k !== 'name')
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((v as Obj)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v);
}

function analyzeGateways(s: Snapshot, out: AnalysisMessage[]): void {
  const seen: { gw: KObj; selector: string; port: number; hosts: string[] }[] = [];
  for (const gw of s.gateways) {
    const selector = (gw.spec?.selector ?? {}) as Record<string, string>;
    const pods = s.pods.filter((p) => labelsMatch(selector, p.metadata.labels));
    const sel = selectorString(selector);
    if (!pods.length) {
      out.push(message('ReferencedResourceNotFound', origin('Gateway', gw), 'selector', sel));
    } else {
      // Ports of the Services in front of the gateway's pods. Istio 1.28 compares the server
      // port with each Service port's targetPort; the port itself is accepted too, because
      // istio-ingressgateway's Service maps 80 to 8080 and a Gateway on 80 is the usual case.
      const ports = new Set<number>();
      for (const pod of pods)
        for (const svc of s.services) {
          if (nsOf(svc) !== nsOf(pod) || !labelsMatch(svc.spec?.selector as Record<string, string>, pod.metadata.labels) || !Object.keys((svc.spec?.selector as Obj) ?? {}).length) continue;
          for (const p of arr(svc.spec?.ports)) {
            if ((p.protocol ?? 'TCP') !== 'TCP') continue;
            ports.add(Number(p.port));
            if (typeof p.targetPort === 'number') ports.add(p.targetPort);
          }
        }
      for (const server of arr(gw.spec?.servers)) {
        const n = Number((server.port as Obj | undefined)?.number);
        if (Number.isFinite(n) && !ports.has(n)) out.push(message('GatewayPortNotDefinedOnService', origin('Gateway', gw), String(n), sel));
      }
    }
    for (const server of arr(gw.spec?.servers)) {
      const port = Number((server.port as Obj | undefined)?.number);
      const hosts = arr<string>(server.hosts).map((h) => String(h).replace(/^[^/]*\//, ''));
      for (const other of seen) {
        if (other.gw === gw || other.selector !== sel || other.port !== port) continue;
        const shared = hosts.filter((h) => other.hosts.some((o) => hostsIntersect(h, o)));
        if (shared.length) {
          out.push(message('ConflictingGateways', origin('Gateway', gw), full(other.gw), sel, String(port), list(shared)));
          out.push(message('ConflictingGateways', origin('Gateway', other.gw), full(gw), sel, String(port), list(shared)));
        }
      }
      seen.push({ gw, selector: sel, port, hosts });
    }
  }
}

interface Destination {
  host: string;
  subset?: string;
  port?: number;
  mirror: boolean;
}

function destinationsOf(vs: KObj): Destination[] {
  const out: Destination[] = [];
  const add = (d: Obj | undefined, mirror: boolean) => {
    if (!d || typeof d.host !== 'string') return;
    const port = (d.port as Obj | undefined)?.number;
    out.push({ host: d.host, subset: typeof d.subset === 'string' ? d.subset : undefined, port: typeof port === 'number' ? port : undefined, mirror });
  };
  for (const kind of ['http', 'tcp', 'tls'])
    for (const rule of arr(vs.spec?.[kind])) {
      for (const r of arr(rule.route)) add(r.destination as Obj | undefined, false);
      add(rule.mirror as Obj | undefined, true);
      for (const m of arr(rule.mirrors)) add(m.destination as Obj | undefined, true);
    }
  return out;
}

function analyzeVirtualServices(s: Snapshot, reg: Registry, out: AnalysisMessage[]): void {
  const gateways = new Map(s.gateways.map((g) => [full(g), g]));
  for (const vs of s.virtualServices) {
    const ns = nsOf(vs);
    const o = origin('VirtualService', vs);
    const hosts = arr<string>(vs.spec?.hosts).map(String);
    // Gateways: each must exist, and carry the VirtualService's hosts.
    for (const ref of arr<string>(vs.spec?.gateways).map(String)) {
      if (ref === 'mesh') continue;
      const gw = gateways.get(gatewayKey(ref, ns));
      if (!gw) {
        out.push(message('ReferencedResourceNotFound', o, 'gateway', ref));
        continue;
      }
      const serverHosts = arr(gw.spec?.servers).flatMap((srv) => arr<string>(srv.hosts).map(String));
      const missing = hosts.filter(
        (h) =>
          !serverHosts.some((sh) => {
            const i = sh.indexOf('/');
            const hostNs = i >= 0 ? sh.slice(0, i) : '*';
            const name = i >= 0 ? sh.slice(i + 1) : sh;
            if (hostNs !== '*' && !(hostNs === '.' ? nsOf(gw) === ns : hostNs === ns)) return false;
            return hostsIntersect(name, h);
          }),
      );
      if (missing.length) out.push(message('VirtualServiceHostNotFoundInGateway', o, list(missing), full(vs), full(gw)));
    }
    // Destinations: a known host, a subset some DestinationRule defines, a port when the Service has several.
    for (const d of destinationsOf(vs)) {
      const host = fqdn(d.host, ns);
      if (!hostKnown(reg, host)) {
        out.push(message('ReferencedResourceNotFound', o, d.mirror ? 'mirror host' : 'host', d.host));
        continue;
      }
      if (d.subset !== undefined) {
        const defined = s.destinationRules.some((dr) => {
          const drHost = typeof dr.spec?.host === 'string' ? fqdn(dr.spec.host, nsOf(dr)) : '';
          return hostMatches(drHost, host) && arr(dr.spec?.subsets).some((sub) => sub.name === d.subset);
        });
        if (!defined) out.push(message('ReferencedResourceNotFound', o, d.mirror ? 'mirror host+subset in destinationrule' : 'host+subset in destinationrule', `${d.host}+${d.subset}`));
      }
      const svc = reg.services.get(host);
      const svcPorts = arr(svc?.spec?.ports).map((p) => Number(p.port));
      if (svc && d.port === undefined && svcPorts.length > 1 && !d.mirror) out.push(message('VirtualServiceDestinationPortSelectorRequired', o, d.host, list(svcPorts.map(String))));
    }
    // Rules that can never match, and matches an earlier rule already took.
    const rules = arr(vs.spec?.http);
    const seenMatches = new Map<string, number>();
    let catchAll = -1;
    rules.forEach((rule, i) => {
      const matches = arr(rule.match);
      if (!matches.length) {
        if (catchAll >= 0) out.push(message('VirtualServiceUnreachableRule', o, ruleName(rule, i), 'only the last rule can have no matches'));
        catchAll = i;
        return;
      }
      let duplicates = 0;
      matches.forEach((m, j) => {
        if (catchAll >= 0) {
          out.push(message('VirtualServiceUnreachableRule', o, ruleName(rule, i), 'route without matches defined before'));
          return;
        }
        const key = stableJson(m);
        const dup = seenMatches.get(key);
        if (dup !== undefined) {
          out.push(message('VirtualServiceIneffectiveMatch', o, ruleName(rule, i), ruleName(m, j), ruleName(rules[dup]!, dup)));
          duplicates++;
          return;
        }
        seenMatches.set(key, i);
      });
      if (duplicates === matches.length) out.push(message('VirtualServiceUnreachableRule', o, ruleName(rule, i), 'all matches used by prior rules'));
    });
  }
  // Mesh-bound VirtualServices of one namespace defining the same host.
  const byHost = new Map<string, KObj[]>();
  for (const vs of s.virtualServices) {
    const gws = arr<string>(vs.spec?.gateways).map(String);
    if (gws.length && !gws.includes('mesh')) continue;
    for (const h of arr<string>(vs.spec?.hosts).map(String)) {
      const key = `${nsOf(vs)}|${fqdn(h, nsOf(vs))}`;
      byHost.set(key, [...(byHost.get(key) ?? []), vs]);
    }
  }
  for (const [key, vss] of byHost) {
    if (vss.length < 2) continue;
    const names = vss.map(full).join(',');
    for (const vs of vss) out.push(message('ConflictingMeshGatewayVirtualServiceHosts', origin('VirtualService', vs), names, key.split('|')[1]!));
  }
}

function analyzeDestinationRules(s: Snapshot, reg: Registry, out: AnalysisMessage[]): void {
  for (const dr of s.destinationRules) {
    if (typeof dr.spec?.host !== 'string') continue;
    const host = fqdn(dr.spec.host, nsOf(dr));
    const svc = reg.services.get(host);
    if (!svc) continue; // subsets of ServiceEntries and wildcards select workloads Istio does not list here
    const svcSelector = svc.spec?.selector as Record<string, string> | undefined;
    if (!svcSelector || !Object.keys(svcSelector).length) continue;
    const pods = s.pods.filter((p) => nsOf(p) === nsOf(svc) && labelsMatch(svcSelector, p.metadata.labels));
    for (const sub of arr(dr.spec?.subsets)) {
      const labels = sub.labels as Record<string, string> | undefined;
      if (!pods.some((p) => labelsMatch(labels, p.metadata.labels))) out.push(message('DestinationRuleSubsetNotSelectPods', origin('DestinationRule', dr), String(sub.name)));
    }
  }
}

function analyzeInjection(s: Snapshot, out: AnalysisMessage[]): void {
  for (const ns of s.namespaces) {
    const name = ns.metadata.name;
    if (SYSTEM_NAMESPACES.has(name)) continue;
    const labels = ns.metadata.labels ?? {};
    const injectionLabels = ['istio-injection', 'istio.io/rev'].filter((k) => k in labels);
    const o: Origin = { kind: 'Namespace', name };
    if (!injectionLabels.length) {
      out.push(message('NamespaceNotInjected', o, name));
      continue;
    }
    if (injectionLabels.length > 1) out.push(message('NamespaceMultipleInjectionLabels', o, list(injectionLabels)));
    if (labels['istio-injection'] === 'disabled') continue;
    for (const pod of s.pods) {
      if (nsOf(pod) !== name) continue;
      if (pod.metadata.labels?.['sidecar.istio.io/inject'] === 'false' || pod.metadata.annotations?.['sidecar.istio.io/inject'] === 'false') continue;
      if (!hasSidecar(pod)) out.push(message('PodMissingProxy', { kind: 'Pod', namespace: name, name: pod.metadata.name }, pod.metadata.name));
    }
  }
}

function analyzeSidecars(s: Snapshot, out: AnalysisMessage[]): void {
  const selectorless = new Map<string, KObj[]>();
  for (const sc of s.sidecars) {
    if (sc.spec?.workloadSelector) continue;
    selectorless.set(nsOf(sc), [...(selectorless.get(nsOf(sc)) ?? []), sc]);
  }
  for (const [ns, scs] of selectorless) {
    if (scs.length < 2) continue;
    for (const sc of scs)
      out.push(
        message(
          'MultipleSidecarsWithoutWorkloadSelectors',
          origin('Sidecar', sc),
          list(scs.filter((x) => x !== sc).map((x) => x.metadata.name)),
          ns,
        ),
      );
  }
}

const LEVEL_ORDER = { Error: 0, Warning: 1, Info: 2 } as const;

/** Every message about the objects in scope, errors first, then by object and code (as istioctl sorts). */
export function analyze(snapshot: Snapshot, scope: AnalyzeScope = {}): AnalysisMessage[] {
  const reg = registryOf(snapshot);
  const out: AnalysisMessage[] = [];
  analyzeGateways(snapshot, out);
  analyzeVirtualServices(snapshot, reg, out);
  analyzeDestinationRules(snapshot, reg, out);
  analyzeInjection(snapshot, out);
  analyzeSidecars(snapshot, out);
  const inScope = (m: AnalysisMessage) => scope.namespace === undefined || (m.origin.namespace ?? (m.origin.kind === 'Namespace' ? m.origin.name : undefined)) === scope.namespace;
  const seen = new Set<string>();
  return out
    .filter(inScope)
    .filter((m) => {
      const key = `${m.code}|${m.origin.kind}|${m.origin.namespace}|${m.origin.name}|${m.text}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort((a, b) => LEVEL_ORDER[a.level] - LEVEL_ORDER[b.level] || a.origin.kind.localeCompare(b.origin.kind) || `${a.origin.namespace}/${a.origin.name}`.localeCompare(`${b.origin.namespace}/${b.origin.name}`) || a.code.localeCompare(b.code));
}

// Istio's config → per-proxy route tables, as plain data (what istiod would push as RDS).
// Gateways: for a gateway pod, the HTTP servers per port and the VirtualServices bound to them,
// merged per host by creation time. Sidecars: per (client namespace, host, port) the mesh-bound
// VirtualService that applies, or the default route to the service.
import { parse as parseYaml } from 'yaml';
import type { KubeObject, ObjectStore } from '../store/object-store.ts';
import { intersectHosts, hostMatches, resolveShortName } from './hosts.ts';
import { resolveRoute, type ResolvedRoute } from './routes.ts';

type Obj = Record<string, unknown>;

export const ISTIO = 'networking.istio.io';
export const ROOT_NAMESPACE = 'istio-system';

export interface MeshSnapshot {
  revision: number;
  gateways: KubeObject[];
  virtualServices: KubeObject[];
  destinationRules: KubeObject[];
  serviceEntries: KubeObject[];
  sidecars: KubeObject[];
  services: KubeObject[];
  outboundTrafficPolicy: 'ALLOW_ANY' | 'REGISTRY_ONLY';
  /** The mesh config's `defaultHttpRetryPolicy`: the retries of routes that set none. */
  defaultHttpRetryPolicy?: Obj;
}

function byCreation(a: KubeObject, b: KubeObject): number {
  const t = (a.metadata.creationTimestamp ?? '').localeCompare(b.metadata.creationTimestamp ?? '');
  if (t) return t;
  // Same second: the store's revision order is the creation order.
  const r = Number(a.metadata.resourceVersion ?? 0) - Number(b.metadata.resourceVersion ?? 0);
  if (r && a.metadata.generation === 1 && b.metadata.generation === 1) return r;
  return a.metadata.name.localeCompare(b.metadata.name) || (a.metadata.namespace ?? '').localeCompare(b.metadata.namespace ?? '');
}

const isArr = (v: unknown) => v === undefined || Array.isArray(v);
const isObj = (v: unknown) => v === undefined || (typeof v === 'object' && v !== null && !Array.isArray(v));
const arrOfObj = (v: unknown) => v === undefined || (Array.isArray(v) && v.every((x) => typeof x === 'object' && x !== null && !Array.isArray(x)));
const arrOfStr = (v: unknown) => v === undefined || (Array.isArray(v) && v.every((x) => typeof x === 'string'));

/**
 * Whether an Istio object has the shape routing relies on (arrays where the API has lists).
 * The CRD schema rejects anything else at the API server; objects written around it are
 * skipped, as istiod skips config it cannot convert.
 */
export function wellFormed(obj: KubeObject): boolean {
  const spec = obj.spec as Obj | undefined;
  if (!isObj(spec)) return false;
  if (!spec) return true;
  if (!arrOfStr(spec.hosts) || !arrOfStr(spec.gateways) || !arrOfStr(spec.exportTo) || !isObj(spec.selector)) return false;
  if (!arrOfObj(spec.egress) || !isObj(spec.outboundTrafficPolicy) || !isObj(spec.workloadSelector)) return false;
  if (obj.kind === 'VirtualService' && !arrOfObj(spec.tls)) return false;
  for (const e of (spec.egress as Obj[] | undefined) ?? []) if (!arrOfStr(e.hosts)) return false;
  if (!arrOfObj(spec.servers) || !arrOfObj(spec.subsets) || !arrOfObj(spec.ports) || !arrOfObj(spec.endpoints) || !arrOfObj(spec.http)) return false;
  for (const s of (spec.servers as Obj[] | undefined) ?? []) if (!arrOfStr(s.hosts) || !isObj(s.port) || !isObj(s.tls)) return false;
  for (const r of (spec.http as Obj[] | undefined) ?? []) {
    if (!arrOfObj(r.match) || !arrOfObj(r.route) || !isObj(r.redirect) || !isObj(r.directResponse) || !isObj(r.fault) || !isObj(r.rewrite) || !isObj(r.headers) || !isObj(r.retries) || !isObj(r.mirror)) return false;
    for (const m of (r.match as Obj[] | undefined) ?? []) if (!arrOfStr(m.gateways) || !isObj(m.uri) || !isObj(m.headers) || !isObj(m.withoutHeaders) || !isObj(m.queryParams)) return false;
    for (const d of (r.route as Obj[] | undefined) ?? []) if (!isObj(d.destination) || !isObj(d.headers)) return false;
  }
  return isArr(spec.addresses);
}

/**
 * Turns another API's objects (the Gateway API's Gateway and HTTPRoute) into Istio-shaped config
 * before translation, as istiod's gateway controller does: the mesh then routes by the result.
 */
export interface ConfigConverter {
  /** Store resources it reads (`gateway.networking.k8s.io/httproutes`); a change to one triggers a push. */
  resources: string[];
  /** Istio objects (Gateway, VirtualService, ...) equivalent to `input` (the objects of `resources`), given the rest of the config. */
  convert(input: KubeObject[], config: readonly KubeObject[]): KubeObject[];
}

/** Store resources whose objects routing depends on. */
export const MESH_CONFIG_RESOURCES = [`${ISTIO}/gateways`, `${ISTIO}/virtualservices`, `${ISTIO}/destinationrules`, `${ISTIO}/serviceentries`, `${ISTIO}/sidecars`, 'services', 'configmaps'];

const KIND_LISTS = { Gateway: 'gateways', VirtualService: 'virtualServices', DestinationRule: 'destinationRules', ServiceEntry: 'serviceEntries', Sidecar: 'sidecars', Service: 'services' } as const;

/** What routing reads from the mesh config (ConfigMap `istio` in the root namespace, key `mesh`). */
function meshConfigOf(objects: readonly KubeObject[]): Pick<MeshSnapshot, 'outboundTrafficPolicy' | 'defaultHttpRetryPolicy'> {
  const cm = objects.find((o) => o.kind === 'ConfigMap' && o.metadata.namespace === ROOT_NAMESPACE && o.metadata.name === 'istio');
  const mesh = (cm?.data as Obj | undefined)?.mesh;
  if (typeof mesh !== 'string') return { outboundTrafficPolicy: 'ALLOW_ANY' };
  try {
    const parsed = parseYaml(mesh) as Obj | null;
    const retries = parsed?.defaultHttpRetryPolicy;
    return {
      outboundTrafficPolicy: (parsed?.outboundTrafficPolicy as Obj | undefined)?.mode === 'REGISTRY_ONLY' ? 'REGISTRY_ONLY' : 'ALLOW_ANY',
      ...(retries && typeof retries === 'object' && !Array.isArray(retries) ? { defaultHttpRetryPolicy: retries as Obj } : {}),
    };
  } catch {
    // istiod keeps the previous config on a parse error; ALLOW_ANY is the default.
    return { outboundTrafficPolicy: 'ALLOW_ANY' };
  }
}

/**
 * The one input of translation: a list of config objects (Istio kinds, Services, the `istio`
 * ConfigMap; anything else is ignored) at one revision. Converters add Istio objects for the
 * objects of their resources (found in `objects` by `apiVersion` group); deleted and malformed
 * Istio objects are skipped, as istiod skips config it cannot convert.
 */
export function translateConfig(objects: readonly KubeObject[], revision: number, converters: readonly ConfigConverter[] = []): MeshSnapshot {
  const all = [...objects];
  for (const c of converters) {
    const groups = new Set(c.resources.map((r) => (r.includes('/') ? r.slice(0, r.lastIndexOf('/')) : '')));
    const input = objects.filter((o) => groups.has(o.apiVersion.includes('/') ? o.apiVersion.slice(0, o.apiVersion.indexOf('/')) : ''));
    all.push(...c.convert(input, objects));
  }
  const snapshot: MeshSnapshot = { revision, gateways: [], virtualServices: [], destinationRules: [], serviceEntries: [], sidecars: [], services: [], ...meshConfigOf(all) };
  for (const o of all) {
    if (o.metadata.deletionTimestamp) continue;
    const list = KIND_LISTS[o.kind as keyof typeof KIND_LISTS];
    if (!list) continue;
    if (list === 'services' ? o.apiVersion !== 'v1' : !o.apiVersion.startsWith(`${ISTIO}/`) || !wellFormed(o)) continue; // same kind names, other APIs
    snapshot[list].push(o);
  }
  for (const list of Object.values(KIND_LISTS)) snapshot[list].sort(byCreation);
  return snapshot;
}

const STORED_KINDS: Record<string, { apiVersion: string; kind: string }> = {
  [`${ISTIO}/gateways`]: { apiVersion: `${ISTIO}/v1`, kind: 'Gateway' },
  [`${ISTIO}/virtualservices`]: { apiVersion: `${ISTIO}/v1`, kind: 'VirtualService' },
  [`${ISTIO}/destinationrules`]: { apiVersion: `${ISTIO}/v1`, kind: 'DestinationRule' },
  [`${ISTIO}/serviceentries`]: { apiVersion: `${ISTIO}/v1`, kind: 'ServiceEntry' },
  [`${ISTIO}/sidecars`]: { apiVersion: `${ISTIO}/v1`, kind: 'Sidecar' },
  services: { apiVersion: 'v1', kind: 'Service' },
  configmaps: { apiVersion: 'v1', kind: 'ConfigMap' },
};

/** Reads everything routing depends on from the store at one revision. */
export function snapshotOf(store: ObjectStore, converters: readonly ConfigConverter[] = []): MeshSnapshot {
  const resources = [...MESH_CONFIG_RESOURCES, ...converters.flatMap((c) => c.resources)];
  const objects: KubeObject[] = [];
  for (const r of new Set(resources)) {
    const items = store.list(r).items;
    const known = STORED_KINDS[r];
    for (const o of r === 'configmaps' ? items.filter((x) => x.metadata.namespace === ROOT_NAMESPACE && x.metadata.name === 'istio') : items) {
      // The store keys by resource; an object written without apiVersion/kind is still that resource.
      objects.push(known && (o.kind !== known.kind || !o.apiVersion) ? { ...o, apiVersion: o.apiVersion || known.apiVersion, kind: known.kind } : o);
    }
  }
  return translateConfig(objects, store.currentRevision, converters);
}

export interface VsRef {
  name: string;
  namespace: string;
}

export interface HttpRouteEntry {
  vs: VsRef;
  ruleIndex: number;
  ruleName?: string;
  /** The HTTPRoute as written (route, redirect, directResponse, fault, ...). */
  route: Obj;
  /** The same route as typed data, resolved once per push (what simulation and proxies read). */
  resolved: ResolvedRoute;
  /** Match blocks that apply to this proxy (OR'd); empty = matches everything. */
  matches: Obj[];
  /**
   * A delegate VirtualService's rule merged into a root's `delegate:` rule: `vs`/`ruleIndex` name the
   * delegate's rule (its short names resolve in its namespace), this the root's.
   */
  delegatedBy?: { vs: VsRef; ruleIndex: number };
}

export interface VirtualHostTable {
  /** `host:port`, as Istio names virtual hosts. */
  name: string;
  domains: string[];
  routes: HttpRouteEntry[];
}

export interface GatewayServerRef {
  gateway: string; // ns/name
  serverIndex: number;
  portName?: string;
  protocol: string;
  hosts: string[];
  httpsRedirect: boolean;
  /** HTTPS servers: the Secret (in the gateway pod's namespace) holding the certificate. */
  credentialName?: string;
  /** HTTPS servers: `SIMPLE`, or `MUTUAL`/`OPTIONAL_MUTUAL` (the client's certificate is asked for, checked against the credential's CA). */
  tlsMode?: 'SIMPLE' | 'MUTUAL' | 'OPTIONAL_MUTUAL';
}

export interface GatewayListenerTable {
  port: number;
  /** TLS is terminated on this port (HTTPS servers). */
  secure: boolean;
  /** TLS passes through by SNI (TLS/HTTPS servers in PASSTHROUGH mode): routed by VS `tls` routes. */
  passthrough: boolean;
  servers: GatewayServerRef[];
  virtualHosts: VirtualHostTable[];
  /** Passthrough listeners: the VirtualService `tls` routes bound to this port's Gateways. */
  tlsRoutes?: TlsRouteEntry[];
}

export interface GatewayRouteTable {
  proxy: string; // ns/pod
  listeners: GatewayListenerTable[];
}

function labelsMatch(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  if (!selector) return false;
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

/** Gateways whose selector picks this pod (any namespace, as istiod does by default). */
export function gatewaysForPod(snapshot: MeshSnapshot, podLabels: Record<string, string>): KubeObject[] {
  return snapshot.gateways.filter((g) => labelsMatch(((g.spec as Obj | undefined)?.selector as Record<string, string> | undefined) ?? {}, podLabels));
}

/** `name` → `vsNamespace/name`; `ns/name` as is; `mesh` stays `mesh`. */
export function qualifyGateway(ref: string, vsNamespace: string): string {
  if (ref === 'mesh') return 'mesh';
  return ref.includes('/') ? ref : `${vsNamespace}/${ref}`;
}

function vsGateways(vs: KubeObject): string[] {
  const g = ((vs.spec as Obj | undefined)?.gateways as string[] | undefined) ?? [];
  const ns = vs.metadata.namespace ?? 'default';
  return g.length ? g.map((x) => qualifyGateway(String(x), ns)) : ['mesh'];
}

/**
 * The routes of one VirtualService that apply to a proxy identified by `gatewayNames`
 * (qualified `ns/name`, or `mesh`) and a listener port: `match.gateways` overrides the
 * top-level list, `match.port` must equal the port, a route whose every match is filtered out
 * is dropped. Routes after a catch-all are unreachable and dropped.
 */
export function routesFor(vs: KubeObject, gatewayNames: Set<string>, port: number | undefined, source?: { labels: Record<string, string>; namespace: string }, config?: Pick<MeshSnapshot, 'virtualServices' | 'defaultHttpRetryPolicy'>): HttpRouteEntry[] {
  const ns = vs.metadata.namespace ?? 'default';
  const top = vsGateways(vs);
  const out: HttpRouteEntry[] = [];
  for (const { route, ruleIndex, origin, delegatedBy } of mergedRules(vs, config?.virtualServices ?? [])) {
    const rawMatches = (route.match as Obj[] | undefined) ?? [];
    let matches: Obj[];
    if (!rawMatches.length) {
      if (!top.some((g) => gatewayNames.has(g))) continue;
      matches = [];
    } else {
      matches = rawMatches.filter((m) => {
        const gws = (m.gateways as string[] | undefined)?.map((g) => qualifyGateway(String(g), ns)) ?? top;
        if (!gws.some((g) => gatewayNames.has(g))) return false;
        if (typeof m.port === 'number' && port !== undefined && m.port !== port) return false;
        // sourceLabels / sourceNamespace select the proxy evaluating the route (the client).
        if (source && m.sourceLabels && typeof m.sourceLabels === 'object' && !labelsMatch(m.sourceLabels as Record<string, string>, source.labels)) return false;
        if (source && typeof m.sourceNamespace === 'string' && m.sourceNamespace !== source.namespace) return false;
        return true;
      });
      if (!matches.length) continue;
    }
    out.push({ vs: origin, ruleIndex, ruleName: typeof route.name === 'string' ? route.name : undefined, route, resolved: resolveRoute(route, config?.defaultHttpRetryPolicy), matches, ...(delegatedBy ? { delegatedBy } : {}) });
  }
  return out;
}

interface MergedRule {
  route: Obj;
  ruleIndex: number;
  origin: VsRef;
  delegatedBy?: { vs: VsRef; ruleIndex: number };
}

/**
 * A VirtualService's HTTP rules with every `delegate:` rule replaced by the delegate's rules merged
 * into it (Istio's mergeVirtualServicesIfNeeded): the delegate is a VirtualService without hosts,
 * found by name and namespace (the root's by default) and exported to the root's namespace; each of
 * its rules whose matches are all subsets of one of the root rule's matches is kept, with the
 * matches merged and the root rule's fields filling what it leaves unset. A missing or hidden
 * delegate, or a conflicting rule, is left out. One level only: a delegate's own `delegate:` is not followed.
 */
export function mergedRules(vs: KubeObject, all: readonly KubeObject[]): MergedRule[] {
  const ns = vs.metadata.namespace ?? 'default';
  const origin = { name: vs.metadata.name, namespace: ns };
  const http = (((vs.spec as Obj | undefined)?.http as Obj[] | undefined) ?? []);
  const out: MergedRule[] = [];
  http.forEach((route, i) => {
    const d = route.delegate as Obj | undefined;
    if (!d || typeof d !== 'object') {
      out.push({ route, ruleIndex: i, origin });
      return;
    }
    const dns = typeof d.namespace === 'string' && d.namespace ? d.namespace : ns;
    const delegate = all.find((x) => x.metadata.name === d.name && (x.metadata.namespace ?? 'default') === dns && !(((x.spec as Obj | undefined)?.hosts as unknown[] | undefined) ?? []).length);
    if (!delegate || !exportedTo(delegate, ns)) return;
    const rootMatches = qualifiedMatches(route, ns);
    (((delegate.spec as Obj | undefined)?.http as Obj[] | undefined) ?? []).forEach((sub, j) => {
      const matches = mergeMatchRequests(rootMatches, qualifiedMatches(sub, dns));
      if (!matches) return;
      const merged: Obj = { ...sub };
      delete merged.delegate;
      if (matches.length) merged.match = matches;
      else delete merged.match;
      const rootName = typeof route.name === 'string' && route.name ? route.name : undefined;
      const subName = typeof sub.name === 'string' && sub.name ? sub.name : undefined;
      const name = subName && rootName ? `${rootName}-${subName}` : (subName ?? rootName);
      if (name) merged.name = name;
      for (const k of ['rewrite', 'directResponse', 'timeout', 'retries', 'fault', 'mirror', 'mirrorPercent', 'mirrorPercentage', 'corsPolicy', 'mirrors', 'headers']) {
        if (merged[k] === undefined && route[k] !== undefined) merged[k] = route[k];
      }
      out.push({ route: merged, ruleIndex: j, origin: { name: delegate.metadata.name, namespace: dns }, delegatedBy: { vs: origin, ruleIndex: i } });
    });
  });
  return out;
}

/** A rule's match blocks with their gateway names qualified in the namespace of the VirtualService that wrote them. */
function qualifiedMatches(route: Obj, namespace: string): Obj[] {
  return ((route.match as Obj[] | undefined) ?? []).map((m) => (Array.isArray(m.gateways) ? { ...m, gateways: (m.gateways as unknown[]).map((g) => qualifyGateway(String(g), namespace)) } : m));
}

type StringMatch = { exact?: unknown; prefix?: unknown; regex?: unknown } | undefined;
const sm = (v: unknown): StringMatch => (v && typeof v === 'object' ? (v as StringMatch) : undefined);
const nonEmpty = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** Istio's stringMatchConflict: the delegate's StringMatch must narrow the root's. */
function stringMatchConflict(rootV: unknown, leafV: unknown): boolean {
  const root = sm(rootV);
  const leaf = sm(leafV);
  if (!root || !leaf) return false;
  if (nonEmpty(root.regex) && (nonEmpty(leaf.regex) || nonEmpty(leaf.prefix) || nonEmpty(leaf.exact))) return true;
  if (nonEmpty(leaf.regex) && (nonEmpty(root.regex) || nonEmpty(root.prefix) || nonEmpty(root.exact))) return true;
  const exact = nonEmpty(root.exact);
  if (exact) return nonEmpty(leaf.prefix) !== undefined || leaf.exact !== exact;
  const prefix = nonEmpty(root.prefix);
  if (prefix) {
    if (nonEmpty(leaf.prefix)) return !(leaf.prefix as string).startsWith(prefix);
    if (nonEmpty(leaf.exact)) return !(leaf.exact as string).startsWith(prefix);
  }
  return true;
}

const objOf = (v: unknown): Obj => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});

/** Istio's hasConflict: whether a delegate's match block is not a subset of a root's. */
function matchConflict(root: Obj, leaf: Obj): boolean {
  for (const k of ['uri', 'scheme', 'method', 'authority']) if (stringMatchConflict(root[k], leaf[k])) return true;
  for (const k of ['headers', 'withoutHeaders', 'queryParams']) {
    const r = objOf(root[k]);
    for (const [key, v] of Object.entries(objOf(leaf[k]))) if (stringMatchConflict(r[key], v)) return true;
  }
  if ((root.ignoreUriCase === true) !== (leaf.ignoreUriCase === true)) return true;
  if (typeof root.port === 'number' && root.port > 0 && typeof leaf.port === 'number' && leaf.port > 0 && root.port !== leaf.port) return true;
  if (nonEmpty(root.sourceNamespace) && leaf.sourceNamespace !== root.sourceNamespace) return true;
  const rl = objOf(root.sourceLabels);
  for (const [key, v] of Object.entries(objOf(leaf.sourceLabels))) if (key in rl && rl[key] !== v) return true;
  const rg = Array.isArray(root.gateways) ? (root.gateways as string[]) : [];
  const lg = Array.isArray(leaf.gateways) ? (leaf.gateways as string[]) : [];
  if (rg.length && lg.length && (rg.length < lg.length || lg.some((g) => !rg.includes(g)))) return true;
  return false;
}

/** Istio's mergeHTTPMatchRequest: the delegate's block, with the root's conditions where it sets none. */
function mergeMatch(root: Obj, leaf: Obj): Obj {
  const out: Obj = { ...leaf };
  const rootName = nonEmpty(root.name);
  const leafName = nonEmpty(leaf.name);
  const name = leafName && rootName ? `${rootName}-${leafName}` : (leafName ?? rootName);
  if (name) out.name = name;
  for (const k of ['uri', 'scheme', 'method', 'authority', 'sourceNamespace', 'statPrefix']) if (out[k] === undefined && root[k] !== undefined) out[k] = root[k];
  for (const k of ['headers', 'withoutHeaders', 'queryParams', 'sourceLabels']) {
    if (root[k] === undefined && leaf[k] === undefined) continue;
    out[k] = { ...objOf(root[k]), ...objOf(leaf[k]) };
  }
  if ((typeof out.port !== 'number' || out.port === 0) && root.port !== undefined) out.port = root.port;
  if ((!Array.isArray(out.gateways) || !out.gateways.length) && root.gateways !== undefined) out.gateways = root.gateways;
  return out;
}

/** Istio's mergeHTTPMatchRequests: the merged blocks, or undefined when a delegate block fits no root block. */
function mergeMatchRequests(root: Obj[], leaf: Obj[]): Obj[] | undefined {
  if (!root.length) return leaf;
  if (!leaf.length) return root;
  const out: Obj[] = [];
  for (const sub of leaf) {
    let found = false;
    for (const r of root) {
      if (matchConflict(r, sub)) continue;
      out.push(mergeMatch(r, sub));
      found = true;
    }
    if (!found) return undefined;
  }
  return out.length ? out : undefined;
}

/** A match with no conditions besides `name` (or an empty list) matches every request. */
export function isCatchAll(entry: HttpRouteEntry): boolean {
  if (!entry.matches.length) return true;
  return entry.matches.some((m) => {
    const keys = Object.keys(m).filter((k) => k !== 'name' && k !== 'gateways' && k !== 'port');
    if (!keys.length) return true;
    if (keys.length === 1 && keys[0] === 'uri') {
      const uri = m.uri as Obj;
      return uri.prefix === '/' && !m.ignoreUriCase;
    }
    return false;
  });
}

/** Appends merged routes; catch-alls go last and cut off what follows them (Istio's merge). */
export function mergeRoutes(lists: HttpRouteEntry[][]): HttpRouteEntry[] {
  const normal: HttpRouteEntry[] = [];
  const catchAll: HttpRouteEntry[] = [];
  for (const list of lists) {
    for (const r of list) {
      if (isCatchAll(r)) {
        catchAll.push(r);
        break;
      }
      normal.push(r);
    }
  }
  return [...normal, ...catchAll];
}

/** `ns/host`, `./host`, `*\/host` or bare `host` (= any namespace) in a Gateway server. */
function splitServerHost(h: string, gatewayNamespace: string): { namespace: string; host: string } {
  const i = h.indexOf('/');
  if (i < 0) return { namespace: '*', host: h.toLowerCase() };
  const ns = h.slice(0, i);
  return { namespace: ns === '.' ? gatewayNamespace : ns, host: h.slice(i + 1).toLowerCase() };
}

/** Builds a gateway pod's listeners and virtual hosts from the gateways that select it. */
export function buildGatewayTable(snapshot: MeshSnapshot, pod: { namespace: string; name: string; labels: Record<string, string> }): GatewayRouteTable {
  const gws = gatewaysForPod(snapshot, pod.labels);
  const listeners = new Map<number, GatewayListenerTable & { hostOwners: { gateway: string; namespace: string; host: string }[] }>();
  for (const g of gws) {
    const gname = `${g.metadata.namespace ?? 'default'}/${g.metadata.name}`;
    const servers = ((g.spec as Obj | undefined)?.servers as Obj[] | undefined) ?? [];
    servers.forEach((s, idx) => {
      const port = s.port as Obj | undefined;
      if (!port || typeof port.number !== 'number') return;
      const protocol = String(port.protocol ?? 'HTTP').toUpperCase();
      const tls = s.tls as Obj | undefined;
      const plainHttp = protocol === 'HTTP' || protocol === 'HTTP2' || protocol === 'GRPC';
      // HTTPS terminated at the gateway (tls.mode SIMPLE, MUTUAL or OPTIONAL_MUTUAL with a
      // credentialName); ISTIO_MUTUAL and opaque TLS/TCP servers are not served by the embedded gateway.
      const mode = typeof tls?.mode === 'string' ? tls.mode : undefined;
      const terminated = protocol === 'HTTPS' && (mode === 'SIMPLE' || mode === 'MUTUAL' || mode === 'OPTIONAL_MUTUAL') && typeof tls!.credentialName === 'string';
      // TLS passed through by SNI (egress gateways for HTTPS hosts).
      const passthrough = (protocol === 'TLS' || protocol === 'HTTPS') && (tls?.mode ?? 'PASSTHROUGH') === 'PASSTHROUGH';
      if (!plainHttp && !terminated && !passthrough) return;
      let l = listeners.get(port.number);
      if (!l) {
        l = { port: port.number, servers: [], virtualHosts: [], hostOwners: [], secure: terminated, passthrough };
        listeners.set(port.number, l);
      }
      if (l.secure !== terminated || l.passthrough !== passthrough) return; // one kind of traffic per port
      const hosts = ((s.hosts as string[] | undefined) ?? []).map(String);
      l.servers.push({ gateway: gname, serverIndex: idx, portName: typeof port.name === 'string' ? port.name : undefined, protocol, hosts, httpsRedirect: tls?.httpsRedirect === true, credentialName: terminated ? String(tls!.credentialName) : undefined, ...(terminated ? { tlsMode: mode as GatewayServerRef['tlsMode'] } : {}) });
      for (const h of hosts) l.hostOwners.push({ gateway: gname, ...splitServerHost(h, g.metadata.namespace ?? 'default') });
    });
  }
  const out: GatewayListenerTable[] = [];
  for (const l of [...listeners.values()].sort((a, b) => a.port - b.port)) {
    // host → routes from every VS (creation order) bound to one of this port's gateways.
    const byHost = new Map<string, HttpRouteEntry[][]>();
    for (const vs of snapshot.virtualServices) {
      const vsNs = vs.metadata.namespace ?? 'default';
      const vsHosts = (((vs.spec as Obj | undefined)?.hosts as string[] | undefined) ?? []).map((h) => resolveShortName(String(h), vsNs));
      for (const owner of l.hostOwners) {
        const vsGws = new Set([...vsGateways(vs), ...(((vs.spec as Obj | undefined)?.http as Obj[] | undefined) ?? []).flatMap((r) => ((r.match as Obj[] | undefined) ?? []).flatMap((m) => ((m.gateways as string[] | undefined) ?? []).map((g) => qualifyGateway(String(g), vsNs))))]);
        if (!vsGws.has(owner.gateway)) continue;
        if (owner.namespace !== '*' && owner.namespace !== vsNs) continue;
        const routes = routesFor(vs, new Set([owner.gateway]), l.port, { labels: pod.labels, namespace: pod.namespace }, snapshot);
        if (!routes.length) continue;
        for (const vh of vsHosts) {
          const domain = intersectHosts(owner.host, vh);
          if (!domain) continue;
          const lists = byHost.get(domain) ?? [];
          if (!lists.some((x) => x[0]?.vs.name === vs.metadata.name && x[0]?.vs.namespace === vsNs)) lists.push(routes);
          byHost.set(domain, lists);
        }
      }
    }
    const virtualHosts: VirtualHostTable[] = [...byHost.entries()].map(([host, lists]) => ({
      name: `${host}:${l.port}`,
      domains: [host],
      routes: mergeRoutes(lists),
    }));
    const tlsRoutes = l.passthrough ? tlsRoutesFor(snapshot, new Set(l.servers.map((s) => s.gateway)), pod.namespace, l.port) : undefined;
    out.push({ port: l.port, secure: l.secure, passthrough: l.passthrough, servers: l.servers, virtualHosts, ...(tlsRoutes ? { tlsRoutes } : {}) });
  }
  return { proxy: `${pod.namespace}/${pod.name}`, listeners: out };
}

/**
 * The sidecar's choice for a request to `host` (FQDN already resolved) from a pod in
 * `clientNamespace`: the oldest mesh-bound VirtualService whose hosts match (Istio keeps the
 * first VS per host for sidecars), with its routes for `port`.
 */
export function sidecarVirtualHost(snapshot: MeshSnapshot, clientNamespace: string, host: string, port: number, clientLabels: Record<string, string> = {}): VirtualHostTable | undefined {
  for (const vs of snapshot.virtualServices) {
    const vsNs = vs.metadata.namespace ?? 'default';
    if (!exportedTo(vs, clientNamespace)) continue;
    if (!vsGateways(vs).includes('mesh') && !(((vs.spec as Obj | undefined)?.http as Obj[] | undefined) ?? []).some((r) => ((r.match as Obj[] | undefined) ?? []).some((m) => ((m.gateways as string[] | undefined) ?? []).includes('mesh')))) continue;
    const vsHosts = (((vs.spec as Obj | undefined)?.hosts as string[] | undefined) ?? []).map((h) => resolveShortName(String(h), vsNs));
    const hit = vsHosts.find((p) => hostMatches(p, host));
    if (!hit) continue;
    return { name: `${host}:${port}`, domains: [hit], routes: mergeRoutes([routesFor(vs, new Set(['mesh']), port, { labels: clientLabels, namespace: clientNamespace }, snapshot)]) };
  }
  return undefined;
}

const SIDECAR_HOSTS_KEPT = 2000;

/**
 * One sidecar's outbound configuration for a push: its Sidecar resource, outbound traffic policy
 * and the virtual host per `host:port`, built on first use and kept until the next push (the
 * mesh builds one per pod and revision), so requests never rebuild route tables.
 */
export class SidecarRouteTable {
  readonly sidecar: KubeObject | undefined;
  readonly outboundMode: MeshSnapshot['outboundTrafficPolicy'];
  private readonly virtualHosts = new Map<string, VirtualHostTable | null>();
  private readonly tlsByPort = new Map<number, TlsRouteEntry[]>();

  constructor(
    readonly snapshot: MeshSnapshot,
    readonly proxy: { namespace: string; labels: Record<string, string> },
  ) {
    this.sidecar = sidecarFor(snapshot, proxy);
    this.outboundMode = outboundModeFor(snapshot, this.sidecar);
  }

  get revision(): number {
    return this.snapshot.revision;
  }

  /** The mesh VirtualService's virtual host for a resolved host and port, if one applies. */
  virtualHost(host: string, port: number): VirtualHostTable | undefined {
    const key = `${host}:${port}`;
    let vh = this.virtualHosts.get(key);
    if (vh === undefined) {
      vh = sidecarVirtualHost(this.snapshot, this.proxy.namespace, host, port, this.proxy.labels) ?? null;
      // Hosts come from requests: bound the memo (a flood of made-up names costs rebuilds, not memory).
      if (this.virtualHosts.size >= SIDECAR_HOSTS_KEPT) this.virtualHosts.clear();
      this.virtualHosts.set(key, vh);
    }
    return vh ?? undefined;
  }

  /** The mesh VirtualServices' `tls` routes on a port (SNI routing of TLS the application sends). */
  tlsRoutes(port: number): TlsRouteEntry[] {
    let routes = this.tlsByPort.get(port);
    if (!routes) {
      routes = tlsRoutesFor(this.snapshot, new Set(['mesh']), this.proxy.namespace, port);
      if (this.tlsByPort.size >= SIDECAR_HOSTS_KEPT) this.tlsByPort.clear();
      this.tlsByPort.set(port, routes);
    }
    return routes;
  }
}

/** `exportTo` (default `*`; `.` = own namespace). */
export function exportedTo(obj: KubeObject, namespace: string): boolean {
  const list = ((obj.spec as Obj | undefined)?.exportTo as string[] | undefined) ?? [];
  if (!list.length) return true;
  return list.some((e) => e === '*' || e === namespace || (e === '.' && obj.metadata.namespace === namespace));
}

/**
 * The DestinationRule for a host as a client in `clientNamespace` sees it: its own namespace
 * first, then the service's namespace, then the root namespace (Istio's lookup order).
 */
export function destinationRuleFor(snapshot: MeshSnapshot, host: string, clientNamespace: string, serviceNamespace?: string): KubeObject | undefined {
  const candidates = snapshot.destinationRules.filter((dr) => {
    const ns = dr.metadata.namespace ?? 'default';
    const h = resolveShortName(String((dr.spec as Obj | undefined)?.host ?? ''), ns);
    return hostMatches(h, host) && exportedTo(dr, clientNamespace);
  });
  for (const ns of [clientNamespace, serviceNamespace, ROOT_NAMESPACE]) {
    if (!ns) continue;
    const exact = candidates.find((dr) => dr.metadata.namespace === ns && resolveShortName(String((dr.spec as Obj).host), ns) === host);
    if (exact) return exact;
    const wild = candidates.find((dr) => dr.metadata.namespace === ns);
    if (wild) return wild;
  }
  return candidates[0];
}

/** The first subset of that name wins. */
export function subsetOf(dr: KubeObject | undefined, name: string): Obj | undefined {
  return (((dr?.spec as Obj | undefined)?.subsets as Obj[] | undefined) ?? []).find((s) => s.name === name);
}

/** ServiceEntries a namespace sees whose hosts match. */
export function serviceEntriesFor(snapshot: MeshSnapshot, host: string, clientNamespace: string): KubeObject[] {
  return snapshot.serviceEntries.filter((se) => {
    if (!exportedTo(se, clientNamespace)) return false;
    const ns = se.metadata.namespace ?? 'default';
    return (((se.spec as Obj | undefined)?.hosts as string[] | undefined) ?? []).some((h) => hostMatches(resolveShortName(String(h), ns), host));
  });
}

/**
 * The Sidecar resource that configures a pod's proxy: one in the pod's namespace whose
 * workloadSelector matches it, else the namespace's selector-less one, else the root
 * namespace's (Istio's precedence).
 */
export function sidecarFor(snapshot: MeshSnapshot, pod: { namespace: string; labels: Record<string, string> }): KubeObject | undefined {
  const inNs = snapshot.sidecars.filter((s) => (s.metadata.namespace ?? 'default') === pod.namespace);
  const selected = inNs.find((s) => {
    const sel = (((s.spec as Obj | undefined)?.workloadSelector as Obj | undefined)?.labels as Record<string, string> | undefined) ?? undefined;
    return sel && Object.keys(sel).length && labelsMatch(sel, pod.labels);
  });
  const noSelector = (s: KubeObject) => !((s.spec as Obj | undefined)?.workloadSelector);
  return selected ?? inNs.find(noSelector) ?? snapshot.sidecars.find((s) => s.metadata.namespace === ROOT_NAMESPACE && noSelector(s));
}

/**
 * Whether a Sidecar's `egress[].hosts` (`ns/host`, `./host`, `*\/host`, `~/...` for none) let the
 * proxy see `host` defined in `hostNamespace`. No Sidecar, or no egress section: everything.
 */
export function sidecarAllowsHost(sidecar: KubeObject | undefined, clientNamespace: string, host: string, hostNamespace: string | undefined): boolean {
  const egress = ((sidecar?.spec as Obj | undefined)?.egress as Obj[] | undefined) ?? [];
  if (!sidecar || !egress.length) return true;
  for (const e of egress) {
    for (const h of ((e.hosts as string[] | undefined) ?? []).map(String)) {
      const i = h.indexOf('/');
      if (i < 0) continue;
      const ns = h.slice(0, i);
      const pattern = h.slice(i + 1).toLowerCase();
      if (ns === '~') continue;
      const nsOk = ns === '*' || (ns === '.' ? clientNamespace : ns) === hostNamespace;
      if (nsOk && hostMatches(pattern === '*' ? '*' : pattern, host)) return true;
    }
  }
  return false;
}

/** The outbound traffic policy for a proxy: its Sidecar's, else the mesh config's. */
export function outboundModeFor(snapshot: MeshSnapshot, sidecar: KubeObject | undefined): MeshSnapshot['outboundTrafficPolicy'] {
  const mode = (((sidecar?.spec as Obj | undefined)?.outboundTrafficPolicy as Obj | undefined)?.mode as string | undefined) ?? snapshot.outboundTrafficPolicy;
  return mode === 'REGISTRY_ONLY' ? 'REGISTRY_ONLY' : 'ALLOW_ANY';
}

/** One VirtualService `tls` route as a proxy sees it on one port (built per push). */
export interface TlsRouteEntry {
  vs: VsRef;
  ruleIndex: number;
  /** The VirtualService's hosts (resolved): the SNI must match one of them. */
  hosts: string[];
  /** The match blocks that apply to this proxy and port, with their sniHosts (resolved). */
  matches: { matchIndex: number; sniHosts: string[] }[];
  /** Weighted `route[]` entries that have a destination. */
  destinations: Obj[];
}

/**
 * The VirtualService `tls` routes a proxy named by `gatewayNames` (`ns/name`, or `mesh` for a
 * sidecar in `clientNamespace`) has on a port, in VirtualService order then rule order: match
 * blocks filtered by `gateways` (or the VirtualService's) and `port`; a rule none of whose match
 * blocks applies is left out.
 */
export function tlsRoutesFor(snapshot: MeshSnapshot, gatewayNames: Set<string>, clientNamespace: string, port: number): TlsRouteEntry[] {
  const out: TlsRouteEntry[] = [];
  for (const vs of snapshot.virtualServices) {
    const ns = vs.metadata.namespace ?? 'default';
    if (gatewayNames.has('mesh') && !exportedTo(vs, clientNamespace)) continue;
    const spec = (vs.spec as Obj | undefined) ?? {};
    const tls = Array.isArray(spec.tls) ? (spec.tls as Obj[]) : [];
    if (!tls.length) continue;
    const hosts = ((spec.hosts as string[] | undefined) ?? []).map((h) => resolveShortName(String(h), ns));
    const top = vsGateways(vs);
    for (let i = 0; i < tls.length; i++) {
      const r = tls[i]!;
      const raw = Array.isArray(r.match) ? (r.match as Obj[]) : [];
      const matches: TlsRouteEntry['matches'] = [];
      raw.forEach((m, matchIndex) => {
        const gws = Array.isArray(m.gateways) ? (m.gateways as string[]).map((g) => qualifyGateway(String(g), ns)) : top;
        if (!gws.some((g) => gatewayNames.has(g))) return;
        if (typeof m.port === 'number' && m.port !== port) return;
        const sniHosts = Array.isArray(m.sniHosts) ? (m.sniHosts as string[]).map((h) => resolveShortName(String(h), ns)) : [];
        matches.push({ matchIndex, sniHosts });
      });
      if (!matches.length) continue;
      out.push({ vs: { name: vs.metadata.name, namespace: ns }, ruleIndex: i, hosts, matches, destinations: (Array.isArray(r.route) ? (r.route as Obj[]) : []).filter((d) => d.destination) });
    }
  }
  return out;
}

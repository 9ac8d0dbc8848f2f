// meshlab's `istioctl x describe pod`: the pod, the Services that select it, the DestinationRule
// and VirtualService that apply to each, the effective mTLS mode, and the ingress gateway routes
// that reach it, in the layout of istio/istio istioctl/pkg/describe (three-space indents,
// "--------------------" between parts, pod.namespace names outside the namespace described).
// Istio reads the pod's Envoy configuration to find the DestinationRule, VirtualService and RBAC
// policies; meshlab's proxies are built from the same objects, so they are found from the objects here.
import { fqdn, hostMatches, type KObj, type Snapshot } from './analyzer.ts';
import { hasSidecar } from '../meta/pod.ts';
import { effectivePeerAuthentication, rbacPolicyNames } from './workload-policies.ts';

type Obj = Record<string, unknown>;
type Pod = KObj & { spec?: Obj; status?: Obj };

const SEP = '--------------------';
const L1 = '   ';
const L2 = '      ';

const arr = <T = Obj>(v: unknown): T[] => (Array.isArray(v) ? (v as T[]) : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function selects(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector || Object.keys(selector).length === 0) return false;
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

export interface DescribeResult {
  stdout: string;
  stderr: string;
  exitCode: number;
}

/** `name` or, outside the namespace described, `name.namespace` (istioctl's kname). */
function knameIn(described: string) {
  return (o: KObj) => (o.metadata.namespace === described ? o.metadata.name : `${o.metadata.name}.${o.metadata.namespace}`);
}

function podLines(pod: Pod, kname: (o: KObj) => string): { lines: string[]; meshed: boolean; running: boolean } {
  const lines: string[] = [];
  const containers = arr(pod.spec?.containers);
  const ports = containers.flatMap((c) => arr(c.ports).map((p) => `${p.containerPort}${p.protocol && p.protocol !== 'TCP' ? `/${p.protocol}` : ''} (${c.name})`));
  lines.push(`Pod: ${kname(pod)}`);
  const status = str(pod.metadata.annotations?.['sidecar.istio.io/status']);
  let revision = pod.metadata.labels?.['istio.io/rev'] ?? '';
  if (!revision && status) {
    try {
      revision = str((JSON.parse(status) as Obj).revision) ?? '';
    } catch {
      // an annotation that is not JSON names no revision
    }
  }
  lines.push(`${L1}Pod Revision: ${revision}`);
  lines.push(ports.length ? `${L1}Pod Ports: ${ports.join(', ')}` : `${L1}Pod does not expose ports`);
  const phase = str(pod.status?.phase) ?? 'Unknown';
  if (phase !== 'Running') {
    lines.push(`${L1}Pod is not Running (${phase})`);
    return { lines, meshed: false, running: false };
  }
  for (const cs of arr(pod.status?.containerStatuses)) if (cs.ready !== true) lines.push(`WARNING: Pod ${kname(pod)} Container ${cs.name} NOT READY`);
  const meshed = hasSidecar(pod);
  if (!meshed) {
    lines.push(`WARNING: ${kname(pod)} is not part of mesh; no Istio sidecar`);
    return { lines, meshed, running: true };
  }
  const l = pod.metadata.labels ?? {};
  if (!l['service.istio.io/canonical-name'] && !l['app.kubernetes.io/name'] && !l.app) lines.push('Suggestion: add required service name label for Istio telemetry. See https://istio.io/latest/docs/ops/deployment/application-requirements/.');
  if (!l['service.istio.io/canonical-revision'] && !l['app.kubernetes.io/version'] && !l.version) lines.push('Suggestion: add required service revision label for Istio telemetry. See https://istio.io/latest/docs/ops/deployment/application-requirements/.');
  return { lines, meshed, running: true };
}

/** The port a Service port reaches on the pod (a number, or a named container port). */
function targetPort(port: Obj, pod: Pod): number | string {
  const t = port.targetPort ?? port.port;
  if (typeof t === 'number') return t;
  for (const c of arr(pod.spec?.containers)) for (const p of arr(c.ports)) if (p.name === t) return p.containerPort as number;
  return `no matching port ${JSON.stringify(t)} in pod`;
}

/** The protocol Istio infers from a Service port's name or appProtocol. */
function protocolOf(port: Obj): string {
  const name = str(port.name) ?? '';
  const app = str(port.appProtocol);
  if (!name && !app) return 'auto-detect';
  const p = (app ?? name.split('-')[0]!).toLowerCase();
  const known: Record<string, string> = { http: 'HTTP', http2: 'HTTP2', https: 'HTTPS', grpc: 'GRPC', 'grpc-web': 'GRPC-Web', tcp: 'TCP', tls: 'TLS', mongo: 'Mongo', redis: 'Redis', mysql: 'MySQL' };
  return known[p] ?? 'UNSUPPORTED';
}

function subsetsOf(dr: KObj, podsLabels: Record<string, string>[]): { matching: string[]; nonmatching: string[] } {
  const matching: string[] = [];
  const nonmatching: string[] = [];
  for (const s of arr(dr.spec?.subsets)) {
    const labels = (s.labels as Record<string, string> | undefined) ?? {};
    // An empty selector selects every pod, as Kubernetes label selectors do.
    const hit = podsLabels.some((pl) => Object.entries(labels).every(([k, v]) => pl[k] === v));
    (hit ? matching : nonmatching).push(String(s.name));
  }
  return { matching, nonmatching };
}

function destinationRuleLines(dr: KObj, podsLabels: Record<string, string>[], indent: string, kname: (o: KObj) => string): string[] {
  const lines = [`${indent}DestinationRule: ${kname(dr)} for ${JSON.stringify(str(dr.spec?.host) ?? '')}`];
  const { matching, nonmatching } = subsetsOf(dr, podsLabels);
  if (matching.length || nonmatching.length) {
    if (!matching.length) lines.push(`${indent}${L1}WARNING POD DOES NOT MATCH ANY SUBSETS.  (Non matching subsets ${nonmatching.join(',')})`);
    lines.push(`${indent}${L1}Matching subsets: ${matching.join(',')}`);
    if (nonmatching.length) lines.push(`${indent}${L2}(Non-matching subsets ${nonmatching.join(',')})`);
  }
  const tp = dr.spec?.trafficPolicy as Obj | undefined;
  if (!tp) lines.push(`${indent}${L1}No Traffic Policy`);
  else {
    const tls = tp.tls as Obj | undefined;
    if (tls) lines.push(`${indent}${L1}Traffic Policy TLS Mode: ${str(tls.mode) ?? 'DISABLE'}`);
    const extra = [tp.loadBalancer && 'load balancer', tp.connectionPool && 'connection pool', tp.outlierDetection && 'outlier detection'].filter(Boolean);
    if (extra.length) lines.push(`${indent}${L1}Policies: ${extra.join('/')}`);
  }
  return lines;
}

function renderStringMatch(m: Obj | undefined): string {
  if (!m) return '';
  if (typeof m.exact === 'string') return m.exact;
  if (typeof m.prefix === 'string') return `${m.prefix}*`;
  if (typeof m.regex === 'string') return `regex:"${m.regex}"`;
  return '';
}

function renderMatch(m: Obj): string {
  let out = 'Match: ';
  if (m.uri) out += renderStringMatch(m.uri as Obj) + (m.ignoreUriCase ? ' uncased' : '');
  const headers = Object.entries((m.headers as Record<string, Obj> | undefined) ?? {});
  if (headers.length) out += ` when headers are ${headers.map(([k, v]) => `${k}=${renderStringMatch(v)}`).join('; ')}`;
  return out.trim();
}

function renderMatches(matches: Obj[]): string {
  return matches.length ? matches.map(renderMatch).join(', ') : 'everything';
}

/** What one HTTP route does for the Service: whether it reaches it, and the facts istioctl prints. */
function routeFacts(vs: KObj, route: Obj, svcHost: string, subsets: { matching: string[]; nonmatching: string[] }, dr: KObj | undefined, kname: (o: KObj) => string): { match: boolean; facts: string[] } {
  const facts: string[] = [];
  const notes: string[] = [];
  let match = false;
  for (const r of arr(route.route)) {
    const d = (r.destination as Obj | undefined) ?? {};
    const host = str(d.host) ?? '';
    const subset = str(d.subset);
    const weight = typeof r.weight === 'number' ? r.weight : 0;
    if (fqdn(host, vs.metadata.namespace ?? 'default') === svcHost) {
      if (subset) {
        if (subsets.nonmatching.includes(subset)) {
          notes.push(`Route to non-matching subset ${subset} for (${renderMatches(arr(route.match))})`);
          continue;
        }
        if (!subsets.matching.includes(subset)) {
          notes.push(dr ? `Warning: Route to UNKNOWN subset ${subset}; check DestinationRule ${kname(dr)}` : `Warning: Route to subset ${subset} but NO DESTINATION RULE defining subsets!`);
          continue;
        }
      }
      match = true;
      if (weight > 0) facts.push(`Route to host "${host}"${subset ? ` subset "${subset}"` : ''} with weight ${weight}%`);
    } else if (!subset) facts.push(`Route to host "${host}" with weight ${weight}%`);
    else facts.push(`Route to ${host} with invalid config`);
  }
  if (match) {
    const req = [...(route.fault ? [`Fault injection ${JSON.stringify(route.fault)}`] : []), ...arr(route.match).map(renderMatch)];
    if (req.length) facts.push(req.join(', '));
    return { match, facts };
  }
  return { match, facts: notes.length ? [...facts, ...notes] : facts };
}

function virtualServiceLines(vs: KObj, svcHost: string, subsets: { matching: string[]; nonmatching: string[] }, dr: KObj | undefined, indent: string, kname: (o: KObj) => string): string[] {
  const lines = [`${indent}VirtualService: ${kname(vs)}`];
  const http = arr(vs.spec?.http);
  const tcp = arr(vs.spec?.tcp);
  let matches = 0;
  let facts = 0;
  const notes: string[] = [];
  for (const route of http) {
    const r = routeFacts(vs, route, svcHost, subsets, dr, kname);
    if (r.match) {
      matches++;
      for (const f of r.facts) lines.push(`${indent}${L1}${f}`);
      facts += r.facts.length;
    } else notes.push(...r.facts);
  }
  for (const route of tcp) {
    if (arr(route.route).some((r) => fqdn(str((r.destination as Obj | undefined)?.host) ?? '', vs.metadata.namespace ?? 'default') === svcHost)) matches++;
  }
  if (matches === 0) {
    if (http.length) lines.push(`${indent}${L1}WARNING: No destinations match pod subsets (checked ${http.length} HTTP routes)`);
    if (tcp.length) lines.push(`${indent}${L1}WARNING: No destinations match pod subsets (checked ${tcp.length} TCP routes)`);
    for (const n of notes) lines.push(`${indent}${L2}${n}`);
    return lines;
  }
  const possible = http.length + arr(vs.spec?.tls).length + tcp.length;
  if (matches < possible) {
    lines.push(`${indent}${L1}${possible - matches} additional destination(s) that will not reach this pod`);
    if (facts === 0) for (const n of notes) lines.push(`${indent}${L2}${n}`);
    return lines;
  }
  if (facts === 0) {
    if (http.length) lines.push(`${indent}${L1}${http.length} HTTP route(s)`);
    if (tcp.length) lines.push(`${indent}${L1}${tcp.length} TCP route(s)`);
  }
  return lines;
}

/** Whether a VirtualService applies to sidecars (`mesh`) or to a named gateway, for a host. */
function vsFor(snapshot: Snapshot, svcHost: string, gateway: (g: string, vs: KObj) => boolean): KObj | undefined {
  return snapshot.virtualServices.find((vs) => {
    const ns = vs.metadata.namespace ?? 'default';
    const gws = arr<string>(vs.spec?.gateways);
    const applies = (gws.length ? gws : ['mesh']).some((g) => gateway(g, vs));
    if (!applies) return false;
    // A gateway's VirtualService may name any host ("*"): it reaches the pod if it routes to the Service.
    const routesHere = arr(vs.spec?.http).some((h) => arr(h.route).some((r) => fqdn(str((r.destination as Obj | undefined)?.host) ?? '', ns) === svcHost));
    return routesHere && (gws.length ? true : arr<string>(vs.spec?.hosts).some((h) => hostMatches(fqdn(h, ns), svcHost)));
  });
}

/** The DestinationRule for a host, preferring the client's namespace, then the Service's, then the root. */
function destinationRuleFor(snapshot: Snapshot, svcHost: string, namespaces: string[]): KObj | undefined {
  for (const ns of [...namespaces, 'istio-system']) {
    const dr = snapshot.destinationRules.find((d) => (d.metadata.namespace ?? 'default') === ns && fqdn(str(d.spec?.host) ?? '', ns) === svcHost);
    if (dr) return dr;
  }
  return undefined;
}

/** `described`: the namespace of the command line (-n or the context's), which names print without. */
export function describePod(snapshot: Snapshot, name: string, namespace: string, described = namespace): DescribeResult {
  const pod = snapshot.pods.find((p) => p.metadata.name === name && (p.metadata.namespace ?? 'default') === namespace) as Pod | undefined;
  if (!pod) return { stdout: '', stderr: `Error: pods "${name}" not found\n`, exitCode: 1 };
  const kname = knameIn(described);
  const out: string[] = [];
  const { lines, meshed, running } = podLines(pod, kname);
  out.push(...lines);
  const services = snapshot.services.filter((s) => (s.metadata.namespace ?? 'default') === namespace && selects(s.spec?.selector as Record<string, string> | undefined, pod.metadata.labels));
  if (!running || !meshed) return { stdout: `${out.join('\n')}\n`, stderr: '', exitCode: 0 };
  if (!services.length) out.push(`Warning: No Kubernetes Services select pod ${kname(pod)} (see https://istio.io/docs/setup/kubernetes/additional-setup/requirements/ )`);
  const podsLabels = [pod.metadata.labels ?? {}];
  const rbac = rbacPolicyNames(snapshot.authorizationPolicies, namespace, pod.metadata.labels ?? {});
  out.push(SEP);
  services.forEach((svc, row) => {
    if (row) out.push(SEP);
    out.push(`Service: ${kname(svc)}`);
    const ports = arr(svc.spec?.ports).filter((p) => (p.protocol ?? 'TCP') === 'TCP');
    for (const p of ports) out.push(`${L1}Port: ${p.name ?? ''} ${p.port}/${protocolOf(p)} targets pod port ${targetPort(p, pod)}`);
    const svcHost = fqdn(svc.metadata.name, namespace);
    const indent = ports.length > 1 ? L1 : '';
    for (const p of ports) {
      if (ports.length > 1) out.push(`${p.port}:`);
      const dr = destinationRuleFor(snapshot, svcHost, [namespace]);
      const subsets = dr ? subsetsOf(dr, podsLabels) : { matching: [], nonmatching: [] };
      if (dr) out.push(...destinationRuleLines(dr, podsLabels, indent, kname));
      const vs = vsFor(snapshot, svcHost, (g) => g === 'mesh');
      if (vs) out.push(...virtualServiceLines(vs, svcHost, subsets, dr, indent, kname));
      if (rbac.length) out.push(`${ports.length > 1 ? `${p.port} ` : ''}RBAC policies: ${rbac.join(', ')}`);
    }
  });
  const pa = effectivePeerAuthentication(snapshot.peerAuthentications, namespace, pod.metadata.labels ?? {});
  out.push(SEP, 'Effective PeerAuthentication:', `${L1}Workload mTLS mode: ${pa.mode}`);
  if (pa.perPort.length) out.push(`${L1}Port Level mTLS mode:`, ...pa.perPort.map(([port, mode]) => `${L2}${port}: ${mode}`));
  if (pa.applied.length) out.push('Applied PeerAuthentication:', `${L1}${pa.applied.map((o) => `${o.metadata.name}.${o.metadata.namespace ?? 'default'}`).join(', ')}`);
  out.push(...ingressLines(snapshot, services, podsLabels, kname));
  return { stdout: `${out.join('\n')}\n`, stderr: '', exitCode: 0 };
}

/** The ingress gateway routes that reach the pod's Services (istioctl's printIngressInfo). */
function ingressLines(snapshot: Snapshot, services: KObj[], podsLabels: Record<string, string>[], kname: (o: KObj) => string): string[] {
  const gwPods = snapshot.pods.filter((p) => p.metadata.labels?.istio === 'ingressgateway' && (p as Pod).status?.phase === 'Running') as Pod[];
  if (!gwPods.length) return ['Skipping Gateway information (no ingress gateway pods)'];
  const ingress = snapshot.services.filter((s) => gwPods.some((p) => p.metadata.namespace === s.metadata.namespace && selects(s.spec?.selector as Record<string, string> | undefined, p.metadata.labels)));
  if (!ingress.length) return ['Skipping Gateway information (no ingress gateway service)'];
  const lines: string[] = [];
  for (const svc of services) {
    const svcHost = fqdn(svc.metadata.name, svc.metadata.namespace ?? 'default');
    const gatewayOf = (g: string, vs: KObj) => {
      if (g === 'mesh') return false;
      const [gns, gname] = g.includes('/') ? g.split('/', 2) : [vs.metadata.namespace ?? 'default', g];
      const gw = snapshot.gateways.find((x) => x.metadata.name === gname && (x.metadata.namespace ?? 'default') === gns);
      const selector = gw?.spec?.selector as Record<string, string> | undefined;
      return Boolean(gw) && (!selector || gwPods.some((p) => selects(selector, p.metadata.labels)));
    };
    const vs = vsFor(snapshot, svcHost, gatewayOf);
    if (!vs) continue;
    const dr = destinationRuleFor(snapshot, svcHost, ['istio-system', svc.metadata.namespace ?? 'default']);
    lines.push(SEP);
    for (const s of ingress) {
      const pod = gwPods.find((p) => selects(s.spec?.selector as Record<string, string> | undefined, p.metadata.labels));
      const lb = arr(((s as Pod).status?.loadBalancer as Obj | undefined)?.ingress)[0]?.ip;
      const ip = str(lb) ?? str(pod?.status?.hostIP) ?? 'unknown';
      for (const p of arr(s.spec?.ports)) {
        if ((p.protocol ?? 'TCP') !== 'TCP' || (p.name !== 'http' && p.name !== 'http2')) continue;
        lines.push(`Exposed on Ingress Gateway http://${ip}${p.port === 80 ? '' : `:${p.port}`}`);
      }
    }
    lines.push(...virtualServiceLines(vs, svcHost, dr ? subsetsOf(dr, podsLabels) : { matching: [], nonmatching: [] }, dr, '', kname));
  }
  return lines;
}

// Envoy clusters as Istio names and fills them: `outbound|port|subset|host` for Kubernetes
// Services (ready endpoints, filtered by a DestinationRule subset's labels) and ServiceEntries
// (by resolution), plus the connection-pool limits that make circuit breaking.
import type { KubeObject, ObjectStore } from '../store/object-store.ts';
import type { ClusterNetwork } from '../network/cluster-network.ts';
import { servicePorts } from '../network/cluster-network.ts';
import type { ExternalNetwork, LoopbackAddress } from '../world/external-network.ts';
import { publicAddresses } from '../world/public-dns.ts';
import { CLUSTER_SUFFIX, resolveShortName } from './hosts.ts';
import { destinationRuleFor, serviceEntriesFor, subsetOf, type MeshSnapshot } from './translate.ts';

type Obj = Record<string, unknown>;

export interface UpstreamEndpoint {
  /** The address Envoy would connect to (pod IP:targetPort, external IP:port). */
  address: string;
  /** Where that really is on this machine; undefined = connection refused. */
  socket?: LoopbackAddress;
  pod?: KubeObject;
}

export interface ConnectionPoolLimits {
  maxConnections: number;
  http1MaxPendingRequests: number;
  http2MaxRequests: number;
  maxRequestsPerConnection: number;
}

export type ClusterLookup =
  | {
      kind: 'ok';
      name: string;
      host: string;
      port: number;
      subset?: string;
      endpoints: UpstreamEndpoint[];
      limits: ConnectionPoolLimits;
      external: boolean;
      serviceNamespace?: string;
      tls?: OriginationTls;
      outlier?: OutlierDetection;
      /** The port's protocol is HTTP2 or GRPC: Envoy speaks HTTP/2 to the endpoints. */
      http2?: boolean;
    }
  | { kind: 'not_found'; name: string };

const UNLIMITED = 2 ** 32 - 1;

/** DestinationRule outlierDetection, with Envoy's/Istio's defaults filled in. */
export interface OutlierDetection {
  consecutive5xxErrors: number;
  consecutiveGatewayErrors: number;
  baseEjectionMs: number;
  maxEjectionPercent: number;
}

function durationMs(v: unknown, fallback: number): number {
  const m = typeof v === 'string' ? /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(v) : null;
  if (!m) return fallback;
  return Number(m[1]) * { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
}

function outlierOf(dr: KubeObject | undefined, subset: Obj | undefined): OutlierDetection | undefined {
  const o = (((subset?.trafficPolicy as Obj | undefined)?.outlierDetection ?? ((dr?.spec as Obj | undefined)?.trafficPolicy as Obj | undefined)?.outlierDetection) as Obj | undefined);
  if (!o) return undefined;
  const num = (v: unknown, d: number) => (typeof v === 'number' && v >= 0 ? v : d);
  return {
    consecutive5xxErrors: num(o.consecutive5xxErrors ?? o.consecutiveErrors, 5),
    consecutiveGatewayErrors: num(o.consecutiveGatewayErrors, 0),
    baseEjectionMs: durationMs(o.baseEjectionTime, 30_000),
    maxEjectionPercent: num(o.maxEjectionPercent, 10),
  };
}

/** TLS the proxy originates to the upstream (DestinationRule trafficPolicy.tls mode SIMPLE). */
export interface OriginationTls {
  sni: string;
}

/** trafficPolicy.tls for a port: subset over top level, portLevelSettings over the policy's own. */
function originationOf(dr: KubeObject | undefined, subset: Obj | undefined, port: number, host: string): OriginationTls | undefined {
  const pick = (policy: Obj | undefined): Obj | undefined => {
    const pl = ((policy?.portLevelSettings as Obj[] | undefined) ?? []).find((p) => (p.port as Obj | undefined)?.number === port);
    return (pl?.tls as Obj | undefined) ?? (policy?.tls as Obj | undefined);
  };
  const tls = pick(subset?.trafficPolicy as Obj | undefined) ?? pick((dr?.spec as Obj | undefined)?.trafficPolicy as Obj | undefined);
  if (!tls || tls.mode !== 'SIMPLE') return undefined;
  return { sni: typeof tls.sni === 'string' && tls.sni ? tls.sni : host };
}

function limitsOf(dr: KubeObject | undefined, subset: Obj | undefined): ConnectionPoolLimits {
  const base = ((dr?.spec as Obj | undefined)?.trafficPolicy as Obj | undefined)?.connectionPool as Obj | undefined;
  const sub = (subset?.trafficPolicy as Obj | undefined)?.connectionPool as Obj | undefined;
  const pick = (section: 'tcp' | 'http', field: string, fallback: number): number => {
    const v = ((sub?.[section] as Obj | undefined)?.[field] ?? (base?.[section] as Obj | undefined)?.[field]) as unknown;
    return typeof v === 'number' && v > 0 ? v : fallback;
  };
  return {
    maxConnections: pick('tcp', 'maxConnections', UNLIMITED),
    http1MaxPendingRequests: pick('http', 'http1MaxPendingRequests', UNLIMITED),
    http2MaxRequests: pick('http', 'http2MaxRequests', UNLIMITED),
    maxRequestsPerConnection: pick('http', 'maxRequestsPerConnection', 0),
  };
}

function podLabels(pod: KubeObject | undefined): Record<string, string> {
  return pod?.metadata.labels ?? {};
}

function labelsSelect(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  return Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);
}

export interface ClusterQuery {
  /** Destination host as written (resolved against `namespace`). */
  host: string;
  /** Namespace of the config naming the host (VS namespace), for short names. */
  namespace: string;
  /** The client proxy's namespace (DestinationRule and exportTo visibility). */
  clientNamespace: string;
  port?: number;
  subset?: string;
  /** The port the request came in on (sidecars use it when the destination has no port). */
  listenerPort?: number;
  /** For resolution NONE (original destination): what the application connected to. */
  originalDestination?: { host: string; port: number };
}

export class UpstreamDirectory {
  constructor(
    private readonly network: ClusterNetwork,
    private readonly external: ExternalNetwork,
    private readonly store: ObjectStore,
  ) {}

  /** Kubernetes Service by FQDN `name.ns.svc.cluster.local`. */
  serviceByFqdn(snapshot: MeshSnapshot, fqdn: string): KubeObject | undefined {
    if (!fqdn.endsWith(`.${CLUSTER_SUFFIX}`)) return undefined;
    const [name, ns] = fqdn.split('.');
    return snapshot.services.find((s) => s.metadata.name === name && (s.metadata.namespace ?? 'default') === ns);
  }

  /** Lookups by query, valid while neither the store nor the pushed config changed (EDS between pushes). */
  private readonly cache = new Map<string, ClusterLookup>();
  private cacheRevision = -1;
  private cacheConfig = -1;

  /**
   * The Envoy cluster a query names and its endpoints. Answers are kept until the next store
   * write or config push: reading endpoints and pods copies store objects, which would otherwise
   * cost each request tens of microseconds.
   */
  lookup(snapshot: MeshSnapshot, q: ClusterQuery): ClusterLookup {
    if (this.cacheRevision !== this.store.currentRevision || this.cacheConfig !== snapshot.revision) {
      this.cache.clear();
      this.cacheRevision = this.store.currentRevision;
      this.cacheConfig = snapshot.revision;
    }
    const key = `${q.host}|${q.namespace}|${q.clientNamespace}|${q.port ?? ''}|${q.subset ?? ''}|${q.listenerPort ?? ''}|${q.originalDestination ? `${q.originalDestination.host}:${q.originalDestination.port}` : ''}`;
    let hit = this.cache.get(key);
    if (!hit) {
      hit = this.resolve(snapshot, q);
      // Queries carry request-chosen names (Host headers): bound the cache.
      if (this.cache.size >= 1000) this.cache.clear();
      this.cache.set(key, hit);
    }
    return hit;
  }

  private resolve(snapshot: MeshSnapshot, q: ClusterQuery): ClusterLookup {
    const host = resolveShortName(q.host, q.namespace);
    const subsetName = q.subset ?? '';
    const svc = this.serviceByFqdn(snapshot, host);
    if (svc) {
      const ports = servicePorts(svc);
      const port = q.port ?? (ports.length === 1 ? ports[0]!.port : q.listenerPort);
      const name = `outbound|${port ?? ''}|${subsetName}|${host}`;
      if (port === undefined || !ports.some((p) => p.port === port)) return { kind: 'not_found', name };
      const svcNs = svc.metadata.namespace ?? 'default';
      const dr = destinationRuleFor(snapshot, host, q.clientNamespace, svcNs);
      const subset = q.subset ? subsetOf(dr, q.subset) : undefined;
      if (q.subset && !subset) return { kind: 'not_found', name };
      const selector = subset?.labels as Record<string, string> | undefined;
      const endpoints: UpstreamEndpoint[] = [];
      // ExternalName Services become DNS clusters for the external name (as Istio builds them).
      const externalName = (svc.spec as Obj | undefined)?.type === 'ExternalName' ? (svc.spec as Obj).externalName : undefined;
      if (typeof externalName === 'string' && externalName) {
        endpoints.push({ address: `${externalName}:${port}`, socket: this.external.lookup(externalName.toLowerCase(), port) ?? this.network.connectTarget(externalName, port, svcNs) });
      }
      for (const ep of externalName ? [] : this.network.readyEndpoints(svcNs, svc.metadata.name, port)) {
        const pod = ep.podName ? this.podOf(ep.podNamespace ?? svcNs, ep.podName) : this.network.podByIP(ep.ip);
        if (selector && !labelsSelect(selector, podLabels(pod))) continue;
        endpoints.push({ address: `${ep.ip}:${ep.port}`, socket: this.network.socketOf(ep.ip, ep.port), pod });
      }
      const http2 = isHttp2Port(ports.find((p) => p.port === port)!);
      return { kind: 'ok', name, host, port, subset: q.subset, endpoints, limits: limitsOf(dr, subset), external: false, serviceNamespace: svcNs, tls: originationOf(dr, subset, port, host), outlier: outlierOf(dr, subset), ...(http2 ? { http2 } : {}) };
    }
    const entries = serviceEntriesFor(snapshot, host, q.clientNamespace);
    if (entries.length) {
      // Several ServiceEntries may name the host (one per port, say): the one declaring the port.
      const wanted = q.port ?? q.listenerPort;
      const se = entries.find((e) => (((e.spec as Obj | undefined)?.ports as Obj[] | undefined) ?? []).some((p) => p.number === wanted)) ?? entries[0]!;
      const spec = (se.spec as Obj | undefined) ?? {};
      const sePorts = ((spec.ports as Obj[] | undefined) ?? []).filter((p) => typeof p.number === 'number');
      const port = q.port ?? (sePorts.length === 1 ? (sePorts[0]!.number as number) : q.listenerPort);
      const name = `outbound|${port ?? ''}|${subsetName}|${host}`;
      const sePort = sePorts.find((p) => p.number === port);
      if (port === undefined || !sePort) return { kind: 'not_found', name };
      const dr = destinationRuleFor(snapshot, host, q.clientNamespace, se.metadata.namespace);
      const subset = q.subset ? subsetOf(dr, q.subset) : undefined;
      if (q.subset && !subset) return { kind: 'not_found', name };
      const targetPort = typeof sePort.targetPort === 'number' ? sePort.targetPort : port;
      const resolution = String(spec.resolution ?? 'NONE');
      const endpoints: UpstreamEndpoint[] = [];
      const eps = (spec.endpoints as Obj[] | undefined) ?? [];
      const portName = typeof sePort.name === 'string' ? sePort.name : undefined;
      const epPort = (ep: Obj) => {
        const ports = ep.ports as Record<string, number> | undefined;
        return (portName && typeof ports?.[portName] === 'number' ? ports[portName] : undefined) ?? targetPort;
      };
      if (spec.workloadSelector) {
        const sel = ((spec.workloadSelector as Obj).labels as Record<string, string> | undefined) ?? {};
        for (const pod of this.allPods()) {
          if ((pod.metadata.namespace ?? 'default') !== se.metadata.namespace || !labelsSelect(sel, podLabels(pod))) continue;
          const ip = (pod.status as Obj | undefined)?.podIP;
          if (typeof ip === 'string') endpoints.push({ address: `${ip}:${targetPort}`, socket: this.network.socketOf(ip, targetPort), pod });
        }
      } else if (resolution === 'NONE') {
        const dst = q.originalDestination ?? { host, port };
        endpoints.push({ address: `${dst.host}:${dst.port}`, socket: this.external.lookup(dst.host, dst.port) ?? this.network.socketOf(dst.host, dst.port) });
      } else if (eps.length) {
        for (const ep of eps) {
          const addr = String(ep.address ?? '');
          const p = epPort(ep);
          if (subset?.labels && !labelsSelect(subset.labels as Record<string, string>, (ep.labels as Record<string, string> | undefined) ?? {})) continue;
          const socket = this.network.socketOf(addr, p) ?? this.external.lookup(addr, p) ?? this.viaServiceName(addr, p, se.metadata.namespace ?? 'default');
          endpoints.push({ address: `${addr}:${p}`, socket, pod: this.network.podByIP(addr) });
          if (resolution === 'DNS_ROUND_ROBIN') break;
        }
      } else {
        // A DNS cluster of the host itself: one endpoint per address its name resolves to.
        const socket = this.external.lookup(host, targetPort);
        const addresses = resolution === 'DNS_ROUND_ROBIN' ? publicAddresses(host).slice(0, 1) : publicAddresses(host);
        for (const a of socket ? addresses : [host]) endpoints.push({ address: `${a}:${targetPort}`, socket });
      }
      const http2 = ['HTTP2', 'GRPC'].includes(String(sePort.protocol ?? '').toUpperCase());
      return { kind: 'ok', name, host, port, subset: q.subset, endpoints, limits: limitsOf(dr, subset), external: String(spec.location ?? 'MESH_EXTERNAL') !== 'MESH_INTERNAL', tls: originationOf(dr, subset, port, host), outlier: outlierOf(dr, subset), ...(http2 ? { http2 } : {}) };
    }
    return { kind: 'not_found', name: `outbound|${q.port ?? q.listenerPort ?? ''}|${subsetName}|${host}` };
  }

  /** Any host a sidecar may reach: Services and ServiceEntry hosts (for REGISTRY_ONLY). */
  inRegistry(snapshot: MeshSnapshot, host: string, clientNamespace: string): boolean {
    return !!this.serviceByFqdn(snapshot, host) || serviceEntriesFor(snapshot, host, clientNamespace).length > 0;
  }

  /** ServiceEntry ports for a host (decides HTTP vs TCP handling on a port). */
  serviceEntryPort(snapshot: MeshSnapshot, host: string, port: number, clientNamespace: string): Obj | undefined {
    for (const se of serviceEntriesFor(snapshot, host, clientNamespace)) {
      const p = (((se.spec as Obj | undefined)?.ports as Obj[] | undefined) ?? []).find((x) => x.number === port);
      if (p) return p;
    }
    return undefined;
  }

  private podOf(namespace: string, name: string): KubeObject | undefined {
    return this.store.get('pods', namespace, name);
  }

  private allPods(): KubeObject[] {
    return this.store.list('pods').items;
  }

  private viaServiceName(host: string, port: number, ns: string): LoopbackAddress | undefined {
    return this.network.connectTarget(host, port, ns);
  }
}


/**
 * Whether Istio takes a Service port's protocol to be HTTP2 or GRPC: its appProtocol (`http2`,
 * `grpc`, `kubernetes.io/h2c`), else its name's prefix before `-` (`http2`, `grpc`).
 */
export function isHttp2Port(p: { name?: string; appProtocol?: string }): boolean {
  const app = p.appProtocol?.toLowerCase();
  if (app) return app === 'http2' || app === 'grpc' || app === 'kubernetes.io/h2c';
  const prefix = (p.name ?? '').toLowerCase().split('-')[0];
  return prefix === 'http2' || prefix === 'grpc';
}

// One embedded cluster's virtual network: which loopback socket really serves a pod IP and
// container port, and what cluster DNS names (`httpbin`, `httpbin.ns.svc.cluster.local`) and
// Service cluster IPs mean. Kubernetes objects are read from the store on every lookup, so the
// answers follow the cluster without caches to invalidate.
import type { KubeObject, ObjectStore } from '../store/object-store.ts';
import type { LoopbackAddress } from '../world/external-network.ts';

type Obj = Record<string, unknown>;

export const CLUSTER_DOMAIN = 'cluster.local';

export interface ServicePortInfo {
  name?: string;
  port: number;
  targetPort: number | string;
  protocol: string;
  nodePort?: number;
  appProtocol?: string;
}

export interface ResolvedService {
  service: KubeObject;
  namespace: string;
  name: string;
  /** `name.namespace.svc.cluster.local` */
  fqdn: string;
}

export interface ReadyEndpoint {
  ip: string;
  port: number;
  podName?: string;
  podNamespace?: string;
}

function isLoopback(host: string): boolean {
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** The ports a Service declares, as plain data. */
export function servicePorts(svc: KubeObject): ServicePortInfo[] {
  const ports = ((svc.spec as Obj | undefined)?.ports as Obj[] | undefined) ?? [];
  return ports
    .filter((p) => typeof p.port === 'number')
    .map((p) => ({
      name: typeof p.name === 'string' ? p.name : undefined,
      port: p.port as number,
      targetPort: (p.targetPort as number | string | undefined) ?? (p.port as number),
      protocol: typeof p.protocol === 'string' ? p.protocol : 'TCP',
      nodePort: typeof p.nodePort === 'number' ? p.nodePort : undefined,
      appProtocol: typeof p.appProtocol === 'string' ? p.appProtocol : undefined,
    }));
}

export class ClusterNetwork {
  /** `podIP:containerPort` → the loopback socket that serves it. */
  private readonly sockets = new Map<string, LoopbackAddress>();
  private readonly roundRobin = new Map<string, number>();

  constructor(private readonly store: ObjectStore) {}

  register(podIP: string, containerPort: number, loopbackPort: number, loopbackHost = '127.0.0.1'): void {
    if (!isLoopback(loopbackHost)) throw new Error(`not a loopback address: ${loopbackHost}`);
    this.sockets.set(`${podIP}:${containerPort}`, { host: loopbackHost, port: loopbackPort });
  }

  /**
   * Forget a registration. With `loopbackPort`, only if it still points there: a deleted pod's
   * IP may already serve a new pod.
   */
  unregister(podIP: string, containerPort?: number, loopbackPort?: number): void {
    if (containerPort !== undefined) {
      const key = `${podIP}:${containerPort}`;
      if (loopbackPort === undefined || this.sockets.get(key)?.port === loopbackPort) this.sockets.delete(key);
      return;
    }
    for (const key of [...this.sockets.keys()]) if (key.startsWith(`${podIP}:`)) this.sockets.delete(key);
  }

  /** The pod address a loopback socket serves (the reverse of socketOf). */
  addressOfSocket(socket: LoopbackAddress): { ip: string; port: number } | undefined {
    for (const [key, s] of this.sockets) {
      if (s.port !== socket.port || s.host !== socket.host) continue;
      const i = key.lastIndexOf(':');
      return { ip: key.slice(0, i), port: Number(key.slice(i + 1)) };
    }
    return undefined;
  }

  /** Where `podIP:port` is really served, or undefined (connection refused). */
  socketOf(podIP: string, port: number): LoopbackAddress | undefined {
    return this.sockets.get(`${podIP}:${port}`);
  }

  /**
   * Cluster DNS, as a pod's resolv.conf search path gives it (`<ns>.svc.cluster.local`,
   * `svc.cluster.local`, `cluster.local`): `httpbin`, `httpbin.ns`, `httpbin.ns.svc`,
   * `httpbin.ns.svc.cluster.local`, with or without a trailing dot.
   */
  resolveServiceName(name: string, clientNamespace: string): ResolvedService | undefined {
    const host = name.toLowerCase().replace(/\.$/, '');
    if (!host || host.length > 253) return undefined;
    const parts = host.split('.');
    let svcName: string | undefined;
    let ns: string | undefined;
    const suffix = `svc.${CLUSTER_DOMAIN}`.split('.');
    const endsWith = (tail: string[]) => parts.length >= tail.length && tail.every((t, i) => parts[parts.length - tail.length + i] === t);
    if (parts.length === 1) [svcName, ns] = [parts[0], clientNamespace];
    else if (parts.length === 2) [svcName, ns] = [parts[0], parts[1]];
    else if (parts.length === 3 && parts[2] === 'svc') [svcName, ns] = [parts[0], parts[1]];
    else if (parts.length === 5 && endsWith(suffix)) [svcName, ns] = [parts[0], parts[1]];
    if (!svcName || !ns) return undefined;
    const service = this.store.get('services', ns, svcName);
    if (!service) return undefined;
    return { service, namespace: ns, name: svcName, fqdn: `${svcName}.${ns}.svc.${CLUSTER_DOMAIN}` };
  }

  serviceByClusterIP(ip: string): ResolvedService | undefined {
    for (const svc of this.store.list('services').items) {
      const spec = (svc.spec as Obj | undefined) ?? {};
      const ips = [spec.clusterIP, ...((spec.clusterIPs as unknown[] | undefined) ?? [])];
      if (ips.includes(ip)) {
        const ns = svc.metadata.namespace ?? 'default';
        return { service: svc, namespace: ns, name: svc.metadata.name, fqdn: `${svc.metadata.name}.${ns}.svc.${CLUSTER_DOMAIN}` };
      }
    }
    return undefined;
  }

  /** A name or address a client used, as a Service (DNS name or cluster IP). */
  resolveService(host: string, clientNamespace: string): ResolvedService | undefined {
    return /^\d+\.\d+\.\d+\.\d+$/.test(host) ? this.serviceByClusterIP(host) : this.resolveServiceName(host, clientNamespace);
  }

  /** The pod that owns an IP (for access logs and peer identity). */
  podByIP(ip: string): KubeObject | undefined {
    return this.store.list('pods').items.find((p) => (p.status as Obj | undefined)?.podIP === ip);
  }

  /** Ready endpoint addresses behind a Service port, from its Endpoints object. */
  readyEndpoints(namespace: string, serviceName: string, servicePort: number): ReadyEndpoint[] {
    const svc = this.store.get('services', namespace, serviceName);
    const ep = this.store.get('endpoints', namespace, serviceName);
    if (!svc || !ep) return [];
    const sp = servicePorts(svc).find((p) => p.port === servicePort);
    if (!sp) return [];
    const out: ReadyEndpoint[] = [];
    for (const subset of (ep.subsets as Obj[] | undefined) ?? []) {
      const ports = (subset.ports as Obj[] | undefined) ?? [];
      // Endpoints ports carry the Service port's name; a single unnamed port matches the only port.
      const port = ports.find((p) => (sp.name ? p.name === sp.name : ports.length === 1 || !p.name));
      if (!port || typeof port.port !== 'number') continue;
      for (const addr of (subset.addresses as Obj[] | undefined) ?? []) {
        if (typeof addr.ip !== 'string') continue;
        const ref = addr.targetRef as Obj | undefined;
        out.push({
          ip: addr.ip,
          port: port.port,
          podName: typeof ref?.name === 'string' ? ref.name : undefined,
          podNamespace: typeof ref?.namespace === 'string' ? ref.namespace : namespace,
        });
      }
    }
    return out;
  }

  /**
   * What kube-proxy does for a client without a sidecar: a Service address (name or cluster IP)
   * and port → one ready endpoint's socket, round robin. A pod IP maps straight to its socket.
   */
  connectTarget(host: string, port: number, clientNamespace: string): LoopbackAddress | undefined {
    const direct = this.socketOf(host, port);
    if (direct) return direct;
    const svc = this.resolveService(host, clientNamespace);
    if (!svc) return undefined;
    const eps = this.readyEndpoints(svc.namespace, svc.name, port);
    if (!eps.length) return undefined;
    const key = `${svc.fqdn}:${port}`;
    const n = this.roundRobin.get(key) ?? 0;
    this.roundRobin.set(key, n + 1);
    const ep = eps[n % eps.length]!;
    return this.socketOf(ep.ip, ep.port);
  }
}

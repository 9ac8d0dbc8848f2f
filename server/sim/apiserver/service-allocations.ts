// Cluster IPs and node ports for Services, as the real service REST storage allocates them on
// create and update. Random picks come from the process-wide pools (network/allocators.ts) so
// clusters in one process never share a node port; explicit requests are checked against this
// cluster's own Services, like a real cluster would.
import type { ObjectStore } from '../store/object-store.ts';
import { sharedClusterIPs, sharedNodePorts, type ClusterIPAllocator, type NodePortAllocator, isIPv4 } from '../network/allocators.ts';
import type { StatusCause } from './status.ts';
import { field } from './validation.ts';
import type { UntypedObject as Obj } from '../meta/untyped.ts';

export class ServiceAllocations {
  constructor(
    private readonly store: ObjectStore,
    private readonly ips: ClusterIPAllocator = sharedClusterIPs,
    private readonly ports: NodePortAllocator = sharedNodePorts,
  ) {}

  private inUse(ignoreName: string | undefined, ignoreNs: string | undefined): { ips: Set<string>; ports: Set<number> } {
    const ips = new Set<string>();
    const ports = new Set<number>();
    for (const s of this.store.list('services').items as Obj[]) {
      if (s.metadata.name === ignoreName && s.metadata.namespace === ignoreNs) continue;
      for (const ip of s.spec?.clusterIPs ?? []) ips.add(ip);
      for (const p of s.spec?.ports ?? []) if (p?.nodePort) ports.add(p.nodePort);
    }
    return { ips, ports };
  }

  /**
   * Fills clusterIP(s) and node ports on a Service being created or updated; returns causes for
   * a 422 when an explicit value is unusable. Dry runs do not keep what they take.
   */
  prepare(resourceKey: string, svc: Obj, old: Obj | undefined, dryRun: boolean): StatusCause[] {
    if (resourceKey !== 'services') return [];
    const spec = (svc.spec ??= {});
    const causes: StatusCause[] = [];
    const used = this.inUse(svc.metadata.name, svc.metadata.namespace);
    const taken: (() => void)[] = [];

    if (spec.type === 'ExternalName') {
      delete spec.clusterIP;
      delete spec.clusterIPs;
    } else if (old?.spec?.clusterIP && old.spec.type !== 'ExternalName') {
      spec.clusterIP ??= old.spec.clusterIP;
      spec.clusterIPs ??= old.spec.clusterIPs;
    } else if (spec.clusterIP === undefined || spec.clusterIP === '') {
      const ip = this.ips.allocate();
      taken.push(() => this.ips.release(ip));
      spec.clusterIP = ip;
      spec.clusterIPs = [ip];
    } else if (spec.clusterIP === 'None') {
      spec.clusterIPs = ['None'];
    } else {
      const ip = String(spec.clusterIP);
      if (!isIPv4(ip)) causes.push(field.invalid('spec.clusterIPs[0]', ip, 'must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'));
      else if (!this.ips.contains(ip)) causes.push(field.invalid('spec.clusterIPs', [ip], `failed to allocate IP ${ip}: the provided IP (${ip}) is not in the valid range. The range of valid IPs is 10.96.0.0/16`));
      else if (used.ips.has(ip)) causes.push(field.invalid('spec.clusterIPs', [ip], `failed to allocate IP ${ip}: provided IP is already allocated`));
      else {
        this.ips.reserve(ip);
        spec.clusterIPs = [ip];
      }
    }
    if (spec.type === 'ExternalName') {
      delete spec.ipFamilies;
      delete spec.ipFamilyPolicy;
    }

    const wantsNodePorts = spec.type === 'NodePort' || (spec.type === 'LoadBalancer' && spec.allocateLoadBalancerNodePorts !== false);
    const ports: Obj[] = Array.isArray(spec.ports) ? spec.ports : [];
    ports.forEach((p, i) => {
      if (!p || typeof p !== 'object') return;
      if (!wantsNodePorts) {
        if (spec.type !== 'LoadBalancer') delete p.nodePort;
        return;
      }
      if (p.nodePort === undefined || p.nodePort === 0) {
        const prev = (old?.spec?.ports ?? []).find((o: Obj) => o.port === p.port && (o.protocol ?? 'TCP') === (p.protocol ?? 'TCP'))?.nodePort;
        if (prev) {
          p.nodePort = prev;
          return;
        }
        const np = this.ports.allocate();
        taken.push(() => this.ports.release(np));
        p.nodePort = np;
        return;
      }
      const np = p.nodePort;
      const own = (old?.spec?.ports ?? []).some((o: Obj) => o.nodePort === np);
      if (own) return;
      if (!this.ports.contains(np)) causes.push(field.invalid(`spec.ports[${i}].nodePort`, np, `provided port is not in the valid range. The range of valid ports is ${this.ports.min}-${this.ports.max}`));
      else if (used.ports.has(np)) causes.push(field.invalid(`spec.ports[${i}].nodePort`, np, 'provided port is already allocated'));
      else this.ports.reserve(np);
    });
    if (causes.length || dryRun) {
      for (const undo of taken) undo();
      return causes;
    }
    // Node ports and cluster IPs the update no longer uses go back to the pools.
    if (old) {
      const kept = new Set(ports.map((p) => p?.nodePort).filter(Boolean));
      for (const p of old.spec?.ports ?? []) if (p?.nodePort && !kept.has(p.nodePort)) this.ports.release(p.nodePort);
      const ips = new Set(spec.clusterIPs ?? []);
      for (const ip of old.spec?.clusterIPs ?? []) if (ip !== 'None' && !ips.has(ip)) this.ips.release(ip);
    }
    return causes;
  }

  /** Marks addresses of a Service written straight to the store (not through the API) as taken. */
  adopt(svc: Obj): void {
    for (const ip of svc.spec?.clusterIPs ?? []) if (ip !== 'None') this.ips.reserve(ip);
    for (const p of svc.spec?.ports ?? []) if (p?.nodePort) this.ports.reserve(p.nodePort);
  }

  /** Returns a deleted Service's addresses to the pools. */
  release(resourceKey: string, svc: Obj): void {
    if (resourceKey !== 'services') return;
    for (const ip of svc.spec?.clusterIPs ?? []) if (ip !== 'None') this.ips.release(ip);
    for (const p of svc.spec?.ports ?? []) if (p?.nodePort) this.ports.release(p.nodePort);
  }
}

// The embedded cluster's load balancer, for the Services Istio's gateway controller deploys (the
// `gateway.istio.io/managed` label): like MetalLB on a kind cluster, it gives each such Service an
// address from 172.18.255.200-250 (kind's Docker network) in status.loadBalancer.ingress. The
// learner's machine reaches `<address>:<port>` through its laptop uplink (exec/host-network.ts),
// which asks loadBalancerNetwork() where that is: the Service port's node port on loopback.
// Other LoadBalancer Services (the preinstalled istio-ingressgateway) stay <pending>, as on kind
// without a load balancer, which the ingress chapter teaches with node ports.
import type { KubeObject, ObjectStore } from '../store/object-store.ts';
import type { ExternalNetwork, LoopbackAddress } from '../world/external-network.ts';
import type { UntypedObject as Obj } from '../meta/untyped.ts';

export const MANAGED_LABEL = 'gateway.istio.io/managed';
const POOL_PREFIX = '172.18.255.';
const POOL_FIRST = 200;
const POOL_LAST = 250;

const isManagedLoadBalancer = (svc: KubeObject): boolean =>
  (svc.spec as Obj | undefined)?.type === 'LoadBalancer' && svc.metadata.labels?.[MANAGED_LABEL] !== undefined && !svc.metadata.deletionTimestamp;

export function loadBalancerIPs(svc: KubeObject): string[] {
  const ingress = (svc.status as Obj | undefined)?.loadBalancer?.ingress;
  return Array.isArray(ingress) ? ingress.map((i: Obj) => i?.ip).filter((ip: unknown): ip is string => typeof ip === 'string') : [];
}

/**
 * Assigns an address to every managed LoadBalancer Service without one (the lowest free address
 * of the pool); returns how many it assigned. A Service whose type changes away from
 * LoadBalancer loses its address, as the service controller clears it.
 */
export function assignLoadBalancerAddresses(store: ObjectStore): number {
  const services = store.list('services').items;
  const used = new Set(services.flatMap(loadBalancerIPs));
  let assigned = 0;
  for (const svc of services) {
    const has = loadBalancerIPs(svc).length > 0;
    if (isManagedLoadBalancer(svc) && !has) {
      let n = POOL_FIRST;
      while (n <= POOL_LAST && used.has(`${POOL_PREFIX}${n}`)) n++;
      if (n > POOL_LAST) continue; // Pool exhausted: stays <pending>, as MetalLB leaves it.
      const ip = `${POOL_PREFIX}${n}`;
      used.add(ip);
      store.update('services', { ...svc, status: { ...(svc.status as Obj), loadBalancer: { ingress: [{ ip, ipMode: 'VIP' }] } } });
      assigned++;
    } else if (has && (svc.spec as Obj | undefined)?.type !== 'LoadBalancer') {
      store.update('services', { ...svc, status: { ...(svc.status as Obj), loadBalancer: {} } });
    }
  }
  return assigned;
}

/** Where `<load balancer address>:<port>` is served on this machine: the Service port's node port. */
export function loadBalancerNetwork(store: ObjectStore): ExternalNetwork {
  return {
    lookup(host: string, port: number): LoopbackAddress | undefined {
      if (!host.startsWith(POOL_PREFIX)) return undefined;
      for (const svc of store.list('services').items) {
        if (!isManagedLoadBalancer(svc) || !loadBalancerIPs(svc).includes(host)) continue;
        const p = ((svc.spec as Obj).ports as Obj[] | undefined)?.find((x) => x?.port === port && (x.protocol ?? 'TCP') === 'TCP');
        if (typeof p?.nodePort === 'number') return { host: '127.0.0.1', port: p.nodePort };
      }
      return undefined;
    },
  };
}

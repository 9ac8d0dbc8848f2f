// Name resolution as a process in a pod sees it (kube-dns with the pod's resolv.conf: search
// `<ns>.svc.cluster.local svc.cluster.local cluster.local`, ndots 5) and as the learner's laptop
// sees it (only the outside world). Services resolve to their cluster IPs, ExternalName services
// to the name they point at, the simulated internet's hosts to stand-in 10.255.x.y addresses
// (remembered, so the interceptor learns the name back), headless Services to a ready endpoint;
// anything else does not resolve.
//
// ServiceEntry hosts are unknown to kube-dns: they resolve only through the sidecar's DNS proxy,
// which is on when the pod's istio-proxy has ISTIO_META_DNS_CAPTURE=true (proxy metadata, from
// meshConfig.defaultConfig.proxyMetadata or the pod's proxy.istio.io/config annotation; off in
// Istio's default install). The DNS proxy answers a ServiceEntry host with its first address,
// or, with ISTIO_META_DNS_AUTO_ALLOCATE=true, with an address from 240.240.0.0/16 for a
// non-wildcard host of an entry with neither addresses nor `resolution: NONE`; every other name
// goes on to kube-dns and the outside world as before. An outside name a ServiceEntry lists
// (httpbin.org) resolves through the outside world's DNS either way.
import type { KubeObject, ObjectStore } from '../store/object-store.ts';
import type { NameTable } from './remote-dns.ts';

export interface OutsideWorld {
  /** Whether the simulated internet knows this host. */
  resolves(host: string): boolean;
}

const CLUSTER_DOMAIN = 'cluster.local';
const NDOTS = 5;
const MAX_NAME = 253;
const SERVICE_FQDN = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.([a-z0-9]([-a-z0-9]*[a-z0-9])?)\.svc\.cluster\.local$/;

function isIPv4(s: string): boolean {
  const p = s.split('.');
  return p.length === 4 && p.every((x) => /^\d{1,3}$/.test(x) && Number(x) <= 255);
}

/** Stand-in addresses for outside hosts, shared by all tables of the process so they stay stable. */
class OutsideAddresses {
  private readonly byName = new Map<string, string>();
  private readonly byAddress = new Map<string, string>();

  addressFor(host: string): string {
    let ip = this.byName.get(host);
    if (!ip) {
      const n = this.byName.size + 1;
      if (n > 65_000) throw new Error('too many outside hosts');
      ip = `10.255.${n >> 8}.${n & 255}`;
      this.byName.set(host, ip);
      this.byAddress.set(ip, host);
    }
    return ip;
  }

  nameFor(ip: string): string | undefined {
    return this.byAddress.get(ip);
  }
}

const outside = new OutsideAddresses();

/** FNV-1a, 32 bits. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * The DNS proxy's automatically allocated addresses (ISTIO_META_DNS_AUTO_ALLOCATE): one per
 * host in 240.240.0.0/16, chosen by a hash of the host name (probing on a collision), stable for
 * the life of the process.
 */
class AutoAllocated {
  private readonly byName = new Map<string, string>();
  private readonly byAddress = new Map<string, string>();

  addressFor(host: string): string {
    let ip = this.byName.get(host);
    if (ip) return ip;
    let n = fnv1a(host) & 0xffff;
    for (let i = 0; i < 0x10000; i++, n = (n + 1) & 0xffff) {
      if ((n & 0xff) === 0 || (n & 0xff) === 0xff) continue;
      const candidate = `240.240.${n >> 8}.${n & 0xff}`;
      if (this.byAddress.has(candidate)) continue;
      ip = candidate;
      break;
    }
    if (!ip) throw new Error('240.240.0.0/16 is exhausted');
    this.byName.set(host, ip);
    this.byAddress.set(ip, host);
    return ip;
  }

  nameFor(ip: string): string | undefined {
    return this.byAddress.get(ip);
  }
}

const autoAllocated = new AutoAllocated();

/** A pod's DNS proxying settings, from its istio-proxy container's environment (proxy metadata). */
export function dnsProxyOf(pod: KubeObject | null | undefined): { capture: boolean; autoAllocate: boolean } {
  const spec = (pod?.spec ?? {}) as { containers?: { name?: string; env?: { name?: string; value?: unknown }[] }[]; initContainers?: { name?: string; env?: { name?: string; value?: unknown }[] }[] };
  const proxy = [...(spec.initContainers ?? []), ...(spec.containers ?? [])].find((c) => c.name === 'istio-proxy');
  const env = (name: string) => proxy?.env?.find((e) => e.name === name)?.value;
  const on = (name: string) => String(env(name) ?? '').toLowerCase() === 'true';
  return { capture: on('ISTIO_META_DNS_CAPTURE'), autoAllocate: on('ISTIO_META_DNS_CAPTURE') && on('ISTIO_META_DNS_AUTO_ALLOCATE') };
}

function normalize(name: string): string | undefined {
  const n = name.trim().toLowerCase();
  if (!n || n.length > MAX_NAME + 1 || !/^[a-z0-9_.-]+$/.test(n)) return undefined;
  return n;
}

/** What the learner's laptop resolves: only the simulated internet (and literal addresses). */
export class LaptopNames implements NameTable {
  constructor(private readonly world: OutsideWorld) {}

  addressOf(name: string): string | undefined {
    const n = normalize(name)?.replace(/\.$/, '');
    if (!n) return undefined;
    if (isIPv4(n)) return n;
    return this.world.resolves(n) ? outside.addressFor(n) : undefined;
  }

  nameOf(address: string): string | undefined {
    return outside.nameFor(address) ?? address;
  }
}

/** What a process in a pod of `namespace` resolves, from the cluster's objects. */
export class PodNames implements NameTable {
  private readonly dns: { capture: boolean; autoAllocate: boolean };

  /** `pod` decides whether its sidecar proxies DNS (none given: plain kube-dns). */
  constructor(
    private readonly store: ObjectStore,
    private readonly namespace: string,
    private readonly world: OutsideWorld,
    pod?: KubeObject | null,
  ) {
    this.dns = dnsProxyOf(pod);
  }

  /** The candidates glibc tries for `name`: the search list first when it has fewer than ndots dots. */
  candidates(name: string): string[] {
    if (name.endsWith('.')) return [name.slice(0, -1)];
    const search = [`${this.namespace}.svc.${CLUSTER_DOMAIN}`, `svc.${CLUSTER_DOMAIN}`, CLUSTER_DOMAIN].map((d) => `${name}.${d}`);
    const dots = name.split('.').length - 1;
    return dots >= NDOTS ? [name, ...search] : [...search, name];
  }

  addressOf(name: string): string | undefined {
    const n = normalize(name);
    if (!n) return undefined;
    if (isIPv4(n)) return n;
    for (const candidate of this.candidates(n)) {
      const ip = this.lookupFqdn(candidate, 0);
      if (ip) return ip;
    }
    return undefined;
  }

  nameOf(address: string): string | undefined {
    const fromOutside = outside.nameFor(address) ?? autoAllocated.nameFor(address);
    if (fromOutside) return fromOutside;
    for (const svc of this.store.list('services').items) {
      const spec = svc.spec as { clusterIP?: string } | undefined;
      if (spec?.clusterIP === address) return `${svc.metadata.name}.${svc.metadata.namespace}.svc.${CLUSTER_DOMAIN}`;
    }
    const entry = this.serviceEntries().find((se) => se.addresses.includes(address));
    return entry?.hosts[0] ?? address;
  }

  private lookupFqdn(fqdn: string, depth: number): string | undefined {
    if (depth > 4) return undefined;
    const m = SERVICE_FQDN.exec(fqdn);
    if (m) {
      const svc = this.store.get('services', m[3], m[1]!);
      if (!svc) return undefined;
      const spec = (svc.spec ?? {}) as { type?: string; clusterIP?: string; externalName?: string };
      if (spec.type === 'ExternalName' && spec.externalName) {
        const target = normalize(spec.externalName)?.replace(/\.$/, '');
        return target ? this.lookupFqdn(target, depth + 1) : undefined;
      }
      if (spec.clusterIP === 'None') return this.readyAddress(m[3]!, m[1]!);
      return spec.clusterIP && isIPv4(spec.clusterIP) ? spec.clusterIP : undefined;
    }
    if (this.dns.capture) {
      const entry = this.serviceEntries().find((se) => se.hosts.includes(fqdn));
      if (entry?.addresses.length) return entry.addresses[0];
      if (entry && this.dns.autoAllocate && entry.resolution !== 'NONE' && !fqdn.startsWith('*')) return autoAllocated.addressFor(fqdn);
    }
    if (fqdn.endsWith(`.${CLUSTER_DOMAIN}`)) return undefined;
    return this.world.resolves(fqdn) ? outside.addressFor(fqdn) : undefined;
  }

  /** A headless Service resolves to its ready endpoints' addresses (the first one here). */
  private readyAddress(namespace: string, name: string): string | undefined {
    const ep = this.store.get('endpoints', namespace, name);
    for (const subset of (ep?.subsets as { addresses?: { ip?: unknown }[] }[] | undefined) ?? []) {
      for (const a of subset.addresses ?? []) if (typeof a.ip === 'string' && isIPv4(a.ip)) return a.ip;
    }
    return undefined;
  }

  private serviceEntries(): { hosts: string[]; addresses: string[]; resolution: string }[] {
    return this.store.list('networking.istio.io/serviceentries').items.map((se: KubeObject) => {
      const spec = (se.spec ?? {}) as { hosts?: unknown; addresses?: unknown; resolution?: unknown };
      const strings = (v: unknown) => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
      return { hosts: strings(spec.hosts).map((h) => h.toLowerCase()), addresses: strings(spec.addresses).filter(isIPv4), resolution: typeof spec.resolution === 'string' ? spec.resolution : 'NONE' };
    });
  }
}

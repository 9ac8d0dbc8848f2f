// Process-wide allocators for Service cluster IPs and node ports. Many embedded clusters share one
// process and one loopback, so a node port or cluster IP handed to one cluster is never handed to
// another until released (the network layer maps both onto real loopback sockets).

export class AllocationError extends Error {}

/** The service CIDR every embedded cluster uses, as kind does (10.96.0.0/16). */
export const SERVICE_CIDR = '10.96.0.0/16';
export const NODE_PORT_RANGE = { min: 30000, max: 32767 } as const;

function ipToInt(ip: string): number {
  const p = ip.split('.').map(Number);
  return (((p[0]! << 24) >>> 0) + (p[1]! << 16) + (p[2]! << 8) + p[3]!) >>> 0;
}

function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function isIPv4(s: string): boolean {
  const parts = s.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255 && String(Number(p)) === p);
}

export class ClusterIPAllocator {
  private readonly used = new Set<number>();
  private readonly base: number;
  private readonly size: number;

  constructor(cidr = SERVICE_CIDR) {
    const [ip, bits] = cidr.split('/') as [string, string];
    this.size = 2 ** (32 - Number(bits));
    this.base = ipToInt(ip);
  }

  /** The first usable address: `kubernetes.default` takes it in a real cluster. */
  get first(): string {
    return intToIp(this.base + 1);
  }

  contains(ip: string): boolean {
    if (!isIPv4(ip)) return false;
    const n = ipToInt(ip);
    return n > this.base && n < this.base + this.size - 1;
  }

  /** Reserve a specific address (spec.clusterIP given by the user); false when taken or out of range. */
  reserve(ip: string): boolean {
    if (!this.contains(ip)) return false;
    const n = ipToInt(ip);
    if (this.used.has(n)) return false;
    this.used.add(n);
    return true;
  }

  allocate(): string {
    // Random probing like the real bitmap allocator's random scan, skipping network and broadcast.
    for (let i = 0; i < 64; i++) {
      const n = this.base + 2 + Math.floor(Math.random() * (this.size - 3));
      if (!this.used.has(n)) {
        this.used.add(n);
        return intToIp(n);
      }
    }
    for (let n = this.base + 2; n < this.base + this.size - 1; n++) {
      if (!this.used.has(n)) {
        this.used.add(n);
        return intToIp(n);
      }
    }
    throw new AllocationError('range is full');
  }

  release(ip: string): void {
    if (isIPv4(ip)) this.used.delete(ipToInt(ip));
  }
}

export class NodePortAllocator {
  private readonly used = new Set<number>();

  constructor(
    readonly min: number = NODE_PORT_RANGE.min,
    readonly max: number = NODE_PORT_RANGE.max,
  ) {}

  contains(port: number): boolean {
    return Number.isInteger(port) && port >= this.min && port <= this.max;
  }

  reserve(port: number): boolean {
    if (!this.contains(port) || this.used.has(port)) return false;
    this.used.add(port);
    return true;
  }

  allocate(): number {
    const span = this.max - this.min + 1;
    for (let i = 0; i < 64; i++) {
      const p = this.min + Math.floor(Math.random() * span);
      if (!this.used.has(p)) {
        this.used.add(p);
        return p;
      }
    }
    for (let p = this.min; p <= this.max; p++) {
      if (!this.used.has(p)) {
        this.used.add(p);
        return p;
      }
    }
    throw new AllocationError('range is full');
  }

  release(port: number): void {
    this.used.delete(port);
  }
}

/**
 * Cluster IPs are per cluster in a real deployment, but meshlab's network layer maps every
 * cluster's virtual addresses onto one process, so one pool is shared.
 */
export const sharedClusterIPs = new ClusterIPAllocator();
export const sharedNodePorts = new NodePortAllocator();

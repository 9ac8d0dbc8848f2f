// Pod addresses from kind's pod CIDR 10.244.0.0/16, unique within one cluster; released
// addresses are reused only after the range wraps, as host-local IPAM does.

export class PodIPAllocator {
  private next = 2; // 10.244.0.1 is the node's bridge.
  private readonly used = new Set<number>();
  private static readonly SIZE = 1 << 16;

  allocate(): string {
    for (let tries = 0; tries < PodIPAllocator.SIZE; tries++) {
      const n = this.next;
      this.next = this.next + 1 >= PodIPAllocator.SIZE - 1 ? 2 : this.next + 1;
      if ((n & 0xff) === 0 || (n & 0xff) === 0xff || this.used.has(n)) continue;
      this.used.add(n);
      return `10.244.${n >> 8}.${n & 0xff}`;
    }
    throw new Error('pod CIDR 10.244.0.0/16 exhausted');
  }

  /** Mark an address as taken (pods restored by reset keep theirs). */
  claim(ip: string): void {
    const n = PodIPAllocator.offset(ip);
    if (n !== undefined) this.used.add(n);
  }

  release(ip: string | undefined): void {
    const n = ip ? PodIPAllocator.offset(ip) : undefined;
    if (n !== undefined) this.used.delete(n);
  }

  private static offset(ip: string): number | undefined {
    const m = /^10\.244\.(\d+)\.(\d+)$/.exec(ip);
    return m ? Number(m[1]) * 256 + Number(m[2]) : undefined;
  }
}

// What a proxy remembers per upstream cluster between requests: the round-robin position, the
// circuit breaker's active and pending requests, and outlier detection per endpoint.
import type { OutlierDetection } from './upstreams.ts';

/**
 * Round-robin state per proxy and cluster, and the circuit-breaker counters. Istio's default
 * load balancer is LEAST_REQUEST (power of two choices among endpoints by active requests); with
 * equal, idle endpoints it spreads like round robin, which is what the embedded mesh does. A
 * learner counting responses per version sees the same split; under uneven load real Envoy
 * favours the less busy endpoint where this one keeps alternating.
 */
export class ClusterState {
  rr = 0;
  active = 0;
  readonly pending: (() => void)[] = [];
  /** Outlier detection per endpoint address. */
  readonly hosts = new Map<string, { consecutive5xx: number; consecutiveGateway: number; ejectedUntil: number; ejections: number }>();

  ejected(address: string, now: number): boolean {
    return (this.hosts.get(address)?.ejectedUntil ?? 0) > now;
  }

  /**
   * Envoy's consecutive_5xx / consecutive_gateway_failure ejection: after N in a row the host
   * leaves the pool for baseEjectionTime × times ejected, unless maxEjectionPercent is reached.
   */
  observe(address: string, status: number, od: OutlierDetection, total: number, now: number): void {
    if (this.hosts.size > 1000) this.hosts.clear();
    let h = this.hosts.get(address);
    if (!h) {
      h = { consecutive5xx: 0, consecutiveGateway: 0, ejectedUntil: 0, ejections: 0 };
      this.hosts.set(address, h);
    }
    const gateway = status === 502 || status === 503 || status === 504;
    h.consecutive5xx = status >= 500 ? h.consecutive5xx + 1 : 0;
    h.consecutiveGateway = gateway ? h.consecutiveGateway + 1 : 0;
    const trip = (od.consecutive5xxErrors > 0 && h.consecutive5xx >= od.consecutive5xxErrors) || (od.consecutiveGatewayErrors > 0 && h.consecutiveGateway >= od.consecutiveGatewayErrors);
    if (!trip || h.ejectedUntil > now) return;
    const ejectedNow = [...this.hosts.values()].filter((x) => x.ejectedUntil > now).length;
    if (((ejectedNow + 1) / Math.max(1, total)) * 100 > od.maxEjectionPercent) return;
    h.ejections++;
    h.ejectedUntil = now + od.baseEjectionMs * h.ejections;
    h.consecutive5xx = 0;
    h.consecutiveGateway = 0;
  }
}

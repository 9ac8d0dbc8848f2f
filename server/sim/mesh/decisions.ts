// What the mesh decided for each request, kept as data (a bounded ring per cluster) so the
// explanations (`meshlab explain`, the Traffic panel) show the gateway server, VirtualService
// rule, subset and upstream cluster from the simulation the proxy executed, without parsing logs.
import type { RequestTrace } from './explain.ts';
import type { SimulationResult } from './simulate.ts';

export interface RouteDecision {
  id: number;
  time: string;
  requestId: string;
  proxy: { kind: 'gateway' | 'sidecar'; namespace: string; pod: string };
  listener: { port: number; address?: string };
  request: { method: string; authority: string; path: string };
  gatewayServers?: { gateway: string; serverIndex: number }[];
  virtualHost?: string;
  virtualService?: { name: string; namespace: string; ruleIndex: number; ruleName?: string; matchIndex: number; matchName?: string; delegatedBy?: { virtualService: string; ruleIndex: number } };
  destination?: { host: string; port?: number; subset?: string };
  upstreamCluster?: string;
  upstreamHost?: string;
  attempts?: number;
  /** What the client got and why, in Envoy's words (response flags and code details). */
  response: { status: number; kind: ResponseKind; flags: string; details: string };
  /** Why: rules passed over with the condition that failed, a missing subset, one sentence. */
  trace?: RequestTrace;
  /**
   * The simulation the proxy executed for this request (listener, route and passed-over rules,
   * destination, DestinationRule, endpoints, fault, retries, mirrors, response flag). `response`
   * above is what the exchange really ended with; it differs only for what happens at the
   * upstream (ejected hosts, overflow, timeout, reset, retries exhausted).
   */
  simulation?: SimulationResult;
}

export type ResponseKind =
  | 'upstream'
  | 'no_route'
  | 'cluster_not_found'
  | 'no_healthy_upstream'
  | 'timeout'
  | 'connection_failure'
  | 'overflow'
  | 'fault_abort'
  | 'redirect'
  | 'direct_response'
  | 'registry_only_blocked'
  | 'passthrough'
  /** A TLS connection routed by SNI (PASSTHROUGH server, VirtualService `tls` route) and proxied as TCP. */
  | 'tls_passthrough';

export const DECISIONS_KEPT = 1000;

export class DecisionLog {
  private readonly ring: RouteDecision[] = [];
  private next = 1;
  private readonly listeners = new Set<(d: RouteDecision) => void>();

  constructor(readonly capacity = DECISIONS_KEPT) {}

  /** Records `d` itself (given its id), without copying it: its lazy explanation stays unread. */
  record(d: Omit<RouteDecision, 'id'>): RouteDecision {
    const full = d as RouteDecision;
    full.id = this.next++;
    this.ring.push(full);
    // Trimmed in batches (one array move per batch); reads see the newest `capacity`.
    if (this.ring.length > this.capacity + Math.max(16, this.capacity >> 2)) this.ring.splice(0, this.ring.length - this.capacity);
    for (const l of this.listeners) {
      try {
        l(full);
      } catch {
        // a subscriber's failure never affects routing
      }
    }
    return full;
  }

  /** Most recent last; `limit` newest entries. */
  list(limit = this.capacity): RouteDecision[] {
    const n = Math.min(Math.max(0, limit), this.capacity);
    return n ? this.ring.slice(-n) : [];
  }

  find(requestId: string): RouteDecision[] {
    return this.list().filter((d) => d.requestId === requestId);
  }

  subscribe(fn: (d: RouteDecision) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  clear(): void {
    this.ring.length = 0;
  }
}

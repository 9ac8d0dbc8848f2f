// The contract between a pod's simulated sidecar transport (exec/, which receives the pod's
// intercepted connections) and the mesh's routing (mesh/), which decides by Istio's rules what
// happens to each request and writes the access log.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeObject } from '../store/object-store.ts';
import type { LoopbackAddress } from '../world/external-network.ts';

export interface OutboundTarget {
  /** The name or address the application connected to (e.g. "httpbin.org", "httpbin", "10.96.0.12"). */
  host: string;
  port: number;
}

export type TcpDecision =
  | { kind: 'forward'; address: LoopbackAddress; /** Envoy cluster name for the access log. */ cluster: string }
  /** e.g. REGISTRY_ONLY and no ServiceEntry: the connection is closed (curl exit 35 for TLS). */
  | { kind: 'deny'; reason: string };

export interface SidecarDataPlane {
  /**
   * A plain-HTTP request the pod's application sent to `target` (read from the intercepted
   * connection). The mesh routes it and writes the response (server: envoy, 502 for
   * REGISTRY_ONLY, ...). `pod` is null for traffic from outside the mesh (no sidecar).
   */
  handleOutboundHttp(pod: KubeObject | null, target: OutboundTarget, req: IncomingMessage, res: ServerResponse): void;
  /** A non-HTTP connection (TLS on 443, opaque TCP) from the pod to `target`. */
  routeOutboundTcp(pod: KubeObject | null, target: OutboundTarget & { sni?: string }): TcpDecision;
  /** Whether `port` on `host` is plain HTTP for this pod (decides whether to parse the stream as HTTP). */
  isHttpPort(pod: KubeObject | null, target: OutboundTarget): boolean;
}

// Envoy's access log line in Istio's default TEXT format (pilot/pkg/model/telemetry_logging.go
// EnvoyTextLogFormat, Istio ≥ 1.24 with %UPSTREAM_CLUSTER_RAW%). Empty values print `-`.
export interface AccessLogEntry {
  start: Date;
  method: string;
  /** X-Envoy-Original-Path if the path was rewritten, else :path. */
  path: string;
  protocol: string;
  status: number;
  flags: string;
  details: string;
  terminationDetails?: string;
  transportFailure?: string;
  bytesReceived: number;
  bytesSent: number;
  durationMs: number;
  upstreamServiceTimeMs?: number;
  xForwardedFor?: string;
  userAgent?: string;
  requestId?: string;
  authority?: string;
  upstreamHost?: string;
  upstreamCluster?: string;
  upstreamLocalAddress?: string;
  downstreamLocalAddress?: string;
  downstreamRemoteAddress?: string;
  requestedServerName?: string;
  routeName?: string;
}

const dash = (v: string | number | undefined): string => (v === undefined || v === '' ? '-' : String(v));
/** Envoy escapes nothing but never lets a value break the line. */
const clean = (v: string | undefined): string => dash(v?.replace(/[\r\n"]/g, (c) => (c === '"' ? '\\"' : ' ')));

export function formatAccessLog(e: AccessLogEntry): string {
  return (
    `[${e.start.toISOString()}] "${e.method} ${clean(e.path)} ${e.protocol}" ${e.status} ${dash(e.flags)} ${dash(e.details)} ${dash(e.terminationDetails)} ` +
    `"${dash(e.transportFailure)}" ${e.bytesReceived} ${e.bytesSent} ${Math.round(e.durationMs)} ${dash(e.upstreamServiceTimeMs === undefined ? undefined : Math.round(e.upstreamServiceTimeMs))} ` +
    `"${clean(e.xForwardedFor)}" "${clean(e.userAgent)}" "${clean(e.requestId)}" "${clean(e.authority)}" "${dash(e.upstreamHost)}" ${dash(e.upstreamCluster)} ` +
    `${dash(e.upstreamLocalAddress)} ${dash(e.downstreamLocalAddress)} ${dash(e.downstreamRemoteAddress)} ${dash(e.requestedServerName)} ${dash(e.routeName)}`
  );
}

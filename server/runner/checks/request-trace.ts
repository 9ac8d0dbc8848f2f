// What the mesh did with an http Check's own request: the check sends an x-request-id (Envoy keeps
// a well-formed one), and the cluster's record of recent requests says, under that id, which rule
// matched or why none did. A failing status then reads "expected 200, got 404: no route matched;
// VirtualService bookinfo/httpbin only routes /delay"; a passing check says where the request went.
import { randomBytes } from 'node:crypto';
import type { RecentRequests } from '../../drivers/types.ts';
import type { RouteDecision } from '../../sim/mesh/decisions.ts';
import { formatExplanation } from '../../sim/mesh/explain-text.ts';
import type { CheckDetail, RequestTraceView } from '../../protocol/runner-events.ts';
import { sleep } from '../../util/sleep.ts';

/** How long the record of a request may trail its response (the outer proxy records at the end). */
const RECORD_WAIT_MS = 500;
const POLL_MS = 20;

export type TraceLookup = (requestId: string, status: number) => Promise<RequestTraceView | undefined>;

export function checkRequestId(): string {
  return `meshlab-check-${randomBytes(9).toString('hex')}`;
}

/** The id a check sends: the check's own x-request-id header when it sets one, else a new one. */
export function requestIdFor(headers: Record<string, string> | undefined): { id: string; own: boolean } {
  const own = Object.entries(headers ?? {}).find(([k]) => k.toLowerCase() === 'x-request-id')?.[1];
  return own ? { id: own, own: true } : { id: checkRequestId(), own: false };
}

/**
 * Of the decisions recorded under one id (each proxy on the way records one, the innermost first),
 * the one that explains the answer: where it stopped if a proxy answered itself, else the outermost.
 */
export function decisionFor(decisions: RouteDecision[], status: number): RouteDecision | undefined {
  const answering = decisions.filter((d) => d.response.status === status);
  return answering.find((d) => d.response.kind !== 'upstream' && d.response.kind !== 'passthrough') ?? answering.at(-1);
}

export function traceView(d: RouteDecision): RequestTraceView {
  const reason = d.trace?.reason ?? d.response.details;
  return { status: d.response.status, flags: d.response.flags, reason, reasons: { en: reason, 'zh-Hans': d.trace?.reasonZh ?? reason }, explanation: { en: formatExplanation(d, 'en'), 'zh-Hans': formatExplanation(d, 'zh') } };
}

/** Looks a request up in a cluster's recent requests, waiting briefly for its record. */
export function traceLookup(source: RecentRequests, signal?: AbortSignal): TraceLookup {
  return async (requestId, status) => {
    for (let waited = 0; ; waited += POLL_MS) {
      const d = decisionFor(
        source.list().filter((x) => x.requestId === requestId),
        status,
      );
      if (d) return traceView(d);
      if (waited >= RECORD_WAIT_MS || signal?.aborted) return undefined;
      await sleep(POLL_MS, signal);
    }
  };
}

/**
 * The status comparison says why, when it failed and the mesh knows: its reason replaces the
 * guess made from the response's headers alone (which proxy answered itself).
 */
export function withReason(details: CheckDetail[], trace: RequestTraceView | undefined): CheckDetail[] {
  if (!trace) return details;
  return details.map((d) => (d.what === 'status' && !d.ok ? { ...d, actual: `${trace.status}: ${trace.reason}`, actualZh: `${trace.status}：${trace.reasons['zh-Hans']}` } : d));
}

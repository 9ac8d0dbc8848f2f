// What a check needs to run one attempt: the workspace (environment, files), the cluster's
// kubeconfig, and a way to be cancelled. Each check type returns the comparisons it made.
import type { CheckDetail, RequestTraceView } from '../../protocol/runner-events.ts';
import type { Workspace } from '../shell.ts';
import type { KubeClients } from './kube-clients.ts';
import type { TraceLookup } from './request-trace.ts';

export interface CheckContext {
  ws: Workspace;
  kube: () => KubeClients;
  signal?: AbortSignal;
  /** The driver's settle signal (ClusterHandle.settled), when it has one. */
  settled?: () => Promise<boolean>;
  /** What the mesh did with a request, by its x-request-id (clusters that record requests). */
  traceOf?: TraceLookup;
}

export interface AttemptResult {
  details: CheckDetail[];
  /** The check could not be carried out (the request failed, the API refused, ...). */
  error?: string;
  /** What the attempt saw (response or output), for failure reports. */
  lastSeen?: string;
  /** What the mesh did with the attempt's request (http checks). */
  trace?: RequestTraceView;
}

export function detail(what: string, expected: string, actual: string, ok: boolean): CheckDetail {
  return { what, expected, actual, ok };
}

/** Short display of a value in a report (long text is cut). */
export function show(value: unknown, max = 300): string {
  const s = typeof value === 'string' ? JSON.stringify(value) : value === undefined ? 'nothing' : JSON.stringify(value);
  return s.length > max ? `${s.slice(0, max)}… (${s.length} characters)` : s;
}

export function asList<T>(v: T | T[] | undefined): T[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

// Events, recorded the way Kubernetes components record them, so `kubectl describe` and
// `kubectl get events` show the familiar lines. Repeats of one reason+message on one object
// are folded into a count, as client-go's event correlator does.
import type { KubeObject, ObjectStore } from '../store/object-store.ts';
import type { Clock } from '../store/object-store.ts';

export type EventType = 'Normal' | 'Warning';

export interface EventSource {
  /** e.g. "kubelet", "deployment-controller", "default-scheduler". */
  component: string;
  /** The node, for node agents (kubelet). */
  host?: string;
}

export interface RecordOptions {
  /** e.g. "spec.containers{httpbin}". */
  fieldPath?: string;
  /**
   * The scheduler reports through events.k8s.io/v1: eventTime and action set, first/last
   * timestamps null, empty source. Everything else uses the core/v1 recorder.
   */
  action?: string;
}

/** Correlation keys remembered for folding repeats. */
const MAX_EVENTS_TRACKED = 5000;

/**
 * Events kept per cluster; the oldest go first. A real API server expires events after an hour
 * (--event-ttl); a bound on the count keeps a long-lived learner cluster's memory flat instead.
 */
export const MAX_EVENTS_KEPT = 2000;

function ts(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function microTime(d: Date): string {
  return d.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

export class EventRecorder {
  private seq = 0;
  /** Events this recorder created, oldest first: [namespace, name]. */
  private readonly created: [string, string][] = [];
  /** correlation key → event name, for folding repeats. */
  private readonly seen = new Map<string, string>();

  constructor(
    private readonly store: ObjectStore,
    private readonly clock: Clock,
  ) {}

  record(source: EventSource, object: KubeObject, type: EventType, reason: string, message: string, options: RecordOptions = {}): void {
    const meta = object.metadata;
    const namespace = meta.namespace ?? 'default';
    if (!this.store.get('namespaces', undefined, namespace) || this.store.get('namespaces', undefined, namespace)?.metadata.deletionTimestamp) return;
    const now = this.clock.now();
    const key = [meta.uid, options.fieldPath ?? '', source.component, type, reason, message].join('\u0000');
    const existing = this.seen.get(key);
    if (existing && !options.action) {
      const updated = this.store.mutate('events', namespace, existing, (ev) => {
        ev.count = Number(ev.count ?? 1) + 1;
        ev.lastTimestamp = ts(now);
      });
      if (updated) return;
    }
    const involvedObject: Record<string, unknown> = {
      apiVersion: object.apiVersion,
      kind: object.kind,
      name: meta.name,
      uid: meta.uid,
    };
    if (meta.namespace) involvedObject.namespace = meta.namespace;
    if (meta.resourceVersion) involvedObject.resourceVersion = meta.resourceVersion;
    if (options.fieldPath) involvedObject.fieldPath = options.fieldPath;
    const name = `${meta.name}.${(BigInt(now.getTime()) * 1_000_000n + BigInt(++this.seq % 1_000_000)).toString(16)}`;
    const event: KubeObject = options.action
      ? {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { name, namespace },
          involvedObject,
          reason,
          message,
          source: {},
          firstTimestamp: null,
          lastTimestamp: null,
          type,
          eventTime: microTime(now),
          action: options.action,
          reportingComponent: source.component,
          reportingInstance: source.host ? `${source.component}-${source.host}` : source.component,
        }
      : {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { name, namespace },
          involvedObject,
          reason,
          message,
          source: source.host ? { component: source.component, host: source.host } : { component: source.component },
          firstTimestamp: ts(now),
          lastTimestamp: ts(now),
          count: 1,
          type,
          eventTime: null,
          reportingComponent: source.component,
          reportingInstance: source.host ?? '',
        };
    try {
      this.store.create('events', event);
    } catch { // an Event that cannot be stored (namespace terminating) is dropped, as kube's event broadcaster drops it
      return;
    }
    this.created.push([namespace, name]);
    while (this.created.length > MAX_EVENTS_KEPT) {
      const [ns, old] = this.created.shift()!;
      try {
        this.store.delete('events', ns, old);
      } catch {
        // Already gone (namespace deleted, reset).
      }
    }
    if (this.seen.size >= MAX_EVENTS_TRACKED) this.seen.delete(this.seen.keys().next().value!);
    this.seen.set(key, name);
  }
}

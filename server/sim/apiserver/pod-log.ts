// pods/log: what the kubelet serves through the API server for `kubectl logs`: container
// defaulting and its errors, tailLines, sinceSeconds/sinceTime, timestamps, limitBytes, follow.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock, KubeObject, ObjectStore } from '../store/object-store.ts';
import type { LogBook, LogLine } from '../logs/log-book.ts';
import type { RestRequest } from './rest-handlers.ts';
import { errors } from './status.ts';
import type { UntypedObject as Obj } from '../meta/untyped.ts';

const MAX_PENDING_BYTES = 16 * 1024 * 1024;

function nonNegativeInt(q: URLSearchParams, name: string): number | undefined {
  const v = q.get(name);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw errors.invalid('', 'PodLogOptions', '', [{ reason: 'FieldValueInvalid', message: `Invalid value: ${n}: must be greater than or equal to 0`, field: name }]);
  return n;
}

/** The container a log request means, or the error the API server gives. */
export function pickContainer(pod: Obj, requested: string | null): string {
  const containers: string[] = (pod.spec?.containers ?? []).map((c: Obj) => c.name);
  const inits: string[] = (pod.spec?.initContainers ?? []).map((c: Obj) => c.name);
  const ephemeral: string[] = (pod.spec?.ephemeralContainers ?? []).map((c: Obj) => c.name);
  const name = pod.metadata.name;
  if (!requested) {
    if (containers.length === 1) return containers[0]!;
    let msg = `a container name must be specified for pod ${name}, choose one of: [${containers.join(' ')}]`;
    if (inits.length) msg += ` or one of the init containers: [${inits.join(' ')}]`;
    if (ephemeral.length) msg += ` or one of the ephemeral containers: [${ephemeral.join(' ')}]`;
    throw errors.badRequest(msg);
  }
  if (![...containers, ...inits, ...ephemeral].includes(requested)) {
    let msg = `container ${requested} is not valid for pod ${name}`;
    if (containers.length) msg = `container ${requested} is not valid for pod ${name}`;
    throw errors.badRequest(msg);
  }
  return requested;
}

/** The kubelet's refusal for a container that has not started (kubelet validateContainerLogStatus). */
function checkStarted(pod: Obj, container: string, previous: boolean): void {
  const statuses: Obj[] = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])];
  const st = statuses.find((s) => s.name === container);
  const name = pod.metadata.name;
  if (previous) {
    if (!st?.lastState?.terminated) throw errors.badRequest(`previous terminated container "${container}" in pod "${name}" not found`);
    return;
  }
  if (!st || st.state?.running || st.state?.terminated) {
    if (!st) throw errors.badRequest(`container "${container}" in pod "${name}" is waiting to start: ContainerCreating`);
    return;
  }
  if (st.state?.waiting) {
    const reason = String(st.state.waiting.reason || 'ContainerCreating');
    if (reason === 'ErrImagePull') throw errors.badRequest(`container "${container}" in pod "${name}" is waiting to start: image can't be pulled`);
    if (reason === 'ImagePullBackOff') throw errors.badRequest(`container "${container}" in pod "${name}" is waiting to start: trying and failing to pull image`);
    // A crash-looping container still has its last run's log.
    if (st.lastState?.terminated) return;
    throw errors.badRequest(`container "${container}" in pod "${name}" is waiting to start: ${reason}`);
  }
}

function formatLine(line: LogLine, timestamps: boolean): string {
  if (!timestamps) return `${line.text}\n`;
  const iso = line.time.toISOString();
  // RFC3339Nano as the kubelet writes it.
  return `${iso.slice(0, 19)}.${iso.slice(20, 23)}000000Z ${line.text}\n`;
}

export function servePodLog(store: ObjectStore, logs: LogBook, clock: Clock, req: RestRequest, httpReq: IncomingMessage, res: ServerResponse): void {
  const ns = req.namespace!;
  const pod = store.get('pods', ns, req.name!) as KubeObject | undefined;
  if (!pod) throw errors.notFound('', 'pods', req.name!);
  const q = req.query;
  const tailLines = nonNegativeInt(q, 'tailLines');
  const sinceSeconds = nonNegativeInt(q, 'sinceSeconds');
  const limitBytes = nonNegativeInt(q, 'limitBytes');
  const container = pickContainer(pod as Obj, q.get('container'));
  const previous = q.get('previous') === 'true';
  // An unscheduled pod has no kubelet to ask: the API server answers with an empty log.
  if (!(pod as Obj).spec?.nodeName) {
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': '0' });
    res.end();
    return;
  }
  checkStarted(pod as Obj, container, previous);
  if (previous) {
    // Logs of earlier runs are not kept.
    res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': '0' });
    res.end();
    return;
  }
  const sinceTimeParam = q.get('sinceTime');
  let since: Date | undefined;
  if (sinceSeconds !== undefined) since = new Date(clock.now().getTime() - sinceSeconds * 1000);
  else if (sinceTimeParam) {
    const t = Date.parse(sinceTimeParam);
    if (Number.isNaN(t)) throw errors.badRequest(`parsing time "${sinceTimeParam}" as "2006-01-02T15:04:05Z07:00": cannot parse`);
    since = new Date(t);
  }
  const timestamps = q.get('timestamps') === 'true';
  const follow = q.get('follow') === 'true';
  const opts: { tailLines?: number; since?: Date } = {};
  if (tailLines !== undefined) opts.tailLines = tailLines;
  if (since) opts.since = since;
  const lines = logs.read(ns, req.name!, container, opts);
  let written = 0;
  const emit = (text: string): boolean => {
    // A reader that stops reading is dropped rather than buffered without bound.
    if (res.writableLength > MAX_PENDING_BYTES) return false;
    if (limitBytes !== undefined) {
      if (written >= limitBytes) return false;
      text = Buffer.from(text).subarray(0, limitBytes - written).toString();
    }
    written += Buffer.byteLength(text);
    res.write(text);
    return true;
  };
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  for (const l of lines) if (!emit(formatLine(l, timestamps))) break;
  if (!follow) {
    res.end();
    return;
  }
  res.flushHeaders();
  const uid = pod.metadata.uid;
  const stopFollow = logs.follow(ns, req.name!, container, (l) => {
    if (!emit(formatLine(l, timestamps))) stop();
  });
  // The stream ends when the pod goes away, like a kubelet's follow on a deleted container.
  const stopWatch = store.watch('pods', (ev) => {
    if (ev.type === 'DELETED' && ev.object.metadata.uid === uid) stop();
  }, { namespace: ns });
  let stopped = false;
  function stop(): void {
    if (stopped) return;
    stopped = true;
    stopFollow();
    stopWatch();
    res.end();
  }
  httpReq.on('close', stop);
  res.on('close', stop);
}

// Watch over HTTP: a chunked stream of {"type","object"} lines, with the semantics kubectl and
// client-go rely on: initial ADDED events (resourceVersion unset/0 or sendInitialEvents), the
// `k8s.io/initial-events-end` bookmark, resume from a resourceVersion, 410 Expired as an ERROR
// event, selectors applied per event (an object that stops matching is DELETED), timeoutSeconds.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { KubeObject, ObjectStore, StoreEvent } from '../store/object-store.ts';
import { StoreError } from '../store/object-store.ts';
import { servedAs, type RestHandlers, type RestRequest } from './rest-handlers.ts';
import { apiVersionOf, storeKey } from './resources.ts';
import { errors } from './status.ts';
import { toTable, type IncludeObject } from './tables.ts';
import type { Clock } from '../store/object-store.ts';

export interface WatchSettings {
  table: boolean;
  include: IncludeObject;
  /** Upper bound when the client gives no timeoutSeconds (a real server picks 30–60 min). */
  defaultTimeoutSeconds?: number;
  bookmarkIntervalMs?: number;
}

/** Writes at most this much unflushed output per watch before dropping the client (bounded memory). */
const MAX_PENDING_BYTES = 16 * 1024 * 1024;

export function serveWatch(store: ObjectStore, clock: Clock, handlers: RestHandlers, req: RestRequest, httpReq: IncomingMessage, res: ServerResponse, settings: WatchSettings): void {
  const sel = handlers.selection(req);
  const key = storeKey(req.type);
  const namespace = req.type.namespaced ? req.namespace : undefined;
  const q = req.query;
  const sendInitial = q.get('sendInitialEvents') === 'true';
  const bookmarks = q.get('allowWatchBookmarks') === 'true';
  const rvParam = q.get('resourceVersion') ?? '';
  const timeoutParam = Number(q.get('timeoutSeconds') ?? '');
  const timeoutSeconds = Number.isFinite(timeoutParam) && timeoutParam > 0 ? timeoutParam : (settings.defaultTimeoutSeconds ?? 1800);
  if (sendInitial && q.get('resourceVersionMatch') !== 'NotOlderThan') {
    throw errors.invalid('meta.k8s.io', 'ListOptions', '', [{ reason: 'FieldValueForbidden', message: "Forbidden: sendInitialEvents is allowed only with resourceVersionMatch set to 'NotOlderThan'", field: 'sendInitialEvents' }]);
  }
  if (sendInitial && !bookmarks) {
    throw errors.invalid('meta.k8s.io', 'ListOptions', '', [{ reason: 'FieldValueForbidden', message: 'Forbidden: sendInitialEvents requires setting allowWatchBookmarks to true', field: 'allowWatchBookmarks' }]);
  }
  let since: number | undefined;
  if (rvParam !== '' && rvParam !== '0') {
    since = Number(rvParam);
    if (!Number.isInteger(since) || since < 0) throw errors.badRequest(`invalid resource version: ${rvParam}`);
  }
  const nameFilter = req.name;
  // A resumed watch cannot know what the client saw before `since`: modifications stay MODIFIED.
  const resumed = since !== undefined && !sendInitial;
  const apiVersion = apiVersionOf(req.type.group, req.version);

  res.writeHead(200, { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' });
  res.flushHeaders();

  let closed = false;
  let firstTable = true;
  const matching = new Set<string>();
  const idOf = (o: KubeObject): string => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
  const matches = (o: KubeObject): boolean => (!nameFilter || o.metadata.name === nameFilter) && handlers.matches(sel, o);

  const write = (type: string, object: unknown): void => {
    if (closed) return;
    if (res.writableLength > MAX_PENDING_BYTES) {
      stop();
      return;
    }
    res.write(`${JSON.stringify({ type, object })}\n`);
  };
  const send = (type: string, obj: KubeObject): void => {
    servedAs(obj, req.type, req.version);
    if (settings.table) {
      const table = toTable(req.type, [obj], clock.now(), { include: settings.include, noHeaders: !firstTable });
      firstTable = false;
      write(type, table);
    } else write(type, obj);
  };
  const bookmark = (rv: number, initialEnd: boolean): void => {
    const metadata: Record<string, unknown> = { resourceVersion: String(rv) };
    if (initialEnd) metadata.annotations = { 'k8s.io/initial-events-end': 'true' };
    write('BOOKMARK', { kind: req.type.kind, apiVersion, metadata });
  };

  const onEvent = (ev: StoreEvent): void => {
    if (namespace && ev.object.metadata.namespace !== namespace) return;
    const id = idOf(ev.object);
    const now = matches(ev.object);
    const was = matching.has(id);
    if (ev.type === 'DELETED') {
      if (was || now) send('DELETED', ev.object);
      matching.delete(id);
      return;
    }
    if (now) {
      matching.add(id);
      send(ev.type === 'ADDED' ? 'ADDED' : was || resumed ? 'MODIFIED' : 'ADDED', ev.object);
    } else if (was) {
      matching.delete(id);
      send('DELETED', ev.object);
    }
  };

  let unsubscribe: (() => void) | undefined;
  try {
    if (since !== undefined && !sendInitial) {
      unsubscribe = store.watch(key, onEvent, { namespace, sinceRevision: since });
    } else {
      const { items, revision } = store.list(key, namespace);
      for (const o of items) {
        if (!matches(o)) continue;
        matching.add(idOf(o));
        send('ADDED', o);
      }
      if (sendInitial && bookmarks) bookmark(revision, true);
      unsubscribe = store.watch(key, onEvent, { namespace, sinceRevision: revision });
    }
  } catch (err) {
    if (err instanceof StoreError && err.reason === 'Expired') {
      write('ERROR', errors.gone(`too old resource version: ${since} (${store.oldestResumableRevision})`).toStatus());
      res.end();
      return;
    }
    throw err;
  }

  const timer = setTimeout(() => stop(), timeoutSeconds * 1000);
  const ticker = bookmarks ? setInterval(() => bookmark(store.currentRevision, false), settings.bookmarkIntervalMs ?? 60_000) : undefined;
  function stop(): void {
    if (closed) return;
    closed = true;
    clearTimeout(timer);
    if (ticker) clearInterval(ticker);
    unsubscribe?.();
    res.end();
  }
  httpReq.on('close', stop);
  res.on('close', stop);
}

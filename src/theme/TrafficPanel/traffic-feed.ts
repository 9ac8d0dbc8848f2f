// The Traffic panel's connection to the site server: one WebSocket that receives a snapshot of
// the learner's recent requests and then each new batch (server/api/traffic-routes.ts), reconnects
// with a growing delay when it drops, and keeps the newest TRAFFIC_KEPT entries.
import { TRAFFIC_KEPT, TRAFFIC_WS_PATH, type TrafficEntry, type TrafficLang, type TrafficServerMessage } from '../../../server/protocol/traffic.ts';

export type FeedState = 'connecting' | 'live' | 'unavailable' | 'offline';

export interface FeedView {
  state: FeedState;
  /** Oldest first. */
  entries: TrafficEntry[];
  /** Requests the server left out to keep up, since the page opened. */
  dropped: number;
  error?: string;
}

/** New entries into the list: by id, no repeats, the newest `kept`. */
export function mergeEntries(current: TrafficEntry[], incoming: TrafficEntry[], kept = TRAFFIC_KEPT): TrafficEntry[] {
  const byId = new Map(current.map((e) => [e.id, e]));
  for (const e of incoming) byId.set(e.id, e);
  return [...byId.values()].sort((a, b) => a.id - b.id).slice(-kept);
}

/** The view after one message from the server. */
export function applyMessage(view: FeedView, msg: TrafficServerMessage): FeedView {
  switch (msg.type) {
    case 'snapshot':
      // A snapshot replaces the list: after a reset or a new cluster, old entries are gone.
      return { ...view, state: msg.available ? 'live' : 'unavailable', entries: mergeEntries([], msg.entries), error: undefined };
    case 'requests':
      return { ...view, entries: mergeEntries(view.entries, msg.entries), dropped: view.dropped + msg.dropped };
    case 'error':
      return { ...view, error: msg.message };
  }
}

const RETRY_MS = [1000, 2000, 5000, 10_000, 30_000];

/** Opens the feed; `onView` gets every change. Returns the function that closes it for good. */
export function openTrafficFeed(lang: TrafficLang, onView: (view: FeedView) => void): () => void {
  let view: FeedView = { state: 'connecting', entries: [], dropped: 0 };
  let ws: WebSocket | undefined;
  let retries = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let closed = false;
  const update = (next: FeedView) => {
    view = next;
    onView(view);
  };
  const connect = () => {
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${TRAFFIC_WS_PATH}?lang=${lang}`;
    ws = new WebSocket(url);
    ws.onmessage = (ev) => {
      retries = 0;
      try {
        update(applyMessage(view, JSON.parse(String(ev.data)) as TrafficServerMessage));
      } catch {
        // a frame the panel cannot read is skipped; the next snapshot sets things right
      }
    };
    ws.onclose = () => {
      if (closed) return;
      if (view.state !== 'unavailable') update({ ...view, state: 'offline' });
      timer = setTimeout(connect, RETRY_MS[Math.min(retries++, RETRY_MS.length - 1)]);
    };
  };
  connect();
  return () => {
    closed = true;
    clearTimeout(timer);
    ws?.close();
  };
}

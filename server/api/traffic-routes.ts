// The Traffic panel's routes: the learner's recent requests through their own cluster's mesh,
// pushed, and the analyzer's findings for that cluster. The browser never talks to the cluster:
// the session (checked by the app shell before an upgrade reaches here) names the learner, and the
// learner names the cluster.
//
//   WS  /api/traffic/ws?lang=en|zh   snapshot, then batches of new requests (TrafficServerMessage)
//   GET /api/traffic/analysis        { scope, findings }: `istioctl analyze`'s checks over the cluster
import type { FastifyInstance } from 'fastify';
import { WebSocketServer, type WebSocket } from 'ws';
import { analyze, type Snapshot } from '../sim/analyze/analyzer.ts';
import { collectSnapshot, loadKubeConfig } from '../sim/analyze/collect.ts';
import type { RouteDecision } from '../sim/mesh/decisions.ts';
import type { ClusterHandle } from '../drivers/types.ts';
import { TRAFFIC_ANALYSIS_PATH, TRAFFIC_KEPT, TRAFFIC_MAX_CLIENT_MESSAGE_BYTES, TRAFFIC_WS_PATH, trafficLangOf, type TrafficAnalysis, type TrafficServerMessage } from '../protocol/traffic.ts';
import type { Learner, ServerContext } from './context.ts';
import { trafficEntry, trafficFinding } from './traffic-view.ts';

export interface TrafficRouteOptions {
  /** Panels one learner may have open at once (tabs); the oldest is closed beyond it. */
  socketsPerLearner?: number;
  /** How often new requests are sent, at most (ms): a burst of curls is one message. */
  flushMs?: number;
  /** Output kept unsent before a batch is dropped (a slow or stalled browser). */
  maxBufferedBytes?: number;
  heartbeatMs?: number;
  /** A finished analysis is reused this long (ms), so a busy panel does not list the cluster each time. */
  analysisReuseMs?: number;
  /** What the analyzer reads of a cluster (default: everything it needs, through the kubeconfig). */
  snapshotOf?: (handle: ClusterHandle) => Promise<Snapshot>;
}

const DEFAULTS: Required<TrafficRouteOptions> = {
  socketsPerLearner: 4,
  flushMs: 200,
  maxBufferedBytes: 512 * 1024,
  heartbeatMs: 30_000,
  analysisReuseMs: 1000,
  snapshotOf: (handle) => collectSnapshot(loadKubeConfig(handle.kubeconfigPath)),
};

/** Close code when the learner's cluster was replaced: the panel reconnects to the new one. */
export const CLUSTER_CHANGED = 4001;

function send(ws: WebSocket, msg: TrafficServerMessage): void {
  if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
}

export function createTrafficRoutes(options: TrafficRouteOptions = {}) {
  const o = { ...DEFAULTS, ...options };
  return async function registerTrafficRoutes(app: FastifyInstance, ctx: ServerContext): Promise<void> {
    const wss = new WebSocketServer({ noServer: true, maxPayload: TRAFFIC_MAX_CLIENT_MESSAGE_BYTES, perMessageDeflate: false });
    const open = new Map<string, WebSocket[]>();

    function serve(ws: WebSocket, learner: Learner, handle: ClusterHandle, lang: 'en' | 'zh'): void {
      const source = handle.recentRequests?.();
      send(ws, { type: 'snapshot', available: Boolean(source), entries: (source?.list(TRAFFIC_KEPT) ?? []).map((d) => trafficEntry(d, lang)) });
      let pending: RouteDecision[] = [];
      let dropped = 0;
      let timer: NodeJS.Timeout | undefined;
      const flush = () => {
        timer = undefined;
        const batch = pending;
        pending = [];
        if (ws.bufferedAmount > o.maxBufferedBytes) {
          dropped += batch.length;
          return;
        }
        send(ws, { type: 'requests', entries: batch.map((d) => trafficEntry(d, lang)), dropped });
        dropped = 0;
      };
      const unsubscribe = source?.subscribe((d) => {
        pending.push(d);
        // Only the newest are worth showing after a flood.
        if (pending.length > TRAFFIC_KEPT) dropped += pending.splice(0, pending.length - TRAFFIC_KEPT).length;
        timer ??= setTimeout(flush, o.flushMs);
      });
      let alive = true;
      ws.on('pong', () => (alive = true));
      const heartbeat = setInterval(() => {
        if (learner.currentCluster() !== handle) return ws.close(CLUSTER_CHANGED, 'cluster changed');
        if (!alive) return ws.terminate();
        alive = false;
        ws.ping();
      }, o.heartbeatMs);
      // The panel sends nothing; anything it does send is ignored (frames are capped by maxPayload).
      ws.on('close', () => {
        unsubscribe?.();
        clearTimeout(timer);
        clearInterval(heartbeat);
      });
    }

    ctx.onUpgrade(TRAFFIC_WS_PATH, (req, socket, head, learner) => {
      const lang = trafficLangOf(new URL(req.url ?? '/', 'http://localhost').searchParams.get('lang') ?? undefined);
      wss.handleUpgrade(req, socket, head, (ws) => {
        const mine = open.get(learner.id) ?? [];
        mine.push(ws);
        open.set(learner.id, mine);
        while (mine.length > o.socketsPerLearner) mine.shift()!.close(1008, 'too many traffic panels open');
        ws.on('close', () => {
          const left = (open.get(learner.id) ?? []).filter((w) => w !== ws);
          if (left.length) open.set(learner.id, left);
          else open.delete(learner.id);
        });
        ws.on('error', () => ws.terminate());
        learner.cluster().then(
          (handle) => {
            if (ws.readyState === ws.OPEN) serve(ws, learner, handle, lang);
          },
          (err: unknown) => {
            send(ws, { type: 'error', message: `Your cluster could not start: ${(err as Error).message}` });
            ws.close(1011, 'cluster unavailable');
          },
        );
      });
    });

    const analyses = new Map<string, { at: number; result: Promise<TrafficAnalysis> }>();
    async function analysisOf(learner: Learner): Promise<TrafficAnalysis> {
      const handle = await learner.cluster();
      const namespace = handle.learnerNamespace;
      const snapshot = await o.snapshotOf(handle);
      return { namespace: namespace ?? null, findings: analyze(snapshot, { namespace }).map(trafficFinding) };
    }

    app.get(TRAFFIC_ANALYSIS_PATH, async (req, reply) => {
      const learner = ctx.learners.fromRequest(req.raw);
      if (!learner) return reply.code(401).send({ error: 'no session' });
      const cached = analyses.get(learner.id);
      if (analyses.size > 10_000) for (const [id, a] of analyses) if (Date.now() - a.at > o.analysisReuseMs) analyses.delete(id);
      // One analysis at a time per learner; a recent one is answered again.
      if (!cached || Date.now() - cached.at > o.analysisReuseMs) {
        const result = analysisOf(learner);
        const entry = { at: Number.POSITIVE_INFINITY, result };
        analyses.set(learner.id, entry);
        result.then(
          () => (entry.at = Date.now()),
          () => analyses.delete(learner.id),
        );
      }
      try {
        return await analyses.get(learner.id)!.result;
      } catch (err) {
        ctx.logger.warn({ err, learner: learner.id }, 'analysis failed');
        return reply.code(503).send({ error: `The cluster could not be analyzed: ${(err as Error).message}` });
      }
    });

    ctx.onClose(() => {
      for (const ws of wss.clients) ws.terminate();
      wss.close();
    });
  };
}

export const registerTrafficRoutes = createTrafficRoutes();

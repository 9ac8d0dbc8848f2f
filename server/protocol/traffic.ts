// What the Traffic panel (src/theme/TrafficPanel) receives from the site server: the learner's
// recent requests through the mesh, pushed over one WebSocket at /api/traffic/ws, and the
// analyzer's findings for the learner's cluster from GET /api/traffic/analysis. Entries are a view
// of the mesh's recorded decisions made for the page: short fields, the path as stages, and the
// explanation already written in the page's language.
//
// No node imports: the browser bundles this file.
export const TRAFFIC_WS_PATH = '/api/traffic/ws';
export const TRAFFIC_ANALYSIS_PATH = '/api/traffic/analysis';
/** Entries a snapshot carries, and the most the panel keeps. */
export const TRAFFIC_KEPT = 50;
/** Largest frame the server accepts from the panel (it sends nothing but pings). */
export const TRAFFIC_MAX_CLIENT_MESSAGE_BYTES = 256;

export type TrafficLang = 'en' | 'zh';

/** The stages of the diagram, in order; a request stops at one of them or reaches the pod. */
export type StageKind = 'client' | 'gateway' | 'sidecar' | 'route' | 'service' | 'subset' | 'pod';

export interface TrafficStage {
  kind: StageKind;
  /** What is there (the gateway's pod, the VirtualService, the service host, the subset, the pod's address). */
  label: string;
  /** The request stopped here (the answer came from this stage). */
  stopped: boolean;
  /** The stage was never reached (after the one that stopped). */
  skipped: boolean;
}

export interface TrafficEntry {
  id: number;
  time: string;
  method: string;
  host: string;
  path: string;
  status: number;
  /** Envoy's response flags ("-" when none). */
  flags: string;
  /** One sentence: what happened and why. */
  reason: string;
  stages: TrafficStage[];
  /** The whole explanation, as `meshlab explain` prints it, in the page's language. */
  explanation: string;
}

export type TrafficServerMessage =
  /** The newest entries (oldest first); `available: false` when the learner's cluster records none (kind, existing). */
  | { type: 'snapshot'; available: boolean; entries: TrafficEntry[] }
  /** New entries since the last message (oldest first); `dropped` were left out to keep up. */
  | { type: 'requests'; entries: TrafficEntry[]; dropped: number }
  | { type: 'error'; message: string };

export interface TrafficFinding {
  level: 'Error' | 'Warning' | 'Info';
  code: string;
  /** The object the finding is about: "VirtualService bookinfo/httpbin". */
  origin: string;
  text: string;
  /** The line `istioctl analyze` prints. */
  line: string;
}

export interface TrafficAnalysis {
  /** The namespace analyzed; null for all of them. */
  namespace: string | null;
  findings: TrafficFinding[];
}

/** The page's language as the panel and the terminal name it (zh-Hans pages → zh). */
export function trafficLangOf(locale: string | undefined): TrafficLang {
  return (locale ?? '').toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

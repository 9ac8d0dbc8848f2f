// A recorded mesh decision as the Traffic panel shows it: the request line, the answer, the path
// as stages (client → gateway or sidecar → VirtualService → service → subset → pod) with the one
// where the answer came from marked, and `meshlab explain`'s text in the page's language.
import type { RouteDecision } from '../sim/mesh/decisions.ts';
import { formatExplanation } from '../sim/mesh/explain-text.ts';
import type { AnalysisMessage } from '../sim/analyze/messages.ts';
import { formatMessage } from '../sim/analyze/format.ts';
import type { StageKind, TrafficEntry, TrafficFinding, TrafficLang, TrafficStage } from '../protocol/traffic.ts';

/** Which stage gave the answer, by the kind of answer Envoy gave. */
function stoppedAt(d: RouteDecision): StageKind | undefined {
  const hasSubset = Boolean(d.destination?.subset);
  switch (d.response.kind) {
    case 'no_route':
    case 'registry_only_blocked':
      return d.proxy.kind;
    case 'fault_abort':
    case 'redirect':
    case 'direct_response':
      return d.virtualService ? 'route' : d.proxy.kind;
    case 'cluster_not_found':
    case 'no_healthy_upstream':
    case 'overflow':
      return hasSubset ? 'subset' : 'service';
    case 'timeout':
    case 'connection_failure':
      return 'pod';
    default:
      return undefined;
  }
}

export function trafficStages(d: RouteDecision): TrafficStage[] {
  const dest = d.destination;
  const raw: { kind: StageKind; label: string }[] = [
    { kind: 'client', label: '' },
    { kind: d.proxy.kind, label: `${d.proxy.namespace}/${d.proxy.pod}:${d.listener.port}` },
  ];
  if (d.virtualService) raw.push({ kind: 'route', label: `VirtualService ${d.virtualService.namespace}/${d.virtualService.name}` });
  raw.push({ kind: 'service', label: dest ? `${dest.host}${dest.port ? `:${dest.port}` : ''}` : (d.upstreamCluster ?? '') });
  if (dest?.subset) raw.push({ kind: 'subset', label: dest.subset });
  raw.push({ kind: 'pod', label: d.upstreamHost ?? '' });
  const stop = stoppedAt(d);
  const at = stop === undefined ? -1 : raw.findIndex((s) => s.kind === stop);
  return raw.map((s, i) => ({ ...s, stopped: i === at, skipped: at >= 0 && i > at }));
}

export function trafficEntry(d: RouteDecision, lang: TrafficLang): TrafficEntry {
  return {
    id: d.id,
    time: d.time,
    method: d.request.method,
    host: d.request.authority,
    path: d.request.path,
    status: d.response.status,
    flags: d.response.flags || '-',
    reason: (lang === 'zh' ? d.trace?.reasonZh : undefined) ?? d.trace?.reason ?? d.response.details,
    stages: trafficStages(d),
    explanation: formatExplanation(d, lang),
  };
}

export function trafficFinding(m: AnalysisMessage): TrafficFinding {
  const where = m.origin.namespace === undefined ? m.origin.name : `${m.origin.namespace}/${m.origin.name}`;
  return { level: m.level, code: m.code, origin: `${m.origin.kind} ${where}`, text: m.text, line: formatMessage(m) };
}

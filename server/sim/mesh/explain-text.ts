// A recorded decision as plain text for the terminal (`meshlab explain`), in English or Chinese,
// from the simulation the proxy executed (route, passed-over rules, DestinationRule and subset,
// endpoints, fault, retries, mirrors) and what the exchange ended with. Object names, conditions
// and Envoy's words (flags, clusters) stay as Istio writes them.
import type { RouteDecision } from './decisions.ts';
import type { SimulationResult } from './simulate.ts';

export type ExplainLang = 'en' | 'zh';

const LABELS: Record<ExplainLang, Record<string, string>> = {
  en: { delegatedBy: 'delegated by', why: 'Why', path: 'Path', passed: 'Rules passed over', rule: 'rule', match: 'match', dest: 'Destination', cluster: 'Upstream cluster', endpoint: 'Upstream host', attempts: 'Attempts', stopped: 'stopped here', none: 'No request has gone through the mesh yet.', noMatch: 'No recent request matches', client: 'client', flag: 'flag', server: 'Gateway server', servers: 'server', noDr: 'none', endpoints: 'Eligible endpoints', noEndpoints: 'none', fault: 'Fault injected', delay: 'delay', abort: 'abort', timeout: 'Timeout', retries: 'Retries', retryOn: 'on', mirrors: 'Mirrored to', outbound: 'Outbound traffic policy', serviceEntry: 'ServiceEntry' },
  zh: { delegatedBy: '委托自', why: '原因', path: '路径', passed: '未匹配的规则', rule: '规则', match: '匹配', dest: '目的地', cluster: '上游集群', endpoint: '上游主机', attempts: '尝试次数', stopped: '在此停止', none: '还没有请求经过网格。', noMatch: '没有最近的请求符合', client: '客户端', flag: '标志', server: 'Gateway 服务器', servers: 'server', noDr: '无', endpoints: '可用端点', noEndpoints: '无', fault: '故障注入', delay: '延迟', abort: '中止', timeout: '超时', retries: '重试', retryOn: '条件', mirrors: '镜像到', outbound: '出站流量策略', serviceEntry: 'ServiceEntry' },
};

/** Where the request stopped along client → proxy → virtual host → route → cluster → pod. */
export function pathSteps(d: RouteDecision): { label: string; stopped: boolean }[] {
  const k = d.response.kind;
  const steps: { label: string; stopped: boolean }[] = [];
  steps.push({ label: `${d.proxy.kind === 'gateway' ? 'gateway' : 'sidecar'} ${d.proxy.namespace}/${d.proxy.pod}:${d.listener.port}`, stopped: false });
  if (k === 'no_route' || k === 'registry_only_blocked') {
    steps[steps.length - 1]!.stopped = true;
    return steps;
  }
  if (d.virtualService) steps.push({ label: `VirtualService ${d.virtualService.namespace}/${d.virtualService.name}`, stopped: ['fault_abort', 'redirect', 'direct_response'].includes(k) });
  if (steps.at(-1)!.stopped) return steps;
  const dest = d.destination;
  steps.push({ label: dest ? `${dest.host}${dest.port ? `:${dest.port}` : ''}` : (d.upstreamCluster ?? d.request.authority), stopped: false });
  if (dest?.subset) steps.push({ label: `subset ${dest.subset}`, stopped: false });
  if (k === 'cluster_not_found' || k === 'no_healthy_upstream' || k === 'overflow') {
    steps[steps.length - 1]!.stopped = true;
    return steps;
  }
  steps.push({ label: d.upstreamHost ?? '?', stopped: k === 'timeout' || k === 'connection_failure' });
  return steps;
}

export function formatExplanation(d: RouteDecision, lang: ExplainLang = 'en'): string {
  const t = LABELS[lang];
  const lines: string[] = [];
  lines.push(`${d.request.method} ${d.request.authority}${d.request.path} → ${d.response.status}${d.response.flags !== '-' ? ` (${t.flag} ${d.response.flags})` : ''}  ${d.time}`);
  if (d.trace) lines.push(`${t.why}: ${(lang === 'zh' ? d.trace.reasonZh : undefined) ?? d.trace.reason}`);
  const steps = pathSteps(d);
  lines.push(`${t.path}: ${t.client} → ${steps.map((s) => (s.stopped ? `[${s.label} ✗ ${t.stopped}]` : s.label)).join(' → ')}`);
  if (d.trace?.passedOver.length) {
    lines.push(`${t.passed}:`);
    for (const r of d.trace.passedOver) {
      const failures = (lang === 'zh' ? r.failuresZh : undefined) ?? r.failures;
      failures.forEach((f, i) => lines.push(`  VirtualService ${r.virtualService} ${t.rule} ${r.ruleName ?? r.ruleIndex}${r.failures.length > 1 ? ` ${t.match} ${i}` : ''}: ${f}`));
    }
  }
  if (d.virtualService) lines.push(`VirtualService: ${d.virtualService.namespace}/${d.virtualService.name} ${t.rule} ${d.virtualService.ruleName ?? d.virtualService.ruleIndex}${d.virtualService.matchIndex >= 0 ? ` ${t.match} ${d.virtualService.matchName ?? d.virtualService.matchIndex}` : ''}${d.virtualService.delegatedBy ? ` (${t.delegatedBy} ${d.virtualService.delegatedBy.virtualService} ${t.rule} ${d.virtualService.delegatedBy.ruleIndex})` : ''}`);
  if (d.destination) lines.push(`${t.dest}: ${d.destination.host}${d.destination.port ? `:${d.destination.port}` : ''}${d.destination.subset ? ` subset ${d.destination.subset}` : ''}`);
  const sim = d.simulation;
  if (sim) lines.push(...simulationLines(sim, t, lang));
  if (d.upstreamCluster) lines.push(`${t.cluster}: ${d.upstreamCluster}`);
  if (d.upstreamHost) lines.push(`${t.endpoint}: ${d.upstreamHost}`);
  if (d.attempts && d.attempts > 1) lines.push(`${t.attempts}: ${d.attempts}`);
  return `${lines.join('\n')}\n`;
}

/** What the simulation the proxy executed adds: gateway server, DestinationRule, endpoints, fault, timeout, retries, mirrors, outbound policy. */
function simulationLines(sim: SimulationResult, t: Record<string, string>, lang: ExplainLang): string[] {
  const problem = (lang === 'zh' ? sim.destinationProblemZh : undefined) ?? sim.destinationProblem;
  const out: string[] = [];
  if (sim.listener?.servers.length) out.push(`${t.server}: ${sim.listener.servers.map((s) => `Gateway ${s.gateway} ${t.servers} ${s.serverIndex}`).join(', ')}`);
  if (sim.destination) out.push(`DestinationRule: ${sim.destinationRule ?? t.noDr}${problem ? ` (${problem})` : ''}`);
  if (sim.cluster && sim.response.kind !== 'cluster_not_found' && sim.response.kind !== 'registry_only_blocked') out.push(`${t.endpoints}: ${sim.endpoints.join(', ') || t.noEndpoints}`);
  if (sim.fault) out.push(`${t.fault}: ${[sim.fault.delayMs !== undefined ? `${t.delay} ${sim.fault.delayMs} ms` : '', sim.fault.abortStatus !== undefined ? `${t.abort} ${sim.fault.abortStatus}` : ''].filter(Boolean).join(', ')}`);
  if (sim.timeoutMs) out.push(`${t.timeout}: ${sim.timeoutMs} ms`);
  if (sim.retries && sim.response.kind !== 'cluster_not_found' && sim.response.kind !== 'no_healthy_upstream') out.push(`${t.retries}: ${sim.retries.attempts} (${t.retryOn} ${sim.retries.retryOn})`);
  if (sim.mirrors.length) out.push(`${t.mirrors}: ${sim.mirrors.join(', ')}`);
  if (sim.outbound) out.push(`${t.outbound}: ${sim.outbound.mode}${sim.outbound.serviceEntry ? `, ${t.serviceEntry} ${sim.outbound.serviceEntry}` : ''} (${sim.outbound.result})`);
  return out;
}

export function noRequestText(lang: ExplainLang, filter?: string): string {
  return filter ? `${LABELS[lang].noMatch} ${filter}.\n` : `${LABELS[lang].none}\n`;
}

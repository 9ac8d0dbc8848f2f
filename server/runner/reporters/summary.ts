// The plain-text summary `meshlab verify` prints at the end: one line per lab and per step, and
// for every failure the lab, step, check, expected and actual.
import { describeDetail, type LabReport } from '../../protocol/runner-events.ts';
import type { Lab } from '../lab.ts';

const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** `labs` (optional) adds each failed step's hints, in English. */
export function summaryText(reports: LabReport[], durationMs: number, labs: Lab[] = [], parallel = false): string {
  const lines: string[] = ['', 'Summary'];
  for (const r of reports) {
    const waits = r.deliberateWaitMs ? `, ${secs(r.deliberateWaitMs)} of it deliberate waits` : '';
    lines.push(`  ${r.ok ? 'PASS' : 'FAIL'} ${r.lab} (${secs(r.durationMs)}${waits})`);
    for (const s of r.steps) {
      lines.push(`    ${s.status === 'passed' ? 'ok  ' : s.status === 'failed' ? 'FAIL' : 'skip'} ${s.id.padEnd(32)} ${secs(s.durationMs).padStart(7)}`);
      if (s.status !== 'failed') continue;
      const failedChecks = s.checks.filter((x) => !x.ok);
      const indent = (text: string, pad: string) => text.split('\n').join(`\n${pad}`);
      if (s.failure?.kind !== 'check' || failedChecks.length === 0) lines.push(`         ${indent(s.failure?.message ?? 'failed', '         ')}`);
      for (const c of failedChecks) {
        const failing = c.details.filter((x) => !x.ok);
        lines.push(`         check ${c.index + 1} (${c.type}): ${c.name}${c.error && failing.length === 0 ? `: ${c.error}` : ''}`);
        for (const d of failing) lines.push(`           ${describeDetail(d)}`);
        if (c.lastSeen) lines.push(`           last ${c.type === 'http' ? 'response' : 'output'}:`, `             ${indent(c.lastSeen, '             ')}`);
      }
      // The last command's output, when a command failed (its failure names exit code and tail already for exit codes).
      const failedCommand = s.commands.find((c) => !c.ok);
      if (failedCommand && s.failure?.kind !== 'command' && failedCommand.output.trim())
        lines.push('         last output:', `           ${indent(failedCommand.output.trim().split('\n').slice(-10).join('\n'), '           ')}`);
      // Hints are for learners' mistakes: not for a broken cluster, a vacuous check or a timeout of the run.
      const hints = s.failure?.kind === 'check' || s.failure?.kind === 'command' ? (labs.find((l) => l.id === r.lab)?.steps.find((x) => x.id === s.id)?.hints ?? []) : [];
      for (const h of hints) lines.push(`         hint: ${h.en}`);
    }
    for (const e of r.cleanupErrors) lines.push(`    cleanup problem: ${e}`);
  }
  const passed = reports.filter((r) => r.ok).length;
  const net = reports.map((r) => Math.max(0, r.durationMs - r.deliberateWaitMs));
  const withoutWaits = parallel ? Math.max(0, ...net) : net.reduce((a, b) => a + b, 0);
  lines.push('', `${passed} of ${reports.length} labs passed in ${secs(durationMs)} (${secs(withoutWaits)} without deliberate waits${parallel ? ', labs in parallel' : ''})`);
  return lines.join('\n');
}

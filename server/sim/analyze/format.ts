// istioctl analyze's text output and exit code (istioctl/pkg/analyze): one line per message,
// `Level [CODE] (Kind namespace/name) text`, a check mark when nothing is found, and exit code 79
// when a message reaches the failure threshold (Error by default).
import type { AnalysisMessage, Level } from './messages.ts';
import { ISTIO_VERSION } from '../controllers/sidecar-injection.ts';

/** istioctl's ExitCodeAnalyzerFoundIssues. */
export const EXIT_FOUND_ISSUES = 79;

const SEVERITY: Record<Level, number> = { Info: 0, Warning: 1, Error: 2 };

export function formatMessage(m: AnalysisMessage): string {
  const where = m.origin.namespace === undefined ? m.origin.name : `${m.origin.namespace}/${m.origin.name}`;
  return `${m.level} [${m.code}] (${m.origin.kind} ${where}) ${m.text}`;
}

export interface FormatOptions {
  /** The namespace analyzed, or undefined for all namespaces. */
  namespace?: string;
  failureThreshold?: Level;
  outputThreshold?: Level;
}

export interface Formatted {
  stdout: string;
  stderr: string;
  exitCode: number;
}

export function formatAnalysis(messages: AnalysisMessage[], o: FormatOptions = {}): Formatted {
  const where = o.namespace === undefined ? 'all namespaces' : `namespace: ${o.namespace}`;
  const shown = messages.filter((m) => SEVERITY[m.level] >= SEVERITY[o.outputThreshold ?? 'Info']);
  const failing = messages.some((m) => SEVERITY[m.level] >= SEVERITY[o.failureThreshold ?? 'Error']);
  if (!shown.length && !failing) return { stdout: `✔ No validation issues found when analyzing ${where}.\n`, stderr: '', exitCode: 0 };
  const stdout = shown.map((m) => formatMessage(m) + '\n').join('');
  if (!failing) return { stdout, stderr: '', exitCode: 0 };
  const minor = ISTIO_VERSION.split('.').slice(0, 2).join('.');
  const stderr = `Error: Analyzers found issues when analyzing ${where}.\nSee https://istio.io/v${minor}/docs/reference/config/analysis for more information about causes and resolutions.\n`;
  return { stdout, stderr, exitCode: EXIT_FOUND_ISSUES };
}

// GitHub Actions workflow commands (`::error file=…,line=…,col=…::message`): with
// GITHUB_ACTIONS=true, `meshlab verify` prints one per lint problem and per failed step, so the
// pull request shows each problem on its line of lab.yaml or of the page.
import type { LabReport } from '../../protocol/runner-events.ts';
import type { Lab } from '../lab.ts';
import type { LintProblem } from '../lint/content-lint.ts';
import { failureLocation } from './junit.ts';

// https://docs.github.com/actions/reference/workflow-commands-for-github-actions (escaping as @actions/core does).
const escapeData = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
const escapeProperty = (s: string) => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

export interface Annotation {
  file: string;
  line: number;
  col?: number;
  title?: string;
  message: string;
}

export function annotation(a: Annotation): string {
  const props = [`file=${escapeProperty(a.file)}`, `line=${a.line}`, ...(a.col ? [`col=${a.col}`] : []), ...(a.title ? [`title=${escapeProperty(a.title)}`] : [])];
  return `::error ${props.join(',')}::${escapeData(a.message)}`;
}

export function lintAnnotations(problems: LintProblem[]): string[] {
  return problems.map((p) => annotation({ file: p.file, line: p.line, col: p.column, title: 'meshlab content lint', message: p.message }));
}

export function reportAnnotations(reports: LabReport[], labs: Lab[]): string[] {
  const out: string[] = [];
  for (const r of reports) {
    const lab = labs.find((l) => l.id === r.lab);
    for (const s of r.steps) {
      if (s.status !== 'failed') continue;
      const at = failureLocation(lab, s) ?? { file: lab ? lab.file : `labs/${r.lab}/lab.yaml`, line: 1 };
      out.push(annotation({ ...at, title: `${r.lab} › ${s.id}`, message: s.failure?.message ?? 'failed' }));
    }
  }
  return out;
}

export function inGitHubActions(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.GITHUB_ACTIONS === 'true';
}

// The `command` check: run a shell command in the learner's environment and compare its exit
// code and output (substring, regex, or istio.io's verify comparisons).
import { compareOutput, likeShape, normalizeOutput, VERIFY_DESCRIPTIONS } from '../compare-output.ts';
import type { CommandCheckSpec, VerifyModeT } from '../lab-schema.ts';
import { runShell } from '../shell.ts';
import { asList, detail, show, type AttemptResult, type CheckContext } from './check-context.ts';

export async function commandAttempt(check: CommandCheckSpec, ctx: CheckContext, timeoutSeconds: number): Promise<AttemptResult> {
  const r = await runShell(ctx.ws, check.run, { timeoutMs: timeoutSeconds * 1000, signal: ctx.signal });
  if (r.cancelled) return { details: [], error: 'cancelled' };
  const e = check.expect;
  const details: AttemptResult['details'] = [];
  const codes = e.exitCode === undefined ? [0] : asList(e.exitCode);
  const exit = r.timedOut ? `killed after ${timeoutSeconds} s` : String(r.exitCode);
  details.push(detail('exit code', codes.join(' or '), exit, r.exitCode !== null && codes.includes(r.exitCode)));
  for (const s of asList(e.stdoutContains)) details.push(detail('stdout', `containing ${show(s)}`, show(r.stdout), r.stdout.includes(s)));
  if (e.stdoutMatches !== undefined) details.push(detail('stdout', `matching /${e.stdoutMatches}/`, show(r.stdout), new RegExp(e.stdoutMatches, 'm').test(r.stdout)));
  for (const s of asList(e.stderrContains)) details.push(detail('stderr', `containing ${show(s)}`, show(r.stderr), r.stderr.includes(s)));
  if (e.stderrMatches !== undefined) details.push(detail('stderr', `matching /${e.stderrMatches}/`, show(r.stderr), new RegExp(e.stderrMatches, 'm').test(r.stderr)));
  if (e.output !== undefined) {
    const mode = e.verify ?? 'same';
    details.push(detail('output', expectedOutput(mode, e.output), show(normalizeOutput(r.output)), compareOutput(mode, r.output, e.output)));
  }
  const tail = normalizeOutput(r.output).split('\n').slice(-20).join('\n');
  return { details, lastSeen: `$ ${check.run}\n${tail || '(no output)'}${r.timedOut ? `\n(no result within ${timeoutSeconds} s: killed)` : `\n(exit code ${r.exitCode})`}` };
}

/** The expected output as a report states it; for `like`, without the lab's example names and ages. */
export function expectedOutput(mode: VerifyModeT, output: string): string {
  if (mode !== 'like') return `${VERIFY_DESCRIPTIONS[mode]} ${show(output)}`;
  const shape = likeShape(output);
  return `${VERIFY_DESCRIPTIONS.like}${shape.changed ? ` (${LIKE_LEGEND})` : ''} ${show(shape.text)}`;
}

export const LIKE_LEGEND = '… is any generated name, age or address';

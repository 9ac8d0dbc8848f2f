// What the page says about a command it ran in the terminal (Run, Solve), in the page's language.
import { translate } from '@docusaurus/Translate';
import type { CommandOutcome, CommandPhase } from './command-runner.ts';

export type CommandProgress = { phase: CommandPhase } | { outcome: CommandOutcome };

const seconds = (ms: number) => String(Math.round(ms / 1000));

/** A short status for beside the button: "running…", "ran · exit 0", "exit 35". */
export function commandStatusText(p: CommandProgress): string {
  if ('phase' in p) {
    return p.phase === 'queued'
      ? translate({ id: 'terminal.command.queued', message: '等待前一条命令结束…' })
      : translate({ id: 'terminal.command.running', message: '正在运行…' });
  }
  const o = p.outcome;
  switch (o.kind) {
    case 'finished':
      if (o.exitCode === undefined) return translate({ id: 'terminal.command.ran', message: '已运行' });
      return o.exitCode === 0
        ? translate({ id: 'terminal.command.ranOk', message: '已运行 · 退出码 0' })
        : translate({ id: 'terminal.command.exit', message: '退出码 {code}' }, { code: String(o.exitCode) });
    case 'busy':
      return translate(
        { id: 'terminal.command.busy', message: '终端里还有命令在运行（已等待 {seconds} 秒），没有输入这条命令：在终端中按 Ctrl+C 停止它，再点运行。' },
        { seconds: seconds(o.waitedMs) },
      );
    case 'no-answer':
      return translate(
        { id: 'terminal.command.noAnswer', message: 'Shell 在 {seconds} 秒内没有响应：请在终端工具栏中重新连接，再点运行。' },
        { seconds: seconds(o.waitedMs) },
      );
    case 'still-running':
      return translate({ id: 'terminal.command.stillRunning', message: '{seconds} 秒后仍在运行：请查看终端。' }, { seconds: seconds(o.waitedMs) });
    case 'not-connected':
      return translate({ id: 'terminal.command.notConnected', message: '终端在 {seconds} 秒内没有连接上，命令没有运行。' }, { seconds: seconds(o.waitedMs) });
    case 'cancelled':
      return translate({ id: 'terminal.command.cancelled', message: '没有运行：终端已重新开始，或前一条命令没有结束。' });
  }
}

/** Whether the status says something went wrong (shown as such). */
export function commandStatusIsProblem(p: CommandProgress): boolean {
  return 'outcome' in p && (p.outcome.kind !== 'finished' || (p.outcome.exitCode ?? 0) !== 0);
}

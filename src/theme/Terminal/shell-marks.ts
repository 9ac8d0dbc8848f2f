// The shell's OSC 133 marks (shell integration, as VS Code, iTerm2 and WezTerm read them), as the
// shell's prompt writes them (server/sandbox/sandbox.ts): A prompt starts, B prompt ends (the
// shell reads input), C the command's output starts, D;<status> the command ended. xterm.js hands
// us each payload ("A", "D;0"); this turns them into where the shell is.

export type ShellMark = { kind: 'prompt-start' } | { kind: 'prompt-end' } | { kind: 'output-start' } | { kind: 'command-end'; exitCode?: number };

/** One OSC 133 payload → its mark; undefined for kinds the page does not use (P, E, …). */
export function parseShellMark(payload: string): ShellMark | undefined {
  const [kind, ...params] = payload.split(';');
  switch (kind) {
    case 'A':
      return { kind: 'prompt-start' };
    case 'B':
      return { kind: 'prompt-end' };
    case 'C':
      return { kind: 'output-start' };
    case 'D': {
      const status = params[0];
      const exitCode = status !== undefined && /^\d{1,3}$/.test(status) ? Number(status) : undefined;
      return exitCode === undefined ? { kind: 'command-end' } : { kind: 'command-end', exitCode };
    }
    default:
      return undefined;
  }
}

/**
 * Where the shell is, from the marks seen so far:
 * - `unknown`: no mark yet (a fresh screen, or a shell that does not write them);
 * - `prompt`: at its prompt, reading a command (after B);
 * - `busy`: anything else: a command runs, or the prompt is being written.
 */
export type ShellPhase = 'unknown' | 'prompt' | 'busy';

export function phaseAfter(mark: ShellMark): ShellPhase {
  return mark.kind === 'prompt-end' ? 'prompt' : 'busy';
}

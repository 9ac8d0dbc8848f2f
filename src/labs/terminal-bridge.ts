// Types a command into the page's terminal, as if the learner typed it and pressed Enter.
// The terminal component listens for this event (see src/theme/Terminal).
export const TERMINAL_INPUT_EVENT = 'meshlab:terminal-input';

export interface TerminalInputDetail {
  /** Text to type; a trailing newline runs it. */
  text: string;
}

export function typeIntoTerminal(command: string): void {
  const text = command.endsWith('\n') ? command : `${command}\n`;
  window.dispatchEvent(new CustomEvent<TerminalInputDetail>(TERMINAL_INPUT_EVENT, { detail: { text } }));
}

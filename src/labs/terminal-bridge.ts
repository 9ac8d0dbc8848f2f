// Types a command into the page's terminal, as if the learner typed it and pressed Enter.
// The terminal component (src/theme/Terminal) listens for this window event. Until it has
// mounted (it loads lazily, after hydration), commands wait here in order instead of being lost.
import { hasTerminal } from '@site/src/theme/Terminal/bus.ts';

export const TERMINAL_INPUT_EVENT = 'meshlab:terminal-input';

export interface TerminalInputDetail {
  /** Text to type; a trailing newline runs it. */
  text: string;
}

const WAIT_MS = 30_000;
const queue: string[] = [];
let waitingSince = 0;

function dispatch(text: string): void {
  window.dispatchEvent(new CustomEvent<TerminalInputDetail>(TERMINAL_INPUT_EVENT, { detail: { text } }));
}

function flush(): void {
  if (hasTerminal()) {
    for (const text of queue.splice(0)) dispatch(text);
    return;
  }
  if (Date.now() - waitingSince > WAIT_MS) {
    queue.length = 0; // no terminal on this page after all
    return;
  }
  setTimeout(flush, 200);
}

export function typeIntoTerminal(command: string): void {
  const text = command.endsWith('\n') ? command : `${command}\n`;
  if (queue.length === 0 && hasTerminal()) return dispatch(text);
  if (queue.length === 0) {
    waitingSince = Date.now();
    setTimeout(flush, 200);
  }
  queue.push(text);
}

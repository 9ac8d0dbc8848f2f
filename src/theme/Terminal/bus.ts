// How other components on the page type into a terminal (the lab steps' Run and Solve).
//
//   import { runInTerminal } from '@site/src/theme/Terminal/bus.ts';
//   runInTerminal('kubectl get ns');            // the page's main terminal, then Enter
//   runInTerminal('kubectl get ns', 'second');  // the <Terminal name="second" /> of the page
//
// The window event of src/labs/terminal-bridge.ts ('meshlab:terminal-input', detail {text,
// terminal?}) reaches the same place, so either way works. Text that ends with a newline runs
// (newlines become Enter). A terminal that is not connected yet queues the text and types it
// once its shell is ready.

export const TERMINAL_INPUT_EVENT = 'meshlab:terminal-input';
export const DEFAULT_TERMINAL = 'main';

type Listener = (text: string) => void;
const listeners = new Map<string, Set<Listener>>();

/** Type `text` into the named terminal (Enter at the end unless it ends with a newline already). */
export function runInTerminal(text: string, name: string = DEFAULT_TERMINAL): void {
  const line = text.endsWith('\n') ? text : `${text}\n`;
  deliver(name, line);
}

/** Type `text` as is (no Enter added). */
export function typeInTerminal(text: string, name: string = DEFAULT_TERMINAL): void {
  deliver(name, text);
}

function deliver(name: string, text: string): void {
  const set = listeners.get(name) ?? (name === DEFAULT_TERMINAL ? undefined : listeners.get(DEFAULT_TERMINAL));
  // Enter in a terminal is carriage return.
  const keys = text.replace(/\r?\n/g, '\r');
  if (set) for (const l of set) l(keys);
}

/** For the Terminal component: receive what others type into terminal `name`. */
export function onTerminalInput(name: string, listener: Listener): () => void {
  let set = listeners.get(name);
  if (!set) listeners.set(name, (set = new Set()));
  set.add(listener);
  return () => {
    set!.delete(listener);
    if (set!.size === 0) listeners.delete(name);
  };
}

/** Whether a terminal of that name is on the page. */
export function hasTerminal(name: string = DEFAULT_TERMINAL): boolean {
  return (listeners.get(name)?.size ?? 0) > 0;
}

if (typeof window !== 'undefined') {
  window.addEventListener(TERMINAL_INPUT_EVENT, (e) => {
    const detail = (e as CustomEvent<{ text?: unknown; terminal?: unknown }>).detail;
    if (!detail || typeof detail.text !== 'string' || detail.text.length > 64 * 1024) return;
    deliver(typeof detail.terminal === 'string' ? detail.terminal : DEFAULT_TERMINAL, detail.text);
  });
}

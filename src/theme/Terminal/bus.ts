// How other components on the page type into a terminal (the lab steps' Run and Solve).
//
//   import { runCommand, runInTerminal } from '@site/src/theme/Terminal/bus.ts';
//   const outcome = await runCommand('kubectl get ns'); // once the shell is at its prompt; ends
//                                                       // with the command ({ kind: 'finished', exitCode })
//   runInTerminal('kubectl get ns');            // types at once, then Enter (no waiting)
//   runInTerminal('kubectl get ns', 'second');  // the <Terminal name="second" /> of the page
//
// The window event of src/labs/terminal-bridge.ts ('meshlab:terminal-input', detail {text,
// terminal?}) reaches the same place, so either way works. Text that ends with a newline runs
// (newlines become Enter). A terminal that is not connected yet queues the text and types it
// once its shell is ready.

import type { CommandOutcome, CommandPhase, CommandRunner } from './command-runner.ts';

export type { CommandOutcome, CommandPhase } from './command-runner.ts';

export const TERMINAL_INPUT_EVENT = 'meshlab:terminal-input';
export const DEFAULT_TERMINAL = 'main';

type Listener = (text: string) => void;
const listeners = new Map<string, Set<Listener>>();
const runners = new Map<string, CommandRunner>();
/** How long runCommand waits for the terminal component to mount (it loads after hydration). */
const MOUNT_WAIT_MS = 30_000;

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

// ---- showing and focusing a terminal (the skip link, F6, a phone's drawer) ----

const focusers = new Map<string, () => void>();
const revealListeners = new Set<(name: string) => void>();
const presenceListeners = new Set<() => void>();

/** For the Terminal component: how to focus terminal `name` (its input). */
export function provideFocus(name: string, focus: () => void): () => void {
  focusers.set(name, focus);
  for (const l of presenceListeners) l();
  return () => {
    if (focusers.get(name) === focus) focusers.delete(name);
    for (const l of presenceListeners) l();
  };
}

/** Whether terminal `name` can take focus now (it has mounted). */
export function canFocusTerminal(name: string = DEFAULT_TERMINAL): boolean {
  return focusers.has(name);
}

/** Tells whoever lays the terminal out (a phone's drawer) to show it. */
export function revealTerminal(name: string = DEFAULT_TERMINAL): void {
  for (const l of revealListeners) l(name);
}

/** Show terminal `name` and move the keyboard focus into it. */
export function focusTerminal(name: string = DEFAULT_TERMINAL): boolean {
  const focus = focusers.get(name);
  if (!focus) return false;
  revealTerminal(name);
  focus();
  return true;
}

export function onTerminalReveal(listener: (name: string) => void): () => void {
  revealListeners.add(listener);
  return () => revealListeners.delete(listener);
}

/** Called when terminals mount or unmount (for useSyncExternalStore). */
export function onTerminalPresence(listener: () => void): () => void {
  presenceListeners.add(listener);
  return () => presenceListeners.delete(listener);
}

/** For the Terminal component: the runner that types commands into terminal `name`. */
export function provideCommandRunner(name: string, runner: CommandRunner): () => void {
  runners.set(name, runner);
  for (const w of mountWaiters.splice(0)) w();
  return () => {
    if (runners.get(name) === runner) runners.delete(name);
  };
}

const mountWaiters: (() => void)[] = [];

function runnerOf(name: string): CommandRunner | undefined {
  return runners.get(name) ?? (name === DEFAULT_TERMINAL ? undefined : runners.get(DEFAULT_TERMINAL));
}

export interface RunOptions {
  terminal?: string;
  onPhase?: (phase: CommandPhase) => void;
}

/**
 * Run one command in the named terminal: typed once the commands before it have ended and the
 * shell is at its prompt; resolves when it ends (with its exit status) or a bounded wait runs out.
 */
export async function runCommand(command: string, options: RunOptions = {}): Promise<CommandOutcome> {
  const name = options.terminal ?? DEFAULT_TERMINAL;
  let runner = runnerOf(name);
  if (!runner) {
    const started = Date.now();
    options.onPhase?.('queued');
    while (!(runner = runnerOf(name))) {
      const left = MOUNT_WAIT_MS - (Date.now() - started);
      if (left <= 0) return { kind: 'not-connected', waitedMs: Date.now() - started };
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        mountWaiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }
  return runner.run(command, options.onPhase);
}

if (typeof window !== 'undefined') {
  window.addEventListener(TERMINAL_INPUT_EVENT, (e) => {
    const detail = (e as CustomEvent<{ text?: unknown; terminal?: unknown }>).detail;
    if (!detail || typeof detail.text !== 'string' || detail.text.length > 64 * 1024) return;
    deliver(typeof detail.terminal === 'string' ? detail.terminal : DEFAULT_TERMINAL, detail.text);
  });
}

// One logger for the server process. Logs go to stderr as JSON lines (or pretty when asked);
// user-facing progress is printed separately by the commands.
//
// MESHLAB_DEBUG=mesh (a comma-separated list of components, or `*`) turns on the debug level of
// those components: `mesh` prints every routing decision of the simulated proxies (proxy,
// request, VirtualService rule, destination, response and Envoy's response flags).
import pino, { type Logger } from 'pino';

export function createLogger(level = process.env.MESHLAB_LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { app: 'meshlab' } }, pino.destination(2));
}

/** Whether MESHLAB_DEBUG names `component` (or is `*`). */
export function debugEnabled(component: string, env: string | undefined = process.env.MESHLAB_DEBUG): boolean {
  const names = (env ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  return names.includes('*') || names.includes(component);
}

/** A child of `parent` for one component, at debug level when MESHLAB_DEBUG names it. */
export function componentLogger(parent: Logger, component: string, bindings: Record<string, unknown> = {}): Logger {
  return parent.child({ component, ...bindings }, debugEnabled(component) ? { level: 'debug' } : {});
}

// One logger for the server process. Logs go to stderr as JSON lines (or pretty when asked);
// user-facing progress is printed separately by the commands.
import pino, { type Logger } from 'pino';

export function createLogger(level = process.env.MESHLAB_LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { app: 'meshlab' } }, pino.destination(2));
}

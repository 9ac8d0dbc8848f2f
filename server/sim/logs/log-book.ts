// Container logs of the embedded cluster: workloads, gateways and sidecars append lines here,
// and the API server's pods/log subresource reads them (tail, since, follow).

export interface LogLine {
  time: Date;
  text: string; // without the trailing newline
}

export type LogFollower = (line: LogLine) => void;

interface ContainerLog {
  lines: LogLine[];
  followers: Set<LogFollower>;
}

/** Lines kept per container; older lines are dropped as a kubelet's log rotation would. */
export const LOG_LINES_PER_CONTAINER = 5000;
/** Older lines are dropped in batches of this many (one array move per batch, not one per line); reads see the last LOG_LINES_PER_CONTAINER. */
const TRIM_SLACK = 1024;

function keyOf(namespace: string, pod: string, container: string): string {
  return `${namespace}/${pod}/${container}`;
}

export class LogBook {
  private readonly logs = new Map<string, ContainerLog>();

  constructor(private readonly now: () => Date = () => new Date()) {}

  append(namespace: string, pod: string, container: string, text: string): void {
    const log = this.entry(namespace, pod, container);
    for (const part of text.replace(/\n$/, '').split('\n')) {
      const line = { time: this.now(), text: part };
      log.lines.push(line);
      for (const f of log.followers) f(line);
    }
    if (log.lines.length > LOG_LINES_PER_CONTAINER + TRIM_SLACK) log.lines.splice(0, log.lines.length - LOG_LINES_PER_CONTAINER);
  }

  read(namespace: string, pod: string, container: string, opts: { tailLines?: number; since?: Date } = {}): LogLine[] {
    let lines = this.logs.get(keyOf(namespace, pod, container))?.lines ?? [];
    if (lines.length > LOG_LINES_PER_CONTAINER) lines = lines.slice(-LOG_LINES_PER_CONTAINER);
    if (opts.since) lines = lines.filter((l) => l.time >= opts.since!);
    if (opts.tailLines !== undefined) lines = opts.tailLines <= 0 ? [] : lines.slice(-opts.tailLines);
    return lines.slice();
  }

  /** Calls `follower` for every new line until the returned function is called. */
  follow(namespace: string, pod: string, container: string, follower: LogFollower): () => void {
    const log = this.entry(namespace, pod, container);
    log.followers.add(follower);
    return () => log.followers.delete(follower);
  }

  /** Forget a pod's logs (the pod was deleted). */
  dropPod(namespace: string, pod: string): void {
    const prefix = `${namespace}/${pod}/`;
    for (const key of [...this.logs.keys()]) if (key.startsWith(prefix)) this.logs.delete(key);
  }

  private entry(namespace: string, pod: string, container: string): ContainerLog {
    const key = keyOf(namespace, pod, container);
    let log = this.logs.get(key);
    if (!log) {
      log = { lines: [], followers: new Set() };
      this.logs.set(key, log);
    }
    return log;
  }
}

// Memory of a process tree from /proc (Linux), for the benchmarks that print what a learner or an
// attendee costs: resident and proportional set sizes, and the processes below a server.
import { readFileSync, readdirSync } from 'node:fs';

function statusKb(file: string, pattern: RegExp): number {
  try {
    const m = pattern.exec(readFileSync(file, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0; // exited meanwhile
  }
}

/** Resident set size in bytes (0 for a process that has gone). */
export function rssOf(pid: number): number {
  return statusKb(`/proc/${pid}/status`, /VmRSS:\s+(\d+) kB/);
}

/** Proportional set size: shared pages (libraries, the same binary in many sandboxes) split among their users. */
export function pssOf(pid: number): number {
  return statusKb(`/proc/${pid}/smaps_rollup`, /^Pss:\s+(\d+) kB/m);
}

/** `pid` and every process below it (shells, sandboxes, forwarders). */
export function processTree(pid: number): number[] {
  const parents = new Map<number, number>();
  for (const p of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
      parents.set(Number(p), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // gone
    }
  }
  const out = [pid];
  for (let i = 0; i < out.length; i++) for (const [p, parent] of parents) if (parent === out[i]) out.push(p);
  return out;
}

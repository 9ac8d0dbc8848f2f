// Per-learner cgroups, when this process may create child cgroups (cgroup v1 hierarchies, or a
// delegated cgroup v2 subtree). Each learner gets one group below the server's own in each
// controller (memory, and where writable pids and cpu); every process of the learner's
// sandboxes, their terminals and their `kubectl exec` commands alike, joins it before
// bubblewrap starts, so the limits cover all of them together (rlimits only bound each
// process). Best effort: without writable memory cgroups, the rlimits of sandbox.ts remain the
// only bound; without pids, RLIMIT_NPROC of the learner's own uid still counts all of them.
import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CgroupLimits {
  /** Memory of all of a learner's sandboxed processes together, bytes. */
  memoryBytes: number;
  /** Processes of the learner together (pids controller). */
  pids?: number;
  /** CPU time of the learner together, in CPUs (1 = one core's worth per period). */
  cpus?: number;
}

export const DEFAULT_CGROUP_LIMITS: CgroupLimits = { memoryBytes: 1024 ** 3, pids: 512, cpus: 1 };

const KEY = /^[A-Za-z0-9_-]{1,64}$/;
const CPU_PERIOD_US = 100_000;

type Controller = 'memory' | 'pids' | 'cpu';

interface Hierarchy {
  /** The server's own group in this hierarchy, where learner groups are created. */
  base: string;
  /** Controllers this hierarchy's learner groups set (v2: all in one). */
  controllers: Controller[];
}

function probe(base: string, file: string): boolean {
  const dir = join(base, `meshlab-probe-${process.pid}`);
  try {
    mkdirSync(dir);
    const ok = existsSync(join(dir, file));
    rmdirSync(dir);
    return ok;
  } catch {
    try {
      rmdirSync(dir);
    } catch {
      // was never created
    }
    return false;
  }
}

function writeOptional(path: string, value: string): boolean {
  try {
    writeFileSync(path, value);
    return true;
  } catch { // the caller falls back when the controller cannot be set (no delegation, read-only cgroupfs)
    return false;
  }
}

export class LearnerCgroups {
  private constructor(
    private readonly hierarchies: Hierarchy[],
    readonly version: 1 | 2,
  ) {}

  /** Controllers that bind learners here (memory always; pids and cpu where writable). */
  get controllers(): Controller[] {
    return this.hierarchies.flatMap((h) => h.controllers);
  }

  /** Find writable places for learner cgroups (memory is required), or undefined. */
  static detect(root = '/sys/fs/cgroup', selfCgroup = '/proc/self/cgroup'): LearnerCgroups | undefined {
    let lines: string[];
    try {
      lines = readFileSync(selfCgroup, 'utf8').split('\n');
    } catch { // no cgroup file: not in a cgroup v2 hierarchy, limits are off
      return undefined;
    }
    const v1 = new Map<Controller, string>();
    let v2: string | undefined;
    for (const line of lines) {
      const m = /^(\d+):([^:]*):(.*)$/.exec(line);
      if (!m) continue;
      const controllers = m[2]!.split(',');
      const path = m[3]!;
      for (const c of ['memory', 'pids', 'cpu'] as const) {
        if (controllers.includes(c)) v1.set(c, join(root, m[2]!, path));
      }
      if (m[2] === '' && existsSync(join(root, 'cgroup.controllers'))) v2 = join(root, path);
    }
    const memory = v1.get('memory');
    if (memory && probe(memory, 'memory.limit_in_bytes')) {
      const hierarchies: Hierarchy[] = [{ base: memory, controllers: ['memory'] }];
      const pids = v1.get('pids');
      if (pids && probe(pids, 'pids.max')) hierarchies.push({ base: pids, controllers: ['pids'] });
      const cpu = v1.get('cpu');
      if (cpu && probe(cpu, 'cpu.cfs_quota_us')) hierarchies.push({ base: cpu, controllers: ['cpu'] });
      return new LearnerCgroups(hierarchies, 1);
    }
    if (v2 && probe(v2, 'memory.max')) {
      const controllers: Controller[] = ['memory'];
      if (probe(v2, 'pids.max')) controllers.push('pids');
      if (probe(v2, 'cpu.max')) controllers.push('cpu');
      return new LearnerCgroups([{ base: v2, controllers }], 2);
    }
    return undefined;
  }

  /** Create (or update) the learner's groups; returns their cgroup.procs files for processes to join. */
  prepare(key: string, limits: CgroupLimits = DEFAULT_CGROUP_LIMITS): string[] {
    if (!KEY.test(key)) throw new Error(`bad cgroup key ${JSON.stringify(key)}`);
    const memory = String(Math.max(16 * 1024 * 1024, Math.floor(limits.memoryBytes)));
    const procs: string[] = [];
    for (const h of this.hierarchies) {
      const dir = join(h.base, `meshlab-${key}`);
      mkdirSync(dir, { recursive: true });
      for (const c of h.controllers) {
        if (c === 'memory' && this.version === 1) {
          // Swap counts too where the kernel accounts it. The memory limit may never exceed the
          // memory+swap one: lower memory first, raise memory+swap first.
          if (!writeOptional(join(dir, 'memory.limit_in_bytes'), memory)) {
            writeOptional(join(dir, 'memory.memsw.limit_in_bytes'), memory);
            writeFileSync(join(dir, 'memory.limit_in_bytes'), memory);
          }
          writeOptional(join(dir, 'memory.memsw.limit_in_bytes'), memory);
        } else if (c === 'memory') {
          writeFileSync(join(dir, 'memory.max'), memory);
          writeOptional(join(dir, 'memory.swap.max'), '0');
        } else if (c === 'pids' && limits.pids) {
          writeOptional(join(dir, 'pids.max'), String(limits.pids));
        } else if (c === 'cpu' && limits.cpus) {
          const quota = Math.max(1000, Math.round(limits.cpus * CPU_PERIOD_US));
          if (this.version === 1) {
            writeOptional(join(dir, 'cpu.cfs_period_us'), String(CPU_PERIOD_US));
            writeOptional(join(dir, 'cpu.cfs_quota_us'), String(quota));
          } else {
            writeOptional(join(dir, 'cpu.max'), `${quota} ${CPU_PERIOD_US}`);
          }
        }
      }
      procs.push(join(dir, 'cgroup.procs'));
    }
    return procs;
  }

  /**
   * Remove learner groups left empty by a server that was killed (it could not clean up).
   * Only groups older than `minAgeMs`: a running server may have just created one.
   */
  sweep(minAgeMs = 10 * 60_000): number {
    let removed = 0;
    for (const h of this.hierarchies) {
      let names: string[];
      try {
        names = readdirSync(h.base).filter((n) => n.startsWith('meshlab-') && !n.startsWith('meshlab-probe-'));
      } catch {
        continue; // a hierarchy that is gone or unreadable holds none of ours
      }
      for (const name of names) {
        const dir = join(h.base, name);
        try {
          if (Date.now() - statSync(dir).ctimeMs < minAgeMs) continue;
          if (readFileSync(join(dir, 'cgroup.procs'), 'utf8').trim() !== '') continue;
          rmdirSync(dir);
          removed++;
        } catch {
          // in use or gone
        }
      }
    }
    return removed;
  }

  /** Remove the learner's groups if no process is left in them; whether they are gone. */
  release(key: string): boolean {
    if (!KEY.test(key)) return false;
    let gone = true;
    for (const h of this.hierarchies) {
      const dir = join(h.base, `meshlab-${key}`);
      try {
        rmdirSync(dir);
      } catch {
        if (existsSync(dir)) gone = false; // still busy (processes left): the caller tries again; already gone is fine
      }
    }
    return gone;
  }
}

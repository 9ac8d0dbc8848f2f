// Per-learner memory limits with cgroups, when this process may create child cgroups (the
// memory controller of cgroup v1, or a delegated cgroup v2 subtree). Each learner gets one group
// below the server's own; every process of its sandboxes joins it before bubblewrap starts, so
// the limit covers all of them together (rlimits only bound each process). Best effort: where
// cgroups are not writable, the rlimits of sandbox.ts remain the only bound.
import { existsSync, mkdirSync, readFileSync, readdirSync, rmdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CgroupLimits {
  /** Memory of all of a learner's sandboxed processes together, bytes. */
  memoryBytes: number;
  /** Processes of the learner together (cgroup v2 only; v1 relies on RLIMIT_NPROC). */
  pids?: number;
}

export const DEFAULT_CGROUP_LIMITS: CgroupLimits = { memoryBytes: 1024 ** 3, pids: 512 };

const KEY = /^[A-Za-z0-9_-]{1,64}$/;

export class LearnerCgroups {
  private constructor(
    private readonly base: string,
    readonly version: 1 | 2,
  ) {}

  /** Find a writable place for learner cgroups, or undefined. */
  static detect(root = '/sys/fs/cgroup', selfCgroup = '/proc/self/cgroup'): LearnerCgroups | undefined {
    let lines: string[];
    try {
      lines = readFileSync(selfCgroup, 'utf8').split('\n');
    } catch {
      return undefined;
    }
    const candidates: { base: string; version: 1 | 2 }[] = [];
    for (const line of lines) {
      const m = /^(\d+):([^:]*):(.*)$/.exec(line);
      if (!m) continue;
      const controllers = m[2]!;
      const path = m[3]!;
      if (controllers.split(',').includes('memory')) candidates.push({ base: join(root, 'memory', path), version: 1 });
      else if (controllers === '' && existsSync(join(root, 'cgroup.controllers'))) candidates.push({ base: join(root, path), version: 2 });
    }
    for (const c of candidates) {
      const probe = join(c.base, `meshlab-probe-${process.pid}`);
      try {
        mkdirSync(probe);
        const ok = existsSync(join(probe, c.version === 1 ? 'memory.limit_in_bytes' : 'memory.max'));
        rmdirSync(probe);
        if (ok) return new LearnerCgroups(c.base, c.version);
      } catch {
        try {
          rmdirSync(probe);
        } catch {
          // was never created
        }
      }
    }
    return undefined;
  }

  /** Create (or update) the learner's group; returns its cgroup.procs file for processes to join. */
  prepare(key: string, limits: CgroupLimits = DEFAULT_CGROUP_LIMITS): string {
    if (!KEY.test(key)) throw new Error(`bad cgroup key ${JSON.stringify(key)}`);
    const dir = join(this.base, `meshlab-${key}`);
    mkdirSync(dir, { recursive: true });
    const memory = String(Math.max(16 * 1024 * 1024, Math.floor(limits.memoryBytes)));
    if (this.version === 1) {
      writeFileSync(join(dir, 'memory.limit_in_bytes'), memory);
      // Swap counts too where the kernel accounts it.
      try {
        writeFileSync(join(dir, 'memory.memsw.limit_in_bytes'), memory);
      } catch {
        // no swap accounting
      }
    } else {
      writeFileSync(join(dir, 'memory.max'), memory);
      try {
        writeFileSync(join(dir, 'memory.swap.max'), '0');
      } catch {
        // no swap controller
      }
      if (limits.pids) {
        try {
          writeFileSync(join(dir, 'pids.max'), String(limits.pids));
        } catch {
          // pids controller not delegated
        }
      }
    }
    return join(dir, 'cgroup.procs');
  }

  /**
   * Remove learner groups left empty by a server that was killed (it could not clean up).
   * Only groups older than `minAgeMs`: a running server may have just created one.
   */
  sweep(minAgeMs = 10 * 60_000): number {
    let removed = 0;
    let names: string[];
    try {
      names = readdirSync(this.base).filter((n) => n.startsWith('meshlab-') && !n.startsWith('meshlab-probe-'));
    } catch {
      return 0;
    }
    for (const name of names) {
      const dir = join(this.base, name);
      try {
        if (Date.now() - statSync(dir).ctimeMs < minAgeMs) continue;
        if (readFileSync(join(dir, 'cgroup.procs'), 'utf8').trim() !== '') continue;
        rmdirSync(dir);
        removed++;
      } catch {
        // in use or gone
      }
    }
    return removed;
  }

  /** Remove the learner's group if no process is left in it; whether it is gone. */
  release(key: string): boolean {
    if (!KEY.test(key)) return false;
    const dir = join(this.base, `meshlab-${key}`);
    try {
      rmdirSync(dir);
      return true;
    } catch {
      return !existsSync(dir);
    }
  }
}

// One process serves every learner, so its descriptor limit is everyone's: raised at start (the
// hard limit too when running as root) so sockets, terminals and clusters have room.
import { spawnSync } from 'node:child_process';
import { descriptorUse } from '../../api/learners.ts';

export const WANTED_DESCRIPTORS = 65536;

/** Raises this process's RLIMIT_NOFILE with util-linux prlimit; returns the limit in force after. */
export function raiseDescriptorLimit(wanted = WANTED_DESCRIPTORS): number | undefined {
  const before = descriptorUse()?.limit;
  if (before !== undefined && before >= wanted) return before;
  for (const value of [`${wanted}:${wanted}`, `${wanted}`]) {
    const r = spawnSync('prlimit', ['--pid', String(process.pid), `--nofile=${value}`], { stdio: 'ignore' });
    if (r.status === 0) break;
  }
  return descriptorUse()?.limit;
}

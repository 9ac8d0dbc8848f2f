// One accounting per learner: whatever runs for a learner (their terminals, every `kubectl exec`
// into their cluster's pods) runs as the learner's own host uid (RLIMIT_NPROC counts all of it)
// and joins the learner's cgroups (memory, processes and CPU together). Process-wide, like the
// cgroup hierarchy it manages; limits come from the environment (README, terminal settings).
import { LearnerCgroups, type CgroupLimits } from './cgroup.ts';
import { claimUid } from './uids.ts';

export interface SandboxOwner {
  /** The learner id (a cgroup key: letters, digits, - and _). */
  id: string;
  /** The learner's home directory on the host: the key of their uid. */
  homeDir: string;
}

export interface Confinement {
  /** The host uid the learner's processes run as (server running as root); undefined otherwise. */
  uid?: number;
  /** cgroup.procs files every process of the learner joins; empty where cgroups are not writable. */
  cgroupProcs: string[];
}

function envNumber(name: string, fallback: number): number {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

/** Limits of all of one learner's processes together, from MESHLAB_TERMINAL_MEMORY_MB, _PIDS, _CPUS. */
export function cgroupLimitsFromEnv(): CgroupLimits {
  return {
    memoryBytes: envNumber('MESHLAB_TERMINAL_MEMORY_MB', 1024) * 1024 * 1024,
    pids: Math.floor(envNumber('MESHLAB_TERMINAL_PIDS', 512)),
    cpus: envNumber('MESHLAB_TERMINAL_CPUS', 1),
  };
}

/** Where learner uids are claimed: machine-wide, since uids are (MESHLAB_UID_DIR overrides). */
export function uidRegistryDir(): string {
  return process.env.MESHLAB_UID_DIR || '/var/lib/meshlab/uids';
}

let cgroups: LearnerCgroups | undefined | null = null;

/** The host's learner cgroups, detected once. */
export function learnerCgroups(): LearnerCgroups | undefined {
  if (cgroups === null) {
    cgroups = LearnerCgroups.detect();
    cgroups?.sweep();
  }
  return cgroups;
}

/** Learner groups created, for release at shutdown. */
const used = new Map<string, LearnerCgroups>();

/** The learner's uid, claimed without collisions (root only: otherwise a user namespace maps it). */
export function ownerUid(owner: SandboxOwner): number | undefined {
  return process.getuid?.() === 0 ? claimUid(uidRegistryDir(), owner.homeDir) : undefined;
}

/** The learner's confinement, creating their cgroups with the current limits. */
export function confinementOf(owner: SandboxOwner, limits: CgroupLimits = cgroupLimitsFromEnv(), groups: LearnerCgroups | undefined = learnerCgroups()): Confinement {
  const cgroupProcs = groups ? groups.prepare(owner.id, limits) : [];
  if (groups) used.set(owner.id, groups);
  return { uid: ownerUid(owner), cgroupProcs };
}

/** Remove the cgroups of learners whose processes have all exited; the keys still in use. */
export function releaseConfinements(): string[] {
  for (const [key, groups] of [...used]) if (groups.release(key)) used.delete(key);
  return [...used.keys()];
}

// A home disk quota that holds across files: each learner's home is a small ext4 file system of
// its own, a sparse image file beside the home directory mounted on it through a loop device. A
// learner who fills it gets ENOSPC ("No space left on device") on every file, and nobody else's
// home or the server's disk is touched. Why an image and not project quotas or a tmpfs: project
// quotas need the data directory's file system mounted with prjquota (it rarely is); a tmpfs is
// memory and goes with a restart, while an image is disk (only what is written costs space) and
// keeps a home across restarts until it is reclaimed. Mounting needs root; an unprivileged server
// has the per-file size limit only (SECURITY.md).
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, ftruncateSync, openSync, readFileSync, rmSync } from 'node:fs';
import { resolve } from 'node:path';

export const DEFAULT_HOME_QUOTA_BYTES = 512 * 1024 ** 2;
/** Smaller than this, ext4's own structures leave too little room to be a home. */
export const MIN_HOME_QUOTA_BYTES = 8 * 1024 ** 2;

/** The home size from MESHLAB_HOME_QUOTA_MB: 0 turns the quota off (the per-file limit stays). */
export function homeQuotaFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.MESHLAB_HOME_QUOTA_MB;
  if (raw === undefined || raw === '') return DEFAULT_HOME_QUOTA_BYTES;
  const mb = Number(raw);
  if (!Number.isInteger(mb) || mb < 0) throw new Error(`MESHLAB_HOME_QUOTA_MB must be a whole number of MiB (0 for no quota), not ${JSON.stringify(raw)}`);
  return checkedQuota(mb * 1024 ** 2, 'MESHLAB_HOME_QUOTA_MB');
}

export function checkedQuota(bytes: number, what: string): number {
  if (bytes !== 0 && bytes < MIN_HOME_QUOTA_BYTES) throw new Error(`${what} must be 0 (no quota) or at least ${MIN_HOME_QUOTA_BYTES / 1024 ** 2} MiB`);
  return bytes;
}

/** Mount points in a /proc/self/mountinfo text (field 5, with the kernel's octal escapes undone). */
export function mountPoints(mountinfo: string): Set<string> {
  const out = new Set<string>();
  for (const line of mountinfo.split('\n')) {
    const field = line.split(' ')[4];
    if (field) out.add(field.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))));
  }
  return out;
}

export function isMountPoint(dir: string): boolean {
  try {
    return mountPoints(readFileSync('/proc/self/mountinfo', 'utf8')).has(resolve(dir));
  } catch { // no /proc: treated as not mounted
    return false;
  }
}

/** The image file of a home: beside it, so reclaiming the learner's directory removes both. */
export function homeImagePath(homeDir: string): string {
  return `${resolve(homeDir)}.img`;
}

export function canMountHomes(): boolean {
  return process.getuid?.() === 0 && process.platform === 'linux';
}

const run = (file: string, args: string[]) => execFileSync(file, args, { stdio: ['ignore', 'ignore', 'pipe'], timeout: 30_000 });

/**
 * Mounts the learner's home image on `homeDir` (the directory must exist), making the image of
 * `bytes` on first use. Already mounted (a restart after a crash): kept as it is. Returns whether
 * the home is now a file system of its own.
 */
export function mountHomeDisk(homeDir: string, bytes: number): boolean {
  if (bytes <= 0 || !canMountHomes()) return false;
  const dir = resolve(homeDir);
  if (isMountPoint(dir)) return true;
  const image = homeImagePath(dir);
  if (!existsSync(image)) {
    const fd = openSync(image, 'wx', 0o600);
    try {
      ftruncateSync(fd, bytes); // sparse: blocks are used only as the learner writes
    } finally {
      closeSync(fd);
    }
    try {
      // No blocks reserved for root (the learner is never root); a 4 MiB journal.
      run('mkfs.ext4', ['-q', '-F', '-m', '0', '-J', 'size=4', '-L', 'meshlab-home', image]);
    } catch (err) {
      rmSync(image, { force: true });
      throw new Error(`could not make the home file system ${image}: ${stderrOf(err)} (is e2fsprogs installed? or set MESHLAB_HOME_QUOTA_MB=0)`);
    }
  }
  try {
    run('mount', ['-o', 'loop,nosuid,nodev', image, dir]);
  } catch (err) {
    throw new Error(`could not mount the home file system ${image} on ${dir}: ${stderrOf(err)} (loop devices are needed; or set MESHLAB_HOME_QUOTA_MB=0)`);
  }
  // The learner's home starts empty: ext4's lost+found would be the first thing `ls` shows.
  rmSync(`${dir}/lost+found`, { recursive: true, force: true });
  return true;
}

/** Unmounts a home (the loop device goes with it); lazily when a process still holds it. */
export function unmountHomeDisk(homeDir: string): void {
  const dir = resolve(homeDir);
  if (!isMountPoint(dir)) return;
  try {
    run('umount', [dir]);
  } catch {
    run('umount', ['-l', dir]); // busy (a process still has a file open): detach now, the kernel finishes when it closes
  }
}

function stderrOf(err: unknown): string {
  const e = err as { stderr?: Buffer | string; message?: string };
  return (e.stderr?.toString() || e.message || String(err)).trim().split('\n')[0]!;
}

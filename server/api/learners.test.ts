// Sessions the server issued, environment creation limits, capacity refusals and idle reclaim.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { countingDriver } from './counting-driver.ts';
import { SqliteSessionStore } from '../store/session-store.ts';
import { CapacityError, LearnerRegistry, type EnvironmentLimits, type HomeDisk } from './learners.ts';


const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

function registry(limits: Partial<EnvironmentLimits> = {}, capacity?: () => string | undefined) {
  const dir = mkdtempSync(join(tmpdir(), 'meshlab-learners-'));
  const sessions = SqliteSessionStore.open(dir, ':memory:');
  let now = 1_000_000;
  const driver = countingDriver();
  // Records what would be mounted (home-disk.int.test.ts mounts for real); an image file stands for the disk.
  const disks = { mounted: new Set<string>(), calls: [] as string[] };
  const homeDisk: HomeDisk = {
    mount(d, bytes) {
      disks.calls.push(`mount ${bytes}`);
      writeFileSync(`${d}.img`, '');
      disks.mounted.add(d);
      return true;
    },
    unmount(d) {
      disks.calls.push('unmount');
      disks.mounted.delete(d);
    },
  };
  const reg = new LearnerRegistry({ dataDir: dir, driver, logger: pino({ level: 'silent' }), sessions, limits, capacity, homeDisk, now: () => now });
  cleanups.push(async () => {
    await reg.closeAll();
    sessions.close();
    rmSync(dir, { recursive: true, force: true });
  });
  return { reg, driver, dir, disks, advance: (ms: number) => (now += ms) };
}

describe('LearnerRegistry', () => {
  it('knows only sessions it issued', () => {
    const { reg } = registry();
    const id = reg.issue();
    expect(reg.forSession(id)?.id).toMatch(/^[0-9a-f]{16}$/);
    expect(reg.forSession('a'.repeat(43))).toBeUndefined();
    expect(reg.forSession(undefined)).toBeUndefined();
  });

  it('makes the home only when it is used', () => {
    const { reg, dir } = registry();
    const learner = reg.forSession(reg.issue())!;
    expect(existsSync(join(dir, 'learners', learner.id))).toBe(false);
    expect(existsSync(learner.homeDir)).toBe(true);
  });

  it('rate-limits cluster creation per session and for the server', async () => {
    const { reg, advance } = registry({ clustersPerSessionPerMinute: 1, clustersPerMinute: 2 });
    const a = reg.forSession(reg.issue())! as any;
    await reg.createCluster(a);
    await expect(reg.createCluster(a)).rejects.toThrow(/started 1 times in the last minute; try again in 60 s/);
    await reg.createCluster(reg.forSession(reg.issue()) as any);
    const err = await reg.createCluster(reg.forSession(reg.issue()) as any).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CapacityError);
    expect((err as CapacityError).message).toMatch(/many clusters are starting/);
    advance(61_000);
    await expect(reg.createCluster(reg.forSession(reg.issue()) as any)).resolves.toBeDefined();
  });

  it('refuses a new environment when the server is short of memory or descriptors', async () => {
    const { reg, driver } = registry({}, () => 'the server has 9000 of 10000 file descriptors in use');
    const err = await reg.forSession(reg.issue())!.cluster().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CapacityError);
    expect((err as CapacityError).message).toBe('this server is full: the server has 9000 of 10000 file descriptors in use; try again in a few minutes');
    expect((err as CapacityError).retryAfterSeconds).toBe(60);
    expect(driver.created).toBe(0);
  });

  it('reclaims idle clusters and homes, never one with an open terminal', async () => {
    const { reg, driver, disks, advance } = registry({ idleMs: 60_000, homeQuotaBytes: 16 * 1024 ** 2 });
    const idle = reg.forSession(reg.issue())!;
    const busy = reg.forSession(reg.issue())!;
    await idle.cluster();
    await busy.cluster();
    const home = idle.homeDir;
    const release = reg.holdOpen(busy);
    advance(120_000);
    expect(await reg.reclaimIdle()).toBe(1);
    expect(driver.destroyed).toBe(1);
    expect(existsSync(home)).toBe(false);
    // The home's own file system is unmounted and its image removed with it.
    expect(disks.mounted.has(home)).toBe(false);
    expect(existsSync(`${home}.img`)).toBe(false);
    expect(disks.calls).toEqual([`mount ${16 * 1024 ** 2}`, `mount ${16 * 1024 ** 2}`, 'unmount']);
    expect(reg.clusterCount).toBe(1);
    release();
    advance(120_000);
    expect(await reg.reclaimIdle()).toBe(1);
    expect(reg.clusterCount).toBe(0);
  });

  it('unmounts homes at shutdown and keeps them (a restart mounts them again)', async () => {
    const { reg, disks } = registry();
    const learner = reg.forSession(reg.issue())!;
    const home = learner.homeDir;
    expect(disks.mounted.has(home)).toBe(true);
    await learner.release(); // a workshop ended: the cluster goes, the home stays mounted
    expect(disks.mounted.has(home)).toBe(true);
    await reg.closeAll();
    expect(disks.mounted.has(home)).toBe(false);
    expect(existsSync(`${home}.img`)).toBe(true);
  });
});

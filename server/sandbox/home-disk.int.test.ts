// A home of its own file system, mounted for real (root only): writes past the quota fail with
// ENOSPC across many files, a second home is untouched, and an unmounted home keeps its files for
// the next mount.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { canMountHomes, homeImagePath, isMountPoint, mountHomeDisk, unmountHomeDisk } from './home-disk.ts';

const dir = mkdtempSync(join(tmpdir(), 'meshlab-home-disk-'));
const homes = ['a', 'b'].map((n) => join(dir, n, 'home'));

afterAll(() => {
  for (const h of homes) unmountHomeDisk(h);
  rmSync(dir, { recursive: true, force: true });
});

it.runIf(canMountHomes())('a full home refuses writes across files; another home is unaffected; files survive a remount', () => {
  for (const h of homes) {
    mkdirSync(h, { recursive: true });
    expect(mountHomeDisk(h, 16 * 1024 ** 2)).toBe(true);
    expect(isMountPoint(h)).toBe(true);
  }
  const [a, b] = homes as [string, string];
  const mib = Buffer.alloc(1024 ** 2, 1);
  let written = 0;
  let error: NodeJS.ErrnoException | undefined;
  for (let i = 0; i < 40 && !error; i++) {
    try {
      writeFileSync(join(a, `f${i}`), mib);
      written++;
    } catch (err) {
      error = err as NodeJS.ErrnoException;
    }
  }
  expect(error?.code).toBe('ENOSPC');
  expect(written).toBeGreaterThan(8);
  expect(written).toBeLessThan(16);
  writeFileSync(join(b, 'mine'), Buffer.alloc(4 * 1024 ** 2));
  expect(existsSync(join(a, 'lost+found'))).toBe(false);

  unmountHomeDisk(a);
  expect(isMountPoint(a)).toBe(false);
  expect(existsSync(join(a, 'f0'))).toBe(false);
  expect(existsSync(homeImagePath(a))).toBe(true);
  mountHomeDisk(a, 16 * 1024 ** 2);
  expect(readFileSync(join(a, 'f0')).length).toBe(1024 ** 2);
});

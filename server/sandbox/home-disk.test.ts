// Parsing mount points and the home quota setting.
import { describe, expect, it } from 'vitest';
import { DEFAULT_HOME_QUOTA_BYTES, checkedQuota, homeImagePath, homeQuotaFromEnv, mountPoints } from './home-disk.ts';

describe('mountPoints', () => {
  it.each([
    ['a plain mount', '36 35 98:0 / /mnt/data rw,noatime master:1 - ext4 /dev/loop0 rw', '/mnt/data'],
    ['a space, escaped by the kernel', '37 35 7:1 / /srv/my\\040home rw - ext4 /dev/loop1 rw', '/srv/my home'],
    ['a tab and a backslash', '38 35 7:2 / /a\\011b\\134c rw - ext4 /dev/loop2 rw', '/a\tb\\c'],
  ])('%s', (_name, line, point) => {
    expect(mountPoints(`${line}\n`).has(point)).toBe(true);
  });
});

describe('the home quota setting', () => {
  it.each([
    [undefined, DEFAULT_HOME_QUOTA_BYTES],
    ['', DEFAULT_HOME_QUOTA_BYTES],
    ['0', 0],
    ['64', 64 * 1024 ** 2],
  ])('MESHLAB_HOME_QUOTA_MB=%s', (raw, bytes) => {
    expect(homeQuotaFromEnv(raw === undefined ? {} : { MESHLAB_HOME_QUOTA_MB: raw })).toBe(bytes);
  });

  it.each([['-1'], ['1.5'], ['lots'], ['4']])('refuses MESHLAB_HOME_QUOTA_MB=%s with what to write', (raw) => {
    expect(() => homeQuotaFromEnv({ MESHLAB_HOME_QUOTA_MB: raw })).toThrow(/MESHLAB_HOME_QUOTA_MB must be/);
  });

  it('names the flag that is too small', () => {
    expect(() => checkedQuota(1024, '--home-quota-mb')).toThrow('--home-quota-mb must be 0 (no quota) or at least 8 MiB');
  });

  it('keeps the image beside the home', () => {
    expect(homeImagePath('/data/learners/ab/home/')).toBe('/data/learners/ab/home.img');
  });
});

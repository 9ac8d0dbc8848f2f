import { tmpdir } from 'node:os';
import { dirname } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sandboxFilesDir } from './sandbox.ts';

describe('sandboxFilesDir', () => {
  it('is one directory per checkout, so two checkouts do not overwrite each other’s bashrc', () => {
    const a = sandboxFilesDir('/srv/meshlab-a/server/sandbox');
    const b = sandboxFilesDir('/srv/meshlab-b/server/sandbox');
    expect(a).not.toBe(b);
    expect(sandboxFilesDir('/srv/meshlab-a/server/sandbox')).toBe(a);
    expect(dirname(a)).toBe(tmpdir());
    expect(sandboxFilesDir()).not.toBe(a);
  });
});

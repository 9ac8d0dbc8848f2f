import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PROJECT_ROOT, bundledToolsDir, describeTool, findTool } from './binaries.ts';

describe('tools', () => {
  const saved = process.env.MESHLAB_DATA_DIR;
  afterEach(() => {
    if (saved === undefined) delete process.env.MESHLAB_DATA_DIR;
    else process.env.MESHLAB_DATA_DIR = saved;
  });

  it('keeps the bundled tools in the project whatever data directory is in use', () => {
    process.env.MESHLAB_DATA_DIR = '/tmp/some-other-data-dir';
    expect(bundledToolsDir()).toBe(join(PROJECT_ROOT, '.meshlab', 'tools'));
  });

  it('picks a kubectl within one minor version of the API server (1.35), never an older PATH copy', () => {
    const info = describeTool('kubectl');
    expect(info.path).toBeDefined();
    expect(info.version).toMatch(/^v1\.3[456]\./);
    if (info.skipped) expect(info.skipped).toMatch(/needs kubectl 1\.34–1\.36/);
  });

  it('picks helm 4', () => {
    expect(describeTool('helm').version).toMatch(/^v4\./);
  });

  it('explains how to get a tool that is missing', () => {
    const saved = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      // a name that is not cached yet in this process
      expect(() => findTool('proxychains4')).toThrow(/apt-get install -y proxychains4/);
    } finally {
      process.env.PATH = saved;
    }
  });
});

import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BUILD_STAMP, siteBuildState } from './site-build.ts';

describe('siteBuildState', () => {
  let root: string;
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  function project(): { site: string } {
    root = mkdtempSync(join(tmpdir(), 'meshlab-build-'));
    mkdirSync(join(root, 'docs'));
    writeFileSync(join(root, 'docs', 'a.mdx'), '# a');
    const site = join(root, 'build');
    mkdirSync(site);
    return { site };
  }

  it('is stale when the site was never built', () => {
    const { site } = project();
    expect(siteBuildState(site, root)).toEqual({ fresh: false, reason: 'the site has not been built yet' });
  });

  it('is fresh after a build newer than every source, stale after a source changes', () => {
    const { site } = project();
    writeFileSync(join(site, 'index.html'), '');
    writeFileSync(join(site, BUILD_STAMP), '');
    const past = new Date(Date.now() - 60_000);
    utimesSync(join(root, 'docs', 'a.mdx'), past, past);
    utimesSync(join(root, 'docs'), past, past);
    expect(siteBuildState(site, root).fresh).toBe(true);
    writeFileSync(join(root, 'docs', 'b.mdx'), '# b');
    const future = new Date(Date.now() + 60_000);
    utimesSync(join(root, 'docs', 'b.mdx'), future, future);
    expect(siteBuildState(site, root)).toEqual({ fresh: false, reason: 'docs changed since the last build' });
  });
});

import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { BUILD_STAMP, buildSite, siteBuildState } from './site-build.ts';

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

  it('a build through buildSite (what `npm run build:site`, serve and npm test run) leaves the stamp that makes it fresh', async () => {
    const { site } = project();
    const past = new Date(Date.now() - 60_000);
    utimesSync(join(root, 'docs', 'a.mdx'), past, past);
    utimesSync(join(root, 'docs'), past, past);
    // A stand-in for docusaurus: writes the out dir's index.html.
    mkdirSync(join(root, 'node_modules', '.bin'), { recursive: true });
    const bin = join(root, 'node_modules', '.bin', 'docusaurus');
    writeFileSync(bin, '#!/bin/sh\n[ "$1" = build ] && [ "$2" = --out-dir ] && echo built > "$3/index.html"\n');
    chmodSync(bin, 0o755);
    await buildSite(site, root);
    expect(readFileSync(join(site, 'index.html'), 'utf8')).toBe('built\n');
    expect(siteBuildState(site, root)).toEqual({ fresh: true, reason: 'up to date' });
  });

  it('`npm run build:site` goes through buildSite, and `npm run serve` exists (Docusaurus advises it after a build)', () => {
    const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts['build:site']).toBe('node bin/run-ts.mjs scripts/build-site.ts');
    expect(readFileSync(join(import.meta.dirname, '..', '..', 'scripts', 'build-site.ts'), 'utf8')).toContain('buildSite(');
    expect(pkg.scripts.serve).toBe('node bin/meshlab.mjs serve');
  });
});

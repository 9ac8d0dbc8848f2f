// The site build's content check, through the plugin's own hook (no Docusaurus build): a page
// that names a misspelt step fails loadContent with file:line:col.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { LoadContext } from '@docusaurus/types';
import { afterAll, describe, expect, it } from 'vitest';
import labsPlugin from './index.ts';

const SITE = resolve(import.meta.dirname, '..', '..');
const content = mkdtempSync(join(tmpdir(), 'meshlab-hook-'));
for (const d of ['labs', 'docs', 'i18n']) cpSync(join(SITE, d), join(content, d), { recursive: true, filter: (p) => !p.endsWith('.test.ts') });
afterAll(() => rmSync(content, { recursive: true, force: true }));

const plugin = () => labsPlugin({ siteDir: SITE } as LoadContext, { contentDir: content });

describe('the labs plugin fails the build on content problems', () => {
  it('loads the labs of a consistent site', async () => {
    const labs = await plugin().loadContent!();
    expect(labs!.map((l) => l.id)).toContain('ingress-gateway');
  }, 30_000);

  it('rejects a misspelt <LabStep> with the page, line and column', async () => {
    const page = join(content, 'docs', 'ingress-gateway.mdx');
    const text = readFileSync(page, 'utf8');
    writeFileSync(page, text.replace('step="call-delay"', 'step="call-dealy"'));
    try {
      await expect(plugin().loadContent!()).rejects.toThrow(/docs\/ingress-gateway\.mdx:\d+:\d+: lab ingress-gateway has no step "call-dealy"; did you mean "call-delay"\?/);
    } finally {
      writeFileSync(page, text);
    }
  }, 30_000);
});

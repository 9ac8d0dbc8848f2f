import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { siteLabs } from '../../../plugins/labs/site-labs.ts';
import { lintContent } from '../lint/content-lint.ts';
import { loadLab, loadLabs } from '../load-lab.ts';
import { newLab } from './new-lab.ts';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const site = mkdtempSync(join(tmpdir(), 'meshlab-new-'));
for (const d of ['labs', 'docs', 'i18n', 'schema']) cpSync(join(ROOT, d), join(site, d), { recursive: true, filter: (p) => !p.endsWith('.test.ts') });
afterAll(() => rmSync(site, { recursive: true, force: true }));

describe('newLab', () => {
  const files = newLab({ id: 'fault-injection', siteDir: site, title: { en: 'Fault injection', 'zh-Hans': '故障注入' } });

  it('writes a valid lab and both pages, which the lint finds consistent', () => {
    expect(files.map((f) => f.slice(site.length + 1))).toEqual(['labs/fault-injection/lab.yaml', 'docs/fault-injection.mdx', 'i18n/en/docusaurus-plugin-content-docs/current/fault-injection.mdx']);
    const lab = loadLab(join(site, 'labs', 'fault-injection'));
    expect(lab.title).toEqual({ 'zh-Hans': '故障注入', en: 'Fault injection' });
    expect(readFileSync(files[0]!, 'utf8').split('\n')[0]).toBe('# yaml-language-server: $schema=../../schema/lab.schema.json');
    expect(lintContent({ siteDir: site, labs: loadLabs(join(site, 'labs')) })).toEqual([]);
  });

  it('is listed by the site (sidebar, navbar, footer, landing page) after the existing labs', () => {
    const labs = siteLabs(site);
    const existing = siteLabs(ROOT).map((l) => l.id);
    expect(existing).toEqual(expect.arrayContaining(['ingress-gateway', 'egress-gateway']));
    expect(labs.map((l) => l.id)).toEqual([...existing, 'fault-injection']);
    expect(labs.at(-1)!.label).toEqual({ 'zh-Hans': '故障注入', en: 'Fault injection' });
  });

  it.each([
    ['an invalid id', 'Fault_Injection', /is not a lab id: use lower-case letters/],
    ['an id ending in a dash', 'fault-', /is not a lab id/],
    ['an existing lab', 'ingress-gateway', /lab "ingress-gateway" already exists \(labs\/ingress-gateway, docs\/ingress-gateway.mdx/],
  ])('refuses %s', (_n, id, message) => {
    expect(() => newLab({ id, siteDir: site })).toThrow(message);
  });
});

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findTranslationProblems } from './translations.ts';

const SITE = resolve(import.meta.dirname, '..', '..', '..');
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const EN_DOCS = 'i18n/en/docusaurus-plugin-content-docs/current';
const complete: Record<string, string> = {
  'docs/a.mdx': '# 甲',
  'docs/guides/b.md': '# 乙',
  [`${EN_DOCS}/a.mdx`]: '# A',
  [`${EN_DOCS}/guides/b.md`]: '# B',
  'i18n/en/code.json': JSON.stringify({ 'lab.step.run': { message: 'Run' } }),
  'i18n/en/docusaurus-plugin-content-docs/current.json': JSON.stringify({ 'sidebar.labs.category.labs': { message: 'Labs' } }),
  'i18n/en/docusaurus-theme-classic/navbar.json': JSON.stringify({}),
  'i18n/en/docusaurus-theme-classic/footer.json': JSON.stringify({}),
};

function site(files: Record<string, string | undefined>): string {
  const root = mkdtempSync(join(tmpdir(), 'meshlab-i18n-'));
  dirs.push(root);
  for (const [path, text] of Object.entries(files)) {
    if (text === undefined) continue;
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  }
  return root;
}

describe('findTranslationProblems', () => {
  it.each([
    { name: 'a complete site', change: {}, problems: [] },
    { name: 'a page without its English version', change: { [`${EN_DOCS}/guides/b.md`]: undefined }, problems: [{ file: 'docs/guides/b', message: `has no en translation in ${EN_DOCS}/; add the translated page there, with the same file name` }] },
    { name: 'an English page with no source page', change: { [`${EN_DOCS}/c.mdx`]: '# C' }, problems: [{ file: `${EN_DOCS}/c`, message: 'translates a page that does not exist in docs/; add the page in docs/ or remove this one' }] },
    {
      name: 'a theme string left in Chinese',
      change: { 'i18n/en/code.json': JSON.stringify({ 'lab.step.run': { message: '运行' } }) },
      problems: [{ file: 'i18n/en/code.json', message: '"lab.step.run" is still untranslated: "运行"; write its en text' }],
    },
    {
      name: 'a sidebar label left in Chinese',
      change: { 'i18n/en/docusaurus-plugin-content-docs/current.json': JSON.stringify({ 'sidebar.labs.category.labs': { message: '实验' } }) },
      problems: [{ file: 'i18n/en/docusaurus-plugin-content-docs/current.json', message: '"sidebar.labs.category.labs" is still untranslated: "实验"; write its en text' }],
    },
    { name: 'a missing translation file', change: { 'i18n/en/docusaurus-theme-classic/navbar.json': undefined }, problems: [{ file: 'i18n/en/docusaurus-theme-classic/navbar.json', message: expect.stringContaining('is missing') }] },
    { name: 'a broken translation file', change: { 'i18n/en/code.json': '{' }, problems: [{ file: 'i18n/en/code.json', message: expect.stringContaining('is not valid JSON') }] },
  ])('$name', ({ change, problems }) => {
    expect(findTranslationProblems(site({ ...complete, ...change }))).toEqual(problems);
  });

  it('finds nothing missing in this site', () => {
    expect(findTranslationProblems(SITE)).toEqual([]);
  });
});

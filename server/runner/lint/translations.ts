// Finds missing translations: a docs page without its English version (or the reverse), and an
// English translation file whose messages are still the Chinese defaults `write-translations`
// copied in. The site build and a unit test both run it.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export interface TranslationProblem {
  file: string;
  message: string;
}

const DOC_EXTENSIONS = /\.mdx?$/;
// Han ideographs and CJK punctuation: an English message containing them was never translated.
const CJK = /[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]/;

function docFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d)) {
      const full = join(d, entry);
      if (statSync(full).isDirectory()) walk(full);
      else if (DOC_EXTENSIONS.test(entry)) out.push(relative(dir, full).replace(DOC_EXTENSIONS, ''));
    }
  };
  walk(dir);
  return out.sort();
}

export function findTranslationProblems(siteDir: string, locale = 'en'): TranslationProblem[] {
  const problems: TranslationProblem[] = [];
  const source = join(siteDir, 'docs');
  const translated = join(siteDir, 'i18n', locale, 'docusaurus-plugin-content-docs', 'current');
  const sourceDocs = new Set(docFiles(source));
  const translatedDocs = new Set(docFiles(translated));
  for (const doc of sourceDocs)
    if (!translatedDocs.has(doc)) problems.push({ file: `docs/${doc}`, message: `has no ${locale} translation in ${relative(siteDir, translated)}/; add the translated page there, with the same file name` });
  for (const doc of translatedDocs)
    if (!sourceDocs.has(doc)) problems.push({ file: `${relative(siteDir, translated)}/${doc}`, message: 'translates a page that does not exist in docs/; add the page in docs/ or remove this one' });

  const jsonFiles = [
    'code.json',
    'docusaurus-plugin-content-docs/current.json',
    'docusaurus-theme-classic/navbar.json',
    'docusaurus-theme-classic/footer.json',
  ];
  for (const rel of jsonFiles) {
    const file = join(siteDir, 'i18n', locale, rel);
    if (!existsSync(file)) {
      problems.push({ file: `i18n/${locale}/${rel}`, message: 'is missing: run `npx docusaurus write-translations --locale en` and translate it' });
      continue;
    }
    let messages: Record<string, { message?: unknown }>;
    try {
      messages = JSON.parse(readFileSync(file, 'utf8')) as Record<string, { message?: unknown }>;
    } catch (err) {
      problems.push({ file: `i18n/${locale}/${rel}`, message: `is not valid JSON: ${(err as Error).message}` });
      continue;
    }
    for (const [key, value] of Object.entries(messages)) {
      if (typeof value?.message === 'string' && CJK.test(value.message))
        problems.push({ file: `i18n/${locale}/${rel}`, message: `"${key}" is still untranslated: ${JSON.stringify(value.message)}; write its ${locale} text` });
    }
  }
  return problems;
}

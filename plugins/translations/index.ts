// Docusaurus plugin: fails the build when a page or a theme string lacks its English translation
// (Docusaurus itself silently falls back to the default locale).
import type { LoadContext, Plugin } from '@docusaurus/types';
import { findTranslationProblems } from './check.ts';

export default function translationsPlugin(context: LoadContext): Plugin<void> {
  return {
    name: 'meshlab-translations',
    async loadContent() {
      if (process.env.MESHLAB_SKIP_TRANSLATION_CHECK === '1') return;
      const problems = findTranslationProblems(context.siteDir);
      if (problems.length > 0)
        throw new Error(`missing translations:\n${problems.map((p) => `  ${p.file}: ${p.message}`).join('\n')}`);
    },
  };
}

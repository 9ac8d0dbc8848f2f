// The chapters and labs/ stay one source: every <LabStep> names a real step, and every step of a
// lab appears, in order, in its chapter in both languages.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLabs } from '../../server/runner/load-lab.ts';
import { labView } from './to-view.ts';

const SITE = resolve(import.meta.dirname, '..', '..');
const CHAPTERS = [
  { lab: 'ingress-gateway', page: 'ingress-gateway.mdx' },
  { lab: 'egress-gateway', page: 'egress-gateway.mdx' },
];
const LOCALES = [
  { locale: 'zh-Hans', dir: join(SITE, 'docs') },
  { locale: 'en', dir: join(SITE, 'i18n', 'en', 'docusaurus-plugin-content-docs', 'current') },
];

function labStepsIn(mdx: string): { lab: string; step: string }[] {
  return [...mdx.matchAll(/<LabStep\s+lab="([^"]+)"\s+step="([^"]+)"\s*\/>/g)].map((m) => ({ lab: m[1]!, step: m[2]! }));
}

const sources = loadLabs(join(SITE, 'labs'));
const labs = sources.map(labView);

describe.each(LOCALES)('chapters in $locale', ({ dir }) => {
  it.each(CHAPTERS)('$page shows every step of $lab, in order, and nothing else', ({ lab, page }) => {
    const known = labs.find((l) => l.id === lab);
    expect(known, `labs/${lab} exists`).toBeDefined();
    const shown = labStepsIn(readFileSync(join(dir, page), 'utf8'));
    expect(shown.map((s) => s.lab)).toEqual(shown.map(() => lab));
    expect(shown.map((s) => s.step)).toEqual(known!.steps.map((s) => s.id));
  });
});

describe('lab views', () => {
  it('give every step a title in both languages and its commands verbatim', () => {
    expect(labs.map((l) => l.id)).toEqual(expect.arrayContaining(CHAPTERS.map((c) => c.lab)));
    for (const lab of labs)
      for (const step of lab.steps) {
        expect(step.title['zh-Hans'], `${lab.id}/${step.id} zh title`).not.toBe('');
        expect(step.title.en, `${lab.id}/${step.id} en title`).not.toBe('');
      }
  });

  it('shows the exact commands and manifests the runner runs', () => {
    for (const [i, source] of sources.entries())
      for (const [j, step] of source.steps.entries()) {
        const view = labs[i]!.steps[j]!;
        expect(view.commands).toEqual(step.commands.map((c) => c.run));
        expect(view.files.map((f) => [f.path, f.content])).toEqual(step.files.map((f) => [f.path, f.content]));
        expect(view).not.toHaveProperty('checks');
      }
  });
});

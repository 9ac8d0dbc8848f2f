// What the site renders of a lab is what the runner runs (that pages show every step is the
// content lint's job: server/runner/lint).
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadLabs } from '../../server/runner/load-lab.ts';
import { labView } from './to-view.ts';

const SITE = resolve(import.meta.dirname, '..', '..');
const sources = loadLabs(join(SITE, 'labs'));
const labs = sources.map(labView);

describe('lab views', () => {
  it('give every step a title in both languages and its commands verbatim', () => {
    expect(labs.map((l) => l.id)).toEqual(expect.arrayContaining(['ingress-gateway', 'egress-gateway']));
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

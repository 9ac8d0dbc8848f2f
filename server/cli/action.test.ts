// action.yml (the composite GitHub Action docs repositories use): its inputs are documented, and
// the command it runs is one `meshlab verify` accepts.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = join(import.meta.dirname, '..', '..');
const action = parse(readFileSync(join(ROOT, 'action.yml'), 'utf8')) as {
  inputs: Record<string, { description?: string; default?: string }>;
  runs: { using: string; steps: { run?: string; env?: Record<string, string> }[] };
};

describe('action.yml', () => {
  it('is a composite action whose every input has a description and a default, and is used', () => {
    expect(action.runs.using).toBe('composite');
    const text = JSON.stringify(action.runs.steps);
    for (const [name, input] of Object.entries(action.inputs)) {
      expect(input.description, name).toBeTruthy();
      expect(input.default, name).toBeDefined();
      expect(text, `input ${name} is used`).toContain(`inputs.${name}`);
    }
  });

  it('runs meshlab verify with options the command line has', () => {
    const verify = readFileSync(join(ROOT, 'server', 'cli', 'commands', 'verify.ts'), 'utf8');
    const run = action.runs.steps.map((s) => s.run ?? '').join('\n');
    expect(run).toContain('bin/meshlab.mjs');
    for (const flag of run.match(/--[a-z][a-z-]+/g)!.filter((f) => !['--no-audit', '--no-fund'].includes(f))) expect(verify, flag).toContain(`'${flag}`);
  });

  it('is documented in the authoring guide in both languages', () => {
    for (const page of ['docs/lab-authoring.mdx', 'i18n/en/docusaurus-plugin-content-docs/current/lab-authoring.mdx']) {
      const text = readFileSync(join(ROOT, page), 'utf8');
      for (const name of Object.keys(action.inputs)) expect(text, `${page} documents ${name}`).toContain(`\`${name}\``);
    }
  });
});

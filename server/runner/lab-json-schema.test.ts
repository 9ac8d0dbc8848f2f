import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LAB_SCHEMA_FILE, labJsonSchemaText } from './lab-json-schema.ts';

const ROOT = join(import.meta.dirname, '..', '..');

describe('schema/lab.schema.json', () => {
  it('is what the zod schema generates (regenerate: node bin/run-ts.mjs server/runner/lab-json-schema.ts)', () => {
    expect(readFileSync(join(ROOT, LAB_SCHEMA_FILE), 'utf8')).toBe(labJsonSchemaText());
  });

  it('describes the fields authors write, strictly', () => {
    const schema = JSON.parse(labJsonSchemaText()) as { required: string[]; additionalProperties: boolean; properties: Record<string, unknown> };
    expect(schema.required).toEqual(expect.arrayContaining(['id', 'title', 'summary', 'estimatedMinutes', 'steps']));
    expect(schema.additionalProperties).toBe(false);
    expect(JSON.stringify(schema.properties.steps)).toContain('expectedBefore');
  });

  it.each(readdirSync(join(ROOT, 'labs'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name))('labs/%s/lab.yaml points editors at it', (id) => {
    expect(readFileSync(join(ROOT, 'labs', id, 'lab.yaml'), 'utf8').split('\n')[0]).toBe('# yaml-language-server: $schema=../../schema/lab.schema.json');
  });
});

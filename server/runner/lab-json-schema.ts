// The JSON Schema of lab.yaml, generated from the zod schema (one source): checked in at
// schema/lab.schema.json for editors (yaml-language-server) and kept fresh by a test.
// Regenerate: node bin/run-ts.mjs server/runner/lab-json-schema.ts
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { LabSpec } from './lab-schema.ts';

export const LAB_SCHEMA_FILE = join('schema', 'lab.schema.json');

export function labJsonSchemaText(): string {
  // `input`: what an author writes (fields with defaults are optional).
  const schema = z.toJSONSchema(LabSpec, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  const doc = {
    $schema: schema.$schema,
    $id: 'https://meshlab.dev/schema/lab.schema.json',
    title: 'meshlab lab (labs/<id>/lab.yaml)',
    description: 'A meshlab lab: its steps, the commands a learner types, the manifests they apply, and the checks `meshlab verify` and the Check button run. Generated from server/runner/lab-schema.ts.',
    ...Object.fromEntries(Object.entries(schema).filter(([k]) => k !== '$schema')),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const root = join(import.meta.dirname, '..', '..');
  writeFileSync(join(root, LAB_SCHEMA_FILE), labJsonSchemaText());
  console.log(`wrote ${LAB_SCHEMA_FILE}`);
}

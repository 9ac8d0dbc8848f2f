// `meshlab new lab ID`: a lab that works from the first minute. labs/ID/lab.yaml (commented,
// with the JSON Schema for editors) and its page in both languages; the sidebar, navbar, footer
// and landing page list it from labs/ with no edit of site configuration. The one step it starts
// with really runs and checks something, so `meshlab verify ID` (and --strict) passes before the
// author writes the real steps.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { isLabId, LAB_ID_RULE } from '../../protocol/lab-id.ts';
import { DOC_LOCALES } from '../lint/content-lint.ts';

export const SCHEMA_PATH = join('schema', 'lab.schema.json');

export interface NewLabOptions {
  id: string;
  /** The directory holding labs/, docs/ and i18n/. */
  siteDir: string;
  title?: { 'zh-Hans'?: string; en?: string };
  /** Where the schema is, for the editor comment (default: meshlab's own, relative to the lab file). */
  schemaUrl?: string;
}

export class NewLabError extends Error {}

function nextPosition(docsDir: string): number {
  let max = 0;
  if (existsSync(docsDir))
    for (const f of readdirSync(docsDir))
      if (/\.mdx?$/.test(f)) max = Math.max(max, Number(/^sidebar_position:\s*(\d+)/m.exec(readFileSync(join(docsDir, f), 'utf8'))?.[1] ?? 0));
  return max + 1;
}

function labYaml(id: string, title: { 'zh-Hans': string; en: string }, schema: string): string {
  return `# yaml-language-server: $schema=${schema}
# The lab "${id}". Its page (docs/${id}.mdx and the English one under i18n/en/) shows each step
# with <LabStep lab="${id}" step="..." />; \`meshlab verify ${id}\` runs every step's commands and
# checks on a fresh cluster. The format and every field: the lab authoring guide (/docs/lab-authoring).
id: ${id}
title:
  zh-Hans: ${JSON.stringify(title['zh-Hans'])}
  en: ${JSON.stringify(title.en)}
summary:
  zh-Hans: 用一句话说明学习者会做什么、学到什么。
  en: One sentence on what the learner does and learns.
estimatedMinutes: 10
prerequisites: []
# What the cluster must offer before step 1 (the runner sets it up on every driver).
requires:
  istio: true
  tools: [kubectl, curl]

steps:
  # Each step: what the learner types (commands, shown verbatim and run by verify), the
  # manifests they apply (files, shown on the page), and checks that fail before the commands
  # and pass after them (\`meshlab verify --strict\` makes sure of both).
  - id: create-namespace
    title:
      zh-Hans: 创建实验的命名空间
      en: Create the lab's namespace
    text:
      zh-Hans: 这个实验的对象都放在命名空间 ${id} 中。
      en: Everything this lab creates goes into the namespace ${id}.
    commands:
      - kubectl create namespace ${id}
    checks:
      - type: k8s
        name: namespace ${id} exists
        object: { apiVersion: v1, kind: Namespace, name: ${id} }
    hints:
      - zh-Hans: 用 kubectl get namespaces 查看已有的命名空间。
        en: List the namespaces with kubectl get namespaces.

# Run after the last step (and after a failure), whatever happened.
cleanup:
  - kubectl delete namespace ${id} --ignore-not-found --wait=false
`;
}

function page(id: string, locale: 'zh-Hans' | 'en', title: string, position: number): string {
  const zh = locale === 'zh-Hans';
  return `---
title: ${JSON.stringify(title)}
description: ${zh ? '一句话说明这个实验。' : 'One sentence about this lab.'}
sidebar_position: ${position}
hide_table_of_contents: true
---

# ${title}

${zh ? '这里写实验要讲的概念：学习者为什么要做这些步骤。' : 'The concepts of the lab go here: why the learner takes these steps.'}

<LabPage lab="${id}">

## ${zh ? '准备' : 'Prepare'}

<LabStep lab="${id}" step="create-namespace" />

</LabPage>
`;
}

/** Writes the lab and its two pages; refuses to overwrite anything. Returns the files written. */
export function newLab(o: NewLabOptions): string[] {
  if (!isLabId(o.id)) throw new NewLabError(`"${o.id}" is not a lab id: use ${LAB_ID_RULE}, e.g. fault-injection`);
  const labDir = join(o.siteDir, 'labs', o.id);
  const title = { 'zh-Hans': o.title?.['zh-Hans'] ?? `实验：${o.id}`, en: o.title?.en ?? `Lab: ${o.id}` };
  const labFile = join(labDir, 'lab.yaml');
  const pages = DOC_LOCALES.map((l) => ({ locale: l.locale, file: join(o.siteDir, l.dir, `${o.id}.mdx`) }));
  const taken = [labDir, ...pages.map((p) => p.file), ...pages.map((p) => p.file.replace(/\.mdx$/, '.md'))].filter((f) => existsSync(f));
  if (taken.length) throw new NewLabError(`lab "${o.id}" already exists (${taken.map((f) => relative(o.siteDir, f)).join(', ')}); choose another id or edit it`);
  const schema = o.schemaUrl ?? relative(labDir, join(o.siteDir, SCHEMA_PATH)).split('\\').join('/');
  const position = nextPosition(join(o.siteDir, 'docs'));
  mkdirSync(labDir, { recursive: true });
  writeFileSync(labFile, labYaml(o.id, title, schema));
  for (const p of pages) {
    mkdirSync(join(p.file, '..'), { recursive: true });
    writeFileSync(p.file, page(o.id, p.locale, title[p.locale], position));
  }
  return [labFile, ...pages.map((p) => p.file)];
}

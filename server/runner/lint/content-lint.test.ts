import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadLabs } from '../load-lab.ts';
import { appliedFiles, formatLintProblem, lintContent, lintDiagram } from './content-lint.ts';
import { closest } from './did-you-mean.ts';
import { blankCode, commandLines, diagramBlocks, isMarkedNotRun, labTags, shellBlocks } from './doc-pages.ts';

const EN = 'i18n/en/docusaurus-plugin-content-docs/current';
const LAB = `id: demo
title: { zh-Hans: 演示, en: Demo }
summary: { zh-Hans: 摘要, en: Summary }
estimatedMinutes: 5
steps:
  - id: inject-delay
    title: { zh-Hans: 注入延迟, en: Inject a delay }
    files: [vs.yaml]
    commands:
      - kubectl apply -f vs.yaml
  - id: call-service
    title: { zh-Hans: 访问, en: Call }
    commands:
      - kubectl apply -f extra.yaml
      - curl -s http://x/status/200
`;
const page = (steps: string[]) => `# 页面\n\n<LabPage lab="demo">\n\n${steps.map((s) => `<LabStep lab="demo" step="${s}" />`).join('\n\n')}\n\n</LabPage>\n`;
const json = (o: object) => JSON.stringify(o);
const complete: Record<string, string | undefined> = {
  'labs/demo/lab.yaml': LAB,
  'labs/demo/vs.yaml': 'kind: VirtualService\n',
  'labs/demo/extra.yaml': 'kind: ConfigMap\n',
  'docs/demo.mdx': page(['inject-delay', 'call-service']),
  [`${EN}/demo.mdx`]: page(['inject-delay', 'call-service']),
  'i18n/en/code.json': json({}),
  'i18n/en/docusaurus-plugin-content-docs/current.json': json({}),
  'i18n/en/docusaurus-theme-classic/navbar.json': json({}),
  'i18n/en/docusaurus-theme-classic/footer.json': json({}),
};

const roots: string[] = [];
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

function lint(files: Record<string, string | undefined>): string[] {
  const root = mkdtempSync(join(tmpdir(), 'meshlab-lint-'));
  roots.push(root);
  for (const [p, text] of Object.entries(files)) {
    if (text === undefined) continue;
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), text);
  }
  const cwd = process.cwd();
  process.chdir(root);
  try {
    return lintContent({ siteDir: root, labs: loadLabs(join(root, 'labs')) }).map(formatLintProblem);
  } finally {
    process.chdir(cwd);
  }
}

const fixed = { ...complete, 'labs/demo/lab.yaml': LAB.replace('    commands:\n      - kubectl apply -f extra.yaml', '    files: [extra.yaml]\n    commands:\n      - kubectl apply -f extra.yaml') };

describe('lintContent', () => {
  it('reports an unlisted manifest at the command, and nothing else on a consistent site', () => {
    expect(lint(complete)).toEqual([
      'labs/demo/lab.yaml:14:9: `kubectl apply -f extra.yaml` applies extra.yaml, which steps[1].files does not list; add "extra.yaml" to the files of step "call-service" so the page shows it',
    ]);
    expect(lint(fixed)).toEqual([]);
  });

  it.each([
    {
      name: 'a misspelt step reference',
      change: { 'docs/demo.mdx': page(['inject-dealy', 'call-service']) },
      problems: ['docs/demo.mdx:5:27: lab demo has no step "inject-dealy"; did you mean "inject-delay"?', expect.stringMatching(/^docs\/demo\.mdx:\d+:1: step "inject-delay" of lab demo is not shown on this page \(zh-Hans\); add <LabStep lab="demo" step="inject-delay" \/> before the first step$/)],
    },
    {
      name: 'a misspelt lab',
      change: { [`${EN}/demo.mdx`]: page(['inject-delay', 'call-service']).replace('<LabStep lab="demo" step="call-service"', '<LabStep lab="dmeo" step="call-service"') },
      problems: [`${EN}/demo.mdx:7:1: <LabStep> names lab "dmeo", which does not exist; did you mean "demo"?; the labs are: demo`, `${EN}/demo.mdx:5:1: step "call-service" of lab demo is not shown on this page (en); add <LabStep lab="demo" step="call-service" /> after the step "inject-delay"`],
    },
    {
      name: 'a page missing a step',
      change: { [`${EN}/demo.mdx`]: page(['inject-delay']) },
      problems: [`${EN}/demo.mdx:5:1: step "call-service" of lab demo is not shown on this page (en); add <LabStep lab="demo" step="call-service" /> after the step "inject-delay"`],
    },
    {
      name: 'a lab with no page in one language',
      change: { 'docs/demo.mdx': '# 页面\n', [`${EN}/demo.mdx`]: '# Page\n' },
      problems: [
        'labs/demo/lab.yaml:6:5: step "inject-delay" is shown on no page in zh-Hans (docs/); add <LabStep lab="demo" step="inject-delay" /> to the lab\'s page there (`meshlab new lab` makes both pages)',
        'labs/demo/lab.yaml:11:5: step "call-service" is shown on no page in zh-Hans (docs/); add <LabStep lab="demo" step="call-service" /> to the lab\'s page there (`meshlab new lab` makes both pages)',
        expect.stringContaining('labs/demo/lab.yaml:6:5: step "inject-delay" is shown on no page in en'),
        expect.stringContaining('labs/demo/lab.yaml:11:5: step "call-service" is shown on no page in en'),
      ],
    },
    {
      name: 'steps out of order',
      change: { 'docs/demo.mdx': page(['call-service', 'inject-delay']) },
      problems: ['docs/demo.mdx:7:1: step "inject-delay" is shown after step "call-service", but lab demo runs it before; move it up so the page follows lab.yaml'],
    },
    {
      name: 'an unrun page command, with the near command it probably meant',
      change: { 'docs/demo.mdx': `${page(['inject-delay', 'call-service'])}\n\`\`\`bash\n$ kubectl apply -f vs.yml\n\`\`\`\n\n\`\`\`bash not-run\nnpm start\n\`\`\`\n` },
      problems: ['docs/demo.mdx:12:1: `kubectl apply -f vs.yml` is run by no lab (did you mean `kubectl apply -f vs.yaml`?); show the step with <LabStep>, add the command to a lab\'s commands, or mark the block ```bash not-run'],
    },
    {
      name: 'a missing translation',
      change: { 'docs/other.md': '# 另一页\n' },
      problems: [`docs/other.md:1:1: has no en translation in ${EN}/; add the translated page there, with the same file name`],
    },
    {
      name: 'an untranslated theme string',
      change: { 'i18n/en/code.json': json({ 'home.start': { message: '开始' } }) },
      problems: ['i18n/en/code.json:1:1: "home.start" is still untranslated: "开始"; write its en text'],
    },
  ])('$name', ({ change, problems }) => {
    expect(lint({ ...fixed, ...change })).toEqual(problems);
  });

  it('names a manifest that is not there, with the near file', () => {
    const yaml = fixed['labs/demo/lab.yaml']!.replace('kubectl apply -f vs.yaml', 'kubectl apply -f vs.yml');
    expect(lint({ ...fixed, 'labs/demo/lab.yaml': yaml })).toEqual([
      'labs/demo/lab.yaml:10:9: `kubectl apply -f vs.yml` applies vs.yml, which is neither in the lab\'s directory nor in files:; did you mean "vs.yaml"?; add labs/demo/vs.yml and list it in the files of step "inject-delay"',
    ]);
  });

  it('reports a diagram without a text alternative at its fence, on the page of either language', () => {
    const diagram = '\n```mermaid\nflowchart TD\n  a --> b\n```\n';
    expect(lint({ ...fixed, [`${EN}/demo.mdx`]: complete[`${EN}/demo.mdx`] + diagram })).toEqual([
      `${EN}/demo.mdx:11:1: this diagram has no accessible title (\`accTitle: what it shows\`) and no description (\`accDescr { the path or the steps, in words }\`); add them under \`flowchart TD\`, so that screen readers can say what the drawing shows`,
    ]);
  });

  it('lints this site clean, quickly (about 0.3 s alone; the bound leaves room for a loaded machine)', () => {
    const site = join(import.meta.dirname, '..', '..', '..');
    const started = Date.now();
    const labs = loadLabs(join(site, 'labs'));
    expect(lintContent({ siteDir: site, labs }).map(formatLintProblem)).toEqual([]);
    expect(Date.now() - started).toBeLessThan(3000);
  });
});

describe('page reading', () => {
  it('finds shell blocks with their line and meta, and ignores other languages', () => {
    const md = 'text\n```yaml\nkind: X\n```\n\n```bash title="not run: start meshlab"\nnpm start\n```\n~~~sh\n$ kubectl get pods \\\n    -n bookinfo\n~~~\n';
    const blocks = shellBlocks('x.md', md);
    expect(blocks.map((b) => [b.line, b.meta])).toEqual([
      [6, 'title="not run: start meshlab"'],
      [9, ''],
    ]);
    expect(isMarkedNotRun(blocks[0]!.meta)).toBe(true);
    expect(isMarkedNotRun(blocks[1]!.meta)).toBe(false);
    expect(isMarkedNotRun('not-run')).toBe(true);
    expect(commandLines(blocks[1]!.text, 10)).toEqual([{ text: 'kubectl get pods -n bookinfo', line: 10, column: 1 }]);
    expect(commandLines('$ kubectl get ns   # list namespaces\n# a comment\n\necho "a # b"').map((l) => l.text)).toEqual(['kubectl get ns', 'echo "a # b"']);
  });

  it('ignores tags inside code, keeping positions of the others', () => {
    const md = 'see `<LabStep lab="a" step="b" />`\n```mdx\n<LabStep lab="c" step="d" />\n```\n  <LabStep step="f" lab="e" />';
    expect(blankCode(md)).toHaveLength(md.length);
    expect(labTags(md)).toEqual([{ tag: 'LabStep', lab: 'e', step: 'f', line: 5, column: 3, stepColumn: 18 }]);
  });

  const title = '  accTitle: From the client to the gateway';
  const description = '  accDescr {\n    The client calls the gateway.\n  }';
  it.each([
    ['title and a description block', ['flowchart TD', title, description, '  a --> b'], null],
    ['title and a one-line description', ['sequenceDiagram', title, '  accDescr: The client calls the gateway.', '  A->>B: GET /'], null],
    ['no title', ['flowchart LR', description, '  a --> b'], 'no accessible title (`accTitle: what it shows`); add it under `flowchart LR`'],
    ['an empty title', ['flowchart LR', '  accTitle:', description], 'no accessible title (`accTitle: what it shows`); add it under `flowchart LR`'],
    ['no description', ['flowchart TD', title, '  a --> b'], 'no description (`accDescr { the path or the steps, in words }`); add it under `flowchart TD`'],
    ['the words only in a node label', ['flowchart TD', '  a["accTitle: x"] --> b'], 'no accessible title'],
    ['front matter first', ['---', 'config:', '  sequence:', '    width: 120', '---', 'sequenceDiagram', title], 'no description (`accDescr { the path or the steps, in words }`); add it under `sequenceDiagram`'],
  ])('lintDiagram: %s', (_case, lines, problem) => {
    const [block] = diagramBlocks('p.mdx', `text\n\n\`\`\`mermaid\n${lines.join('\n')}\n\`\`\`\n`);
    const problems = lintDiagram(block!).map(formatLintProblem);
    if (problem === null) expect(problems).toEqual([]);
    else expect(problems).toEqual([expect.stringMatching(new RegExp(`^p\\.mdx:3:1: this diagram has ${problem.replace(/[.*+?^${}()|[\]\\`]/g, '\\$&')}`))]);
  });

  it.each([
    ['kubectl -n bookinfo apply -f httpbin.yaml', ['httpbin.yaml']],
    ['kubectl apply --filename=./a.yaml -f b.yaml', ['a.yaml', 'b.yaml']],
    ['kubectl apply -f - <<EOF', []],
    ['kubectl apply -f https://example.com/x.yaml', []],
    ['kubectl delete -f x.yaml', []],
    ['kubectl logs -f deploy/x', []],
    ['helm install gw istio/gateway -n istio-system -f values.yaml', ['values.yaml']],
  ])('appliedFiles(%s)', (cmd, files) => expect(appliedFiles(cmd)).toEqual(files));

  it.each([
    ['inject-dealy', ['inject-delay', 'call'], 'inject-delay'],
    ['deploy', ['deploy-httpbin', 'create-gateway'], undefined],
    ['x', ['y'], 'y'],
    ['same', ['same'], undefined],
  ])('closest(%s)', (word, candidates, near) => expect(closest(word, candidates)).toBe(near));
});

// Under GitHub Actions (GITHUB_ACTIONS=true) the real `meshlab verify` prints workflow commands
// for each problem, so the pull request shows it on the line: here a lint problem, before any cluster.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../tools/binaries.ts';

const root = mkdtempSync(join(tmpdir(), 'meshlab-annotations-'));
mkdirSync(join(root, 'labs', 'x'), { recursive: true });
mkdirSync(join(root, 'docs'), { recursive: true });
writeFileSync(join(root, 'labs', 'x', 'lab.yaml'), 'id: x\ntitle: { zh-Hans: 甲, en: X }\nsummary: { zh-Hans: 摘要, en: Summary }\nestimatedMinutes: 1\nsteps:\n  - id: first\n    title: { zh-Hans: 一, en: One }\n    commands: [echo one]\n');
writeFileSync(join(root, 'docs', 'x.mdx'), '# 甲\n\n<LabStep lab="x" step="frist" />\n');

function verify(env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) =>
    execFile(process.execPath, [join(PROJECT_ROOT, 'bin', 'meshlab.mjs'), 'verify', '--labs-dir', 'labs'], { cwd: root, env: { ...process.env, ...env } }, (err, stdout, stderr) =>
      done({ code: (err as { code?: number } | null)?.code ?? 0, stdout, stderr }),
    ),
  );
}

describe('meshlab verify under GitHub Actions', () => {
  it('prints ::error file=…,line=…,col=… for each problem', async () => {
    const r = await verify({ GITHUB_ACTIONS: 'true' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('docs/x.mdx:3:24: lab x has no step "frist"; did you mean "first"?');
    expect(r.stdout).toContain('::error file=docs/x.mdx,line=3,col=24,title=meshlab content lint::lab x has no step "frist"; did you mean "first"?');
  }, 60_000);

  it('prints none elsewhere', async () => {
    const r = await verify({ GITHUB_ACTIONS: '' });
    expect(r.code).toBe(2);
    expect(r.stdout).not.toContain('::error');
  }, 60_000);
});

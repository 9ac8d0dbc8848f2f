// The real site build: a lab made with `meshlab new lab` appears in both languages (page,
// sidebar, navbar, landing page) with no other edit, and a misspelt <LabStep> fails the build
// with file:line:col. Runs `docusaurus build` on a copy of the site (Rspack, about 15 s).
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';

function run(cmd: string, args: string[], timeoutMs: number): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(cmd, args, { cwd: site, env: { ...process.env, CI: '1' }, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) => {
      // Docusaurus exits 0 on SIGTERM: a build stopped at the timeout must not pass for a finished one.
      const unfinished = !err && args[0] === 'build' && !/\[SUCCESS\] Generated static files in "build\/en"/.test(stdout + stderr);
      if ((err as { killed?: boolean } | null)?.killed || unfinished)
        return done({ code: -1, stdout, stderr: `${stderr}\n(stopped: no finished build within ${timeoutMs / 1000} s)` });
      done({ code: err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0, stdout, stderr });
    });
  });
}

const ROOT = resolve(import.meta.dirname, '..', '..');
const site = mkdtempSync(join(tmpdir(), 'meshlab-site-'));
for (const f of ['docusaurus.config.ts', 'sidebars.ts', 'package.json', 'tsconfig.json', 'docs', 'i18n', 'labs', 'src', 'static', 'plugins', 'bin', 'server', 'schema'])
  cpSync(join(ROOT, f), join(site, f), { recursive: true, filter: (p) => !/\.test\.ts$/.test(p) });
symlinkSync(join(ROOT, 'node_modules'), join(site, 'node_modules'));
afterAll(() => rmSync(site, { recursive: true, force: true }));

const build = () => run(join(ROOT, 'node_modules', '.bin', 'docusaurus'), ['build', '--out-dir', join(site, 'build'), site], 900_000);

describe('site build', () => {
  it('shows a lab made by `meshlab new lab` in both languages, with no other edit', async () => {
    const made = await run(process.execPath, [join(site, 'bin', 'meshlab.mjs'), 'new', 'lab', 'fault-injection', '--site-dir', site, '--title', 'Fault injection', '--title-zh', '故障注入'], 60_000);
    expect(made.code, made.stderr).toBe(0);
    const r = await build();
    expect(r.code, r.stderr.slice(-3000)).toBe(0);
    for (const [prefix, title] of [['', '故障注入'], ['en/', 'Fault injection']] as const) {
      const page = readFileSync(join(site, 'build', prefix, 'docs', 'fault-injection.html'), 'utf8');
      expect(page).toContain(title);
      expect(page).toContain('kubectl create namespace fault-injection');
      // The sidebar and navbar of another page link to it.
      const other = readFileSync(join(site, 'build', prefix, 'docs', 'ingress-gateway.html'), 'utf8');
      // The HTML minifier drops quotes around attribute values that do not need them.
      expect(other).toMatch(new RegExp(`href="?/${prefix}docs/fault-injection"?[^>]*>${title}<`));
      const home = readFileSync(join(site, 'build', prefix, 'index.html'), 'utf8');
      expect(home).toMatch(new RegExp(`href="?/${prefix}docs/fault-injection[" >]`));
    }
  }, 1_000_000);

  it('fails on a misspelt <LabStep>, naming the page, line and column', async () => {
    const page = join(site, 'i18n', 'en', 'docusaurus-plugin-content-docs', 'current', 'fault-injection.mdx');
    expect(existsSync(page)).toBe(true);
    writeFileSync(page, readFileSync(page, 'utf8').replace('step="create-namespace"', 'step="create-namespce"'));
    const r = await build();
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/i18n\/en\/docusaurus-plugin-content-docs\/current\/fault-injection\.mdx:\d+:\d+: lab fault-injection has no step "create-namespce"; did you mean "create-namespace"\?/);
  }, 1_000_000);
});

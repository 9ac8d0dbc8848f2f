// A lab made by `meshlab new lab` passes the real `meshlab verify --strict` on the embedded
// cluster as written (its one step really creates and checks something).
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../tools/binaries.ts';
import { newLab } from './new-lab.ts';

describe('a new lab', () => {
  it('passes meshlab verify --strict, with the content lint, on the embedded cluster', async () => {
    const site = mkdtempSync(join(tmpdir(), 'meshlab-new-verify-'));
    for (const d of ['docs', 'i18n', 'labs']) cpSync(join(PROJECT_ROOT, d), join(site, d), { recursive: true, filter: (p) => !p.endsWith('.test.ts') });
    newLab({ id: 'fault-injection', siteDir: site });
    const { MESHLAB_DATA_DIR: _unused, ...env } = process.env;
    const r = await new Promise<{ code: number; out: string }>((done) =>
      execFile(process.execPath, [join(PROJECT_ROOT, 'bin', 'meshlab.mjs'), 'verify', 'fault-injection', '--strict', '--labs-dir', join(site, 'labs')], { env: { ...env, CI: '1' }, timeout: 150_000 }, (err, stdout, stderr) =>
        done({ code: (err as { code?: number } | null)?.code ?? 0, out: stdout + stderr }),
      ),
    );
    expect(r.out).toContain('PASS fault-injection');
    expect(r.code, r.out).toBe(0);
  }, 180_000);
});

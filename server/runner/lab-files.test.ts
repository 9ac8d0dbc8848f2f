import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { labFiles, writeLabFiles } from './lab-files.ts';
import { loadLab } from './load-lab.ts';
import { PROJECT_ROOT } from '../tools/binaries.ts';

describe('lab files', () => {
  it('lists the files of every step and alternative once, and writes them where the commands expect them', () => {
    const lab = loadLab(join(PROJECT_ROOT, 'labs', 'egress-gateway'));
    const paths = labFiles(lab).map((f) => f.path).sort();
    expect(paths).toEqual(['curl.yaml', 'egress-routing.yaml', 'egressgateway.yaml', 'httpbin-ext-timeout.yaml', 'httpbin-ext.yaml']);
    const dir = mkdtempSync(join(tmpdir(), 'meshlab-lab-files-'));
    writeLabFiles(lab, dir);
    expect(readFileSync(join(dir, 'curl.yaml'), 'utf8')).toContain('image: curlimages/curl');
  });
});

import { describe, expect, it } from 'vitest';
import { exportLines, formatProblems, shellQuoteValue, stderrProgress } from './cluster.ts';

describe('cluster up output', () => {
  it('puts KUBECONFIG, INGRESS_HOST and INGRESS_PORT first, then the rest by name', () => {
    expect(exportLines({ SECURE_INGRESS_PORT: '31443', INGRESS_PORT: '31080', ALL_PROXY: 'socks5h://127.0.0.1:1080', KUBECONFIG: '/d/kubeconfig', INGRESS_HOST: '127.0.0.1' })).toEqual([
      'export KUBECONFIG=/d/kubeconfig',
      'export INGRESS_HOST=127.0.0.1',
      'export INGRESS_PORT=31080',
      'export ALL_PROXY=socks5h://127.0.0.1:1080',
      'export SECURE_INGRESS_PORT=31443',
    ]);
  });

  it.each([
    ['plain path', '/a/b-c_d.e', '/a/b-c_d.e'],
    ['space', '/my dir/kubeconfig', "'/my dir/kubeconfig'"],
    ['single quote', "it's", "'it'\\''s'"],
    ['command substitution', '$(rm -rf ~)', "'$(rm -rf ~)'"],
    ['backticks and semicolons', '`x`;y', "'`x`;y'"],
    ['empty', '', "''"],
  ])('quotes a value with %s', (_n, value, quoted) => expect(shellQuoteValue(value)).toBe(quoted));

  it("puts a driver's PATH in front of the shell's own", () => {
    expect(exportLines({ PATH: '/d/clusters/x/bin' })).toEqual(['export PATH=/d/clusters/x/bin:"$PATH"']);
  });

  it('drops names a shell cannot export and values with NUL or newline', () => {
    expect(exportLines({ 'BAD-NAME': 'x', '1X': 'y', GOOD: 'a\nexport EVIL=1', OK: 'fine' })).toEqual(['export OK=fine']);
  });

  it('formats preflight problems with their fixes', () => {
    expect(formatProblems('kind', { ok: false, problems: [{ message: 'Docker engine not found', fix: 'install Docker' }] })).toBe(
      'meshlab: the kind driver cannot run here:\n  - Docker engine not found\n    fix: install Docker',
    );
  });

  it('reports progress with outcome and duration', () => {
    const lines: string[] = [];
    const p = stderrProgress((l) => lines.push(l));
    p.start('Install istiod');
    p.end('Install istiod', false, 'timed out');
    p.info('note');
    expect(lines[0]).toBe('… Install istiod');
    expect(lines[1]).toMatch(/^✗ Install istiod \(\d+\.\d s\): timed out$/);
    expect(lines[2]).toBe('  note');
  });
});

import { linkSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../tools/binaries.ts';
import { LabHome } from './lab-home.ts';

let dir: string;
let home: string;
const labs = new LabHome(join(PROJECT_ROOT, 'labs'));

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'meshlab-labhome-'));
  home = join(dir, 'home');
  mkdirSync(home);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('LabHome', () => {
  it('writes the lab files the commands use into the home', () => {
    const names = labs.place('ingress-gateway', home);
    expect(names.sort()).toEqual(['httpbin-gateway.yaml', 'httpbin-vs.yaml', 'httpbin.yaml']);
    expect(readFileSync(join(home, 'httpbin.yaml'), 'utf8')).toBe(readFileSync(join(PROJECT_ROOT, 'labs', 'ingress-gateway', 'httpbin.yaml'), 'utf8'));
  });

  it('rewrites a file the learner changed', () => {
    labs.place('ingress-gateway', home);
    writeFileSync(join(home, 'httpbin.yaml'), 'edited');
    labs.place('ingress-gateway', home);
    expect(readFileSync(join(home, 'httpbin.yaml'), 'utf8')).not.toBe('edited');
  });

  it('never follows a symlink the learner planted', () => {
    const outside = join(dir, 'server-file');
    writeFileSync(outside, 'precious');
    symlinkSync(outside, join(home, 'httpbin.yaml'));
    const names = labs.place('ingress-gateway', home);
    expect(names).not.toContain('httpbin.yaml');
    expect(readFileSync(outside, 'utf8')).toBe('precious');
  });

  it('never writes through a hard link', () => {
    const outside = join(dir, 'other-file');
    writeFileSync(outside, 'precious');
    linkSync(outside, join(home, 'httpbin-vs.yaml'));
    labs.place('ingress-gateway', home);
    expect(readFileSync(outside, 'utf8')).toBe('precious');
  });

  it('chowns what it writes to the learner when asked (as root)', () => {
    if (process.getuid?.() !== 0) return;
    labs.place('ingress-gateway', home, 234567);
    expect(statSync(join(home, 'httpbin.yaml')).uid).toBe(234567);
  });

  const unknown: [string, string][] = [
    ['a lab that does not exist', 'no-such-lab'],
    ['a path', '../labs'],
    ['an upper-case id', 'Ingress-Gateway'],
  ];
  for (const [name, id] of unknown) {
    it(`does nothing for ${name}`, () => {
      expect(labs.place(id, home)).toEqual([]);
    });
  }
});

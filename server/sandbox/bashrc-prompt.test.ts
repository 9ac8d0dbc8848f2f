// The shell's prompt names its own lab: two lab pages open two shells in one home, and the home's
// ~/.meshlab-lab (written when a terminal opens) names only the page opened last.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { shellRcPath } from './sandbox.ts';

const home = mkdtempSync(join(tmpdir(), 'meshlab-prompt-'));
afterAll(() => rmSync(home, { recursive: true, force: true }));

/** The lab tag the prompt would show, from the generated startup file run by a real bash. */
function promptTag(env: Record<string, string>, marker?: string): string {
  if (marker === undefined) rmSync(join(home, '.meshlab-lab'), { force: true });
  else writeFileSync(join(home, '.meshlab-lab'), `${marker}\n`);
  return execFileSync('bash', ['--norc', '--noprofile', '-c', `. "$1"; __meshlab_prompt >/dev/null; printf '%s' "$__meshlab_tag"`, 'bash', shellRcPath()], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, COLUMNS: '100', ...env },
    encoding: 'utf8',
  });
}

describe('the prompt names the lab of its own shell', () => {
  it.each<[string, Record<string, string>, string | undefined, string]>([
    ['its own lab, whatever page opened last', { MESHLAB_LAB: 'ingress-gateway' }, 'egress-gateway', ' [ingress-gateway]'],
    ['its own lab with no marker', { MESHLAB_LAB: 'egress-gateway' }, undefined, ' [egress-gateway]'],
    ['a shell without a lab: the page opened last', {}, 'egress-gateway', ' [egress-gateway]'],
    ['no lab at all: no tag', {}, undefined, ''],
  ])('%s', (_what, env, marker, tag) => expect(promptTag(env, marker)).toBe(tag));
});

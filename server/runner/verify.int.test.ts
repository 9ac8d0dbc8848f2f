// `meshlab verify` end to end: the real CLI, the embedded driver, real kubectl, helm and curl.
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, describe, expect, it } from 'vitest';
import type { VerifyJson } from './reporters/json.ts';
import { PROJECT_ROOT } from '../tools/binaries.ts';

const work = mkdtempSync(join(tmpdir(), 'meshlab-verify-int-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function meshlab(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(PROJECT_ROOT, 'bin', 'meshlab.mjs'), ...args], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, CI: 'true' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('meshlab verify on the embedded driver', () => {
  it('passes every lab, with a JUnit testcase per step', { timeout: 300_000 }, async () => {
    const junit = join(work, 'junit.xml');
    const json = join(work, 'verify.json');
    const r = await meshlab(['verify', '--junit', junit, '--json', json]);
    const report = JSON.parse(readFileSync(json, 'utf8')) as VerifyJson;
    const failures = report.labs.flatMap((l) => l.steps.filter((s) => s.status === 'failed').map((s) => `${l.lab}/${s.id}: ${s.failure?.message}`));
    expect(failures, r.stdout.slice(-4000)).toEqual([]);
    expect(r.code).toBe(0);
    expect(report.labs.map((l) => l.lab)).toEqual(['egress-gateway', 'egress-gateway-api', 'ingress-gateway', 'ingress-gateway-api']);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (n) => n === 'testsuite' || n === 'testcase' }).parse(readFileSync(junit, 'utf8'));
    const suites = doc.testsuites.testsuite as { name: string; testcase: { name: string }[] }[];
    expect(suites.find((s) => s.name === 'ingress-gateway')!.testcase.map((t) => t.name)).toEqual(report.labs.find((l) => l.lab === 'ingress-gateway')!.steps.map((s) => s.id));
  });

  it('fails a copy of a lab with one broken step and names lab, step, check, expected and actual', { timeout: 180_000 }, async () => {
    const labs = join(work, 'labs');
    cpSync(join(PROJECT_ROOT, 'labs', 'ingress-gateway'), join(labs, 'ingress-gateway'), { recursive: true });
    // The broken step: the VirtualService routes /statuz instead of /status.
    const vs = join(labs, 'ingress-gateway', 'httpbin-vs.yaml');
    writeFileSync(vs, readFileSync(vs, 'utf8').replace('prefix: /status', 'prefix: /statuz'));
    const json = join(work, 'broken.json');
    const r = await meshlab(['verify', '--labs-dir', labs, '--json', json]);
    expect(r.code).toBe(1);
    const report = JSON.parse(readFileSync(json, 'utf8')) as VerifyJson;
    const step = report.labs[0]!.steps.find((s) => s.status === 'failed')!;
    expect(step.id).toBe('route-status-and-delay');
    const check = step.checks.find((c) => !c.ok)!;
    expect(check).toMatchObject({ type: 'http', name: 'GET http://$INGRESS_HOST:$INGRESS_PORT/status/200', expected: 'status: 200' });
    // The status, then what the gateway did: no route matched the broken prefix.
    expect(check.actual).toMatch(/^status: 404 \(the gateway answered itself: no route matches/);
    // The printed summary says the same.
    expect(r.stdout).toContain('FAIL ingress-gateway');
    expect(r.stdout).toContain('FAIL route-status-and-delay');
    expect(r.stdout).toContain('check 2 (http): GET http://$INGRESS_HOST:$INGRESS_PORT/status/200');
    expect(r.stdout).toContain('status: expected 200, got 404');
  });
});

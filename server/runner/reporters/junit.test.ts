import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import type { LabReport } from '../../protocol/runner-events.ts';
import { junitXml } from './junit.ts';

const title = { 'zh-Hans': '标题', en: 'Title' };

describe('junitXml', () => {
  it('stays valid XML whatever the command output holds (escapes, CDATA ends, quotes)', () => {
    const report: LabReport = {
      lab: 'x',
      title,
      ok: false,
      durationMs: 1200,
      deliberateWaitMs: 0,
      requirements: [],
      cleanupErrors: ['cleanup of s: `kubectl delete ns x` exited 1: not found'],
      steps: [
        {
          id: 's',
          title,
          status: 'failed',
          durationMs: 1000,
          commands: [{ command: 'echo', exitCode: 1, ok: false, durationMs: 5, output: 'a ]]> b \x1b[31mred\x1b[0m \x00 <tag> & "q"' }],
          checks: [
            {
              index: 0,
              type: 'http',
              name: 'GET /status/200',
              ok: false,
              attempts: 3,
              durationMs: 900,
              details: [{ what: 'status', expected: '200', actual: '404', ok: false }],
              expected: 'status: 200',
              actual: 'status: 404',
              message: 'GET /status/200: status: expected 200, got 404',
            },
          ],
          failure: { kind: 'check', message: 'check 1 failed: GET /status/200: status: expected 200, got 404' },
        },
      ],
    };
    const xml = junitXml([report]);
    expect(XMLValidator.validate(xml)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (n) => n === 'testsuite' || n === 'testcase' }).parse(xml);
    const cases = doc.testsuites.testsuite[0].testcase as { name: string; failure?: { message: string; type: string } }[];
    expect(cases.map((c) => c.name)).toEqual(['s', 'cleanup']);
    expect(cases[0]!.failure!.type).toBe('check');
    expect(cases[0]!.failure!.message).toBe('x › s: check 1 failed: GET /status/200: status: expected 200, got 404 | check 1 (http) GET /status/200 | status: expected 200, got 404');
    expect((cases[0]!.failure as unknown as Record<string, string>)['#text']).toContain('check 1 (http) GET /status/200\n  status: expected 200, got 404');
    expect(doc.testsuites.testsuite[0].time).toBe('1.2');
  });
});

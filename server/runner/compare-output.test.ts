import { describe, expect, it } from 'vitest';
import { compareOutput, likeShape, normalizeOutput } from './compare-output.ts';
import type { VerifyModeT } from './lab-schema.ts';

// Cases follow istio.io tests/util/verify.sh (__cmp_same, __cmp_contains, __cmp_elided, __cmp_like, ...).
const cases: { name: string; mode: VerifyModeT; out: string; expected: string; ok: boolean }[] = [
  { name: 'same: equal after dropping \\r and trailing spaces', mode: 'same', out: 'a  \r\nb\n', expected: 'a\nb', ok: true },
  { name: 'same: differs', mode: 'same', out: 'a\nb', expected: 'a\nc', ok: false },
  { name: 'contains: substring', mode: 'contains', out: 'HTTP/1.1 418 Unknown\nserver: istio-envoy', expected: '418', ok: true },
  { name: 'contains: missing', mode: 'contains', out: 'HTTP/1.1 404 Not Found', expected: '418', ok: false },
  { name: 'notContains', mode: 'notContains', out: 'HTTP/1.1 404 Not Found', expected: '200 OK', ok: true },
  {
    name: 'elided: pieces in order around ...',
    mode: 'elided',
    out: 'HTTP/1.1 200 OK\nserver: istio-envoy\ndate: x\ncontent-length: 0',
    expected: 'HTTP/1.1 200 OK\n...\ncontent-length: 0',
    ok: true,
  },
  { name: 'elided: a piece that is absent', mode: 'elided', out: 'HTTP/1.1 200 OK\nserver: envoy', expected: 'HTTP/1.1 200 OK\n...\nserver: istio-envoy', ok: false },
  {
    name: 'like: ages, IPs and generated names differ',
    mode: 'like',
    out: 'NAME                       READY   STATUS    RESTARTS   AGE\nhttpbin-5c5944c58c-x2m9p   2/2     Running   0          12s',
    expected: 'NAME                      READY   STATUS    RESTARTS   AGE\nhttpbin-74fb669cc6-q4f8r   2/2     Running   0          3m1s',
    ok: true,
  },
  {
    name: 'like: cluster IP vs <pending>',
    mode: 'like',
    out: 'istio-ingressgateway LoadBalancer 10.96.0.12 <pending> 80:31380/TCP 1m',
    expected: 'istio-ingressgateway LoadBalancer 10.0.0.1 130.211.10.121 80:31380/TCP 17h',
    ok: true,
  },
  { name: 'like: ... token is a wildcard', mode: 'like', out: 'a 1 b', expected: 'a ... b', ok: true },
  { name: 'like: different status', mode: 'like', out: 'httpbin-1 1/2 Running', expected: 'httpbin-2 2/2 Running', ok: false },
  { name: 'like: different line count', mode: 'like', out: 'a\nb', expected: 'a', ok: false },
  { name: 'like: token count differs', mode: 'like', out: 'a b c', expected: 'a b', ok: false },
  { name: 'like: non-dashed prefix differs', mode: 'like', out: 'httpbin', expected: 'httpbox', ok: false },
  { name: 'firstLine', mode: 'firstLine', out: 'HTTP/1.1 404 Not Found\nx: y', expected: 'HTTP/1.1 404 Not Found\nother', ok: true },
  { name: 'lines: + and - lines', mode: 'lines', out: 'alpha\nbeta', expected: '+ alpha\n- gamma', ok: true },
  { name: 'lines: forbidden line present', mode: 'lines', out: 'alpha\ngamma', expected: '+ alpha\n- gamma', ok: false },
];

describe('compareOutput', () => {
  for (const c of cases) it(c.name, () => expect(compareOutput(c.mode, c.out, c.expected)).toBe(c.ok));
});

describe('normalizeOutput', () => {
  it('drops carriage returns, trailing spaces and trailing blank lines', () => {
    expect(normalizeOutput('a \r\nb\t\n\n')).toBe('a\nb');
  });
});

describe('likeShape: what `like` asks for, without the example values it lets differ', () => {
  it.each([
    [
      'a pod table: the example pod name and age become …, the columns stay',
      'NAME                       READY   STATUS    RESTARTS   AGE\nhttpbin-5c5944c58c-x2m9p   2/2     Running   0          12s\n',
      'NAME                       READY   STATUS    RESTARTS   AGE\nhttpbin-…                  2/2     Running   0          …',
      true,
    ],
    [
      'a service row without a header: addresses and age',
      'istio-ingressgateway LoadBalancer 10.0.0.1 130.211.10.121 80:31380/TCP 17h',
      'istio-ingressgateway LoadBalancer …        …              80:31380/TCP …',
      true,
    ],
    ['a name with a word after the dash is not generated', 'istio-proxy ready', 'istio-proxy ready', false],
    ["a ReplicaSet's name", 'curl-7d9f5b8c64 1', 'curl-…          1', true],
    ['nothing to replace', 'NAME READY\nhttpbin 2/2', 'NAME READY\nhttpbin 2/2', false],
  ])('%s', (_what, expected, text, changed) => {
    expect(likeShape(expected)).toEqual({ text, changed });
  });

});

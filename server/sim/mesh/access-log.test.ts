// The access log line against the real ones quoted from istio.io (tasks/observability/logs/
// access-log snips.sh@1144ff0b, Istio's EnvoyTextLogFormat).
import { describe, expect, it } from 'vitest';
import { formatAccessLog } from './access-log.ts';

describe('formatAccessLog', () => {
  it('reproduces the client sidecar line of the access-log task byte for byte', () => {
    const line = formatAccessLog({
      start: new Date('2020-11-25T21:26:18.409Z'),
      method: 'GET',
      path: '/status/418',
      protocol: 'HTTP/1.1',
      status: 418,
      flags: '-',
      details: 'via_upstream',
      bytesReceived: 0,
      bytesSent: 135,
      durationMs: 4,
      upstreamServiceTimeMs: 4,
      userAgent: 'curl/7.73.0-DEV',
      requestId: '84961386-6d84-929d-98bd-c5aee93b5c88',
      authority: 'httpbin:8000',
      upstreamHost: '10.44.1.27:80',
      upstreamCluster: 'outbound|8000||httpbin.foo.svc.cluster.local',
      upstreamLocalAddress: '10.44.1.23:37652',
      downstreamLocalAddress: '10.0.45.184:8000',
      downstreamRemoteAddress: '10.44.1.23:46520',
      routeName: 'default',
    });
    expect(line).toBe(
      '[2020-11-25T21:26:18.409Z] "GET /status/418 HTTP/1.1" 418 - via_upstream - "-" 0 135 4 4 "-" "curl/7.73.0-DEV" "84961386-6d84-929d-98bd-c5aee93b5c88" "httpbin:8000" "10.44.1.27:80" outbound|8000||httpbin.foo.svc.cluster.local 10.44.1.23:37652 10.0.45.184:8000 10.44.1.23:46520 - default',
    );
  });

  it('local replies print - for what never happened (no upstream, no service time)', () => {
    const line = formatAccessLog({ start: new Date('2026-01-01T00:00:00.000Z'), method: 'GET', path: '/headers', protocol: 'HTTP/1.1', status: 404, flags: 'NR', details: 'route_not_found', bytesReceived: 0, bytesSent: 0, durationMs: 0 });
    expect(line).toBe('[2026-01-01T00:00:00.000Z] "GET /headers HTTP/1.1" 404 NR route_not_found - "-" 0 0 0 - "-" "-" "-" "-" "-" - - - - - -');
  });

  it('a value cannot break the line or the quoting', () => {
    const line = formatAccessLog({ start: new Date(0), method: 'GET', path: '/a\nb', protocol: 'HTTP/1.1', status: 200, flags: '-', details: 'via_upstream', bytesReceived: 0, bytesSent: 0, durationMs: 0, userAgent: 'x" y' });
    expect(line).not.toContain('\n');
    expect(line).toContain('"x\\" y"');
  });
});

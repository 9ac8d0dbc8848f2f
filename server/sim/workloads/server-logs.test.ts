// The container logs of both httpbin images, by command line. gunicorn 19.9.0's start-up and
// access lines as it prints them (gunicorn/glogging.py, arbiter.py: "Starting gunicorn",
// "Listening at: ... (pid)", "Using worker: <class>", "Booting worker with pid"); go-httpbin's
// slog lines (httpbin/cmd/cmd.go, httpbin/middleware.go StdLogObserver).
import { describe, expect, it } from 'vitest';
import { containerArgv, goFloat, gunicornSettings, httpbinServerLog, type RequestLogInfo } from './server-logs.ts';
import { classifyContainer } from './workload-runtime.ts';

const NOW = new Date('2018-03-07T19:02:43.512Z');
const REQ: RequestLogInfo = {
  remoteAddress: '127.0.0.6',
  method: 'GET',
  url: '/headers',
  httpVersion: '1.1',
  status: 200,
  bytes: 321,
  durationMs: 0.41234,
  headers: { 'user-agent': 'curl/7.35.0' },
};
const KR = 'docker.io/kennethreitz/httpbin';
const MIRRORING_CMD = ['gunicorn', '--access-logfile', '-', '-b', '0.0.0.0:80', 'httpbin:app'];

describe('containerArgv', () => {
  it.each([
    ['image CMD when neither is set', {}, ['img']],
    ['command replaces the entrypoint and drops CMD', { command: ['a', 'b'] }, ['a', 'b']],
    ['command + args', { command: ['a'], args: ['b'] }, ['a', 'b']],
    ['args alone replace CMD', { args: ['x'] }, ['x']],
  ])('%s', (_n, c, argv) => expect(containerArgv(c, ['img'])).toEqual(argv));
});

describe('gunicornSettings', () => {
  it.each([
    ["kennethreitz/httpbin's CMD", ['gunicorn', '-b', '0.0.0.0:80', 'httpbin:app', '-k', 'gevent'], {}, { bind: '0.0.0.0:80', port: 80, workerClass: 'gevent', workers: 1 }],
    ["istio.io mirroring's command", MIRRORING_CMD, {}, { bind: '0.0.0.0:80', port: 80, workerClass: 'sync', workers: 1, accessLog: '-' }],
    ['long options with =', ['gunicorn', '--bind=0.0.0.0:8080', '--workers=2', '--access-logfile=/dev/stdout', 'httpbin:app'], {}, { bind: '0.0.0.0:8080', port: 8080, workerClass: 'sync', workers: 2, accessLog: '/dev/stdout' }],
    ['attached short values', ['gunicorn', '-b0.0.0.0:9000', '-kgevent', 'httpbin:app'], {}, { bind: '0.0.0.0:9000', port: 9000, workerClass: 'gevent', workers: 1 }],
    ['default bind', ['gunicorn', 'httpbin:app'], {}, { bind: '127.0.0.1:8000', port: 8000, workerClass: 'sync', workers: 1 }],
    ['GUNICORN_CMD_ARGS, then the command line wins', ['gunicorn', '-b', '0.0.0.0:80', 'httpbin:app'], { GUNICORN_CMD_ARGS: "--access-logfile - --bind '0.0.0.0:81'" }, { bind: '0.0.0.0:80', port: 80, workerClass: 'sync', workers: 1, accessLog: '-' }],
  ])('%s', (_n, argv, env, want) => expect(gunicornSettings(argv, env)).toEqual(want));
});

describe('kennethreitz/httpbin (gunicorn) logs', () => {
  it('the image as it is: start-up lines only, no request lines', () => {
    const log = httpbinServerLog({ image: KR }, 'python', 80);
    expect(log.startup(NOW)).toEqual([
      '[2018-03-07 19:02:43 +0000] [1] [INFO] Starting gunicorn 19.9.0',
      '[2018-03-07 19:02:43 +0000] [1] [INFO] Listening at: http://0.0.0.0:80 (1)',
      '[2018-03-07 19:02:43 +0000] [1] [INFO] Using worker: gevent',
      '[2018-03-07 19:02:43 +0000] [8] [INFO] Booting worker with pid: 8',
    ]);
    expect(log.request(REQ, NOW)).toBeUndefined();
  });
  it('with --access-logfile -: the access line of istio.io mirroring task', () => {
    const log = httpbinServerLog({ image: KR, command: MIRRORING_CMD }, 'python', 80);
    expect(log.startup(NOW)[2]).toBe('[2018-03-07 19:02:43 +0000] [1] [INFO] Using worker: sync');
    expect(log.request(REQ, NOW)).toBe('127.0.0.6 - - [07/Mar/2018:19:02:43 +0000] "GET /headers HTTP/1.1" 200 321 "-" "curl/7.35.0"');
  });
  it('an access log to a file is not in the container log', () => {
    const log = httpbinServerLog({ image: KR, command: ['gunicorn', '--access-logfile', '/tmp/a.log', 'httpbin:app'] }, 'python', 80);
    expect(log.request(REQ, NOW)).toBeUndefined();
  });
  it('the bound port decides where the container serves', () => {
    expect(classifyContainer({ image: KR, command: ['gunicorn', '-b', '0.0.0.0:8080', 'httpbin:app'] })).toEqual({ kind: 'httpbin', flavour: 'python', port: 8080 });
  });
});

describe('go-httpbin logs (slog)', () => {
  const GO = 'docker.io/mccutchen/go-httpbin:v2.15.0';
  it('text: start-up and one line per request, level by status', () => {
    const log = httpbinServerLog({ image: GO }, 'go', 8080);
    expect(log.startup(NOW)).toEqual(['time=2018-03-07T19:02:43.512Z level=INFO msg="go-httpbin listening on http://0.0.0.0:8080"']);
    expect(log.request(REQ, NOW)).toBe('time=2018-03-07T19:02:43.512Z level=INFO msg="200 GET /headers 0.4ms" status=200 method=GET uri=/headers size_bytes=321 duration_ms=0.41234 user_agent=curl/7.35.0 client_ip=127.0.0.6');
    expect(log.request({ ...REQ, status: 503, headers: {} }, NOW)).toMatch(/^time=\S+ level=ERROR msg="503 GET \/headers 0\.4ms" .* user_agent="" client_ip=127\.0\.0\.6$/);
    expect(log.request({ ...REQ, status: 418, headers: { 'x-forwarded-for': '10.244.0.1, 1.2.3.4' } }, NOW)).toMatch(/level=WARN .* client_ip=10\.244\.0\.1$/);
  });
  it('json with -log-format json', () => {
    const log = httpbinServerLog({ image: GO, args: ['-log-format', 'json'] }, 'go', 8080);
    expect(JSON.parse(log.request(REQ, NOW)!)).toEqual({ time: '2018-03-07T19:02:43.512Z', level: 'INFO', msg: '200 GET /headers 0.4ms', status: 200, method: 'GET', uri: '/headers', size_bytes: 321, duration_ms: 0.41234, user_agent: 'curl/7.35.0', client_ip: '127.0.0.6' });
  });
  it.each([
    [0.41234, '0.41234'],
    [12, '12'],
    [0.00001234, '1.234e-05'],
    [1e21, '1e+21'],
  ])('goFloat(%s) = %s', (f, s) => expect(goFloat(f)).toBe(s));
});

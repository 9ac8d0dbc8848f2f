// httpbin response formats of both implementations, compared with what they really print:
// go-httpbin (mccutchen/go-httpbin httpbin/handlers.go, responses.go, helpers.go: 2-space JSON,
// sorted keys, header arrays, {status_code, error, detail}) and the Python httpbin
// (postmanlabs/httpbin core.py and helpers.py: string values, ENV_HEADERS hidden, teapot).
import { describe, expect, it } from 'vitest';
import { canonicalHeaderName, httpbinRespond, type HttpbinFlavour } from './httpbin.ts';
import { classifyContainer, imageRepository } from './workload-runtime.ts';

const req = (url: string, headers: [string, string][] = [], method = 'GET') => ({
  method,
  url,
  rawHeaders: [['Host', 'httpbin.example.com'], ['User-Agent', 'curl/8.5.0'], ['Accept', '*/*'], ...headers].flat(),
  remoteAddress: '10.244.0.7',
  body: Buffer.alloc(0),
});

const body = (flavour: HttpbinFlavour, url: string, headers?: [string, string][], method?: string) => httpbinRespond(flavour, req(url, headers, method));

describe('go-httpbin', () => {
  it('/get: args, headers (arrays), method, origin, url in key order with 2-space indent', () => {
    const r = body('go', '/get?a=1', [['X-Forwarded-For', '56.5.6.7, 10.244.0.1']]);
    expect(r.status).toBe(200);
    expect(r.headers).toContainEqual(['Content-Type', 'application/json; charset=utf-8']);
    expect(r.body.toString()).toBe(
      '{\n  "args": {\n    "a": [\n      "1"\n    ]\n  },\n  "headers": {\n    "Accept": [\n      "*/*"\n    ],\n    "Host": [\n      "httpbin.example.com"\n    ],\n    "User-Agent": [\n      "curl/8.5.0"\n    ],\n    "X-Forwarded-For": [\n      "56.5.6.7, 10.244.0.1"\n    ]\n  },\n  "method": "GET",\n  "origin": "56.5.6.7",\n  "url": "http://httpbin.example.com/get?a=1"\n}\n',
    );
  });
  it.each([
    ['/status/418 teapot', '/status/418', 418, "I'm a teapot!"],
    ['/status/200 empty', '/status/200', 200, ''],
    ['bad code is a 400 JSON error', '/status/abc', 400, '{\n  "status_code": 400,\n  "error": "Bad Request",\n  "detail": "invalid status code: abc"\n}\n'],
    ['/delay over 10s is an error', '/delay/11', 400, undefined],
    ['unknown path 404 JSON', '/nope', 404, '{\n  "status_code": 404,\n  "error": "Not Found"\n}\n'],
  ])('%s', (_n, url, status, text) => {
    const r = body('go', url as string);
    expect(r.status).toBe(status);
    if (text !== undefined) expect(r.body.toString()).toBe(text);
  });
  it('weighted /status list only returns listed codes', () => {
    for (let i = 0; i < 20; i++) expect([200, 503]).toContain(body('go', '/status/200:0.5,503:0.5').status);
  });
  it('/delay/2 waits 2 s and echoes the request', () => {
    const r = body('go', '/delay/2');
    expect(r.delayMs).toBe(2000);
    expect(JSON.parse(r.body.toString()).method).toBe('GET');
  });
  it('/ip is the first X-Forwarded-For entry, else the peer', () => {
    expect(JSON.parse(body('go', '/ip').body.toString())).toEqual({ origin: '10.244.0.7' });
  });
  it('CORS headers on every response', () => {
    expect(body('go', '/status/500').headers).toContainEqual(['Access-Control-Allow-Origin', '*']);
  });
});

describe('python httpbin', () => {
  it('/headers: string values, env headers hidden unless show_env', () => {
    const h = JSON.parse(body('python', '/headers', [['X-Request-Id', 'abc'], ['x-b3-traceid', '1']]).body.toString()).headers;
    expect(h).toEqual({ Accept: '*/*', Host: 'httpbin.example.com', 'User-Agent': 'curl/8.5.0', 'X-B3-Traceid': '1' });
    const shown = JSON.parse(body('python', '/headers?show_env=1', [['X-Request-Id', 'abc']]).body.toString()).headers;
    expect(shown['X-Request-Id']).toBe('abc');
  });
  it('/get has no method key; origin is the whole X-Forwarded-For', () => {
    const j = JSON.parse(body('python', '/get', [['X-Forwarded-For', '1.2.3.4,10.244.0.1']]).body.toString());
    expect(Object.keys(j)).toEqual(['args', 'headers', 'origin', 'url']);
    expect(j.origin).toBe('1.2.3.4,10.244.0.1');
  });
  it.each([
    ['teapot art', '/status/418', 418, '-=[ teapot ]=-'],
    ['invalid status code', '/status/abc', 400, 'Invalid status code'],
  ])('%s', (_n, url, status, fragment) => {
    const r = body('python', url);
    expect(r.status).toBe(status);
    expect(r.body.toString()).toContain(fragment);
  });
  it('/delay is clamped to 10 s', () => expect(body('python', '/delay/30').delayMs).toBe(10_000));
  it('method endpoints refuse other methods with 405', () => {
    expect(body('python', '/post', [], 'GET').status).toBe(405);
    expect(body('python', '/post', [], 'POST').status).toBe(200);
  });
  it('sends Server: gunicorn/19.9.0', () => expect(body('python', '/get').headers[0]).toEqual(['Server', 'gunicorn/19.9.0']));
});

describe('images', () => {
  it.each([
    ['docker.io/kennethreitz/httpbin', 'kennethreitz/httpbin'],
    ['kennethreitz/httpbin:latest', 'kennethreitz/httpbin'],
    ['docker.io/mccutchen/go-httpbin:v2.15.0', 'mccutchen/go-httpbin'],
    ['localhost:5000/curl@sha256:abc', 'curl'],
    ['docker.io/library/busybox', 'busybox'],
  ])('imageRepository(%s) = %s', (img, repo) => expect(imageRepository(img)).toBe(repo));

  it.each([
    ['kennethreitz/httpbin serves python httpbin on 80', { image: 'docker.io/kennethreitz/httpbin' }, { kind: 'httpbin', flavour: 'python', port: 80 }],
    ['go-httpbin serves on 8080', { image: 'docker.io/mccutchen/go-httpbin:v2.15.0' }, { kind: 'httpbin', flavour: 'go', port: 8080 }],
    ['go-httpbin honours PORT', { image: 'mccutchen/go-httpbin', env: [{ name: 'PORT', value: '9090' }] }, { kind: 'httpbin', flavour: 'go', port: 9090 }],
    ['go-httpbin honours -port', { image: 'mccutchen/go-httpbin', args: ['-port', '9000'] }, { kind: 'httpbin', flavour: 'go', port: 9000 }],
    ['go-httpbin ignores a bad PORT', { image: 'mccutchen/go-httpbin', env: [{ name: 'PORT', value: '99999' }] }, { kind: 'httpbin', flavour: 'go', port: 8080 }],
    ['curlimages/curl is a client', { image: 'curlimages/curl' }, { kind: 'client' }],
    ["Istio's curl sample is a client", { image: 'docker.io/curlimages/curl:8.16.0' }, { kind: 'client' }],
    ['proxyv2 is the mesh business', { image: 'docker.io/istio/proxyv2:1.28.1' }, { kind: 'proxy' }],
    ['unknown image runs and serves nothing', { image: 'nginx' }, { kind: 'other' }],
  ])('%s', (_n, c, e) => expect(classifyContainer(c)).toEqual(e));

  it('canonical header names', () => {
    expect(canonicalHeaderName('x-envoy-attempt-count')).toBe('X-Envoy-Attempt-Count');
    expect(canonicalHeaderName('USER-AGENT')).toBe('User-Agent');
  });
});

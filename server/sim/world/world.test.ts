// Unit tests for the simulated internet's pieces: httpbin's status choice and header names, host
// names, the packaged chart (the layout `helm package` produces) and the repository index.
import { createHash, X509Certificate } from 'node:crypto';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { extract } from 'tar-stream';
import YAML from 'yaml';
import { describe, expect, it } from 'vitest';
import { indexYaml, packageChart } from './chart-repository.ts';
import { loadBalancedHeaders } from './httpbin-org.ts';
import { normalizeHost } from './simulated-internet.ts';
import { createWorldCertificates } from './world-ca.ts';

const CHART_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'charts', 'gateway');

async function tarEntries(tgz: Buffer): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const ex = extract();
  const done = new Promise<void>((res, rej) => {
    ex.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: unknown) => chunks.push(c as Buffer));
      stream.on('end', () => {
        out.set(header.name, Buffer.concat(chunks).toString('utf8'));
        next();
      });
    });
    ex.on('finish', () => res());
    ex.on('error', rej);
  });
  ex.end(gunzipSync(tgz));
  await done;
  return out;
}

describe('httpbin.org behind its load balancer', () => {
  const cases: { name: string; raw: string[]; scheme: 'http' | 'https'; want: string[] }[] = [
    { name: 'HTTP/1.1 keeps headers, adds the balancer\'s', raw: ['Host', 'httpbin.org', 'User-Agent', 'curl/7.88.1'], scheme: 'http', want: ['Host', 'httpbin.org', 'User-Agent', 'curl/7.88.1', 'X-Forwarded-Proto', 'http', 'X-Amzn-Trace-Id', 'T'] },
    { name: 'HTTP/2 :authority becomes Host', raw: [':method', 'GET', ':authority', 'httpbin.org', ':path', '/get', 'accept', '*/*'], scheme: 'https', want: ['Host', 'httpbin.org', 'accept', '*/*', 'X-Forwarded-Proto', 'https', 'X-Amzn-Trace-Id', 'T'] },
    { name: 'client-sent X-Forwarded-Proto is replaced', raw: ['Host', 'h', 'x-forwarded-proto', 'https'], scheme: 'http', want: ['Host', 'h', 'X-Forwarded-Proto', 'http', 'X-Amzn-Trace-Id', 'T'] },
  ];
  it.each(cases)('$name', (c) => expect(loadBalancedHeaders(c.raw, c.scheme, 'T')).toEqual(c.want));
});

describe('host names', () => {
  const cases = [
    { input: 'HTTPBIN.org.', want: 'httpbin.org' },
    { input: 'www.google.com', want: 'www.google.com' },
    { input: 'bad host', want: undefined },
    { input: '-x.com', want: undefined },
    { input: '', want: undefined },
    { input: `${'a'.repeat(254)}`, want: undefined },
  ];
  it.each(cases)('$input', (c) => expect(normalizeHost(c.input)).toBe(c.want));
});

describe('chart repository', () => {
  it('packages the gateway chart under gateway/', async () => {
    const chart = await packageChart(CHART_DIR);
    expect(chart.fileName).toBe('gateway-1.28.1.tgz');
    const files = await tarEntries(chart.tgz);
    expect([...files.keys()].sort()).toEqual([
      'gateway/Chart.yaml',
      'gateway/templates/NOTES.txt',
      'gateway/templates/_helpers.tpl',
      'gateway/templates/deployment.yaml',
      'gateway/templates/role.yaml',
      'gateway/templates/service.yaml',
      'gateway/templates/serviceaccount.yaml',
      'gateway/values.yaml',
    ]);
    expect(YAML.parse(files.get('gateway/values.yaml')!).service.type).toBe('LoadBalancer');
  });

  it('index.yaml lists the chart with its digest and URL', async () => {
    const chart = await packageChart(CHART_DIR);
    const index = YAML.parse(indexYaml([chart], 'https://istio-release.storage.googleapis.com/charts', new Date('2026-01-02T03:04:05Z')));
    expect(index.apiVersion).toBe('v1');
    expect(index.generated).toBe('2026-01-02T03:04:05.000Z');
    const [entry] = index.entries.gateway;
    expect(entry).toMatchObject({
      apiVersion: 'v2',
      name: 'gateway',
      version: '1.28.1',
      appVersion: '1.28.1',
      description: 'Helm chart for deploying Istio gateways',
      urls: ['https://istio-release.storage.googleapis.com/charts/gateway-1.28.1.tgz'],
      digest: createHash('sha256').update(chart.tgz).digest('hex'),
    });
  });
});

describe('world certificates', () => {
  it('one CA signs a certificate naming every host', () => {
    const certs = createWorldCertificates(['httpbin.org', 'www.google.com']);
    const ca = new X509Certificate(certs.caCert);
    const leaf = new X509Certificate(certs.serverCert);
    expect(ca.ca).toBe(true);
    expect(leaf.ca).toBe(false);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    expect(leaf.checkHost('www.google.com')).toBe('www.google.com');
    expect(leaf.checkHost('edition.cnn.com')).toBeUndefined();
    expect(leaf.subjectAltName).toBe('DNS:httpbin.org, DNS:www.google.com');
  });
});



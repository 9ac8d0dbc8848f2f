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
import { chooseStatus, titleCase } from './httpbin-org.ts';
import { normalizeHost } from './simulated-internet.ts';
import { createWorldCertificates } from './world-ca.ts';

const CHART_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'charts', 'gateway');

async function tarEntries(tgz: Buffer): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const ex = extract();
  const done = new Promise<void>((res, rej) => {
    ex.on('entry', (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
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

describe('httpbin.org pieces', () => {
  // httpbin/helpers.py weighted_choice over "code:weight" lists.
  const cases: { spec: string; random: number; want: number | undefined }[] = [
    { spec: '200', random: 0.5, want: 200 },
    { spec: '200,503', random: 0.1, want: 200 },
    { spec: '200,503', random: 0.9, want: 503 },
    { spec: '200:0,503:1', random: 0.01, want: 503 },
    { spec: 'abc', random: 0, want: undefined },
    { spec: '200,x', random: 0, want: undefined },
    { spec: '200:y', random: 0, want: undefined },
  ];
  it.each(cases)('status $spec at $random', (c) => expect(chooseStatus(c.spec, () => c.random)).toBe(c.want));

  // Werkzeug EnvironHeaders keys: "x-envoy-attempt-count" → "X-Envoy-Attempt-Count".
  const names = [
    { input: 'x-envoy-attempt-count', want: 'X-Envoy-Attempt-Count' },
    { input: 'USER-AGENT', want: 'User-Agent' },
    { input: 'host', want: 'Host' },
  ];
  it.each(names)('header $input', (c) => expect(titleCase(c.input)).toBe(c.want));
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



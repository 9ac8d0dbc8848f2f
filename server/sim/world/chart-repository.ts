// Istio's Helm chart repository (https://istio-release.storage.googleapis.com/charts) as the
// simulated internet serves it: index.yaml plus meshlab's `gateway` chart, packaged at runtime
// from server/sim/charts/gateway the way `helm package` lays a chart out (gzip'd tar, every file
// under "<chart name>/"). Anything else answers as Google Cloud Storage does for a missing key.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { pack } from 'tar-stream';
import YAML from 'yaml';
import type { AnyRequest, AnyResponse } from './httpbin-org.ts';

export const CHART_REPO_HOST = 'istio-release.storage.googleapis.com';
export const CHART_REPO_PATH = '/charts';

const CHARTS_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'charts');
const CHART_NAMES = ['gateway'];

export interface PackagedChart {
  name: string;
  version: string;
  fileName: string;
  tgz: Buffer;
  metadata: Record<string, unknown>;
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir).sort()) {
    const p = join(dir, entry);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push(p);
  }
  return out;
}

async function tarGz(entries: { name: string; data: Buffer }[], mtime: Date): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((res, rej) => {
    p.on('data', (c: unknown) => chunks.push(c as Buffer));
    p.on('end', () => res());
    p.on('error', rej);
  });
  for (const e of entries) p.entry({ name: e.name, size: e.data.length, mode: 0o644, mtime }, e.data);
  p.finalize();
  await done;
  return gzipSync(Buffer.concat(chunks));
}

/** Package one chart directory (Chart.yaml's name and version name the archive). */
export async function packageChart(chartDir: string): Promise<PackagedChart> {
  const metadata = YAML.parse(readFileSync(join(chartDir, 'Chart.yaml'), 'utf8')) as Record<string, unknown>;
  const name = String(metadata.name);
  const version = String(metadata.version);
  const files = filesUnder(chartDir).map((f) => ({ name: `${name}/${relative(chartDir, f)}`, data: readFileSync(f) }));
  const tgz = await tarGz(files, new Date(0));
  return { name, version, fileName: `${name}-${version}.tgz`, tgz, metadata };
}

export function indexYaml(charts: PackagedChart[], baseUrl: string, now = new Date()): string {
  const entries: Record<string, unknown[]> = {};
  for (const c of charts) {
    (entries[c.name] ??= []).push({
      ...c.metadata,
      created: now.toISOString(),
      digest: createHash('sha256').update(c.tgz).digest('hex'),
      urls: [`${baseUrl}/${c.fileName}`],
    });
  }
  return YAML.stringify({ apiVersion: 'v1', entries, generated: now.toISOString() });
}

const NO_SUCH_KEY = "<?xml version='1.0' encoding='UTF-8'?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>";

export class ChartRepository {
  private constructor(
    private readonly charts: PackagedChart[],
    private readonly index: string,
  ) {}

  static async build(chartsDir = CHARTS_DIR): Promise<ChartRepository> {
    const charts = await Promise.all(CHART_NAMES.map((n) => packageChart(join(chartsDir, n))));
    return new ChartRepository(charts, indexYaml(charts, `https://${CHART_REPO_HOST}${CHART_REPO_PATH}`));
  }

  handle(req: AnyRequest, res: AnyResponse): void {
    let path: string;
    try {
      path = new URL(req.url ?? '/', 'http://x').pathname;
    } catch {
      path = '/'; // an unparsable request target is served as the index, as a static file server would
    }
    const send = (status: number, type: string, body: Buffer | string) => {
      const buf = typeof body === 'string' ? Buffer.from(body) : body;
      res.statusCode = status;
      res.setHeader('Content-Type', type);
      res.setHeader('Content-Length', String(buf.length));
      res.setHeader('Server', 'UploadServer');
      if (req.method === 'HEAD') res.end();
      else res.end(buf);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'application/xml; charset=UTF-8', NO_SUCH_KEY);
    if (path === `${CHART_REPO_PATH}/index.yaml`) return send(200, 'application/octet-stream', this.index);
    const chart = this.charts.find((c) => path === `${CHART_REPO_PATH}/${c.fileName}`);
    if (chart) return send(200, 'application/x-tar', chart.tgz);
    send(404, 'application/xml; charset=UTF-8', NO_SUCH_KEY);
  }
}

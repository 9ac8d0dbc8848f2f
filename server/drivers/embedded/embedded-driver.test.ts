import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDriver } from '../registry.ts';
import { clusterIdFor, EmbeddedClusterHandle, EmbeddedDriver } from './embedded-driver.ts';

let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'meshlab-embedded-driver-'));
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe('clusterIdFor', () => {
  const cases: { name: string; input: string | undefined; want: string | undefined }[] = [
    { name: 'no name', input: undefined, want: undefined },
    { name: 'a plain learner id', input: 'learner-42', want: 'learner-42' },
    { name: 'upper case and dots', input: 'Alice.Smith', want: 'alice-smith' },
    { name: 'path characters', input: '../../etc/passwd', want: 'etc-passwd' },
    { name: 'nothing usable', input: '///', want: undefined },
    { name: 'long names are cut', input: 'x'.repeat(200), want: 'x'.repeat(50) },
  ];
  for (const c of cases) it(c.name, () => expect(clusterIdFor(c.input)).toBe(c.want));
});

describe('EmbeddedDriver', () => {
  it('passes preflight with a writable data directory and runs clusters in parallel', async () => {
    const d = new EmbeddedDriver({ dataDir });
    expect(d.parallel).toBe(true);
    expect(await d.preflight()).toEqual({ ok: true, problems: [] });
  });

  it('reports an unwritable data directory with a fix', async () => {
    // A regular file where the directory should be.
    const file = join(dataDir, 'not-a-directory');
    writeFileSync(file, '');
    const d = new EmbeddedDriver({ dataDir: join(file, 'data') });
    const r = await d.preflight();
    expect(r.ok).toBe(false);
    expect(r.problems[0]!.fix).toContain('MESHLAB_DATA_DIR');
  });

  it('creates a handle whose kubeconfig and shell environment point at the cluster, and destroys it', async () => {
    const events: string[] = [];
    const d = new EmbeddedDriver({ dataDir });
    const h = (await d.create({ name: 'Learner 1', progress: { start: (t) => events.push(`start ${t}`), end: (t, ok) => events.push(`end ${t} ${ok}`), info() {} } })) as EmbeddedClusterHandle;
    try {
      expect(h.driver).toBe('embedded');
      expect(h.id).toMatch(/^learner-1-\d+-\d+$/);
      expect(readFileSync(h.kubeconfigPath, 'utf8')).toContain('certificate-authority-data');
      const env = h.shellEnv();
      expect(env).toMatchObject({ KUBECONFIG: h.kubeconfigPath, INGRESS_HOST: '127.0.0.1', INGRESS_PORT: String(h.ingress.port) });
      expect(h.ingress.port).toBeGreaterThanOrEqual(30000);
      expect(events).toEqual(['start Start the embedded cluster', 'end Start the embedded cluster true']);
      await h.reset();
    } finally {
      await h.destroy();
    }
    expect(existsSync(h.kubeconfigPath)).toBe(false);
  });

  it('honours an aborted signal', async () => {
    const d = new EmbeddedDriver({ dataDir });
    const ac = new AbortController();
    ac.abort();
    await expect(d.create({ signal: ac.signal })).rejects.toThrow();
  });
});

describe('createDriver', () => {
  it('gives the embedded driver', async () => {
    const d = await createDriver('embedded', { dataDir });
    expect(d.name).toBe('embedded');
  });

  it('loads the kind driver lazily when its folder is there', async () => {
    if (!existsSync(join(import.meta.dirname, '..', 'kind', 'index.ts'))) return;
    const d = await createDriver('kind', { dataDir });
    expect(d.name).toBe('kind');
    expect(d.parallel).toBe(false);
  });

  it('names an unknown driver', async () => {
    await expect(createDriver('nope' as never)).rejects.toThrow('unknown driver "nope"; expected one of: embedded, kind, existing');
  });
});

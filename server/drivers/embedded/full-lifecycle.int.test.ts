// Full clusters (mesh, world, exec) started and stopped together leave nothing behind.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmbeddedDriver } from './embedded-driver.ts';

let work: string;
beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'meshlab-full-lifecycle-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

function resources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] ?? 0) + 1;
  return counts;
}

async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((r) => setTimeout(r, 20));
}

describe('full embedded clusters', () => {
  it('start and stop 8 at once without leaking handles or files', async () => {
    const driver = new EmbeddedDriver({ dataDir: work });
    // Warm-up: module loading, TLS material; the world stops again with its last cluster.
    await (await driver.create()).destroy();
    await settle();
    const before = resources();
    const handles = await Promise.all(Array.from({ length: 8 }, (_, i) => driver.create({ name: `learner-${i}` })));
    expect(new Set(handles.map((h) => h.ingress.port)).size).toBe(8);
    expect(new Set(handles.map((h) => h.shellEnv().PROXYCHAINS_CONF_FILE)).size).toBe(8);
    await Promise.all(handles.map((h) => h.destroy()));
    await settle();
    expect(resources()).toEqual(before);
    for (const h of handles) expect(existsSync(h.kubeconfigPath)).toBe(false);
  }, 120_000);
});

// Starting and stopping many clusters in one process leaves nothing behind: no sockets, no
// timers, no node ports or cluster IPs held, no directories.
import { connect } from 'node:net';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedClusterIPs, sharedNodePorts } from './network/allocators.ts';
import { EmbeddedCluster } from './cluster.ts';

let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'meshlab-lifecycle-'));
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

function resources(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) counts[r] = (counts[r] ?? 0) + 1;
  return counts;
}

function used(pool: object): number {
  return (pool as unknown as { used: Set<unknown> }).used.size;
}

function refused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((r) => setTimeout(r, 20));
}

describe('EmbeddedCluster lifecycle', () => {
  it('starts and stops 20 clusters without leaking handles, ports, addresses or files', async () => {
    // Warm up once (TLS material, module caches) so the baseline is fair.
    await (await EmbeddedCluster.start({ dataDir: work })).stop();
    await settle();
    const before = resources();
    const ports = used(sharedNodePorts);
    const ips = used(sharedClusterIPs);
    const clusters = await Promise.all(Array.from({ length: 20 }, () => EmbeddedCluster.start({ dataDir: work })));
    const apiPorts = clusters.map((c) => Number(new URL(c.apiServer.url).port));
    expect(new Set(apiPorts).size).toBe(20);
    expect(new Set(clusters.map((c) => c.ingress.port)).size).toBe(20);
    expect(new Set(clusters.map((c) => c.dir)).size).toBe(20);
    expect(used(sharedNodePorts)).toBe(ports + 20 * 3);
    await Promise.all(clusters.map((c) => c.stop()));
    await settle();
    expect(resources()).toEqual(before);
    expect(used(sharedNodePorts)).toBe(ports);
    expect(used(sharedClusterIPs)).toBeLessThanOrEqual(ips);
    for (const p of apiPorts) expect(await refused(p)).toBe(true);
    for (const c of clusters) expect(existsSync(c.dir)).toBe(false);
  });

  it('stops cleanly while pods are still starting', async () => {
    await settle();
    const before = resources();
    const c = await EmbeddedCluster.start({ dataDir: work, timing: { podScheduleMs: 1000, podStartMs: 1000, podReadyMs: 1000 } });
    c.store.create('apps/deployments', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default' },
      spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx' }] } } },
    });
    await c.controllers.idle();
    expect(c.store.list('pods', 'default').items).toHaveLength(3);
    await c.stop();
    await settle();
    expect(resources()).toEqual(before);
  });

  it('undoes a half-made start when an addon fails: earlier addons stopped, nothing left open', async () => {
    await settle();
    const before = resources();
    const stopped: string[] = [];
    await expect(
      EmbeddedCluster.start({
        dataDir: work,
        id: 'half-made',
        addons: [() => ({ stop: () => void stopped.push('first') }), () => Promise.reject(new Error('mesh failed to start'))],
      }),
    ).rejects.toThrow('mesh failed to start');
    await settle();
    expect(stopped).toEqual(['first']);
    expect(resources()).toEqual(before);
    expect(existsSync(join(work, 'clusters', 'half-made'))).toBe(false);
  });

  it('rejects names a directory or kubeconfig context could not hold', async () => {
    await expect(EmbeddedCluster.start({ dataDir: work, name: '../etc' })).rejects.toThrow(/invalid cluster name/);
    await expect(EmbeddedCluster.start({ dataDir: work, id: 'A/B' })).rejects.toThrow(/invalid cluster id/);
  });
});

// Watch semantics client-go relies on, over raw HTTPS: initial events with the
// k8s.io/initial-events-end bookmark, resume from a resourceVersion, 410 Expired, selectors
// (an object leaving the selection is DELETED), timeoutSeconds.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:https';
import { startTestApiServer, type TestApiServer } from './testing/server.ts';

let t: TestApiServer;

interface WatchLine {
  type: string;
  object: any;
}

/** Opens a watch and collects events until `until` says stop or the server ends the stream. */
function watch(path: string, until: (events: WatchLine[]) => boolean, during?: () => void): Promise<WatchLine[]> {
  const url = new URL(t.api.url);
  return new Promise((resolve, reject) => {
    const events: WatchLine[] = [];
    let buffer = '';
    const req = request({ host: url.hostname, port: url.port, path, ca: t.api.caPem, headers: { Authorization: `Bearer ${t.api.token}` } }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`status ${res.statusCode}`));
        return;
      }
      setTimeout(() => during?.(), 50);
      res.on('data', (chunk) => {
        buffer += chunk;
        let nl: number;
        while ((nl = buffer.indexOf('\n')) >= 0) {
          events.push(JSON.parse(buffer.slice(0, nl)));
          buffer = buffer.slice(nl + 1);
        }
        if (until(events)) {
          req.destroy();
          resolve(events);
        }
      });
      res.on('end', () => resolve(events));
    });
    req.on('error', (e) => (events.length ? resolve(events) : reject(e)));
    req.end();
  });
}

function cm(name: string, labels: Record<string, string> = {}) {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default', labels } };
}

beforeAll(async () => {
  t = await startTestApiServer();
  t.store.create('configmaps', cm('one', { app: 'a' }));
  t.store.create('configmaps', cm('two', { app: 'b' }));
});

afterAll(async () => {
  await t?.close();
});

describe('watch', () => {
  it('sendInitialEvents: ADDED per object, then the initial-events-end bookmark', async () => {
    const events = await watch('/api/v1/namespaces/default/configmaps?watch=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true', (e) => e.some((x) => x.type === 'BOOKMARK'));
    expect(events.map((e) => `${e.type} ${e.object.metadata.name ?? ''}`)).toEqual(['ADDED one', 'ADDED two', 'BOOKMARK ']);
    const bookmark = events[2]!.object;
    expect(bookmark.kind).toBe('ConfigMap');
    expect(bookmark.metadata.annotations).toEqual({ 'k8s.io/initial-events-end': 'true' });
    expect(Number(bookmark.metadata.resourceVersion)).toBe(t.store.currentRevision);
  });

  it('field selector metadata.name, as kubectl wait and delete send', async () => {
    const events = await watch('/api/v1/namespaces/default/configmaps?watch=true&fieldSelector=metadata.name%3Dtwo&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true', (e) => e.some((x) => x.type === 'BOOKMARK'));
    expect(events.map((e) => e.type)).toEqual(['ADDED', 'BOOKMARK']);
    expect(events[0]!.object.metadata.name).toBe('two');
  });

  it('resumes from a resourceVersion', async () => {
    const rv = t.store.currentRevision;
    t.store.create('configmaps', cm('three'));
    t.store.mutate('configmaps', 'default', 'three', (o: any) => (o.data = { k: 'v' }));
    const events = await watch(`/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${rv}`, (e) => e.length >= 2);
    expect(events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED three', 'MODIFIED three']);
  });

  it('a too old resourceVersion gives 410 Expired as an ERROR event', async () => {
    for (let i = 0; i < 2100; i++) t.store.mutate('configmaps', 'default', 'three', (o: any) => (o.data = { k: String(i) }));
    const events = await watch('/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=2', () => false);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired' } });
  });

  it('label selector: leaving the selection is DELETED, entering is ADDED', async () => {
    const events = await watch('/api/v1/namespaces/default/configmaps?watch=true&labelSelector=app%3Da', (e) => e.length >= 3, () => {
      t.store.mutate('configmaps', 'default', 'one', (o) => (o.metadata.labels = { app: 'z' }));
      t.store.mutate('configmaps', 'default', 'two', (o) => (o.metadata.labels = { app: 'a' }));
    });
    expect(events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED one', 'DELETED one', 'ADDED two']);
  });

  it('timeoutSeconds ends the stream', async () => {
    const start = Date.now();
    const events = await watch('/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=1&resourceVersion=' + t.store.currentRevision, () => false);
    expect(events).toEqual([]);
    expect(Date.now() - start).toBeGreaterThanOrEqual(900);
  });
});

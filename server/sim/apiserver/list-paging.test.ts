// limit/continue as the etcd3 storage pages a LIST.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../store/object-store.ts';
import { ApiError } from './status.ts';
import { decodeContinue, encodeContinue, pageOf } from './list-paging.ts';

const objs = ['a', 'b', 'c', 'd', 'e'].map((name) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' } }) as KubeObject);
const opts = { revision: 50, oldestRevision: 10, selective: false };

describe('pageOf', () => {
  it('no limit: everything, no token', () => {
    expect(pageOf(objs, { ...opts, limit: null, continueToken: null })).toEqual({ items: objs, resourceVersion: '50' });
  });

  it('walks the list in pages with remainingItemCount, at the first page\'s resourceVersion', () => {
    const first = pageOf(objs, { ...opts, limit: '2', continueToken: null });
    expect(first.items.map((o) => o.metadata.name)).toEqual(['a', 'b']);
    expect(first.remainingItemCount).toBe(3);
    const second = pageOf(objs, { ...opts, revision: 60, limit: '2', continueToken: first.continue! });
    expect(second.items.map((o) => o.metadata.name)).toEqual(['c', 'd']);
    expect(second.resourceVersion).toBe('50');
    const last = pageOf(objs, { ...opts, limit: '2', continueToken: second.continue! });
    expect(last.items.map((o) => o.metadata.name)).toEqual(['e']);
    expect(last.continue).toBeUndefined();
  });

  it('no remainingItemCount with selectors', () => {
    expect(pageOf(objs, { ...opts, selective: true, limit: '2', continueToken: null }).remainingItemCount).toBeUndefined();
  });

  it('a token older than the history is 410 Expired with a fresh token', () => {
    const err = (() => {
      try {
        pageOf(objs, { ...opts, limit: '2', continueToken: encodeContinue(5, 'default/c') });
      } catch (e) {
        return e as ApiError;
      }
      throw new Error('no error');
    })();
    expect(err.code).toBe(410);
    expect(err.reason).toBe('Expired');
    expect(err.message).toMatch(/^The provided continue parameter is too old/);
    expect(decodeContinue(err.toStatus().metadata.continue as string)).toEqual({ rv: 50, start: 'default/c' });
  });

  it.each(['!!!', Buffer.from('{"v":"x"}').toString('base64url'), encodeContinue(1, '../x')])('bad token %s is 400', (t) => {
    expect(() => pageOf(objs, { ...opts, limit: '2', continueToken: t })).toThrow(/continue key is not valid/);
  });
});

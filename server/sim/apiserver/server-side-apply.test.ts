import { describe, expect, it } from 'vitest';
import { recordUpdate } from './managed-fields.ts';
import { serverSideApply } from './server-side-apply.ts';

const now = new Date('2026-01-01T00:00:00Z');
const opts = (manager: string) => ({ manager, apiVersion: 'v1', now, force: false, kind: 'ConfigMap', group: '', resource: 'configmaps' });

function cm(data: Record<string, string>, labels?: Record<string, string>) {
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c', ...(labels ? { labels } : {}) }, data };
}

describe('server-side apply', () => {
  it('records fieldsV1 for the applier on create', () => {
    const live: any = cm({ a: '1' });
    serverSideApply.recordCreate(live, cm({ a: '1' }), 'helm', 'v1', now);
    expect(live.metadata.managedFields).toEqual([{ manager: 'helm', operation: 'Apply', apiVersion: 'v1', time: '2026-01-01T00:00:00Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:a': {} } } }]);
  });

  it('a field the manager stops applying is removed', () => {
    const live: any = cm({ a: '1', b: '2' });
    serverSideApply.recordCreate(live, cm({ a: '1', b: '2' }), 'helm', 'v1', now);
    const out = serverSideApply.apply(live, cm({ a: '1' }), opts('helm'));
    expect(out.data).toEqual({ a: '1' });
  });

  it('a field another manager also owns is kept', () => {
    const live: any = cm({ a: '1' }, { team: 'x' });
    serverSideApply.recordCreate(live, cm({ a: '1' }, { team: 'x' }), 'helm', 'v1', now);
    recordUpdate(live, 'kubectl-label', 'v1', now);
    const out = serverSideApply.apply(live, cm({ a: '1' }), opts('helm'));
    expect(out.metadata.labels).toEqual({ team: 'x' });
    expect(out.metadata.managedFields.map((e: any) => `${e.manager}/${e.operation}`)).toEqual(['kubectl-label/Update', 'helm/Apply']);
  });

  it('containers stay keyed by name and unapplied containers go away', () => {
    const dep = (containers: { name: string; image: string }[]) => ({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { template: { spec: { containers } } } });
    const live: any = dep([{ name: 'a', image: 'a:1' }, { name: 'b', image: 'b:1' }]);
    serverSideApply.recordCreate(live, structuredClone(live), 'mgr', 'apps/v1', now);
    expect(live.metadata.managedFields[0].fieldsV1['f:spec']['f:template']['f:spec']['f:containers']).toHaveProperty(['k:{"name":"a"}']);
    const out = serverSideApply.apply(live, dep([{ name: 'a', image: 'a:2' }]), { ...opts('mgr'), kind: 'Deployment', group: 'apps', resource: 'deployments' });
    expect(out.spec.template.spec.containers).toEqual([{ name: 'a', image: 'a:2' }]);
  });
});

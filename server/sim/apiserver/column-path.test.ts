// JSONPath as client-go's jsonpath evaluates CRD printer columns (missing keys allowed), on the
// column paths of the Gateway API CRDs and the shapes kubectl's own tests use.
import { describe, expect, it } from 'vitest';
import { ColumnPathError, findColumnValues, parseColumnPath } from './column-path.ts';

const gateway = {
  spec: { gatewayClassName: 'istio', listeners: [{ name: 'http', port: 80 }, { name: 'https', port: 443 }] },
  status: {
    addresses: [{ type: 'IPAddress', value: '172.18.255.200' }, { type: 'Hostname', value: 'gw.example' }],
    conditions: [
      { type: 'Accepted', status: 'True' },
      { type: 'Programmed', status: 'False' },
    ],
  },
};

describe('findColumnValues', () => {
  const cases: { path: string; want: unknown[] }[] = [
    { path: '.spec.gatewayClassName', want: ['istio'] },
    { path: '{.spec.gatewayClassName}', want: ['istio'] },
    { path: '.status.addresses[*].value', want: ['172.18.255.200', 'gw.example'] },
    { path: '.status.addresses[0].value', want: ['172.18.255.200'] },
    { path: '.status.addresses[-1].type', want: ['Hostname'] },
    { path: '.status.addresses[5].value', want: [] },
    { path: '.status.conditions[?(@.type=="Programmed")].status', want: ['False'] },
    { path: ".status.conditions[?(@.type=='Accepted')].status", want: ['True'] },
    { path: '.status.conditions[?(@.type!="Accepted")].type', want: ['Programmed'] },
    { path: '.spec.listeners[?(@.port>100)].name', want: ['https'] },
    { path: '.spec.listeners[?(@.port<=80)].name', want: ['http'] },
    { path: '.spec.listeners[?(@.name)].port', want: [80, 443] },
    { path: ".spec['gatewayClassName']", want: ['istio'] },
    { path: '.spec.listeners', want: [gateway.spec.listeners] },
    { path: '.status.missing[*].value', want: [] },
    { path: '.spec.gatewayClassName.deeper', want: [] },
  ];
  for (const c of cases) {
    it(c.path, () => {
      expect(findColumnValues(gateway, c.path)).toEqual(c.want);
    });
  }

  it('a missing status selects nothing (the cell prints <none>)', () => {
    expect(findColumnValues({ spec: {} }, '.status.conditions[?(@.type=="Programmed")].status')).toEqual([]);
  });

  it('refuses what it does not understand instead of guessing', () => {
    expect(() => parseColumnPath('.a[1:2]')).toThrow(ColumnPathError);
    expect(() => parseColumnPath('.a[?(@.b==nope)]')).toThrow(ColumnPathError);
    expect(() => parseColumnPath('.a[0')).toThrow(ColumnPathError);
  });
});

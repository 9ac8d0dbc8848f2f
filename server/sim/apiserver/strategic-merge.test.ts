// Cases shaped like k8s.io/apimachinery/pkg/util/strategicpatch testdata: what kubectl apply sends.
import { describe, expect, it } from 'vitest';
import { jsonMergePatch, strategicMerge } from './strategic-merge.ts';

const deployment = () => ({
  spec: {
    replicas: 1,
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
    template: {
      spec: {
        containers: [
          { name: 'app', image: 'app:1', env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }], ports: [{ containerPort: 80, protocol: 'TCP' }], volumeMounts: [{ name: 'data', mountPath: '/data' }] },
          { name: 'sidecar', image: 'proxy:1' },
        ],
        volumes: [{ name: 'data', emptyDir: {} }],
      },
    },
  },
});

describe('strategic merge patch', () => {
  const cases: { name: string; patch: Record<string, unknown>; check: (out: any) => void }[] = [
    {
      name: 'containers merge by name',
      patch: { spec: { template: { spec: { containers: [{ name: 'app', image: 'app:2' }] } } } },
      check: (o) => {
        expect(o.spec.template.spec.containers.map((c: any) => `${c.name}=${c.image}`)).toEqual(['app=app:2', 'sidecar=proxy:1']);
        expect(o.spec.template.spec.containers[0].env).toHaveLength(2);
      },
    },
    {
      name: 'new container is appended',
      patch: { spec: { template: { spec: { containers: [{ name: 'extra', image: 'x' }] } } } },
      check: (o) => expect(o.spec.template.spec.containers.map((c: any) => c.name)).toEqual(['app', 'sidecar', 'extra']),
    },
    {
      name: '$patch: delete removes a list item',
      patch: { spec: { template: { spec: { containers: [{ name: 'sidecar', $patch: 'delete' }] } } } },
      check: (o) => expect(o.spec.template.spec.containers.map((c: any) => c.name)).toEqual(['app']),
    },
    {
      name: '$setElementOrder reorders',
      patch: { spec: { template: { spec: { '$setElementOrder/containers': [{ name: 'sidecar' }, { name: 'app' }] } } } },
      check: (o) => expect(o.spec.template.spec.containers.map((c: any) => c.name)).toEqual(['sidecar', 'app']),
    },
    {
      name: 'env merges by name; null deletes a field',
      patch: { spec: { replicas: null, template: { spec: { containers: [{ name: 'app', env: [{ name: 'B', value: '3' }, { name: 'C', value: '4' }] }] } } } },
      check: (o) => {
        expect(o.spec.replicas).toBeUndefined();
        expect(o.spec.template.spec.containers[0].env).toEqual([{ name: 'A', value: '1' }, { name: 'B', value: '3' }, { name: 'C', value: '4' }]);
      },
    },
    {
      name: 'container ports merge by containerPort',
      patch: { spec: { template: { spec: { containers: [{ name: 'app', ports: [{ containerPort: 8080 }] }] } } } },
      check: (o) => expect(o.spec.template.spec.containers[0].ports.map((p: any) => p.containerPort)).toEqual([80, 8080]),
    },
    {
      name: 'volumeMounts merge by mountPath',
      patch: { spec: { template: { spec: { containers: [{ name: 'app', volumeMounts: [{ mountPath: '/data', name: 'other' }] }] } } } },
      check: (o) => expect(o.spec.template.spec.containers[0].volumeMounts).toEqual([{ name: 'other', mountPath: '/data' }]),
    },
    {
      name: '$retainKeys clears the other union members (strategy)',
      patch: { spec: { strategy: { $retainKeys: ['type'], type: 'Recreate', rollingUpdate: null } } },
      check: (o) => expect(o.spec.strategy).toEqual({ type: 'Recreate' }),
    },
    {
      name: '$patch: replace on a map',
      patch: { spec: { template: { spec: { $patch: 'replace', containers: [{ name: 'only', image: 'o' }] } } } },
      check: (o) => expect(o.spec.template.spec).toEqual({ containers: [{ name: 'only', image: 'o' }] }),
    },
    {
      name: '$deleteFromPrimitiveList',
      patch: { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } },
      check: (o) => expect(o.metadata.finalizers).toEqual(['b']),
    },
    {
      name: 'finalizers merge as a set',
      patch: { metadata: { finalizers: ['c', 'a'] } },
      check: (o) => expect(o.metadata.finalizers).toEqual(['a', 'b', 'c']),
    },
    {
      name: 'atomic lists (args) are replaced',
      patch: { spec: { template: { spec: { containers: [{ name: 'sidecar', args: ['x'] }] } } } },
      check: (o) => expect(o.spec.template.spec.containers[1].args).toEqual(['x']),
    },
  ];
  it.each(cases)('$name', ({ patch, check }) => {
    const original = { metadata: { finalizers: ['a', 'b'] }, ...deployment() };
    const before = structuredClone(original);
    check(strategicMerge(original, patch));
    expect(original).toEqual(before);
  });

  it('service ports merge by port', () => {
    const svc = { spec: { ports: [{ name: 'http', port: 80, targetPort: 8080 }, { name: 'https', port: 443 }] } };
    const out = strategicMerge(svc, { spec: { ports: [{ port: 80, targetPort: 9090 }] } }) as any;
    expect(out.spec.ports).toEqual([{ name: 'http', port: 80, targetPort: 9090 }, { name: 'https', port: 443 }]);
  });

  it('unknown directive is a 400', () => {
    expect(() => strategicMerge({ a: {} }, { a: { $patch: 'explode' } })).toThrowError(/Unknown patch type/);
  });
});

describe('JSON merge patch (RFC 7386)', () => {
  it.each([
    ['replace scalar', { a: 'b' }, { a: 'c' }, { a: 'c' }],
    ['remove with null', { a: 'b', c: 'd' }, { a: null }, { c: 'd' }],
    ['arrays replace', { a: [1, 2] }, { a: [3] }, { a: [3] }],
    ['nested add', { a: { b: 1 } }, { a: { c: 2 } }, { a: { b: 1, c: 2 } }],
  ])('%s', (_n, target, patch, want) => {
    expect(jsonMergePatch(target, patch)).toEqual(want);
  });
});

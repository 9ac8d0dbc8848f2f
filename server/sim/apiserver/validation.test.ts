// Messages from k8s.io/apimachinery/pkg/util/validation and the kinds' validation.go.
import { describe, expect, it } from 'vitest';
import { ResourceRegistry, type ResourceType } from './resources.ts';
import { validateName, validateObject, validateUpdate } from './validation.ts';

const registry = new ResourceRegistry();
const typeOf = (key: string): ResourceType => registry.byStoreKey(key)!;

describe('names', () => {
  it.each([
    ['configmaps', 'ok-name.v1', 0],
    ['configmaps', 'Bad', 1],
    ['configmaps', 'a'.repeat(254), 1],
    ['namespaces', 'with.dot', 1],
    ['services', '1starts-with-digit', 1],
    ['services', 'web-1', 0],
    ['pods', '', 1],
  ] as const)('%s %j → %i causes', (key, name, count) => {
    expect(validateName(typeOf(key), name)).toHaveLength(count);
  });

  it('DNS-1123 subdomain message', () => {
    expect(validateName(typeOf('pods'), 'Bad_Name')[0]).toEqual({
      reason: 'FieldValueInvalid',
      field: 'metadata.name',
      message: `Invalid value: "Bad_Name": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    });
  });

  it('missing name', () => {
    expect(validateName(typeOf('pods'), undefined)).toEqual([{ reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' }]);
  });
});

describe('kinds', () => {
  const deployment = (labels: Record<string, string>) => ({
    metadata: { name: 'd' },
    spec: { selector: { matchLabels: { app: 'a' } }, template: { metadata: { labels }, spec: { containers: [{ name: 'c', image: 'i' }] } } },
  });

  it('selector must match template labels', () => {
    const causes = validateObject(typeOf('apps/deployments'), deployment({ app: 'b' }));
    expect(causes).toEqual([{ reason: 'FieldValueInvalid', field: 'spec.template.metadata.labels', message: 'Invalid value: map[string]string{"app":"b"}: `selector` does not match template `labels`' }]);
  });

  it('container image is required', () => {
    expect(validateObject(typeOf('pods'), { metadata: { name: 'p' }, spec: { containers: [{ name: 'c' }] } })).toEqual([{ reason: 'FieldValueRequired', field: 'spec.containers[0].image', message: 'Required value' }]);
  });

  it('service type enum', () => {
    const causes = validateObject(typeOf('services'), { metadata: { name: 's' }, spec: { type: 'Foo', ports: [{ port: 80, protocol: 'TCP' }] } });
    expect(causes).toEqual([{ reason: 'FieldValueNotSupported', field: 'spec.type', message: 'Unsupported value: "Foo": supported values: "ClusterIP", "ExternalName", "LoadBalancer", "NodePort"' }]);
  });

  it('service port range', () => {
    const causes = validateObject(typeOf('services'), { metadata: { name: 's' }, spec: { type: 'ClusterIP', ports: [{ port: 0, protocol: 'TCP' }] } });
    expect(causes[0]).toMatchObject({ field: 'spec.ports[0].port', message: 'Invalid value: 0: must be between 1 and 65535, inclusive' });
  });

  it('deployment selector is immutable', () => {
    const old = deployment({ app: 'a' });
    const next = structuredClone(old);
    next.spec.selector.matchLabels.app = 'z';
    expect(validateUpdate(typeOf('apps/deployments'), next, old)[0]).toMatchObject({ field: 'spec.selector', message: expect.stringMatching(/field is immutable$/) });
  });
});

describe('ConfigMap and Secret data size (core.MaxSecretSize, 1 MiB)', () => {
  const mib = 1024 * 1024;
  it.each([
    ['configmaps', { data: { k: 'x'.repeat(mib - 1) } }, []],
    ['configmaps', { data: { k: 'x'.repeat(mib) } }, [{ reason: 'FieldValueTooLong', field: '[]', message: 'Too long: may not be more than 1048576 bytes' }]],
    ['configmaps', { data: { a: 'x'.repeat(mib / 2) }, binaryData: { b: Buffer.alloc(mib / 2).toString('base64') } }, [{ reason: 'FieldValueTooLong', field: '[]', message: 'Too long: may not be more than 1048576 bytes' }]],
    ['secrets', { data: { k: Buffer.alloc(mib - 1).toString('base64') } }, []],
    ['secrets', { data: { k: Buffer.alloc(mib).toString('base64') } }, [{ reason: 'FieldValueTooLong', field: 'data', message: 'Too long: may not be more than 1048576 bytes' }]],
  ] as const)('%s %#', (key, body, causes) => {
    expect(validateObject(typeOf(key), { metadata: { name: 'big' }, ...body })).toEqual(causes);
  });
});

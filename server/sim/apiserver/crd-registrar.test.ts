import { describe, expect, it } from 'vitest';
import { compareKubeVersions, establishedStatus, typeFromCrd } from './crd-registrar.ts';

describe('CRD-defined kinds', () => {
  it('orders versions as Kubernetes discovery does', () => {
    // k8s.io/apimachinery/pkg/version CompareKubeAwareVersionStrings ordering.
    expect(['v1alpha1', 'v1beta1', 'v2', 'foo', 'v1', 'v1beta2', 'v10', 'v11alpha2'].sort(compareKubeVersions)).toEqual(['v10', 'v2', 'v1', 'v1beta2', 'v1beta1', 'v11alpha2', 'v1alpha1', 'foo']);
  });

  it('derives names, scope, versions and printer columns', () => {
    const type = typeFromCrd({
      metadata: { name: 'telemetries.telemetry.istio.io' },
      spec: {
        group: 'telemetry.istio.io',
        scope: 'Namespaced',
        names: { kind: 'Telemetry', plural: 'telemetries', singular: 'telemetry', shortNames: ['telemetry'], categories: ['istio-io'] },
        versions: [
          { name: 'v1alpha1', served: true, storage: false },
          { name: 'v1', served: true, storage: true, subresources: { status: {} }, additionalPrinterColumns: [{ name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' }] },
          { name: 'v0', served: false, storage: false },
        ],
      },
    });
    expect(type).toMatchObject({ group: 'telemetry.istio.io', versions: ['v1', 'v1alpha1'], storageVersion: 'v1', resource: 'telemetries', kind: 'Telemetry', namespaced: true, subresources: ['status'], custom: true, fromCrd: 'telemetries.telemetry.istio.io' });
    expect(type?.printerColumns).toEqual([{ name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp', description: undefined, priority: 0 }]);
  });

  it('refuses CRDs without names or served versions', () => {
    expect(typeFromCrd({ spec: { group: 'x.io', names: { plural: 'xs' }, versions: [{ name: 'v1', served: true }] } })).toBeUndefined();
    expect(typeFromCrd({ spec: { group: 'x.io', names: { plural: 'xs', kind: 'X' }, versions: [{ name: 'v1', served: false }] } })).toBeUndefined();
  });

  it('an accepted CRD is Established', () => {
    const st = establishedStatus({ spec: { names: { kind: 'X', plural: 'xs' }, versions: [{ name: 'v1', storage: true }] } }, '2026-01-01T00:00:00Z');
    expect(st.conditions.map((c: { type: string; status: string }) => `${c.type}=${c.status}`)).toEqual(['NamesAccepted=True', 'Established=True']);
    expect(st.storedVersions).toEqual(['v1']);
  });
});

import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../store/object-store.ts';
import { hasSidecar, podIPOf, serviceAccountOf } from './pod.ts';

const pod = (spec: unknown, status?: unknown): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' }, spec, status }) as KubeObject;

describe('hasSidecar', () => {
  it.each([
    { name: 'a legacy istio-proxy container', spec: { containers: [{ name: 'app' }, { name: 'istio-proxy' }] }, want: true },
    { name: 'a native sidecar (istio-proxy init container)', spec: { containers: [{ name: 'app' }], initContainers: [{ name: 'istio-init' }, { name: 'istio-proxy', restartPolicy: 'Always' }] }, want: true },
    { name: 'only istio-init', spec: { containers: [{ name: 'app' }], initContainers: [{ name: 'istio-init' }] }, want: false },
    { name: 'no containers at all', spec: {}, want: false },
    { name: 'null lists and entries', spec: { containers: null, initContainers: [null] }, want: false },
  ])('$name: $want', ({ spec, want }) => expect(hasSidecar(pod(spec))).toBe(want));
});

describe('podIPOf and serviceAccountOf', () => {
  it('reads status.podIP, undefined while it is empty', () => {
    expect(podIPOf(pod({}, { podIP: '10.244.0.7' }))).toBe('10.244.0.7');
    expect(podIPOf(pod({}, { podIP: '' }))).toBeUndefined();
    expect(podIPOf(pod({}))).toBeUndefined();
  });
  it('reads spec.serviceAccountName, default when unset', () => {
    expect(serviceAccountOf(pod({ serviceAccountName: 'bookinfo-productpage' }))).toBe('bookinfo-productpage');
    expect(serviceAccountOf(pod({}))).toBe('default');
  });
});

// The metadata-exchange headers against a real sidecar's: the X-Envoy-Peer-Metadata that
// httpbin.org echoed for Istio 1.22.1's curl sample pod (a bare pod `curl` in `default`, pod IP
// 10.244.0.7), with its X-Envoy-Peer-Metadata-Id `sidecar~10.244.0.7~curl.default~default.svc.cluster.local`.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../store/object-store.ts';
import { decodeStruct, encodeStruct, peerMetadataHeaders, sidecarNodeMetadata, workloadOf } from './peer-metadata.ts';

const REAL_1_22_1 =
  'ChgKDkFQUF9DT05UQUlORVJTEgYaBGN1cmwKGgoKQ0xVU1RFUl9JRBIMGgpLdWJlcm5ldGVzChwKDElOU1RBTkNFX0lQUxIMGgoxMC4yNDQuMC43ChkKDUlTVElPX1ZFUlNJT04SCBoGMS4yMi4xCqwBCgZMQUJFTFMSoQEqngEKDQoDYXBwEgYaBGN1cmwKJAoZc2VjdXJpdHkuaXN0aW8uaW8vdGxzTW9kZRIHGgVpc3RpbwopCh9zZXJ2aWNlLmlzdGlvLmlvL2Nhbm9uaWNhbC1uYW1lEgYaBGN1cmwKKwojc2VydmljZS5pc3Rpby5pby9jYW5vbmljYWwtcmV2aXNpb24SBBoCdjEKDwoHdmVyc2lvbhIEGgJ2MQoaCgdNRVNIX0lEEg8aDWNsdXN0ZXIubG9jYWwKDgoETkFNRRIGGgRjdXJsChYKCU5BTUVTUEFDRRIJGgdkZWZhdWx0CjwKBU9XTkVSEjMaMWt1YmVybmV0ZXM6Ly9hcGlzL3YxL25hbWVzcGFjZXMvZGVmYXVsdC9wb2RzL2N1cmwKFwoNV09SS0xPQURfTkFNRRIGGgRjdXJs';

const labels = { app: 'curl', version: 'v1', 'security.istio.io/tlsMode': 'istio', 'service.istio.io/canonical-name': 'curl', 'service.istio.io/canonical-revision': 'v1' };
const barePod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'curl', namespace: 'default', labels }, spec: { containers: [{ name: 'curl' }], initContainers: [{ name: 'istio-init' }, { name: 'istio-proxy' }] } };

describe('peer metadata', () => {
  it('encodes byte for byte what a real sidecar sends (given its Istio version)', () => {
    const md = { ...sidecarNodeMetadata(barePod, '10.244.0.7'), ISTIO_VERSION: '1.22.1' };
    expect(encodeStruct(md).toString('base64')).toBe(REAL_1_22_1);
  });

  it('headers: base64 Struct and the node id', () => {
    const h = peerMetadataHeaders(barePod, '10.244.0.7');
    expect(h['x-envoy-peer-metadata-id']).toBe('sidecar~10.244.0.7~curl.default~default.svc.cluster.local');
    const fields = decodeStruct(Buffer.from(h['x-envoy-peer-metadata']!, 'base64')).fields as Record<string, { stringValue?: string }>;
    expect(Object.keys(fields)).toEqual(['APP_CONTAINERS', 'CLUSTER_ID', 'INSTANCE_IPS', 'ISTIO_VERSION', 'LABELS', 'MESH_ID', 'NAME', 'NAMESPACE', 'OWNER', 'WORKLOAD_NAME']);
    expect(fields.ISTIO_VERSION!.stringValue).toMatch(/^1\.\d+\.\d+$/);
  });

  it.each([
    ['bare pod', {}, { name: 'curl', owner: 'kubernetes://apis/v1/namespaces/default/pods/curl' }],
    ['Deployment pod (through its ReplicaSet)', { labels: { 'pod-template-hash': '557747455f' }, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'sleep-557747455f', uid: 'u1', controller: true }] }, { name: 'sleep', owner: 'kubernetes://apis/apps/v1/namespaces/default/deployments/sleep' }],
    ['StatefulSet pod', { ownerReferences: [{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', uid: 'u2', controller: true }] }, { name: 'db', owner: 'kubernetes://apis/apps/v1/namespaces/default/statefulsets/db' }],
  ])('workload of a %s', (_n, meta, want) => {
    expect(workloadOf({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'curl', namespace: 'default', ...meta } } as KubeObject)).toEqual(want);
  });
});

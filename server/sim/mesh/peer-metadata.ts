// The metadata-exchange headers an Istio sidecar puts on its outbound HTTP requests:
// `x-envoy-peer-metadata` (the proxy's node metadata, a google.protobuf.Struct, serialized and
// base64-encoded) and `x-envoy-peer-metadata-id` (the node id,
// `sidecar~<pod IP>~<pod>.<namespace>~<namespace>.svc.cluster.local`). The receiving sidecar
// consumes and removes them, so only a server without a sidecar (an outside service such as
// httpbin.org) sees them. Field names and values as real sidecars send them: APP_CONTAINERS,
// CLUSTER_ID, INSTANCE_IPS, ISTIO_VERSION, LABELS, MESH_ID, NAME, NAMESPACE, OWNER,
// WORKLOAD_NAME, with map keys in sorted order as Go's deterministic marshalling writes them.
import protobuf from 'protobufjs';
import type { KubeObject } from '../store/object-store.ts';
import { ISTIO_VERSION, workloadOf as injectedWorkloadOf } from '../controllers/sidecar-injection.ts';

type Obj = Record<string, unknown>;

export const PEER_METADATA_HEADER = 'x-envoy-peer-metadata';
export const PEER_METADATA_ID_HEADER = 'x-envoy-peer-metadata-id';

const STRUCT_PROTO = `
syntax = "proto3";
package google.protobuf;
message Struct { map<string, Value> fields = 1; }
message Value {
  oneof kind {
    int32 null_value = 1;
    double number_value = 2;
    string string_value = 3;
    bool bool_value = 4;
    Struct struct_value = 5;
    ListValue list_value = 6;
  }
}
message ListValue { repeated Value values = 1; }
`;

const Struct = protobuf.parse(STRUCT_PROTO).root.lookupType('google.protobuf.Struct');

type StructValue = string | { [k: string]: StructValue };

/** A plain object as a protobuf Struct message, keys sorted at every level. */
function toStruct(o: { [k: string]: StructValue }): Obj {
  const fields: Obj = {};
  for (const k of Object.keys(o).sort()) {
    const v = o[k]!;
    fields[k] = typeof v === 'string' ? { stringValue: v } : { structValue: toStruct(v) };
  }
  return { fields };
}

export function encodeStruct(o: { [k: string]: StructValue }): Buffer {
  return Buffer.from(Struct.encode(Struct.fromObject(toStruct(o))).finish());
}

export function decodeStruct(b: Buffer): Obj {
  return Struct.toObject(Struct.decode(b)) as Obj;
}

/** The workload a pod belongs to and its owner URI, as the injector writes ISTIO_META_WORKLOAD_NAME and ISTIO_META_OWNER. */
export function workloadOf(pod: KubeObject): { name: string; owner: string } {
  const ns = pod.metadata.namespace ?? 'default';
  const w = injectedWorkloadOf(pod);
  return { name: w.name, owner: `kubernetes://apis/${w.apiVersion}/namespaces/${ns}/${w.kind.toLowerCase()}s/${w.name}` };
}

/** The sidecar's node id. */
export function sidecarNodeId(pod: KubeObject, podIP: string): string {
  const ns = pod.metadata.namespace ?? 'default';
  return `sidecar~${podIP}~${pod.metadata.name}.${ns}~${ns}.svc.cluster.local`;
}

/** The node metadata a pod's sidecar announces. */
export function sidecarNodeMetadata(pod: KubeObject, podIP: string): { [k: string]: StructValue } {
  const ns = pod.metadata.namespace ?? 'default';
  const containers = (((pod.spec as Obj | undefined)?.containers as Obj[] | undefined) ?? []).map((c) => String(c.name ?? '')).filter((n) => n && n !== 'istio-proxy');
  const workload = workloadOf(pod);
  return {
    APP_CONTAINERS: containers.join(','),
    CLUSTER_ID: 'Kubernetes',
    INSTANCE_IPS: podIP,
    ISTIO_VERSION,
    LABELS: { ...(pod.metadata.labels ?? {}) },
    MESH_ID: 'cluster.local',
    NAME: pod.metadata.name,
    NAMESPACE: ns,
    OWNER: workload.owner,
    WORKLOAD_NAME: workload.name,
  };
}

/** Both metadata-exchange headers of a pod's sidecar. */
export function peerMetadataHeaders(pod: KubeObject, podIP: string): Record<string, string> {
  return {
    [PEER_METADATA_HEADER]: encodeStruct(sidecarNodeMetadata(pod, podIP)).toString('base64'),
    [PEER_METADATA_ID_HEADER]: sidecarNodeId(pod, podIP),
  };
}

// Ownership helpers and limits shared by the workload controllers.
import type { KubeObject, OwnerReference } from '../store/object-store.ts';

export function controllerRef(obj: KubeObject): OwnerReference | undefined {
  return obj.metadata.ownerReferences?.find((r) => r.controller === true);
}

export function ownerRefTo(owner: KubeObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name,
    uid: owner.metadata.uid!,
    controller: true,
    blockOwnerDeletion: true,
  };
}

export function isOwnedBy(obj: KubeObject, owner: KubeObject): boolean {
  return controllerRef(obj)?.uid === owner.metadata.uid;
}

/**
 * Most pods one embedded cluster runs. A real cluster would create them all; a process serving
 * many learners must not, so the ReplicaSet controller reports FailedCreate beyond this.
 */
export const MAX_PODS_PER_CLUSTER = 500;

/** spec.replicas as a controller may use it: a non-negative integer (default 1), bounded. */
export function replicasOf(obj: KubeObject): number {
  const r = (obj.spec as Record<string, unknown> | undefined)?.replicas;
  if (r === undefined || r === null) return 1;
  if (typeof r !== 'number' || !Number.isFinite(r) || r < 0) return 0;
  return Math.min(Math.floor(r), 1_000_000);
}

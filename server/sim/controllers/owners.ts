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

/** matchLabels and matchExpressions of a LabelSelector against a label set. */
export function selectorMatches(selector: unknown, labels: Record<string, string> | undefined): boolean {
  if (!selector || typeof selector !== 'object') return false;
  const sel = selector as { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] };
  const l = labels ?? {};
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (l[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(l, e.key);
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In':
        if (!has || !values.includes(l[e.key]!)) return false;
        break;
      case 'NotIn':
        if (has && values.includes(l[e.key]!)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return Object.keys(sel.matchLabels ?? {}).length + (sel.matchExpressions?.length ?? 0) > 0;
}

/** A Service's plain map selector. */
export function mapSelectorMatches(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector || !Object.keys(selector).length) return false;
  const l = labels ?? {};
  return Object.entries(selector).every(([k, v]) => l[k] === v);
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

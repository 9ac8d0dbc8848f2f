// Strategic-merge metadata from the Kubernetes API types (`patchMergeKey`/`listType=map` tags in
// k8s.io/api): which lists merge by which key. Lists not named here are atomic (replaced whole).

/** Path suffix (field names, no indices) → merge key. Longest suffix wins. */
const MERGE_KEYS: [string[], string][] = [
  [['containers'], 'name'],
  [['initContainers'], 'name'],
  [['ephemeralContainers'], 'name'],
  [['env'], 'name'],
  [['volumes'], 'name'],
  [['volumeMounts'], 'mountPath'],
  [['volumeDevices'], 'devicePath'],
  [['imagePullSecrets'], 'name'],
  [['containers', 'ports'], 'containerPort'],
  [['initContainers', 'ports'], 'containerPort'],
  [['ephemeralContainers', 'ports'], 'containerPort'],
  [['spec', 'ports'], 'port'],
  [['hostAliases'], 'ip'],
  [['topologySpreadConstraints'], 'topologyKey'],
  [['conditions'], 'type'],
  [['ownerReferences'], 'uid'],
  [['resourceClaims'], 'name'],
  [['schedulingGates'], 'name'],
  [['readinessGates'], 'conditionType'],
  [['podIPs'], 'ip'],
  [['hostIPs'], 'ip'],
  [['containerStatuses'], 'name'],
  [['initContainerStatuses'], 'name'],
];

/** Lists of primitives merged as sets (patchStrategy merge without key). */
const PRIMITIVE_SET_LISTS: string[][] = [['finalizers'], ['metadata', 'finalizers']];

function endsWith(path: string[], suffix: string[]): boolean {
  if (suffix.length > path.length) return false;
  return suffix.every((s, i) => path[path.length - suffix.length + i] === s);
}

/** The merge key of the list at `path` (field names only), or undefined when the list is atomic. */
export function mergeKeyFor(path: string[]): string | undefined {
  // Service ports are keyed by port; container ports (…containers.ports) by containerPort.
  let best: [string[], string] | undefined;
  for (const entry of MERGE_KEYS) if (endsWith(path, entry[0]) && (!best || entry[0].length > best[0].length)) best = entry;
  if (best && best[0].length === 2 && best[0][0] === 'spec' && best[0][1] === 'ports' && path.length !== 2) {
    // `spec.ports` of a Service is at depth 2; pod template ports are under containers.
    return path.includes('containers') || path.includes('initContainers') ? 'containerPort' : best[1];
  }
  return best?.[1];
}

export function isPrimitiveSetList(path: string[]): boolean {
  return PRIMITIVE_SET_LISTS.some((s) => endsWith(path, s));
}

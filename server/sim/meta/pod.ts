// Facts about a pod read the same way everywhere: its sidecar, its IP, its service account.
import type { KubeObject } from '../store/object-store.ts';

interface Container {
  name?: unknown;
}

/**
 * Whether the pod runs Istio's sidecar: an `istio-proxy` container, or the native sidecar
 * (`istio-proxy` as a restartable init container, Kubernetes 1.29+ with ENABLE_NATIVE_SIDECARS).
 */
export function hasSidecar(pod: object): boolean {
  const spec = ((pod as { spec?: unknown }).spec ?? {}) as { containers?: Container[] | null; initContainers?: Container[] | null };
  return [...(spec.containers ?? []), ...(spec.initContainers ?? [])].some((c) => c?.name === 'istio-proxy');
}

/** `status.podIP`, or undefined before the pod has one. */
export function podIPOf(pod: KubeObject): string | undefined {
  const ip = (pod.status as { podIP?: unknown } | undefined)?.podIP;
  return typeof ip === 'string' && ip ? ip : undefined;
}

/** `spec.serviceAccountName`, `default` when unset (as the ServiceAccount admission plugin sets it). */
export function serviceAccountOf(pod: KubeObject): string {
  const sa = (pod.spec as { serviceAccountName?: unknown } | undefined)?.serviceAccountName;
  return typeof sa === 'string' && sa ? sa : 'default';
}

// What the controllers ask of the layer that "runs containers" (server/sim/workloads): start a
// pod's simulated containers once it is scheduled, and stop them when it goes away. A pod turns
// Ready only after startPod resolves, so endpoints never point at a server that is not listening.
import type { KubeObject } from '../store/object-store.ts';

export interface PodRuntime {
  /** Start the pod's containers (e.g. an httpbin server bound on loopback for podIP:containerPort). */
  startPod(pod: KubeObject): Promise<void>;
  /** Stop them; called when the pod is deleted. Must be idempotent. */
  stopPod(pod: KubeObject): Promise<void>;
}

export const noopPodRuntime: PodRuntime = {
  async startPod() {},
  async stopPod() {},
};

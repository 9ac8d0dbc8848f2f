// The whole embedded cluster a learner gets: simulated containers (workloads), the mesh data
// plane (gateways and sidecars), Istio's config validation, the simulated internet with the
// laptop's uplink, and `kubectl exec` in the sandbox through the pod's sidecar.
import type { SandboxOwner } from '../../sandbox/confinement.ts';
import type { ClusterContext, EmbeddedClusterOptions } from '../../sim/cluster.ts';
import { SandboxExecBackend } from '../../sim/exec/sandbox-exec-backend.ts';
import { gatewayControllerAddon } from '../../sim/gateway-api/controller.ts';
import { gatewayApiConverter } from '../../sim/gateway-api/convert.ts';
import { gatewayApiDefaultsAdmission } from '../../sim/gateway-api/defaults.ts';
import { loadBalancerNetwork } from '../../sim/gateway-api/load-balancer.ts';
import { clusterNetworkFor } from '../../sim/network/cluster-network.ts';
import { istioctlAddon } from '../../sim/analyze/istioctl-command.ts';
import { meshAddon, meshOf, workloadRuntime } from '../../sim/mesh/mesh-addon.ts';
import { istioValidationPlugin } from '../../sim/mesh/validation.ts';
import { startWorldAddon, type WorldAddon } from '../../sim/world/world-addon.ts';

export interface FullClusterOptions extends EmbeddedClusterOptions {
  /** Run exec'd commands without bubblewrap (single-user machines only, as `--unsafe-no-sandbox`). */
  unsafeNoSandbox?: boolean;
  /** The learner whose limits exec'd commands share. */
  owner?: SandboxOwner;
}

/** Options for EmbeddedCluster.start() with every part of the data plane wired in. */
export function fullClusterOptions(options: FullClusterOptions = {}): EmbeddedClusterOptions {
  const { unsafeNoSandbox, owner, ...base } = options;
  // One world addon per cluster, found again by the cluster's store.
  const worlds = new WeakMap<object, WorldAddon>();
  return {
    ...base,
    podRuntime: base.podRuntime ?? workloadRuntime,
    admission: [gatewayApiDefaultsAdmission, istioValidationPlugin, ...(base.admission ?? [])],
    exec:
      base.exec ??
      ((ctx: ClusterContext) =>
        new SandboxExecBackend({
          store: ctx.store,
          clusterDir: ctx.dir,
          // Both start after the API server; until then exec answers that the network is not ready.
          dataPlane: () => meshOf(ctx.store)?.sidecar,
          world: () => worlds.get(ctx.store)?.world,
          // TCP through a pod's sidecar is logged like Envoy's; a pod's localhost reaches its own ports.
          logs: ctx.logs,
          podSocket: (ip, port) => clusterNetworkFor(ctx.store).socketOf(ip, port),
          unsafeNoSandbox,
          owner,
        })),
    addons: [
      async (ctx) => {
        // The learner's machine reaches the gateways' load balancer addresses too.
        const world = await startWorldAddon(ctx, undefined, { nearer: loadBalancerNetwork(ctx.store) });
        worlds.set(ctx.store, world);
        return world;
      },
      meshAddon({ external: (ctx) => worlds.get(ctx.store)!.world, configConverters: [gatewayApiConverter] }),
      gatewayControllerAddon(),
      istioctlAddon(),
      ...(base.addons ?? []),
    ],
  };
}

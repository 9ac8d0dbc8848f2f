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
import { istioctlAddon } from '../../sim/analyze/istioctl-command.ts';
import { meshAddon, workloadRuntime } from '../../sim/mesh/mesh-addon.ts';
import { istioValidationPlugin } from '../../sim/mesh/validation.ts';
import type { SimulatedInternet } from '../../sim/world/simulated-internet.ts';
import { startWorldAddon } from '../../sim/world/world-addon.ts';

export interface FullClusterOptions extends EmbeddedClusterOptions {
  /** Run exec'd commands without bubblewrap (single-user machines only, as `--unsafe-no-sandbox`). */
  unsafeNoSandbox?: boolean;
  /** The learner whose limits exec'd commands share. */
  owner?: SandboxOwner;
}

/** The simulated internet the world addon (started before the mesh) provided. */
function worldOf(ctx: ClusterContext): SimulatedInternet {
  const world = ctx.parts.world;
  if (!world) throw new Error('the mesh starts after the simulated internet');
  return world;
}

/** Options for EmbeddedCluster.start() with every part of the data plane wired in. */
export function fullClusterOptions(options: FullClusterOptions = {}): EmbeddedClusterOptions {
  const { unsafeNoSandbox, owner, ...base } = options;
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
          dataPlane: () => ctx.parts.mesh?.sidecar,
          world: () => ctx.parts.world,
          // TCP through a pod's sidecar is logged like Envoy's; a pod's localhost reaches its own ports.
          logs: ctx.logs,
          podSocket: (ip, port) => ctx.network.socketOf(ip, port),
          unsafeNoSandbox,
          owner,
        })),
    addons: [
      // The learner's machine reaches the gateways' load balancer addresses too.
      (ctx) => startWorldAddon(ctx, undefined, { nearer: loadBalancerNetwork(ctx.store) }),
      meshAddon({ external: worldOf, configConverters: [gatewayApiConverter] }),
      gatewayControllerAddon(),
      istioctlAddon(),
      ...(base.addons ?? []),
    ],
  };
}

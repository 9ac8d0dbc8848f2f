// How an EmbeddedCluster gets its data plane: `podRuntime: workloadRuntime` runs the containers,
// `addons: [meshAddon()]` starts the mesh, `admission: [istioValidationPlugin]` validates config.
// All three share the cluster's ClusterNetwork (ClusterContext.network); the mesh addon provides
// the cluster's `mesh` field.
import type { Logger } from 'pino';
import type { ClusterAddon, ClusterContext } from '../cluster.ts';
import { createLogger } from '../../util/logger.ts';
import type { ExternalNetwork } from '../world/external-network.ts';
import { noExternalNetwork } from '../world/external-network.ts';
import { WorkloadRuntime } from '../workloads/workload-runtime.ts';
import { MeshDataPlane } from './mesh-data-plane.ts';
import type { ConfigConverter } from './translate.ts';
import { exposeRecentRequests } from './recent-requests-api.ts';
import { installExplainCommand } from './explain-command.ts';

export interface MeshAddon extends ClusterAddon {
  mesh: MeshDataPlane;
  provides: { mesh: MeshDataPlane };
}

export function workloadRuntime(ctx: ClusterContext): WorkloadRuntime {
  return new WorkloadRuntime({ network: ctx.network, logs: ctx.logs, now: () => ctx.timers.now() });
}

let processLogger: Logger | undefined;

export interface MeshAddonOptions {
  external?: ExternalNetwork | ((ctx: ClusterContext) => ExternalNetwork);
  configConverters?: ConfigConverter[];
  /** Where the mesh logs what it cannot handle; each cluster gets a child (default: the process's stderr logger). */
  logger?: Logger;
  /** Random source for weights, fault percentages, mirrors and load balancing (default Math.random). */
  random?: () => number;
}

export function meshAddon(options: MeshAddonOptions = {}): (ctx: ClusterContext) => Promise<MeshAddon> {
  return async (ctx) => {
    const logger = (options.logger ?? (processLogger ??= createLogger())).child({ component: 'mesh', cluster: ctx.id });
    const external = typeof options.external === 'function' ? options.external(ctx) : (options.external ?? noExternalNetwork);
    const mesh = new MeshDataPlane({
      store: ctx.store,
      logs: ctx.logs,
      network: ctx.network,
      external,
      clock: { now: () => ctx.timers.now() },
      propagationDelayMs: ctx.meshPropagationMs,
      configConverters: options.configConverters,
      logger,
      random: options.random,
    });
    await mesh.start();
    const unexpose = exposeRecentRequests(ctx.extensions, mesh.decisions);
    await installExplainCommand(ctx.dir);
    return {
      mesh,
      provides: { mesh },
      reset: () => mesh.decisions.clear(),
      settled: () => mesh.whenApplied(),
      stop: async () => {
        unexpose();
        await mesh.stop();
      },
    };
  };
}

// The simulated internet as an embedded cluster's addon: takes a lease on the process's shared
// world and starts the cluster's laptop uplink (server/sim/exec/host-network.ts), whose variables
// go into the learner's shell environment. Stopping releases the lease (the last one stops the world).
import type { ClusterAddon, ClusterContext } from '../cluster.ts';
import { startHostNetwork, type HostNetwork, type HostNetworkWorld } from '../exec/host-network.ts';
import type { ExternalNetwork } from './external-network.ts';
import { findTool } from '../../tools/binaries.ts';
import { acquireSimulatedInternet, type SimulatedInternet } from './simulated-internet.ts';

export interface WorldAddon extends ClusterAddon {
  world: SimulatedInternet;
  hostNetwork: HostNetwork;
  provides: { world: SimulatedInternet };
}

/** The world as the learner's machine sees it: `nearer` (e.g. the cluster's load balancer addresses) first. */
function withNearer(world: HostNetworkWorld, nearer: ExternalNetwork): HostNetworkWorld {
  return {
    lookup: (host, port) => nearer.lookup(host, port) ?? world.lookup(host, port),
    resolves: (host) => world.resolves(host),
    caBundle: () => world.caBundle(),
  };
}

export async function startWorldAddon(ctx: Pick<ClusterContext, 'dir'>, helmPath = findTool('helm'), options: { nearer?: ExternalNetwork } = {}): Promise<WorldAddon> {
  const lease = await acquireSimulatedInternet();
  let hostNetwork: HostNetwork;
  try {
    hostNetwork = await startHostNetwork({ clusterDir: ctx.dir, world: options.nearer ? withNearer(lease.world, options.nearer) : lease.world, helmPath });
  } catch (err) {
    await lease.release();
    throw err;
  }
  return {
    world: lease.world,
    hostNetwork,
    provides: { world: lease.world },
    shellEnv: () => hostNetwork.env(),
    sandboxPorts: () => hostNetwork.ports(),
    async stop() {
      await hostNetwork.stop();
      await lease.release();
    },
  };
}

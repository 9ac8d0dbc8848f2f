// The contract between the mesh and the simulated internet (world/): where a connection to an
// external host:port really goes on this machine. Undefined means the name does not resolve
// (the way a DNS failure looks to a client).

export interface LoopbackAddress {
  host: string; // always a loopback address
  port: number;
}

export interface ExternalNetwork {
  /** Where `host:port` of the outside world is served locally, or undefined if the host is unknown. */
  lookup(host: string, port: number): LoopbackAddress | undefined;
}

export const noExternalNetwork: ExternalNetwork = { lookup: () => undefined };

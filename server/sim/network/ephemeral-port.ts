// Client-side ports as Linux picks them: net.ipv4.ip_local_port_range is 32768–60999 by default.
export const EPHEMERAL_PORT_FIRST = 32_768;
export const EPHEMERAL_PORT_LAST = 60_999;

/** A random client port in the range (the proxies' upstream and downstream addresses in access logs). */
export function randomEphemeralPort(random: () => number = Math.random): number {
  return EPHEMERAL_PORT_FIRST + Math.floor(random() * 28_000);
}

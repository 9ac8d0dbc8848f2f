// proxychains-ng configuration for transparent interception: every TCP connection of the
// process becomes `CONNECT host:port` to one local HTTP proxy (loopback too, for pods), and
// names are resolved by our remote DNS daemon. quiet_mode keeps proxychains from printing its
// own lines.
//
// remote_dns_subnet is 10: proxychains asks the daemon which name stands behind any 10.x.x.x
// address before connecting, so cluster IPs (10.96.0.0/16), pod IPs (10.244.0.0/16) and the
// addresses handed out for outside hosts all reach the sidecar by name or address, and
// the addresses a pod's `curl -v` prints look like a cluster's.
export const REMOTE_DNS_SUBNET = 10;

export const PROXYCHAINS_LIBRARY = '/usr/lib/x86_64-linux-gnu/libproxychains.so.4';

export interface ProxychainsOptions {
  proxyPort: number;
  dnsPort: number;
  /**
   * Let loopback connections bypass the proxy (the learner's machine: the API server and the
   * ingress node ports are on loopback). A pod's loopback is its own, so pods keep it off and
   * the interceptor answers loopback connections from the pod's own ports.
   */
  directLoopback?: boolean;
}

export function proxychainsConfig({ proxyPort, dnsPort, directLoopback = true }: ProxychainsOptions): string {
  for (const p of [proxyPort, dnsPort]) {
    if (!Number.isInteger(p) || p < 1 || p > 65535) throw new Error(`invalid port ${p}`);
  }
  return [
    'strict_chain',
    'quiet_mode',
    `proxy_dns_daemon 127.0.0.1:${dnsPort}`,
    `remote_dns_subnet ${REMOTE_DNS_SUBNET}`,
    'tcp_read_time_out 15000',
    'tcp_connect_time_out 8000',
    ...(directLoopback ? ['localnet 127.0.0.0/255.0.0.0'] : []),
    '[ProxyList]',
    `http 127.0.0.1 ${proxyPort}`,
    '',
  ].join('\n');
}

/** The environment that makes a dynamically linked process use `configPath`. */
export function proxychainsEnv(configPath: string, library = PROXYCHAINS_LIBRARY): Record<string, string> {
  return { LD_PRELOAD: library, PROXYCHAINS_CONF_FILE: configPath, PROXYCHAINS_QUIET_MODE: '1' };
}

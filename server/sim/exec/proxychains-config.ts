// proxychains-ng configuration for transparent interception: every TCP connection of the
// process becomes `CONNECT host:port` to one local HTTP proxy (loopback too, for pods), and
// names are resolved by our remote DNS daemon. quiet_mode keeps proxychains from printing its
// own lines.
//
// remote_dns_subnet is 10: proxychains asks the daemon which name stands behind any 10.x.x.x
// address before connecting, so cluster IPs (10.96.0.0/16), pod IPs (10.244.0.0/16) and the
// addresses handed out for outside hosts all reach the sidecar by name or address, and
// the addresses a pod's `curl -v` prints look like a cluster's.
import { existsSync } from 'node:fs';

export const REMOTE_DNS_SUBNET = 10;

/** Where distributions install proxychains-ng's library (Debian/Ubuntu per architecture, Fedora, Arch, source builds). */
const LIBRARY_CANDIDATES = [
  '/usr/lib/x86_64-linux-gnu/libproxychains.so.4',
  '/usr/lib/aarch64-linux-gnu/libproxychains.so.4',
  '/usr/lib64/proxychains-ng/libproxychains4.so',
  '/usr/lib/libproxychains4.so',
  '/usr/lib64/libproxychains4.so',
  '/usr/local/lib/libproxychains4.so',
];

let found: string | null | undefined;

/** The proxychains-ng library to preload, or undefined when it is not installed. */
export function proxychainsLibrary(): string | undefined {
  if (found === undefined) found = LIBRARY_CANDIDATES.find((p) => existsSync(p)) ?? null;
  return found ?? undefined;
}

export const PROXYCHAINS_MISSING = 'proxychains4 is not installed, so commands cannot use the pod network: install it (`apt-get install -y proxychains4`)';

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
export function proxychainsEnv(configPath: string, library = proxychainsLibrary()): Record<string, string> {
  if (!library) throw new Error(PROXYCHAINS_MISSING);
  return { LD_PRELOAD: library, PROXYCHAINS_CONF_FILE: configPath, PROXYCHAINS_QUIET_MODE: '1' };
}

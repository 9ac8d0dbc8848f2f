// The addresses the simulated internet's hosts have in public DNS, as a proxy that resolves them
// (an Envoy DNS cluster, `resolution: DNS`) sees them and writes them in its access log
// (`"151.101.65.67:80" outbound|80||edition.cnn.com`). The values are ones istio.io's pages show
// for these hosts (egress-gateway: 151.101.65.67 for edition.cnn.com; egress-control:
// 35.173.6.94 for httpbin.org, 172.217.161.36 for www.google.com); connections still go to the
// host's local stand-in. A host not listed gets one address in TEST-NET-3 (203.0.113.0/24) from a
// hash of its name.
const KNOWN: Record<string, readonly string[]> = {
  'edition.cnn.com': ['151.101.1.67', '151.101.65.67', '151.101.129.67', '151.101.193.67'],
  'httpbin.org': ['35.173.6.94'],
  'www.google.com': ['172.217.161.36'],
};

function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/** The A records of an outside host, in the order a resolver returns them. */
export function publicAddresses(host: string): readonly string[] {
  const h = host.toLowerCase().replace(/\.$/, '');
  return KNOWN[h] ?? [`203.0.113.${(hash(h) % 254) + 1}`];
}

// Host names as Istio compares them: short names resolved relative to a namespace, `*` and
// `*.suffix` wildcards, lowercase, ports in an authority ignored.
export const CLUSTER_SUFFIX = 'svc.cluster.local';

/** `httpbin` in `default` → `httpbin.default.svc.cluster.local`; FQDNs and wildcards unchanged. */
export function resolveShortName(host: string, namespace: string): string {
  const h = host.toLowerCase();
  if (h === '*' || h.startsWith('*.') || h.includes('.')) return h;
  return `${h}.${namespace}.${CLUSTER_SUFFIX}`;
}

/** The host part of an authority: lowercased, port removed (IPv6 brackets kept). */
export function authorityHost(authority: string): string {
  const a = authority.trim().toLowerCase();
  if (a.startsWith('[')) {
    const end = a.indexOf(']');
    return end > 0 ? a.slice(0, end + 1) : a;
  }
  const colon = a.lastIndexOf(':');
  return colon >= 0 ? a.slice(0, colon) : a;
}

/** Does a concrete host (from a request) match a pattern (`*`, `*.example.com`, exact)? */
export function hostMatches(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase();
  const h = host.toLowerCase();
  if (p === '*') return true;
  if (p.startsWith('*.')) return h.endsWith(p.slice(1)) && h.length > p.length - 1;
  if (p.startsWith('*')) return h.endsWith(p.slice(1));
  return p === h;
}

/** Does one pattern include every host of the other (Istio's host.Name.SubsetOf)? */
function covers(a: string, b: string): boolean {
  if (a === '*') return true;
  if (a.startsWith('*')) {
    if (b.startsWith('*')) return b.slice(1).endsWith(a.slice(1));
    return hostMatches(a, b);
  }
  return a === b;
}

/**
 * The wildcard-aware intersection of two host patterns, or undefined when disjoint
 * (e.g. `*.example.com` ∩ `a.example.com` = `a.example.com`; `*` ∩ x = x).
 */
export function intersectHosts(a: string, b: string): string | undefined {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  if (covers(x, y)) return y;
  if (covers(y, x)) return x;
  return undefined;
}

/**
 * Envoy's virtual host selection: exact domain first, then the longest matching suffix
 * wildcard, then `*`. Returns the index of the chosen candidate.
 */
export function pickVirtualHost(domainsList: string[][], host: string): number {
  const h = host.toLowerCase();
  let best = -1;
  let bestScore = -1;
  domainsList.forEach((domains, i) => {
    for (const d of domains) {
      let score = -1;
      if (d === h) score = 1_000_000;
      else if (d === '*') score = 0;
      else if (d.startsWith('*') && hostMatches(d, h)) score = d.length;
      if (score > bestScore) {
        bestScore = score;
        best = i;
      }
    }
  });
  return best;
}

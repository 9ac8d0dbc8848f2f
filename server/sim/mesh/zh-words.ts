// The Latin-script words a Chinese reason may keep: Istio's kinds and fields, Envoy's words,
// Kubernetes' "pod", and names (hosts, namespace/name, clusters, paths: any word with . / | or :,
// and those the caller lists). Any other word in Latin letters is English left untranslated.
const KEPT = new Set(['VirtualService', 'DestinationRule', 'ServiceEntry', 'Service', 'Gateway', 'server', 'subset', 'pod', 'Host', 'outboundTrafficPolicy', 'REGISTRY_ONLY', 'ALLOW_ANY', 'PassthroughCluster', 'connectionPool', 'https', 'withoutHeaders', 'scheme', 'authority', 'exact', 'regex', 'TLS', 'SNI', 'tls', 'PASSTHROUGH', 'ClientHello', 'filter', 'chain', 'sniHosts', 'hosts', 'match', 'mesh']);

/** The words of `text` in Latin letters that are neither kept terms nor names. */
export function untranslatedWords(text: string, names: string[] = []): string[] {
  const words = text.split(/[\s（）：，、；。()]+/).filter((w) => w && !KEPT.has(w) && !names.includes(w) && !/[./|:]/.test(w));
  return words.flatMap((w) => w.match(/[A-Za-z]{2,}/g) ?? []);
}

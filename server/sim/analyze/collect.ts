// Reads what the analyzer needs from any cluster, through client-node and a kubeconfig: the
// embedded cluster's, kind's or an existing one's. Kinds whose CRDs are absent count as empty.
import { CoreV1Api, CustomObjectsApi, KubeConfig } from '@kubernetes/client-node';
import type { KObj, Snapshot } from './analyzer.ts';

const ISTIO_KINDS = [
  ['gateways', 'networking.istio.io', 'gateways'],
  ['virtualServices', 'networking.istio.io', 'virtualservices'],
  ['destinationRules', 'networking.istio.io', 'destinationrules'],
  ['serviceEntries', 'networking.istio.io', 'serviceentries'],
  ['sidecars', 'networking.istio.io', 'sidecars'],
  ['peerAuthentications', 'security.istio.io', 'peerauthentications'],
  ['authorizationPolicies', 'security.istio.io', 'authorizationpolicies'],
] as const;

function statusOf(err: unknown): number | undefined {
  const e = err as { code?: unknown; statusCode?: unknown };
  for (const v of [e?.code, e?.statusCode]) if (typeof v === 'number') return v;
  return undefined;
}

export async function collectSnapshot(kc: KubeConfig): Promise<Snapshot> {
  const core = kc.makeApiClient(CoreV1Api);
  const custom = kc.makeApiClient(CustomObjectsApi);
  const items = (list: { items: unknown[] }): KObj[] => list.items as KObj[];
  const istio = async (group: string, plural: string): Promise<KObj[]> => {
    try {
      const list = (await custom.listClusterCustomObject({ group, version: 'v1', plural })) as { items: KObj[] };
      return list.items;
    } catch (err) {
      if (statusOf(err) === 404) return [];
      throw err;
    }
  };
  const [namespaces, services, pods, ...istioLists] = await Promise.all([
    core.listNamespace().then(items),
    core.listServiceForAllNamespaces().then(items),
    core.listPodForAllNamespaces().then(items),
    ...ISTIO_KINDS.map(([, group, plural]) => istio(group, plural)),
  ]);
  const snapshot: Snapshot = { namespaces, services, pods, gateways: [], virtualServices: [], destinationRules: [], serviceEntries: [], sidecars: [], peerAuthentications: [], authorizationPolicies: [] };
  ISTIO_KINDS.forEach(([key], i) => (snapshot[key] = istioLists[i]!));
  return snapshot;
}

/** A kubeconfig from a file, or from $KUBECONFIG / ~/.kube/config. */
export function loadKubeConfig(file?: string, context?: string): KubeConfig {
  const kc = new KubeConfig();
  if (file) kc.loadFromFile(file);
  else kc.loadFromDefault();
  if (context) kc.setCurrentContext(context);
  return kc;
}

/** The namespace of the kubeconfig's current context, as istioctl defaults to it. */
export function currentNamespace(kc: KubeConfig): string {
  return kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'default';
}

// What the analyzer reads, taken straight from an embedded cluster's object store (the terminal's
// `istioctl` asks the cluster, which answers without a round trip through its own API).
import type { ObjectStore } from '../store/object-store.ts';
import type { KObj, Snapshot } from './analyzer.ts';

const ISTIO = 'networking.istio.io';

export function snapshotOfStore(store: ObjectStore): Snapshot {
  const items = (resource: string): KObj[] => store.list(resource).items as unknown as KObj[];
  return {
    namespaces: items('namespaces'),
    services: items('services'),
    pods: items('pods'),
    gateways: items(`${ISTIO}/gateways`),
    virtualServices: items(`${ISTIO}/virtualservices`),
    destinationRules: items(`${ISTIO}/destinationrules`),
    serviceEntries: items(`${ISTIO}/serviceentries`),
    sidecars: items(`${ISTIO}/sidecars`),
    peerAuthentications: items('security.istio.io/peerauthentications'),
    authorizationPolicies: items('security.istio.io/authorizationpolicies'),
  };
}

// How learners reach the shared ingress gateway: a URL the operator gave, the Service's
// LoadBalancer address, or its node port on a node address. Pure: the driver feeds it what it read.
import type { V1Node, V1Service } from '@kubernetes/client-node';
import type { IngressAddress } from '../types.ts';

export type IngressSource = 'flag' | 'loadbalancer' | 'nodeport';

export interface IngressChoice {
  address?: IngressAddress;
  source?: IngressSource;
  /** Why no address could be chosen. */
  problem?: string;
}

/** Label selectors tried in order: istioctl's default profile, then the helm gateway chart's default. */
export const GATEWAY_SELECTORS = ['istio=ingressgateway', 'app=istio-ingressgateway', 'istio=ingress'];

export function parseIngressUrl(url: string): IngressAddress {
  const u = new URL(url);
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error(`--ingress must be http:// or https://, not ${u.protocol}`);
  const port = u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  return u.protocol === 'https:' ? { host, port, securePort: port } : { host, port };
}

function servicePort(svc: V1Service, names: string[], port: number) {
  const ports = svc.spec?.ports ?? [];
  return ports.find((p) => p.name && names.includes(p.name)) ?? ports.find((p) => p.port === port);
}

function nodeAddress(nodes: V1Node[], apiHost: string | undefined): string | undefined {
  // A loopback API server (kind, embedded) publishes node ports on loopback too.
  if (apiHost && /^(127\.|localhost$|::1$)/.test(apiHost)) return apiHost === 'localhost' ? '127.0.0.1' : apiHost;
  for (const type of ['ExternalIP', 'InternalIP']) {
    for (const node of nodes) {
      const a = node.status?.addresses?.find((x) => x.type === type)?.address;
      if (a) return a;
    }
  }
  return undefined;
}

export function chooseIngress(o: { ingressUrl?: string; service?: V1Service; nodes: V1Node[]; apiHost?: string }): IngressChoice {
  if (o.ingressUrl) return { address: parseIngressUrl(o.ingressUrl), source: 'flag' };
  const svc = o.service;
  if (!svc) return { problem: 'no ingress gateway Service found in istio-system (labels tried: ' + GATEWAY_SELECTORS.join(', ') + ')' };
  const http = servicePort(svc, ['http2', 'http'], 80);
  const https = servicePort(svc, ['https'], 443);
  const lb = svc.status?.loadBalancer?.ingress?.[0];
  const lbHost = lb?.ip ?? lb?.hostname;
  if (svc.spec?.type === 'LoadBalancer' && lbHost && http) {
    return { address: { host: lbHost, port: http.port, securePort: https?.port }, source: 'loadbalancer' };
  }
  if ((svc.spec?.type === 'NodePort' || svc.spec?.type === 'LoadBalancer') && http?.nodePort) {
    const host = nodeAddress(o.nodes, o.apiHost);
    if (host) return { address: { host, port: http.nodePort, securePort: https?.nodePort }, source: 'nodeport' };
    return { problem: `the ingress gateway has node port ${http.nodePort} but no node has an address` };
  }
  return { problem: `the ingress gateway Service ${svc.metadata?.name} (type ${svc.spec?.type ?? 'ClusterIP'}) has no LoadBalancer address and no HTTP node port` };
}

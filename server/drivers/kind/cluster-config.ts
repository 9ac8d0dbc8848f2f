// The kind cluster configuration (kind.x-k8s.io/v1alpha4): one control-plane node from the
// pinned image, with the ingress gateway's fixed node ports published on the host's loopback.
import { stringify } from 'yaml';
import { INGRESS_NODE_PORTS, NODE_IMAGE } from './versions.ts';

export interface KindConfigOptions {
  name: string;
  nodeImage?: string;
  hostPorts: { http: number; https: number };
  /** Address the host ports listen on; loopback unless the user asks otherwise. */
  listenAddress?: string;
}

/** kind cluster names become container names and kubeconfig contexts: keep them DNS-label shaped. */
export function validClusterName(name: string): boolean {
  return /^[a-z0-9]([-a-z0-9]{0,30}[a-z0-9])?$/.test(name);
}

export function kindClusterConfig(options: KindConfigOptions): Record<string, unknown> {
  const listenAddress = options.listenAddress ?? '127.0.0.1';
  return {
    kind: 'Cluster',
    apiVersion: 'kind.x-k8s.io/v1alpha4',
    name: options.name,
    nodes: [
      {
        role: 'control-plane',
        image: options.nodeImage ?? NODE_IMAGE,
        extraPortMappings: [
          { containerPort: INGRESS_NODE_PORTS.http, hostPort: options.hostPorts.http, listenAddress, protocol: 'TCP' },
          { containerPort: INGRESS_NODE_PORTS.https, hostPort: options.hostPorts.https, listenAddress, protocol: 'TCP' },
        ],
      },
    ],
  };
}

export function kindClusterConfigYaml(options: KindConfigOptions): string {
  return stringify(kindClusterConfig(options));
}

// The `istio` ConfigMap in istio-system: the mesh config istiod (and meshlab's mesh) reads.
// Content as the demo profile renders it.
import { stringify } from 'yaml';
import type { KubeObject } from '../store/object-store.ts';

export type OutboundTrafficPolicyMode = 'ALLOW_ANY' | 'REGISTRY_ONLY';

export function meshConfig(mode: OutboundTrafficPolicyMode): Record<string, unknown> {
  return {
    accessLogFile: '/dev/stdout',
    defaultConfig: {
      discoveryAddress: 'istiod.istio-system.svc:15012',
    },
    defaultProviders: { metrics: ['prometheus'] },
    enablePrometheusMerge: true,
    outboundTrafficPolicy: { mode },
    rootNamespace: 'istio-system',
    trustDomain: 'cluster.local',
  };
}

export function meshConfigMap(mode: OutboundTrafficPolicyMode): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: 'istio',
      namespace: 'istio-system',
      labels: {
        'app.kubernetes.io/instance': 'istio',
        'app.kubernetes.io/managed-by': 'Helm',
        'app.kubernetes.io/name': 'istiod',
        'app.kubernetes.io/part-of': 'istio',
        'install.operator.istio.io/owning-resource': 'unknown',
        'istio.io/rev': 'default',
        'operator.istio.io/component': 'Pilot',
        release: 'istio',
      },
    },
    data: {
      mesh: stringify(meshConfig(mode)),
      meshNetworks: 'networks: {}',
    },
  };
}

// The `istio` ConfigMap in istio-system: the mesh config istiod (and meshlab's mesh) reads.
// Content as the demo profile renders it.
import { parse, stringify } from 'yaml';
import type { KubeObject, ObjectStore } from '../store/object-store.ts';

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

/**
 * meshConfig.defaultConfig.proxyMetadata of the mesh config in the store, as the sidecar
 * injector reads it (string values only; an unreadable mesh config gives none).
 */
export function meshProxyMetadata(store: ObjectStore): Record<string, string> {
  const mesh = (store.get('configmaps', 'istio-system', 'istio')?.data as Record<string, unknown> | undefined)?.mesh;
  if (typeof mesh !== 'string') return {};
  try {
    const md = ((parse(mesh) as { defaultConfig?: { proxyMetadata?: unknown } } | null)?.defaultConfig?.proxyMetadata ?? {}) as Record<string, unknown>;
    return Object.fromEntries(Object.entries(md).filter(([, v]) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean').map(([k, v]) => [k, String(v)]));
  } catch { // an unparsable mesh config sets no proxy metadata; istiod validation reports it
    return {};
  }
}

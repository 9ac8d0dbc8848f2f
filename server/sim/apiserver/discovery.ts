// Discovery documents: aggregated (apidiscovery.k8s.io/v2, what kubectl 1.35 asks for first)
// and the legacy APIVersions / APIGroupList / APIResourceList that client-node reads.
import type { ResourceRegistry, ResourceType } from './resources.ts';
import { apiVersionOf } from './resources.ts';

export const AGGREGATED_V2_CONTENT_TYPE = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
export const AGGREGATED_V2BETA1_CONTENT_TYPE = 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList';

const SUBRESOURCE_VERBS: Record<string, string[]> = {
  status: ['get', 'patch', 'update'],
  scale: ['get', 'patch', 'update'],
  log: ['get'],
  exec: ['create', 'get'],
  portforward: ['create', 'get'],
  finalize: ['update'],
  token: ['create'],
};

const SUBRESOURCE_KINDS: Record<string, (t: ResourceType) => { group: string; version: string; kind: string }> = {
  scale: () => ({ group: 'autoscaling', version: 'v1', kind: 'Scale' }),
  exec: () => ({ group: '', version: 'v1', kind: 'PodExecOptions' }),
  portforward: () => ({ group: '', version: 'v1', kind: 'PodPortForwardOptions' }),
  token: () => ({ group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' }),
};

/** Which discovery answer the client wants, from its Accept header. */
export function wantsAggregated(accept: string | undefined): 'v2' | 'v2beta1' | undefined {
  if (!accept) return undefined;
  for (const part of accept.split(',')) {
    const p = part.replace(/\s+/g, '');
    if (!p.includes('as=APIGroupDiscoveryList')) continue;
    if (p.includes('v=v2;') || p.endsWith('v=v2')) return 'v2';
    if (p.includes('v=v2beta1')) return 'v2beta1';
  }
  return undefined;
}

function resourceEntry(t: ResourceType, version: string) {
  const entry: Record<string, unknown> = {
    resource: t.resource,
    responseKind: { group: t.group, version, kind: t.kind },
    scope: t.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: t.singular,
    verbs: t.verbs,
  };
  if (t.shortNames.length) entry.shortNames = t.shortNames;
  if (t.categories.length) entry.categories = t.categories;
  if (t.subresources.length) {
    entry.subresources = t.subresources.map((s) => ({
      subresource: s,
      responseKind: SUBRESOURCE_KINDS[s]?.(t) ?? { group: t.group, version, kind: t.kind },
      verbs: SUBRESOURCE_VERBS[s] ?? ['get'],
    }));
  }
  return entry;
}

/** APIGroupDiscoveryList for /api (core only) or /apis (every named group). */
export function aggregatedDiscovery(registry: ResourceRegistry, core: boolean, version: 'v2' | 'v2beta1') {
  const items = [];
  for (const [group, versions] of registry.groups()) {
    if ((group === '') !== core) continue;
    items.push({
      metadata: { name: group, creationTimestamp: null },
      versions: versions.map((v) => ({
        version: v,
        resources: registry.inGroupVersion(group, v).map((t) => resourceEntry(t, v)),
        freshness: 'Current',
      })),
    });
  }
  return { kind: 'APIGroupDiscoveryList', apiVersion: `apidiscovery.k8s.io/${version}`, metadata: {}, items };
}

export function apiVersions(serverAddress: string) {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

export function apiGroupList(registry: ResourceRegistry) {
  const groups = [];
  for (const [group, versions] of registry.groups()) {
    if (group === '') continue;
    const gv = versions.map((v) => ({ groupVersion: apiVersionOf(group, v), version: v }));
    groups.push({ name: group, versions: gv, preferredVersion: gv[0] });
  }
  return { kind: 'APIGroupList', apiVersion: 'v1', groups };
}

export function apiGroup(registry: ResourceRegistry, group: string) {
  const versions = registry.groups().get(group);
  if (!versions) return undefined;
  const gv = versions.map((v) => ({ groupVersion: apiVersionOf(group, v), version: v }));
  return { kind: 'APIGroup', apiVersion: 'v1', name: group, versions: gv, preferredVersion: gv[0] };
}

export function apiResourceList(registry: ResourceRegistry, group: string, version: string) {
  const types = registry.inGroupVersion(group, version);
  if (types.length === 0) return undefined;
  const resources: Record<string, unknown>[] = [];
  for (const t of types) {
    const r: Record<string, unknown> = { name: t.resource, singularName: t.singular, namespaced: t.namespaced, kind: t.kind, verbs: t.verbs };
    if (t.shortNames.length) r.shortNames = t.shortNames;
    if (t.categories.length) r.categories = t.categories;
    resources.push(r);
    for (const s of t.subresources) {
      const k = SUBRESOURCE_KINDS[s]?.(t);
      const sub: Record<string, unknown> = { name: `${t.resource}/${s}`, singularName: '', namespaced: t.namespaced, kind: k?.kind ?? t.kind, verbs: SUBRESOURCE_VERBS[s] ?? ['get'] };
      if (k) {
        sub.group = k.group;
        sub.version = k.version;
      }
      resources.push(sub);
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: apiVersionOf(group, version), resources };
}

/** What `kubectl version` prints as the server version. */
export const SERVER_VERSION = {
  major: '1',
  minor: '35',
  emulationMajor: '1',
  emulationMinor: '35',
  minCompatibilityMajor: '1',
  minCompatibilityMinor: '34',
  gitVersion: 'v1.35.2',
  gitCommit: 'fc5d6b8e2a1e3d2bb5c1b8e3f7a4d2c9e0b1a6f3',
  gitTreeState: 'clean',
  buildDate: '2026-02-26T20:15:00Z',
  goVersion: 'go1.25.7',
  compiler: 'gc',
  platform: 'linux/amd64',
};

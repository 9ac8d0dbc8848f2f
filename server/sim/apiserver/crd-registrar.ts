// Serves kinds from CustomResourceDefinitions created in the cluster (e.g. by `helm install
// istio-base`), as apiextensions-apiserver does: each served version becomes a path, with the
// CRD's names, scope, subresources and printer columns. Built-in kinds (Istio networking is
// built in) are never replaced. Deleting a CRD stops serving it and removes its objects.
import type { KubeObject, ObjectStore } from '../store/object-store.ts';
import type { ResourceRegistry, ResourceType } from './resources.ts';
import type { UntypedObject as Obj } from '../meta/untyped.ts';

const VERBS = ['delete', 'deletecollection', 'get', 'list', 'patch', 'create', 'update', 'watch'];
const CRD_KEY = 'apiextensions.k8s.io/customresourcedefinitions';

/** Kube-aware version order (v1 > v1beta2 > v1beta1 > v1alpha1 > other), as discovery prefers. */
export function compareKubeVersions(a: string, b: string): number {
  const parse = (v: string): [number, number, number] | undefined => {
    const m = /^v(\d+)(?:(alpha|beta)(\d+))?$/.exec(v);
    if (!m) return undefined;
    return [m[2] === 'alpha' ? 0 : m[2] === 'beta' ? 1 : 2, Number(m[1]), Number(m[3] ?? 0)];
  };
  const pa = parse(a);
  const pb = parse(b);
  if (!pa || !pb) return pa ? -1 : pb ? 1 : a.localeCompare(b);
  for (let i = 0; i < 3; i++) if (pa[i] !== pb[i]) return pb[i]! - pa[i]!;
  return 0;
}

/** The ResourceType a CRD defines, or undefined when it is not servable. */
export function typeFromCrd(crd: Obj): ResourceType | undefined {
  const spec = crd.spec ?? {};
  const names = spec.names ?? {};
  if (typeof spec.group !== 'string' || typeof names.plural !== 'string' || typeof names.kind !== 'string') return undefined;
  const versions: Obj[] = (Array.isArray(spec.versions) ? spec.versions : []).filter((v: Obj) => v && v.served !== false && typeof v.name === 'string');
  if (versions.length === 0) return undefined;
  const storage = versions.find((v) => v.storage) ?? versions[0]!;
  const columns = (storage.additionalPrinterColumns ?? []).filter((c: Obj) => typeof c?.name === 'string' && typeof c?.jsonPath === 'string');
  const subresources: string[] = [];
  if (storage.subresources?.status) subresources.push('status');
  if (storage.subresources?.scale) subresources.push('scale');
  return {
    group: spec.group,
    versions: versions.map((v) => v.name as string).sort(compareKubeVersions),
    storageVersion: storage.name,
    resource: names.plural,
    singular: names.singular ?? names.kind.toLowerCase(),
    kind: names.kind,
    namespaced: spec.scope !== 'Cluster',
    shortNames: Array.isArray(names.shortNames) ? names.shortNames : [],
    categories: Array.isArray(names.categories) ? names.categories : [],
    verbs: VERBS,
    subresources,
    custom: true,
    printerColumns: columns.map((c: Obj) => ({ name: c.name, type: c.type ?? 'string', jsonPath: c.jsonPath, description: c.description, priority: c.priority ?? 0 })),
    fromCrd: crd.metadata?.name,
  };
}

/** The status a real API server gives an accepted CRD (kubectl wait --for condition=established). */
export function establishedStatus(crd: Obj, now: string): Obj {
  const versions: Obj[] = Array.isArray(crd.spec?.versions) ? crd.spec.versions : [];
  const storage = versions.find((v) => v?.storage)?.name ?? versions[0]?.name;
  return {
    acceptedNames: crd.spec?.names ?? {},
    conditions: [
      { type: 'NamesAccepted', status: 'True', lastTransitionTime: now, reason: 'NoConflicts', message: 'no conflicts found' },
      { type: 'Established', status: 'True', lastTransitionTime: now, reason: 'InitialNamesAccepted', message: 'the initial names have been accepted' },
    ],
    storedVersions: storage ? [storage] : [],
  };
}

export class CrdRegistrar {
  private readonly unwatch: () => void;

  constructor(
    private readonly store: ObjectStore,
    private readonly registry: ResourceRegistry,
  ) {
    for (const crd of store.list(CRD_KEY).items) this.serve(crd);
    this.unwatch = store.watch(CRD_KEY, (ev) => {
      if (ev.type === 'DELETED') this.forget(ev.object);
      else this.serve(ev.object);
    });
  }

  stop(): void {
    this.unwatch();
  }

  private serve(crd: KubeObject): void {
    const type = typeFromCrd(crd as Obj);
    if (type) this.registry.addCustom(type);
  }

  private forget(crd: KubeObject): void {
    const type = this.registry.removeCustom(crd.metadata.name);
    if (!type) return;
    const key = `${type.group}/${type.resource}`;
    setImmediate(() => {
      for (const o of this.store.list(key).items) {
        try {
          this.store.delete(key, o.metadata.namespace, o.metadata.name);
        } catch {
          // Already gone.
        }
      }
    });
  }
}

// OpenAPI v3 discovery: kubectl apply downloads /openapi/v3 and the group-version documents it
// lists; a PATCH operation that takes `fieldValidation` tells kubectl the server validates
// fields itself, so kubectl sends fieldValidation=Strict.
import { createHash } from 'node:crypto';
import type { ResourceRegistry } from './resources.ts';
import { SERVER_VERSION } from './discovery.ts';

function gvPath(group: string, version: string): string {
  return group ? `apis/${group}/${version}` : `api/${version}`;
}

const QUERY_PARAMS = ['dryRun', 'fieldManager', 'fieldValidation', 'force', 'pretty'].map((name) => ({ name, in: 'query', schema: { type: name === 'force' ? 'boolean' : 'string', uniqueItems: true } }));

export class OpenApiDocs {
  private readonly docs = new Map<string, string>();
  private readonly index: string;

  constructor(registry: ResourceRegistry) {
    const paths: Record<string, { serverRelativeURL: string }> = {};
    for (const [group, versions] of registry.groups()) {
      for (const version of versions) {
        const doc = this.groupVersionDoc(registry, group, version);
        const text = JSON.stringify(doc);
        const hash = createHash('sha512').update(text).digest('hex').slice(0, 128).toUpperCase();
        const p = gvPath(group, version);
        this.docs.set(p, text);
        paths[p] = { serverRelativeURL: `/openapi/v3/${p}?hash=${hash}` };
      }
    }
    this.index = JSON.stringify({ paths });
  }

  private groupVersionDoc(registry: ResourceRegistry, group: string, version: string) {
    const paths: Record<string, unknown> = {};
    const prefix = group ? `/apis/${group}/${version}` : `/api/${version}`;
    for (const t of registry.inGroupVersion(group, version)) {
      const gvk = { group: t.group, version, kind: t.kind };
      const item = t.namespaced ? `${prefix}/namespaces/{namespace}/${t.resource}/{name}` : `${prefix}/${t.resource}/{name}`;
      paths[item] = {
        get: { operationId: `read${t.kind}`, 'x-kubernetes-action': 'get', 'x-kubernetes-group-version-kind': gvk, responses: {} },
        put: { operationId: `replace${t.kind}`, 'x-kubernetes-action': 'put', 'x-kubernetes-group-version-kind': gvk, parameters: QUERY_PARAMS, responses: {} },
        patch: { operationId: `patch${t.kind}`, 'x-kubernetes-action': 'patch', 'x-kubernetes-group-version-kind': gvk, parameters: QUERY_PARAMS, responses: {} },
        delete: { operationId: `delete${t.kind}`, 'x-kubernetes-action': 'delete', 'x-kubernetes-group-version-kind': gvk, responses: {} },
      };
      const collection = t.namespaced ? `${prefix}/namespaces/{namespace}/${t.resource}` : `${prefix}/${t.resource}`;
      paths[collection] = {
        post: { operationId: `create${t.kind}`, 'x-kubernetes-action': 'post', 'x-kubernetes-group-version-kind': gvk, parameters: QUERY_PARAMS, responses: {} },
        get: { operationId: `list${t.kind}`, 'x-kubernetes-action': 'list', 'x-kubernetes-group-version-kind': gvk, responses: {} },
      };
    }
    return { openapi: '3.0.0', info: { title: 'Kubernetes', version: SERVER_VERSION.gitVersion }, paths, components: { schemas: {} } };
  }

  indexJson(): string {
    return this.index;
  }

  /** The document for "api/v1" or "apis/apps/v1", if served. */
  groupVersionJson(path: string): string | undefined {
    return this.docs.get(path);
  }
}

// The authorization step of the request path: a request's attributes, as k8s.io/apiserver's
// RequestInfoFactory derives them (verb from method and query, namespace, resource, subresource,
// name), asked of the RBAC authorizer; a denial is the 403 Status kube-apiserver writes.
import { parseResourcePath } from './request-info.ts';
import type { UserInfo } from './authentication.ts';
import { forbiddenMessage, type Attributes, type RbacAuthorizer } from './rbac.ts';
import { ApiError, qualifiedResource, type StatusDetails } from './status.ts';

const METHOD_VERBS: Record<string, string> = { POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: 'delete', GET: 'get', HEAD: 'get' };

/** The attributes of one HTTP request. `path` is the raw path (before `?`). */
export function requestAttributes(user: UserInfo, method: string, path: string, query: URLSearchParams): Attributes {
  const info = parseResourcePath(path);
  if (!info || !info.resource) return { user, verb: method.toLowerCase(), resourceRequest: false, path };
  let verb = METHOD_VERBS[method] ?? method.toLowerCase();
  let name = info.name;
  // A namespace's own path is inside that namespace (so a RoleBinding can grant reading it).
  const namespace = info.resource === 'namespaces' && info.name ? info.name : info.namespace;
  if (info.watchPrefix) verb = 'watch';
  else if (verb === 'get' && !info.name) verb = query.get('watch') === 'true' || query.get('watch') === '1' ? 'watch' : 'list';
  if (verb === 'delete' && !info.name) verb = 'deletecollection';
  // A list or watch of one object by metadata.name is checked against that name (resourceNames rules).
  if ((verb === 'list' || verb === 'watch') && !name) {
    const selector = query.get('fieldSelector') ?? '';
    const m = /^metadata\.name==?([^,]*)$/.exec(selector);
    if (m) name = m[1];
  }
  const attrs: Attributes = { user, verb, resourceRequest: true, path, apiGroup: info.group, apiVersion: info.version, resource: info.resource };
  if (namespace) attrs.namespace = namespace;
  if (info.subresource) attrs.subresource = info.subresource;
  if (name) attrs.name = name;
  return attrs;
}

/** The 403 Forbidden Status for a denied request (apierrors.NewForbidden with forbiddenMessage). */
export function forbidden(attrs: Attributes, reason: string): ApiError {
  const why = reason ? `${forbiddenMessage(attrs)}: ${reason}` : forbiddenMessage(attrs);
  if (!attrs.resourceRequest) return new ApiError(403, 'Forbidden', `forbidden: ${why}`, {});
  const qualified = qualifiedResource(attrs.apiGroup ?? '', attrs.resource ?? '');
  const message = attrs.name ? `${qualified} ${JSON.stringify(attrs.name)} is forbidden: ${why}` : `${qualified} is forbidden: ${why}`;
  const details: StatusDetails = {};
  if (attrs.name) details.name = attrs.name;
  if (attrs.apiGroup) details.group = attrs.apiGroup;
  details.kind = attrs.resource ?? '';
  return new ApiError(403, 'Forbidden', message, details);
}

/** Throws the 403 when RBAC allows nothing of the request. */
export function authorizeOrThrow(rbac: RbacAuthorizer, attrs: Attributes): void {
  const d = rbac.authorize(attrs);
  if (!d.allowed) throw forbidden(attrs, d.reason);
}

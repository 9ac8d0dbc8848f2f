// Splits an API path the way k8s.io/apiserver's RequestInfoFactory does:
// /api/v1/namespaces/NS/pods/NAME/log → group "", version v1, namespace NS, resource pods, name NAME, subresource log.

export interface RequestInfo {
  group: string;
  version: string;
  namespace?: string;
  resource?: string;
  name?: string;
  subresource?: string;
  /** Legacy /watch/ path prefix. */
  watchPrefix: boolean;
}

const NAMESPACE_SUBRESOURCES = new Set(['status', 'finalize']);

/** Returns undefined for paths that are not resource paths (discovery, /version, ...). */
export function parseResourcePath(pathname: string): RequestInfo | undefined {
  const parts = pathname.split('/').filter((p) => p !== '');
  let rest: string[];
  let group: string;
  let version: string;
  if (parts[0] === 'api') {
    if (parts.length < 2) return undefined;
    group = '';
    version = parts[1]!;
    rest = parts.slice(2);
  } else if (parts[0] === 'apis') {
    if (parts.length < 3) return undefined;
    group = parts[1]!;
    version = parts[2]!;
    rest = parts.slice(3);
  } else return undefined;
  if (rest.length === 0) return undefined;
  let decoded: string[];
  try {
    decoded = rest.map((p) => decodeURIComponent(p));
  } catch {
    return undefined; // malformed percent-encoding: no resource path, answered 404 as kube-apiserver does
  }
  let watchPrefix = false;
  if (decoded[0] === 'watch') {
    watchPrefix = true;
    decoded = decoded.slice(1);
  }
  const info: RequestInfo = { group, version, watchPrefix };
  if (decoded[0] === 'namespaces' && decoded.length > 1) {
    info.namespace = decoded[1];
    if (decoded.length > 2 && !NAMESPACE_SUBRESOURCES.has(decoded[2]!)) decoded = decoded.slice(2);
  }
  if (decoded.length > 3) return { ...info, resource: '\u0000invalid' };
  info.resource = decoded[0];
  if (decoded.length > 1) info.name = decoded[1];
  if (decoded.length > 2) info.subresource = decoded[2];
  // A namespace's own path names it by resource "namespaces".
  if (info.resource === 'namespaces') {
    info.name = info.namespace ?? info.name;
    delete info.namespace;
  }
  return info;
}

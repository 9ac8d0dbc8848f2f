// Which listeners of which Gateway a route attaches to (Gateway API's route binding): the
// parentRef's name, namespace, sectionName and port; the listener's allowedRoutes (namespaces
// Same / All / Selector, kinds) and protocol; and the hostnames both sides share. The controller
// reports the result in route and listener status; the converter routes by it.
import { selectorMatches } from '../meta/label-selector.ts';
import type { KubeObject } from '../store/object-store.ts';
import { GATEWAY_API_GROUP } from './crds.ts';
import type { UntypedObject as Obj } from '../meta/untyped.ts';

export interface Listener {
  name: string;
  port: number;
  protocol: string;
  hostname?: string;
  allowedRoutes?: Obj;
  tls?: Obj;
}

export interface ParentAttachment {
  parentRef: Obj;
  kind: 'Gateway' | 'Service' | 'ServiceEntry' | 'Other';
  /** The parent object when it exists. */
  parent?: KubeObject;
  /** Listeners the route is bound to (Gateway parents). */
  listeners: Listener[];
  /** Per bound listener, the hostnames the route serves there (`*` when neither side restricts). */
  hostnames: Map<string, string[]>;
  accepted: boolean;
  reason: string;
  message: string;
}

const objects = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter((x) => typeof x === 'object' && x !== null && !Array.isArray(x)) : []);

export function listenersOf(gateway: KubeObject): Listener[] {
  return objects((gateway.spec as Obj | undefined)?.listeners).filter((l) => typeof l.name === 'string' && typeof l.port === 'number') as Listener[];
}

/** The route kinds a listener takes by default for its protocol. */
export function supportedKinds(protocol: string): string[] {
  switch (protocol) {
    case 'HTTP':
    case 'HTTPS':
      return ['HTTPRoute', 'GRPCRoute'];
    case 'TLS':
      return ['TLSRoute'];
    case 'TCP':
      return ['TCPRoute'];
    default:
      return [];
  }
}

/** Whether a listener hostname (possibly `*.x`) and a route hostname (possibly `*.x`) overlap; the narrower one. */
export function intersectHostname(listener: string | undefined, route: string): string | undefined {
  if (!listener) return route;
  if (listener === route) return route;
  const covers = (wild: string, name: string) => wild.startsWith('*.') && name.endsWith(wild.slice(1)) && name.length > wild.length - 1;
  if (covers(listener, route)) return route;
  if (covers(route, listener)) return listener;
  return undefined;
}

function allowsNamespace(listener: Listener, gateway: KubeObject, routeNamespace: string, namespaces: readonly KubeObject[]): boolean {
  const from = listener.allowedRoutes?.namespaces?.from ?? 'Same';
  if (from === 'All') return true;
  if (from === 'Same') return routeNamespace === gateway.metadata.namespace;
  if (from === 'Selector') {
    const ns = namespaces.find((n) => n.metadata.name === routeNamespace);
    const selector = listener.allowedRoutes?.namespaces?.selector;
    return !!ns && !!selector && selectorMatches(selector, ns.metadata.labels ?? {});
  }
  return false;
}

function allowsKind(listener: Listener, kind: string): boolean {
  const kinds = objects(listener.allowedRoutes?.kinds);
  if (kinds.length === 0) return supportedKinds(listener.protocol).includes(kind);
  return kinds.some((k) => (k.group ?? GATEWAY_API_GROUP) === GATEWAY_API_GROUP && k.kind === kind);
}

export function refNamespace(ref: Obj, from: KubeObject): string {
  return typeof ref.namespace === 'string' && ref.namespace ? ref.namespace : (from.metadata.namespace ?? 'default');
}

/** How `route` (HTTPRoute or GRPCRoute) attaches to each of its parentRefs. */
export function attachRoute(route: KubeObject, config: { gateways: readonly KubeObject[]; services: readonly KubeObject[]; namespaces: readonly KubeObject[]; serviceEntries?: readonly KubeObject[] }): ParentAttachment[] {
  const spec = (route.spec as Obj | undefined) ?? {};
  const routeHostnames: string[] = Array.isArray(spec.hostnames) ? spec.hostnames.filter((h: unknown): h is string => typeof h === 'string') : [];
  const routeNs = route.metadata.namespace ?? 'default';
  return objects(spec.parentRefs).map((ref): ParentAttachment => {
    const group = ref.group ?? GATEWAY_API_GROUP;
    const kind = ref.kind ?? 'Gateway';
    const ns = refNamespace(ref, route);
    const base = { parentRef: ref, listeners: [], hostnames: new Map<string, string[]>() };
    if (group === '' && kind === 'Service') {
      const service = config.services.find((s) => s.metadata.namespace === ns && s.metadata.name === ref.name);
      if (!service) return { ...base, kind: 'Service', accepted: false, reason: 'BackendNotFound', message: `parent service ${ns}/${ref.name} not found` };
      return { ...base, kind: 'Service', parent: service, accepted: true, reason: 'Accepted', message: 'Route was valid' };
    }
    // Istio's egress pattern: a ServiceEntry as parent takes the mesh's traffic for its hosts.
    if (group === 'networking.istio.io' && kind === 'ServiceEntry') {
      const se = (config.serviceEntries ?? []).find((s) => s.metadata.namespace === ns && s.metadata.name === ref.name);
      if (!se) return { ...base, kind: 'ServiceEntry', accepted: false, reason: 'NoMatchingParent', message: `parent ServiceEntry ${ns}/${ref.name} not found` };
      return { ...base, kind: 'ServiceEntry', parent: se, accepted: true, reason: 'Accepted', message: 'Route was valid' };
    }
    if (group !== GATEWAY_API_GROUP || kind !== 'Gateway') return { ...base, kind: 'Other', accepted: false, reason: 'InvalidParentReference', message: `unsupported parent kind ${group}/${kind}` };
    const gateway = config.gateways.find((g) => g.metadata.namespace === ns && g.metadata.name === ref.name);
    if (!gateway) return { ...base, kind: 'Gateway', accepted: false, reason: 'NoMatchingParent', message: `parent gateway ${ns}/${ref.name} not found` };
    const candidates = listenersOf(gateway).filter((l) => (ref.sectionName === undefined || l.name === ref.sectionName) && (ref.port === undefined || l.port === ref.port));
    if (candidates.length === 0) return { ...base, kind: 'Gateway', parent: gateway, accepted: false, reason: 'NoMatchingParent', message: ref.sectionName !== undefined ? `sectionName "${ref.sectionName}" not found` : `port ${ref.port} not found` };
    const allowed = candidates.filter((l) => allowsNamespace(l, gateway, routeNs, config.namespaces) && allowsKind(l, route.kind));
    if (allowed.length === 0) return { ...base, kind: 'Gateway', parent: gateway, accepted: false, reason: 'NotAllowedByListeners', message: `no listener of ${ns}/${ref.name} allows a ${route.kind} from namespace "${routeNs}"` };
    const hostnames = new Map<string, string[]>();
    for (const l of allowed) {
      const shared = routeHostnames.length === 0 ? [l.hostname ?? '*'] : routeHostnames.map((h) => intersectHostname(l.hostname, h)).filter((h): h is string => !!h);
      if (shared.length) hostnames.set(l.name, [...new Set(shared)]);
    }
    const bound = allowed.filter((l) => hostnames.has(l.name));
    if (bound.length === 0) return { ...base, kind: 'Gateway', parent: gateway, accepted: false, reason: 'NoMatchingListenerHostname', message: `no hostnames matched parent hostname ${allowed.map((l) => `"${l.hostname ?? '*'}"`).join(', ')}` };
    return { parentRef: ref, kind: 'Gateway', parent: gateway, listeners: bound, hostnames, accepted: true, reason: 'Accepted', message: 'Route was valid' };
  });
}

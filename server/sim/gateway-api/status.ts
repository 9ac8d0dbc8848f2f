// The status Istio's gateway controller writes (pilot/pkg/config/kube/gateway, conditions.go):
// GatewayClass Accepted; Gateway Accepted and Programmed with status.addresses and one entry per
// listener; a route's parents with Accepted and ResolvedRefs. Pure functions of the objects, so
// tests compare them with Istio's outputs; a condition keeps its lastTransitionTime while its
// status stays the same.
import type { KubeObject } from '../store/object-store.ts';
import { listenersOf, refNamespace, supportedKinds, type ParentAttachment } from './attachment.ts';
import { GATEWAY_API_GROUP } from './crds.ts';
import { loadBalancerIPs } from './load-balancer.ts';
import type { UntypedObject as Obj } from '../meta/untyped.ts';

export const ISTIO_CONTROLLER = 'istio.io/gateway-controller';

export interface Condition {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  lastTransitionTime?: string;
  observedGeneration?: number;
}

/** Conditions with the old lastTransitionTime where the status did not change. */
export function withTransitions(next: Condition[], old: unknown, now: string, generation: number | undefined): Condition[] {
  const before = Array.isArray(old) ? (old as Obj[]) : [];
  return next.map((c) => {
    const prev = before.find((b) => b?.type === c.type);
    const lastTransitionTime = prev && prev.status === c.status && typeof prev.lastTransitionTime === 'string' ? prev.lastTransitionTime : now;
    return { lastTransitionTime, message: c.message, ...(generation !== undefined ? { observedGeneration: generation } : {}), reason: c.reason, status: c.status, type: c.type };
  });
}

export function gatewayClassStatus(cls: KubeObject, now: string): Obj {
  const conditions = withTransitions([{ type: 'Accepted', status: 'True', reason: 'Accepted', message: 'Handled by Istio controller' }], (cls.status as Obj | undefined)?.conditions, now, cls.metadata.generation);
  return { ...(cls.status as Obj | undefined), conditions };
}

const NO_ERRORS = 'No errors found';

/** Gateway status from its automated Service (or its absence) and the routes bound to it. */
export function gatewayStatus(gateway: KubeObject, service: KubeObject | undefined, attachments: readonly ParentAttachment[], now: string): Obj {
  const old = (gateway.status as Obj | undefined) ?? {};
  const gen = gateway.metadata.generation;
  const host = service ? `${service.metadata.name}.${service.metadata.namespace}.svc.cluster.local` : undefined;
  const listeners = listenersOf(gateway);
  const ports = [...new Set(listeners.map((l) => l.port))];
  const assigned = host ? ports.map((p) => `${host}:${p}`).join(',') : '';
  const ips = service ? loadBalancerIPs(service) : [];
  const type = (service?.spec as Obj | undefined)?.type;
  // A ClusterIP or NodePort Service is programmed on its cluster IP; a LoadBalancer one once the load balancer answers.
  const clusterIP = (service?.spec as Obj | undefined)?.clusterIP;
  const addresses = ips.length ? ips.map((value) => ({ type: 'IPAddress', value })) : type && type !== 'LoadBalancer' && clusterIP ? [{ type: 'IPAddress', value: clusterIP }] : host ? [{ type: 'Hostname', value: host }] : [];
  const programmed: Condition = !service
    ? { type: 'Programmed', status: 'False', reason: 'Invalid', message: 'Failed to assign to any requested addresses: the gateway\'s Service does not exist yet' }
    : addresses[0]?.type === 'IPAddress'
      ? { type: 'Programmed', status: 'True', reason: 'Programmed', message: `Resource programmed, assigned to service(s) ${assigned}` }
      : { type: 'Programmed', status: 'False', reason: 'AddressNotAssigned', message: `Assigned to service(s) ${assigned}, but failed to assign to all requested addresses: address pending for hostname "${host}"` };
  const conditions = withTransitions([{ type: 'Accepted', status: 'True', reason: 'Accepted', message: 'Resource accepted' }, programmed], old.conditions, now, gen);
  const oldListeners: Obj[] = Array.isArray(old.listeners) ? old.listeners : [];
  return {
    ...old,
    addresses,
    conditions,
    listeners: listeners.map((l) => {
      const attachedRoutes = attachments.filter((a) => a.accepted && a.parent?.metadata.uid === gateway.metadata.uid && a.listeners.some((x) => x.name === l.name)).length;
      const kinds = supportedKinds(String(l.protocol));
      const supported = kinds.length > 0;
      const listenerConditions: Condition[] = [
        supported ? { type: 'Accepted', status: 'True', reason: 'Accepted', message: NO_ERRORS } : { type: 'Accepted', status: 'False', reason: 'UnsupportedProtocol', message: `protocol "${l.protocol}" is unsupported` },
        { type: 'NoConflicts', status: 'False', reason: 'NoConflicts', message: NO_ERRORS },
        supported ? { type: 'Programmed', status: 'True', reason: 'Programmed', message: NO_ERRORS } : { type: 'Programmed', status: 'False', reason: 'Invalid', message: `protocol "${l.protocol}" is unsupported` },
        { type: 'ResolvedRefs', status: 'True', reason: 'ResolvedRefs', message: NO_ERRORS },
      ];
      return {
        attachedRoutes,
        conditions: withTransitions(listenerConditions, oldListeners.find((o) => o?.name === l.name)?.conditions, now, gen),
        name: l.name,
        supportedKinds: kinds.map((kind) => ({ group: GATEWAY_API_GROUP, kind })),
      };
    }),
  };
}

/** Whether every backendRef of the route names an existing Service it may use. */
export function resolvedRefs(route: KubeObject, services: readonly KubeObject[], grants: readonly KubeObject[]): Condition {
  const rules: Obj[] = Array.isArray((route.spec as Obj | undefined)?.rules) ? (route.spec as Obj).rules : [];
  for (const rule of rules) {
    for (const ref of Array.isArray(rule?.backendRefs) ? (rule.backendRefs as Obj[]) : []) {
      const group = ref.group ?? '';
      const kind = ref.kind ?? 'Service';
      // Istio's own backend kinds: a host name, or a ServiceEntry (the egress gateway pattern).
      if (group === 'networking.istio.io' && (kind === 'Hostname' || kind === 'ServiceEntry')) continue;
      if (group !== '' || kind !== 'Service') return { type: 'ResolvedRefs', status: 'False', reason: 'InvalidKind', message: `referencing unsupported backendRef: group "${group}" kind "${kind}"` };
      const ns = refNamespace(ref, route);
      if (ns !== route.metadata.namespace && !grantAllows(grants, route, ns, String(ref.name))) {
        return { type: 'ResolvedRefs', status: 'False', reason: 'RefNotPermitted', message: `backendRef ${ref.name}/${ns} not accessible to a ${route.kind} in namespace "${route.metadata.namespace}" (missing a ReferenceGrant?)` };
      }
      if (!services.some((s) => s.metadata.namespace === ns && s.metadata.name === ref.name)) {
        return { type: 'ResolvedRefs', status: 'False', reason: 'BackendNotFound', message: `backend(${ref.name}.${ns}.svc.cluster.local) not found` };
      }
    }
  }
  return { type: 'ResolvedRefs', status: 'True', reason: 'ResolvedRefs', message: 'All references resolved' };
}

/** A ReferenceGrant in the target namespace lets routes of `route`'s kind and namespace use the Service. */
export function grantAllows(grants: readonly KubeObject[], route: KubeObject, targetNamespace: string, serviceName: string): boolean {
  return grants.some((g) => {
    if (g.metadata.namespace !== targetNamespace) return false;
    const spec = (g.spec as Obj | undefined) ?? {};
    const from = Array.isArray(spec.from) && spec.from.some((f: Obj) => f?.group === GATEWAY_API_GROUP && f?.kind === route.kind && f?.namespace === route.metadata.namespace);
    const to = Array.isArray(spec.to) && spec.to.some((t: Obj) => (t?.group ?? '') === '' && t?.kind === 'Service' && (t.name === undefined || t.name === serviceName));
    return from && to;
  });
}

/** The route's status.parents: Istio's entries replace its own earlier ones, other controllers' stay. */
export function routeStatus(route: KubeObject, attachments: readonly ParentAttachment[], refs: Condition, managed: (a: ParentAttachment) => boolean, now: string): Obj {
  const old = (route.status as Obj | undefined) ?? {};
  const oldParents: Obj[] = Array.isArray(old.parents) ? old.parents : [];
  const others = oldParents.filter((p) => p?.controllerName !== ISTIO_CONTROLLER);
  const mine = attachments.filter(managed).map((a) => {
    const ref: Obj = { group: a.parentRef.group ?? GATEWAY_API_GROUP, kind: a.parentRef.kind ?? 'Gateway', name: a.parentRef.name };
    for (const k of ['namespace', 'sectionName', 'port']) if (a.parentRef[k] !== undefined) ref[k] = a.parentRef[k];
    const accepted: Condition = { type: 'Accepted', status: a.accepted ? 'True' : 'False', reason: a.reason, message: a.message };
    const before = oldParents.find((p) => p?.controllerName === ISTIO_CONTROLLER && JSON.stringify(p.parentRef) === JSON.stringify(ref));
    return { conditions: withTransitions([accepted, refs], before?.conditions, now, route.metadata.generation), controllerName: ISTIO_CONTROLLER, parentRef: ref };
  });
  return { ...old, parents: [...others, ...mine] };
}

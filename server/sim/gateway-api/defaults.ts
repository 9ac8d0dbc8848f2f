// The defaults the Gateway API CRD schemas (standard channel v1.4.0) declare, applied on create and
// update as the API server's structural defaulting does, so `kubectl get -o yaml` shows what a real
// cluster stores (an HTTPRoute without rules gets one matching PathPrefix /, a backendRef gets
// group "", kind Service and weight 1). The schemas here are open (crds.ts), so this admission
// plugin stands in for the schema's `default:` fields.
import type { AdmissionPlugin } from '../apiserver/admission.ts';
import type { KubeObject } from '../store/object-store.ts';
import { GATEWAY_API_GROUP } from './crds.ts';
import type { UntypedObject as Obj } from '../meta/untyped.ts';

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const objects = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);

function parentRefDefaults(ref: Obj): void {
  ref.group ??= GATEWAY_API_GROUP;
  ref.kind ??= 'Gateway';
}

function backendRefDefaults(ref: Obj, weighted: boolean): void {
  ref.group ??= '';
  ref.kind ??= 'Service';
  if (weighted) ref.weight ??= 1;
}

function filterDefaults(filter: Obj): void {
  if (isObj(filter.requestMirror)) {
    const backend = filter.requestMirror.backendRef;
    if (isObj(backend)) backendRefDefaults(backend, false);
    if (isObj(filter.requestMirror.fraction)) filter.requestMirror.fraction.denominator ??= 100;
  }
  if (isObj(filter.requestRedirect)) filter.requestRedirect.statusCode ??= 302;
}

function matchDefaults(match: Obj): void {
  if (match.path === undefined) match.path = { type: 'PathPrefix', value: '/' };
  else if (isObj(match.path)) {
    match.path.type ??= 'PathPrefix';
    match.path.value ??= '/';
  }
  for (const h of objects(match.headers)) h.type ??= 'Exact';
  for (const q of objects(match.queryParams)) q.type ??= 'Exact';
}

function routeDefaults(spec: Obj, kind: 'HTTPRoute' | 'GRPCRoute' | 'TLSRoute' | 'TCPRoute' | 'UDPRoute'): void {
  for (const ref of objects(spec.parentRefs)) parentRefDefaults(ref);
  if (kind === 'HTTPRoute' && spec.rules === undefined) spec.rules = [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }] }];
  for (const rule of objects(spec.rules)) {
    if (kind === 'HTTPRoute') {
      // A rule without matches matches every request: the schema writes it out.
      if (rule.matches === undefined) rule.matches = [{ path: { type: 'PathPrefix', value: '/' } }];
      for (const m of objects(rule.matches)) matchDefaults(m);
    } else if (kind === 'GRPCRoute') {
      for (const m of objects(rule.matches)) {
        if (isObj(m.method)) m.method.type ??= 'Exact';
        for (const h of objects(m.headers)) h.type ??= 'Exact';
      }
    }
    for (const f of objects(rule.filters)) filterDefaults(f);
    for (const ref of objects(rule.backendRefs)) {
      backendRefDefaults(ref, true);
      for (const f of objects(ref.filters)) filterDefaults(f);
    }
  }
}

function gatewayDefaults(spec: Obj): void {
  for (const a of objects(spec.addresses)) a.type ??= 'IPAddress';
  for (const l of objects(spec.listeners)) {
    if (l.allowedRoutes === undefined) l.allowedRoutes = { namespaces: { from: 'Same' } };
    else if (isObj(l.allowedRoutes)) {
      if (l.allowedRoutes.namespaces === undefined) l.allowedRoutes.namespaces = { from: 'Same' };
      else if (isObj(l.allowedRoutes.namespaces)) l.allowedRoutes.namespaces.from ??= 'Same';
      for (const k of objects(l.allowedRoutes.kinds)) k.group ??= GATEWAY_API_GROUP;
    }
    if (isObj(l.tls)) {
      l.tls.mode ??= 'Terminate';
      for (const ref of objects(l.tls.certificateRefs)) {
        ref.group ??= '';
        ref.kind ??= 'Secret';
      }
    }
  }
}

/** The status a GatewayClass or Gateway has before any controller writes one. */
function pendingStatus(types: string[]): Obj {
  return { conditions: types.map((type) => ({ lastTransitionTime: '1970-01-01T00:00:00Z', message: 'Waiting for controller', reason: 'Pending', status: 'Unknown', type })) };
}

/** Fills the schema defaults of a Gateway API object in place (other objects are left alone). */
export function applyGatewayApiDefaults(obj: KubeObject): void {
  if (!obj.apiVersion?.startsWith(`${GATEWAY_API_GROUP}/`) || !isObj(obj.spec)) return;
  if (obj.status === undefined && obj.kind === 'GatewayClass') obj.status = pendingStatus(['Accepted']);
  if (obj.status === undefined && obj.kind === 'Gateway') obj.status = pendingStatus(['Accepted', 'Programmed']);
  const spec = obj.spec as Obj;
  if (obj.kind === 'Gateway') gatewayDefaults(spec);
  else if (obj.kind === 'HTTPRoute' || obj.kind === 'GRPCRoute' || obj.kind === 'TLSRoute' || obj.kind === 'TCPRoute' || obj.kind === 'UDPRoute') routeDefaults(spec, obj.kind);
}

export const gatewayApiDefaultsAdmission: AdmissionPlugin = {
  name: 'gateway-api-schema-defaults',
  mutate(request) {
    if (request.resource.startsWith(`${GATEWAY_API_GROUP}/`)) applyGatewayApiDefaults(request.object);
  },
};

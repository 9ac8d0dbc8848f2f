// The security.istio.io policies that apply to one workload, as `istioctl x describe pod` reports
// them: the effective PeerAuthentication (istio/istio pilot/pkg/security/authn ComposePeerAuthentication:
// the narrowest scope wins, workload over namespace over the root namespace's mesh-wide policy, the
// oldest in a scope, UNSET inherits, PERMISSIVE when nothing applies) and the names of the RBAC
// policies istiod builds from AuthorizationPolicies (pilot/pkg/security/authz/builder: one Envoy
// RBAC filter per action, AUDIT then DENY then ALLOW, a policy named ns[NS]-policy[NAME]-rule[I] per
// rule). istioctl prints the first RBAC filter's policies; it reads them from the pod's Envoy
// configuration, meshlab from the objects.
import type { KObj } from './analyzer.ts';

type Obj = Record<string, unknown>;
type Mode = 'DISABLE' | 'PERMISSIVE' | 'STRICT';

/** meshConfig.rootNamespace's default: mesh-wide policies live there. */
export const ROOT_NAMESPACE = 'istio-system';

const nsOf = (o: KObj): string => o.metadata.namespace ?? 'default';

function modeOf(mtls: unknown): Mode | undefined {
  const m = (mtls as Obj | undefined)?.mode;
  return m === 'DISABLE' || m === 'PERMISSIVE' || m === 'STRICT' ? m : undefined;
}

function matchLabels(o: KObj): Record<string, string> | undefined {
  const labels = ((o.spec?.selector as Obj | undefined)?.matchLabels as Record<string, string> | undefined) ?? undefined;
  return labels && Object.keys(labels).length ? labels : undefined;
}

const selects = (labels: Record<string, string> | undefined, pod: Record<string, string>): boolean => !labels || Object.entries(labels).every(([k, v]) => pod[k] === v);

/** The root namespace's objects, then the workload namespace's, each in the API's name order (as istioctl lists them). */
function candidates(objects: KObj[], namespace: string, rootNamespace: string): KObj[] {
  const inNs = (ns: string) => objects.filter((o) => nsOf(o) === ns).sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : a.metadata.name > b.metadata.name ? 1 : 0));
  return [...inNs(rootNamespace), ...inNs(namespace)];
}

const older = (a: KObj, b: KObj): boolean => Date.parse(a.metadata.creationTimestamp ?? '') < Date.parse(b.metadata.creationTimestamp ?? '');

export interface EffectivePeerAuthentication {
  mode: Mode;
  /** Port-level modes of the workload policy, by port number. */
  perPort: [number, Mode][];
  /** Every PeerAuthentication whose selector takes the pod, root namespace first ("Applied PeerAuthentication"). */
  applied: KObj[];
}

export function effectivePeerAuthentication(peerAuthentications: KObj[], namespace: string, podLabels: Record<string, string>, rootNamespace = ROOT_NAMESPACE): EffectivePeerAuthentication {
  const applied = candidates(peerAuthentications, namespace, rootNamespace).filter((pa) => selects(matchLabels(pa), podLabels));
  let mesh: KObj | undefined;
  let ns: KObj | undefined;
  let workload: KObj | undefined;
  for (const pa of applied) {
    if (!matchLabels(pa)) {
      if (nsOf(pa) === rootNamespace) {
        if (!mesh || older(pa, mesh)) mesh = pa;
      } else if (!ns || older(pa, ns)) ns = pa;
    } else if (nsOf(pa) !== rootNamespace && (!workload || older(pa, workload))) workload = pa;
  }
  let mode: Mode = 'PERMISSIVE';
  for (const pa of [mesh, ns, workload]) mode = modeOf(pa?.spec?.mtls) ?? mode;
  const perPort: [number, Mode][] = [];
  const ports = workload?.spec?.portLevelMtls as Record<string, unknown> | undefined;
  if (ports) for (const [port, mtls] of Object.entries(ports)) perPort.push([Number(port), modeOf(mtls) ?? mode]);
  perPort.sort((a, b) => a[0] - b[0]);
  return { mode, perPort, applied };
}

/**
 * The policy names of the first RBAC filter on the workload's inbound listener (empty when there is
 * none, or when that filter has no policy: an ALLOW policy without rules allows nothing, by
 * having none). AuthorizationPolicies with targetRef(s) attach to gateways and waypoints, not to
 * sidecars; CUSTOM ones go to an external authorizer, not to these filters.
 */
export function rbacPolicyNames(authorizationPolicies: KObj[], namespace: string, podLabels: Record<string, string>, rootNamespace = ROOT_NAMESPACE): string[] {
  const applicable = candidates(authorizationPolicies, namespace, rootNamespace).filter((ap) => !ap.spec?.targetRef && !ap.spec?.targetRefs && selects(matchLabels(ap), podLabels));
  for (const action of ['AUDIT', 'DENY', 'ALLOW']) {
    const policies = applicable.filter((ap) => ((ap.spec?.action as string | undefined) ?? 'ALLOW') === action);
    if (!policies.length) continue;
    const names: string[] = [];
    for (const ap of policies) {
      const rules = Array.isArray(ap.spec?.rules) ? (ap.spec.rules as unknown[]) : [];
      rules.forEach((rule, i) => {
        if (rule !== null && typeof rule === 'object') names.push(`ns[${nsOf(ap)}]-policy[${ap.metadata.name}]-rule[${i}]`);
      });
    }
    return names;
  }
  return [];
}

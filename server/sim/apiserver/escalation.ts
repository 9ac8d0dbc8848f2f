// RBAC's escalation prevention (pkg/registry/rbac: role and binding storage, validation.Covers and
// ConfirmNoEscalation): a Role or ClusterRole may only hold rules its author already holds (or the
// author may "escalate"), and a binding may only grant a role whose rules its author holds (or the
// author may "bind" that role). Members of "system:masters" skip the check.
import type { KubeObject } from '../store/object-store.ts';
import type { UserInfo } from './authentication.ts';
import { STORE_KEYS, type PolicyRule, type RbacAuthorizer } from './rbac.ts';
import { ApiError, errors } from './status.ts';

const RBAC = 'rbac.authorization.k8s.io';

/** One rule per group × resource × verb (× resourceName), and per URL × verb (rbacv1helpers' BreakdownRule). */
export function breakdownRule(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const group of rule.apiGroups ?? []) {
    for (const resource of rule.resources ?? []) {
      for (const verb of rule.verbs ?? []) {
        if (rule.resourceNames?.length) for (const name of rule.resourceNames) out.push({ apiGroups: [group], resources: [resource], verbs: [verb], resourceNames: [name] });
        else out.push({ apiGroups: [group], resources: [resource], verbs: [verb] });
      }
    }
  }
  for (const url of rule.nonResourceURLs ?? []) for (const verb of rule.verbs ?? []) out.push({ nonResourceURLs: [url], verbs: [verb] });
  return out;
}

/** Every item of `wanted` is in `owner` (no items: true). */
const hasAll = (owner: string[] | undefined, wanted: string[] | undefined): boolean => (wanted ?? []).every((w) => (owner ?? []).includes(w));

function resourcesCovered(owner: string[] | undefined, wanted: string[] | undefined): boolean {
  const have = owner ?? [];
  if (have.includes('*')) return true;
  return (wanted ?? []).every((w) => {
    if (have.includes(w)) return true;
    const slash = w.indexOf('/');
    return slash >= 0 && have.includes(`*${w.slice(slash)}`);
  });
}

function urlsCovered(owner: string[] | undefined, wanted: string[] | undefined): boolean {
  const have = owner ?? [];
  return (wanted ?? []).every((w) => have.some((o) => o === w || (o.endsWith('*') && w.startsWith(o.slice(0, -1)))));
}

/** Whether one owner rule covers one (broken-down) rule (validation.ruleCovers). */
export function ruleCovers(owner: PolicyRule, wanted: PolicyRule): boolean {
  const verbs = (owner.verbs ?? []).includes('*') || hasAll(owner.verbs, wanted.verbs);
  const groups = (owner.apiGroups ?? []).includes('*') || hasAll(owner.apiGroups, wanted.apiGroups);
  const ownerNames = owner.resourceNames ?? [];
  const names = wanted.resourceNames?.length ? ownerNames.length === 0 || hasAll(ownerNames, wanted.resourceNames) : ownerNames.length === 0;
  return verbs && groups && resourcesCovered(owner.resources, wanted.resources) && names && urlsCovered(owner.nonResourceURLs, wanted.nonResourceURLs);
}

/** The broken-down rules of `wanted` that no owner rule covers (validation.Covers). */
export function uncovered(ownerRules: PolicyRule[], wanted: PolicyRule[]): PolicyRule[] {
  return wanted.flatMap(breakdownRule).filter((r) => !ownerRules.some((o) => ruleCovers(o, r)));
}

/** Missing rules merged per group/resource as CompactRules does, printed as CompactString. */
export function describeMissing(missing: PolicyRule[]): string[] {
  const merged: PolicyRule[] = [];
  const simple = new Map<string, PolicyRule>();
  for (const r of missing) {
    if (r.resourceNames?.length || r.nonResourceURLs?.length) {
      merged.push(r);
      continue;
    }
    const key = `${r.apiGroups![0]}\u0000${r.resources![0]}`;
    const found = simple.get(key);
    if (found) found.verbs!.push(...r.verbs!);
    else {
      const copy = { apiGroups: [...r.apiGroups!], resources: [...r.resources!], verbs: [...r.verbs!] };
      simple.set(key, copy);
      merged.push(copy);
    }
  }
  const q = (list: string[]) => `[${list.map((s) => JSON.stringify(s)).join(' ')}]`;
  const compact = (r: PolicyRule): string => {
    const parts: string[] = [];
    if (r.apiGroups?.length) parts.push(`APIGroups:${q(r.apiGroups)}`);
    if (r.resources?.length) parts.push(`Resources:${q(r.resources)}`);
    if (r.nonResourceURLs?.length) parts.push(`NonResourceURLs:${q(r.nonResourceURLs)}`);
    if (r.resourceNames?.length) parts.push(`ResourceNames:${q(r.resourceNames)}`);
    if (r.verbs?.length) parts.push(`Verbs:${q(r.verbs)}`);
    return `{${parts.join(', ')}}`;
  };
  return [...new Set(merged.map(compact))].sort();
}

function notHeld(user: UserInfo, missing: PolicyRule[], errors: string[]): string {
  const groups = `[${user.groups.map((g) => JSON.stringify(g)).join(' ')}]`;
  let msg = `user ${JSON.stringify(user.username)} (groups=${groups}) is attempting to grant RBAC permissions not currently held:\n${describeMissing(missing).join('\n')}`;
  if (errors.length) msg += `; resolution errors: [${errors.join(' ')}]`;
  return msg;
}

function rulesOf(obj: KubeObject): PolicyRule[] {
  const rules = (obj as { rules?: unknown }).rules;
  return Array.isArray(rules) ? (rules as PolicyRule[]) : [];
}

/**
 * Throws 403 when `user` writing this Role, ClusterRole, RoleBinding or ClusterRoleBinding would
 * grant more than the user holds in `namespace` ("" for the cluster-scoped kinds).
 */
export function confirmNoEscalation(rbac: RbacAuthorizer, user: UserInfo, resource: string, namespace: string, obj: KubeObject): void {
  if (user.groups.includes('system:masters')) return;
  const name = obj.metadata?.name ?? '';
  const deny = (why: string) => new ApiError(403, 'Forbidden', `${resource}.${RBAC} ${JSON.stringify(name)} is forbidden: ${why}`, { name, group: RBAC, kind: resource });
  const allowed = (verb: string, res: string, resName: string) => rbac.authorize({ user, verb, resourceRequest: true, apiGroup: RBAC, resource: res, name: resName, ...(namespace ? { namespace } : {}) }).allowed;
  if (resource === 'roles' || resource === 'clusterroles') {
    if (allowed('escalate', resource, name)) return;
    if (resource === 'clusterroles' && (obj as { aggregationRule?: unknown }).aggregationRule) {
      throw deny('must have cluster-admin privileges to use the aggregationRule');
    }
    const held = rbac.rulesFor(user, namespace);
    const missing = uncovered(held.rules, rulesOf(obj));
    if (missing.length) throw deny(notHeld(user, missing, held.errors));
    return;
  }
  const ref = (obj as { roleRef?: { kind?: string; name?: string } }).roleRef ?? {};
  const refResource = ref.kind === 'Role' ? 'roles' : 'clusterroles';
  if (allowed('bind', refResource, ref.name ?? '')) return;
  const role = ref.kind === 'Role' ? rbac.store.get(STORE_KEYS.roles, namespace, ref.name ?? '') : rbac.store.get(STORE_KEYS.clusterRoles, undefined, ref.name ?? '');
  if (!role) throw errors.notFound(RBAC, refResource, ref.name ?? '');
  const held = rbac.rulesFor(user, namespace);
  const missing = uncovered(held.rules, rulesOf(role));
  if (missing.length) throw deny(notHeld(user, missing, held.errors));
}


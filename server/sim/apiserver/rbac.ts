// RBAC authorization as kube-apiserver's RBAC authorizer decides it
// (plugin/pkg/auth/authorizer/rbac/rbac.go and pkg/registry/rbac/validation/rule.go): the rules of
// every ClusterRoleBinding, and of the RoleBindings in the request's namespace, whose subjects
// include the user, are visited in that order; the first rule that allows the request decides.
// Nothing denies: a request no rule allows is forbidden. Members of "system:masters" are allowed
// everything before RBAC is asked, as the privileged-group authorizer does.
import type { KubeObject, ObjectStore } from '../store/object-store.ts';
import type { UserInfo } from './authentication.ts';

export interface PolicyRule {
  verbs?: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export interface Subject {
  kind?: string;
  apiGroup?: string;
  name?: string;
  namespace?: string;
}

/** What a request asks to do (k8s.io/apiserver's authorizer.Attributes). */
export interface Attributes {
  user: UserInfo;
  verb: string;
  /** Resource requests name a resource; the others a path (discovery, /openapi, /version). */
  resourceRequest: boolean;
  path?: string;
  namespace?: string;
  apiGroup?: string;
  apiVersion?: string;
  resource?: string;
  subresource?: string;
  name?: string;
}

export interface Decision {
  allowed: boolean;
  /** "RBAC: allowed by ..." when allowed; errors met on the way (a binding to a missing role) otherwise. */
  reason: string;
}

const RBAC = 'rbac.authorization.k8s.io';
export const STORE_KEYS = {
  roles: `${RBAC}/roles`,
  clusterRoles: `${RBAC}/clusterroles`,
  roleBindings: `${RBAC}/rolebindings`,
  clusterRoleBindings: `${RBAC}/clusterrolebindings`,
};

const has = (list: string[] | undefined, value: string): boolean => !!list && (list.includes('*') || list.includes(value));

export function verbMatches(rule: PolicyRule, verb: string): boolean {
  return has(rule.verbs, verb);
}

export function apiGroupMatches(rule: PolicyRule, group: string): boolean {
  return has(rule.apiGroups, group);
}

/** `resource/subresource` matches itself, `*`, and `* /subresource` (without the space). */
export function resourceMatches(rule: PolicyRule, combined: string, subresource: string): boolean {
  for (const r of rule.resources ?? []) {
    if (r === '*' || r === combined) return true;
    if (subresource && r === `*/${subresource}`) return true;
  }
  return false;
}

export function resourceNameMatches(rule: PolicyRule, name: string): boolean {
  if (!rule.resourceNames || rule.resourceNames.length === 0) return true;
  return rule.resourceNames.includes(name);
}

/** A URL rule matches itself, `*`, or a path under its `prefix*`. */
export function nonResourceURLMatches(rule: PolicyRule, path: string): boolean {
  for (const u of rule.nonResourceURLs ?? []) {
    if (u === '*' || u === path) return true;
    if (u.endsWith('*') && path.startsWith(u.slice(0, -1))) return true;
  }
  return false;
}

export function ruleAllows(attrs: Omit<Attributes, 'user'>, rule: PolicyRule): boolean {
  if (attrs.resourceRequest) {
    const sub = attrs.subresource ?? '';
    const combined = sub ? `${attrs.resource}/${sub}` : (attrs.resource ?? '');
    return verbMatches(rule, attrs.verb) && apiGroupMatches(rule, attrs.apiGroup ?? '') && resourceMatches(rule, combined, sub) && resourceNameMatches(rule, attrs.name ?? '');
  }
  return verbMatches(rule, attrs.verb) && nonResourceURLMatches(rule, attrs.path ?? '');
}

/** Whether a binding's subject is this user; ServiceAccount subjects default to the binding's namespace. */
export function subjectApplies(user: UserInfo, subject: Subject, bindingNamespace: string): boolean {
  switch (subject.kind) {
    case 'User':
      return user.username === subject.name;
    case 'Group':
      return user.groups.includes(subject.name ?? '');
    case 'ServiceAccount': {
      const ns = subject.namespace || bindingNamespace;
      if (!ns) return false;
      return user.username === `system:serviceaccount:${ns}:${subject.name}`;
    }
    default:
      return false;
  }
}

function describeSubject(s: Subject, bindingNamespace: string): string {
  if (s.kind === 'ServiceAccount') return `${s.kind} ${JSON.stringify(`${s.name}/${s.namespace || bindingNamespace}`)}`;
  return `${s.kind} ${JSON.stringify(s.name)}`;
}

function rulesOf(obj: KubeObject | undefined): PolicyRule[] {
  const rules = (obj as { rules?: unknown } | undefined)?.rules;
  return Array.isArray(rules) ? (rules as PolicyRule[]) : [];
}

/** One source of rules met while visiting: which binding, which role, and its rules (or why none). */
export interface RuleSource {
  describe: string;
  rules: PolicyRule[];
  error?: string;
}

/** The RBAC authorizer over the objects in one cluster's store. */
export class RbacAuthorizer {
  constructor(readonly store: ObjectStore) {}

  private roleRules(kind: string | undefined, name: string, namespace: string): { rules: PolicyRule[]; error?: string } {
    if (kind === 'ClusterRole') {
      const role = this.store.get(STORE_KEYS.clusterRoles, undefined, name);
      return role ? { rules: rulesOf(role) } : { rules: [], error: `clusterrole.rbac.authorization.k8s.io ${JSON.stringify(name)} not found` };
    }
    if (kind === 'Role' && namespace) {
      const role = this.store.get(STORE_KEYS.roles, namespace, name);
      return role ? { rules: rulesOf(role) } : { rules: [], error: `role.rbac.authorization.k8s.io ${JSON.stringify(name)} not found` };
    }
    return { rules: [], error: `unknown role reference kind: ${JSON.stringify(kind ?? '')}` };
  }

  /** Every rule source that applies to the user in this namespace ("" = cluster scope), in RBAC's order; stops when visit returns false. */
  visit(user: UserInfo, namespace: string, visit: (source: RuleSource) => boolean): void {
    for (const b of this.store.list(STORE_KEYS.clusterRoleBindings).items) {
      const binding = b as KubeObject & { subjects?: Subject[]; roleRef?: { kind?: string; name?: string } };
      const subject = (binding.subjects ?? []).find((s) => subjectApplies(user, s, ''));
      if (!subject) continue;
      const roleName = binding.roleRef?.name ?? '';
      const { rules, error } = binding.roleRef?.kind === 'ClusterRole' ? this.roleRules('ClusterRole', roleName, '') : { rules: [], error: `unknown role reference kind: ${JSON.stringify(binding.roleRef?.kind ?? '')}` };
      const describe = `ClusterRoleBinding ${JSON.stringify(binding.metadata.name)} of ${binding.roleRef?.kind} ${JSON.stringify(roleName)} to ${describeSubject(subject, '')}`;
      if (!visit({ describe, rules, error })) return;
    }
    if (!namespace) return;
    for (const b of this.store.list(STORE_KEYS.roleBindings, namespace).items) {
      const binding = b as KubeObject & { subjects?: Subject[]; roleRef?: { kind?: string; name?: string } };
      const subject = (binding.subjects ?? []).find((s) => subjectApplies(user, s, namespace));
      if (!subject) continue;
      const roleName = binding.roleRef?.name ?? '';
      const { rules, error } = this.roleRules(binding.roleRef?.kind, roleName, namespace);
      const describe = `RoleBinding ${JSON.stringify(`${binding.metadata.name}/${namespace}`)} of ${binding.roleRef?.kind} ${JSON.stringify(roleName)} to ${describeSubject(subject, namespace)}`;
      if (!visit({ describe, rules, error })) return;
    }
  }

  authorize(attrs: Attributes): Decision {
    if (attrs.user.groups.includes('system:masters')) return { allowed: true, reason: '' };
    let reason = '';
    const errors: string[] = [];
    this.visit(attrs.user, attrs.resourceRequest ? (attrs.namespace ?? '') : '', (source) => {
      if (source.error) errors.push(source.error);
      const rule = source.rules.find((r) => ruleAllows(attrs, r));
      if (!rule) return true;
      reason = `RBAC: allowed by ${source.describe}`;
      return false;
    });
    if (reason) return { allowed: true, reason };
    return { allowed: false, reason: errors.length === 0 ? '' : `RBAC: ${errors.length === 1 ? errors[0] : `[${errors.join(', ')}]`}` };
  }

  /** The rules the user holds in a namespace (SelfSubjectRulesReview, `kubectl auth can-i --list`). */
  rulesFor(user: UserInfo, namespace: string): { rules: PolicyRule[]; errors: string[] } {
    const rules: PolicyRule[] = [];
    const errors: string[] = [];
    if (user.groups.includes('system:masters')) rules.push({ verbs: ['*'], apiGroups: ['*'], resources: ['*'] }, { verbs: ['*'], nonResourceURLs: ['*'] });
    this.visit(user, namespace, (source) => {
      if (source.error) errors.push(source.error);
      rules.push(...source.rules);
      return true;
    });
    return { rules, errors };
  }
}

/** The 403 message kube-apiserver writes (endpoints/handlers/responsewriters/errors.go forbiddenMessage). */
export function forbiddenMessage(attrs: Attributes): string {
  const user = attrs.user.username;
  if (!attrs.resourceRequest) return `User ${JSON.stringify(user)} cannot ${attrs.verb} path ${JSON.stringify(attrs.path ?? '')}`;
  const resource = attrs.subresource ? `${attrs.resource}/${attrs.subresource}` : (attrs.resource ?? '');
  if (attrs.namespace) return `User ${JSON.stringify(user)} cannot ${attrs.verb} resource ${JSON.stringify(resource)} in API group ${JSON.stringify(attrs.apiGroup ?? '')} in the namespace ${JSON.stringify(attrs.namespace)}`;
  return `User ${JSON.stringify(user)} cannot ${attrs.verb} resource ${JSON.stringify(resource)} in API group ${JSON.stringify(attrs.apiGroup ?? '')} at the cluster scope`;
}

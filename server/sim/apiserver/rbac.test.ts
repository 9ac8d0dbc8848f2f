// The RBAC evaluator against Kubernetes' rules (plugin/pkg/auth/authorizer/rbac/rbac.go RuleAllows,
// pkg/registry/rbac/validation/rule.go appliesTo): rules × requests → allow or deny, then bindings.
import { describe, expect, it } from 'vitest';
import { ObjectStore } from '../store/object-store.ts';
import { forbiddenMessage, RbacAuthorizer, ruleAllows, STORE_KEYS, subjectApplies, type Attributes, type PolicyRule, type Subject } from './rbac.ts';
import { aggregatedRules, bootstrapPolicy, ensureBootstrapPolicy, startClusterRoleAggregation } from './bootstrap-policy.ts';
import { requestAttributes } from './authorization.ts';
import type { UserInfo } from './authentication.ts';
import { describeMissing, uncovered } from './escalation.ts';

const SA: UserInfo = { username: 'system:serviceaccount:team-a:attendee', groups: ['system:serviceaccounts', 'system:serviceaccounts:team-a', 'system:authenticated'] };
type Req = Omit<Attributes, 'user'>;
const res = (verb: string, resource: string, extra: Partial<Req> = {}): Req => ({ verb, resourceRequest: true, apiGroup: '', resource, namespace: 'team-a', ...extra });
const path = (verb: string, p: string): Req => ({ verb, resourceRequest: false, path: p });

const cases: [string, PolicyRule, Req, boolean][] = [
  ['exact verb, group, resource', { verbs: ['list'], apiGroups: [''], resources: ['pods'] }, res('list', 'pods'), true],
  ['another verb', { verbs: ['list'], apiGroups: [''], resources: ['pods'] }, res('watch', 'pods'), false],
  ['verb wildcard', { verbs: ['*'], apiGroups: [''], resources: ['pods'] }, res('deletecollection', 'pods'), true],
  ['another group', { verbs: ['get'], apiGroups: [''], resources: ['deployments'] }, res('get', 'deployments', { apiGroup: 'apps' }), false],
  ['group wildcard', { verbs: ['get'], apiGroups: ['*'], resources: ['deployments'] }, res('get', 'deployments', { apiGroup: 'apps' }), true],
  ['no apiGroups at all', { verbs: ['get'], resources: ['pods'] }, res('get', 'pods'), false],
  ['resource wildcard', { verbs: ['get'], apiGroups: ['networking.istio.io'], resources: ['*'] }, res('get', 'virtualservices', { apiGroup: 'networking.istio.io' }), true],
  ['resource wildcard covers subresources', { verbs: ['get'], apiGroups: [''], resources: ['*'] }, res('get', 'pods', { subresource: 'log' }), true],
  ['the resource does not cover its subresource', { verbs: ['get'], apiGroups: [''], resources: ['pods'] }, res('get', 'pods', { subresource: 'log', name: 'web' }), false],
  ['pods/log', { verbs: ['get'], apiGroups: [''], resources: ['pods/log'] }, res('get', 'pods', { subresource: 'log', name: 'web' }), true],
  ['pods/log is not the pod', { verbs: ['get'], apiGroups: [''], resources: ['pods/log'] }, res('get', 'pods', { name: 'web' }), false],
  ['*/scale', { verbs: ['update'], apiGroups: ['apps'], resources: ['*/scale'] }, res('update', 'deployments', { apiGroup: 'apps', subresource: 'scale' }), true],
  ['*/scale is no other subresource', { verbs: ['update'], apiGroups: ['apps'], resources: ['*/scale'] }, res('update', 'deployments', { apiGroup: 'apps', subresource: 'status' }), false],
  ['pods/exec create', { verbs: ['create'], apiGroups: [''], resources: ['pods/exec'] }, res('create', 'pods', { subresource: 'exec', name: 'web' }), true],
  ['pods/exec get only', { verbs: ['get'], apiGroups: [''], resources: ['pods/exec'] }, res('create', 'pods', { subresource: 'exec', name: 'web' }), false],
  ['resourceNames: the named one', { verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['settings'] }, res('get', 'configmaps', { name: 'settings' }), true],
  ['resourceNames: another', { verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['settings'] }, res('get', 'configmaps', { name: 'other' }), false],
  ['resourceNames: a list has no name', { verbs: ['list'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['settings'] }, res('list', 'configmaps'), false],
  ['resourceNames: no create by name', { verbs: ['create'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['settings'] }, res('create', 'configmaps'), false],
  ['a resource rule is no path rule', { verbs: ['get'], apiGroups: ['*'], resources: ['*'] }, path('get', '/healthz'), false],
  ['nonResourceURLs exact', { verbs: ['get'], nonResourceURLs: ['/healthz'] }, path('get', '/healthz'), true],
  ['nonResourceURLs exact, another path', { verbs: ['get'], nonResourceURLs: ['/healthz'] }, path('get', '/healthz/etcd'), false],
  ['nonResourceURLs prefix*', { verbs: ['get'], nonResourceURLs: ['/apis/*'] }, path('get', '/apis/apps/v1'), true],
  ['nonResourceURLs prefix* is not the bare prefix without slash', { verbs: ['get'], nonResourceURLs: ['/apis/*'] }, path('get', '/apis'), false],
  ['nonResourceURLs *', { verbs: ['*'], nonResourceURLs: ['*'] }, path('post', '/anything'), true],
  ['a path rule is no resource rule', { verbs: ['*'], nonResourceURLs: ['*'] }, res('get', 'pods'), false],
];

describe('ruleAllows', () => {
  it.each(cases)('%s', (_name, rule, req, allowed) => {
    expect(ruleAllows(req, rule)).toBe(allowed);
  });
});

const subjects: [string, Subject, string, boolean][] = [
  ['ServiceAccount with namespace', { kind: 'ServiceAccount', name: 'attendee', namespace: 'team-a' }, '', true],
  ['ServiceAccount of another namespace', { kind: 'ServiceAccount', name: 'attendee', namespace: 'team-b' }, 'team-a', false],
  ['ServiceAccount without namespace takes the RoleBinding\'s', { kind: 'ServiceAccount', name: 'attendee' }, 'team-a', true],
  ['ServiceAccount without namespace in a ClusterRoleBinding', { kind: 'ServiceAccount', name: 'attendee' }, '', false],
  ['Group of the user', { kind: 'Group', name: 'system:serviceaccounts:team-a' }, '', true],
  ['Group of others', { kind: 'Group', name: 'system:serviceaccounts:team-b' }, '', false],
  ['User by name', { kind: 'User', name: 'system:serviceaccount:team-a:attendee' }, '', true],
  ['User of another name', { kind: 'User', name: 'attendee' }, '', false],
];

describe('subjectApplies', () => {
  it.each(subjects)('%s', (_name, subject, ns, applies) => {
    expect(subjectApplies(SA, subject, ns)).toBe(applies);
  });
});

function rbacStore(): ObjectStore {
  const store = new ObjectStore();
  ensureBootstrapPolicy(store);
  store.create(STORE_KEYS.roles, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name: 'reader', namespace: 'team-a' }, rules: [{ verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] }] } as never);
  store.create(STORE_KEYS.roleBindings, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'attendee', namespace: 'team-a' }, roleRef: { kind: 'Role', name: 'reader' }, subjects: [{ kind: 'ServiceAccount', name: 'attendee' }] } as never);
  return store;
}

describe('RbacAuthorizer', () => {
  const store = rbacStore();
  const rbac = new RbacAuthorizer(store);
  const decide = (req: Req, user = SA) => rbac.authorize({ ...req, user });

  it.each([
    ['a Role bound in the namespace', res('list', 'pods'), true, 'RBAC: allowed by RoleBinding "attendee/team-a" of Role "reader" to ServiceAccount "attendee/team-a"'],
    ['the same Role is nothing in another namespace', res('list', 'pods', { namespace: 'team-b' }), false, ''],
    ['nor at the cluster scope', res('list', 'pods', { namespace: undefined }), false, ''],
    ['discovery for every authenticated user', path('get', '/apis/apps/v1'), true, 'RBAC: allowed by ClusterRoleBinding "system:discovery" of ClusterRole "system:discovery" to Group "system:authenticated"'],
    ['self reviews for every authenticated user', res('create', 'selfsubjectaccessreviews', { apiGroup: 'authorization.k8s.io', namespace: undefined }), true, 'RBAC: allowed by ClusterRoleBinding "system:basic-user" of ClusterRole "system:basic-user" to Group "system:authenticated"'],
    ['no other path', path('get', '/metrics'), false, ''],
  ] as [string, Req, boolean, string][])('%s', (_name, req, allowed, reason) => {
    expect(decide(req)).toEqual({ allowed, reason });
  });

  it('makes the admin kubeconfig user cluster-admin through kubeadm\'s binding, and system:masters always', () => {
    const adminUser: UserInfo = { username: 'kubernetes-admin', groups: ['kubeadm:cluster-admins', 'system:authenticated'] };
    expect(decide(res('delete', 'nodes', { namespace: undefined }), adminUser)).toEqual({ allowed: true, reason: 'RBAC: allowed by ClusterRoleBinding "kubeadm:cluster-admins" of ClusterRole "cluster-admin" to Group "kubeadm:cluster-admins"' });
    expect(decide(path('get', '/meshlab/v1/requests'), adminUser).allowed).toBe(true);
    expect(decide(res('get', 'secrets'), { username: 'x', groups: ['system:masters'] }).allowed).toBe(true);
  });

  it('reports bindings to missing roles when it denies', () => {
    const s = rbacStore();
    s.create(STORE_KEYS.roleBindings, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'gone', namespace: 'team-a' }, roleRef: { kind: 'ClusterRole', name: 'nope' }, subjects: [{ kind: 'Group', name: 'system:serviceaccounts' }] } as never);
    expect(new RbacAuthorizer(s).authorize({ ...res('delete', 'pods'), user: SA })).toEqual({ allowed: false, reason: 'RBAC: clusterrole.rbac.authorization.k8s.io "nope" not found' });
  });
});

describe('request attributes and the forbidden message', () => {
  const q = (s = '') => new URLSearchParams(s);
  it.each([
    ['GET', '/api/v1/namespaces/team-b/pods', '', { verb: 'list', namespace: 'team-b', resource: 'pods' }],
    ['GET', '/api/v1/namespaces/team-b/pods', 'watch=true', { verb: 'watch', namespace: 'team-b', resource: 'pods' }],
    ['GET', '/api/v1/watch/namespaces/team-b/pods', '', { verb: 'watch', namespace: 'team-b', resource: 'pods' }],
    ['GET', '/api/v1/namespaces/team-b/pods', 'fieldSelector=metadata.name%3Ddb&watch=true', { verb: 'watch', namespace: 'team-b', resource: 'pods', name: 'db' }],
    ['GET', '/api/v1/pods', '', { verb: 'list', resource: 'pods' }],
    ['GET', '/api/v1/namespaces/team-b/pods/db/log', '', { verb: 'get', namespace: 'team-b', resource: 'pods', subresource: 'log', name: 'db' }],
    ['POST', '/api/v1/namespaces/team-b/pods/db/exec', '', { verb: 'create', subresource: 'exec', name: 'db' }],
    ['DELETE', '/apis/apps/v1/namespaces/team-b/deployments', '', { verb: 'deletecollection', apiGroup: 'apps', resource: 'deployments' }],
    ['PATCH', '/apis/apps/v1/namespaces/team-b/deployments/web/scale', '', { verb: 'patch', apiGroup: 'apps', subresource: 'scale' }],
    ['GET', '/api/v1/namespaces/team-b', '', { verb: 'get', namespace: 'team-b', resource: 'namespaces', name: 'team-b' }],
    ['GET', '/apis/apps/v1', '', { verb: 'get', resourceRequest: false, path: '/apis/apps/v1' }],
  ] as [string, string, string, Partial<Attributes>][])('%s %s?%s', (method, p, query, want) => {
    expect(requestAttributes(SA, method, p, q(query))).toMatchObject(want);
  });

  it('reads as kube-apiserver writes it', () => {
    expect(forbiddenMessage({ ...res('list', 'pods', { namespace: 'team-b' }), user: SA })).toBe('User "system:serviceaccount:team-a:attendee" cannot list resource "pods" in API group "" in the namespace "team-b"');
    expect(forbiddenMessage({ ...res('list', 'nodes', { namespace: undefined }), user: SA })).toBe('User "system:serviceaccount:team-a:attendee" cannot list resource "nodes" in API group "" at the cluster scope');
    expect(forbiddenMessage({ ...res('create', 'pods', { subresource: 'exec', name: 'db' }), user: SA })).toBe('User "system:serviceaccount:team-a:attendee" cannot create resource "pods/exec" in API group "" in the namespace "team-a"');
    expect(forbiddenMessage({ ...path('get', '/metrics'), user: SA })).toBe('User "system:serviceaccount:team-a:attendee" cannot get path "/metrics"');
  });
});

describe('bootstrap policy and aggregation', () => {
  it('fills admin, edit and view from the aggregate-to roles, view inside edit inside admin', () => {
    const store = new ObjectStore();
    ensureBootstrapPolicy(store);
    const stop = startClusterRoleAggregation(store);
    const role = (name: string) => store.get(STORE_KEYS.clusterRoles, undefined, name) as unknown as { rules: PolicyRule[] };
    const allows = (name: string, req: Req) => role(name).rules.some((r) => ruleAllows(req, r));
    expect(allows('view', res('list', 'deployments', { apiGroup: 'apps' }))).toBe(true);
    expect(allows('view', res('get', 'secrets'))).toBe(false);
    expect(allows('edit', res('get', 'secrets'))).toBe(true);
    expect(allows('edit', res('list', 'deployments', { apiGroup: 'apps' }))).toBe(true);
    expect(allows('edit', res('create', 'rolebindings', { apiGroup: 'rbac.authorization.k8s.io' }))).toBe(false);
    expect(allows('admin', res('create', 'rolebindings', { apiGroup: 'rbac.authorization.k8s.io' }))).toBe(true);
    expect(allows('admin', res('create', 'pods', { subresource: 'exec' }))).toBe(true);
    expect(allows('admin', res('create', 'serviceaccounts', { subresource: 'token' }))).toBe(true);
    // A new aggregate-to-edit role reaches edit and admin, not view; deleting it takes it back out.
    store.create(STORE_KEYS.clusterRoles, { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'istio-edit', labels: { 'rbac.authorization.k8s.io/aggregate-to-edit': 'true' } }, rules: [{ verbs: ['*'], apiGroups: ['networking.istio.io'], resources: ['*'] }] } as never);
    const vs = res('create', 'virtualservices', { apiGroup: 'networking.istio.io' });
    expect([allows('view', vs), allows('edit', vs), allows('admin', vs)]).toEqual([false, true, true]);
    store.delete(STORE_KEYS.clusterRoles, undefined, 'istio-edit');
    expect(allows('admin', vs)).toBe(false);
    stop();
  });

  it('aggregates each rule once, from roles in name order', () => {
    const r = (name: string, rules: PolicyRule[], labels: Record<string, string> = { x: 'y' }) => ({ apiVersion: 'v1', kind: 'ClusterRole', metadata: { name, labels }, rules }) as never;
    const a = { verbs: ['get'], apiGroups: [''], resources: ['a'] };
    const b = { verbs: ['get'], apiGroups: [''], resources: ['b'] };
    const target = { ...(r('t', []) as object), aggregationRule: { clusterRoleSelectors: [{ matchLabels: { x: 'y' } }] } } as never;
    expect(aggregatedRules(target, [r('z', [a, b]), r('m', [a]), r('other', [b], { x: 'n' }), target])).toEqual([a, b]);
  });

  it('has the ClusterRoles and bindings of a kind cluster', () => {
    const { clusterRoles, clusterRoleBindings } = bootstrapPolicy();
    expect(clusterRoles.map((r) => r.metadata.name)).toEqual(expect.arrayContaining(['cluster-admin', 'admin', 'edit', 'view', 'system:discovery', 'system:basic-user']));
    expect(clusterRoleBindings.map((b) => b.metadata.name)).toEqual(expect.arrayContaining(['cluster-admin', 'kubeadm:cluster-admins', 'system:discovery', 'system:basic-user']));
  });
});

describe('escalation: which rules an owner covers (validation.Covers)', () => {
  const pods = { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] };
  it.each([
    ['the same rule', [pods], [pods], []],
    ['fewer verbs', [pods], [{ ...pods, verbs: ['get'] }], []],
    ['more verbs', [pods], [{ ...pods, verbs: ['get', 'delete'] }], ['{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}']],
    ['wildcards cover everything', [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }], [{ apiGroups: ['apps'], resources: ['deployments/scale'], verbs: ['update'] }], []],
    ['a resource does not cover its subresource', [pods], [{ apiGroups: [''], resources: ['pods/exec'], verbs: ['get'] }], ['{APIGroups:[""], Resources:["pods/exec"], Verbs:["get"]}']],
    ['*/scale covers deployments/scale', [{ apiGroups: ['apps'], resources: ['*/scale'], verbs: ['get'] }], [{ apiGroups: ['apps'], resources: ['deployments/scale'], verbs: ['get'] }], []],
    ['resourceNames: a named owner covers only that name', [{ ...pods, resourceNames: ['web'] }], [{ ...pods, verbs: ['get'] }], ['{APIGroups:[""], Resources:["pods"], Verbs:["get"]}']],
    ['resourceNames: an unnamed owner covers names', [pods], [{ ...pods, resourceNames: ['web'] }], []],
    ['URLs by prefix', [{ nonResourceURLs: ['/apis/*'], verbs: ['get'] }], [{ nonResourceURLs: ['/apis/apps'], verbs: ['get'] }], []],
    ['URLs not held', [pods], [{ nonResourceURLs: ['/metrics'], verbs: ['get'] }], ['{NonResourceURLs:["/metrics"], Verbs:["get"]}']],
  ] as [string, PolicyRule[], PolicyRule[], string[]][])('%s', (_name, owner, wanted, missing) => {
    expect(describeMissing(uncovered(owner, wanted))).toEqual(missing);
  });
});

// ServiceAccount tokens and RBAC with the real kubectl 1.35: an attendee's token limited to their
// namespace sees there what a real cluster shows and is forbidden elsewhere with kube-apiserver's
// words (endpoints/handlers/responsewriters/errors.go forbiddenMessage, apierrors.NewForbidden),
// `auth can-i` answers from the same authorizer, and a token of a deleted ServiceAccount or an
// expired one is 401 Unauthorized: kubectl's discovery fails first and it ends with
// "error: You must be logged in to the server (the server has asked for the client to provide credentials)".
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ExecBackend } from '../exec/exec-backend.ts';
import { kubectlRunner, type RunResult } from './testing/kubectl.ts';
import { apiRequest, BASE_NAMESPACES, startTestApiServer, type TestApiServer } from './testing/server.ts';

const fakeExec: ExecBackend = {
  async exec(req, io) {
    io.stdout(Buffer.from(`ran ${req.command.join(' ')}\n`));
    return { kind: 'exited', exitCode: 0 };
  },
};

let offsetMs = 0;
const clock = { now: () => new Date(Date.now() + offsetMs) };
let t: TestApiServer;
let kubectl: (args: string[], opts?: { input?: string; timeoutMs?: number }) => Promise<RunResult>;
let token: string;
const SA = 'system:serviceaccount:team-a:attendee';
const LOGGED_OUT = 'error: You must be logged in to the server (the server has asked for the client to provide credentials)';
const lastLine = (r: RunResult): string => r.stderr.trim().split('\n').pop()!;

function pod(name: string, namespace: string) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace },
    spec: { nodeName: 'meshlab-control-plane', containers: [{ name: 'app', image: 'curlimages/curl:8.8.0' }] },
    status: { phase: 'Running', podIP: '10.244.0.9', conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: [{ name: 'app', ready: true, restartCount: 0, state: { running: { startedAt: new Date().toISOString() } } }] },
  };
}

async function admin(args: string[], input?: string): Promise<RunResult> {
  const r = await kubectl(args, { input });
  expect(r.stderr, args.join(' ')).toBe('');
  return r;
}

async function tokenFor(name: string, namespace = 'team-a'): Promise<string> {
  return (await admin(['create', 'token', name, '-n', namespace])).stdout.trim();
}

const as = (tok: string, args: string[]) => kubectl(['--token', tok, ...args]);

beforeAll(async () => {
  t = await startTestApiServer({ exec: fakeExec, clock, namespaces: [...BASE_NAMESPACES, 'team-a', 'team-b'] });
  kubectl = kubectlRunner(t.kubeconfigPath, t.dir);
  t.store.create('pods', pod('web', 'team-a'));
  t.store.create('pods', pod('db', 'team-b'));
  await admin(['create', 'serviceaccount', 'attendee', '-n', 'team-a']);
  await admin(['create', 'role', 'pod-reader', '-n', 'team-a', '--verb=get,list,watch', '--resource=pods,pods/log']);
  await admin(['create', 'rolebinding', 'attendee-pods', '-n', 'team-a', '--role=pod-reader', '--serviceaccount=team-a:attendee']);
  // In team-b the attendee may read pods but not exec into them.
  await admin(['create', 'role', 'pod-reader', '-n', 'team-b', '--verb=get,list', '--resource=pods']);
  await admin(['create', 'rolebinding', 'attendee-pods', '-n', 'team-b', '--role=pod-reader', '--serviceaccount=team-a:attendee']);
  token = await tokenFor('attendee');
}, 60_000);

afterAll(async () => {
  await t?.close();
});

describe('a ServiceAccount token limited by a RoleBinding', () => {
  it('lists pods in its namespace', async () => {
    const r = await as(token, ['get', 'pods', '-n', 'team-a']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\nweb\s+1\/1\s+Running\s+0\s+/);
  });

  it('is forbidden in another namespace and at the cluster scope, with the real message', async () => {
    const list = await as(token, ['get', 'deployments', '-n', 'team-b']);
    expect(list.code).toBe(1);
    expect(list.stderr.trim()).toBe(`Error from server (Forbidden): deployments.apps is forbidden: User "${SA}" cannot list resource "deployments" in API group "apps" in the namespace "team-b"`);
    const other = await as(token, ['get', 'services', '-n', 'default']);
    expect(other.stderr.trim()).toBe(`Error from server (Forbidden): services is forbidden: User "${SA}" cannot list resource "services" in API group "" in the namespace "default"`);
    const all = await as(token, ['get', 'pods', '-A']);
    expect(all.stderr.trim()).toBe(`Error from server (Forbidden): pods is forbidden: User "${SA}" cannot list resource "pods" in API group "" at the cluster scope`);
    const one = await as(token, ['get', 'configmap', 'settings', '-n', 'team-a']);
    expect(one.stderr.trim()).toBe(`Error from server (Forbidden): configmaps "settings" is forbidden: User "${SA}" cannot get resource "configmaps" in API group "" in the namespace "team-a"`);
    const del = await as(token, ['delete', 'pod', 'web', '-n', 'team-a']);
    expect(del.stderr.trim()).toBe(`Error from server (Forbidden): pods "web" is forbidden: User "${SA}" cannot delete resource "pods" in API group "" in the namespace "team-a"`);
    expect(t.store.get('pods', 'team-a', 'web')).toBeDefined();
  });

  it('answers 403 Status bodies for watches, subresources and paths', async () => {
    const watch = await apiRequest(t.api, 'GET', '/api/v1/namespaces/team-b/pods?watch=true', undefined, 'application/json', 'application/json', token);
    expect(watch.status).toBe(403);
    expect(watch.body).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', reason: 'Forbidden', code: 403,
      message: `pods is forbidden: User "${SA}" cannot watch resource "pods" in API group "" in the namespace "team-b"`,
      details: { kind: 'pods' },
    });
    const log = await apiRequest(t.api, 'GET', '/api/v1/namespaces/team-b/pods/db/log', undefined, 'application/json', 'application/json', token);
    expect(log.body.message).toBe(`pods "db" is forbidden: User "${SA}" cannot get resource "pods/log" in API group "" in the namespace "team-b"`);
    expect(log.body.details).toEqual({ name: 'db', kind: 'pods' });
    const raw = await as(token, ['get', '--raw', '/metrics']);
    expect(raw.stderr.trim()).toBe(`Error from server (Forbidden): forbidden: User "${SA}" cannot get path "/metrics"`);
    // Discovery and the OpenAPI documents are every authenticated user's (system:discovery).
    expect((await apiRequest(t.api, 'GET', '/apis', undefined, 'application/json', 'application/json', token)).status).toBe(200);
    expect((await apiRequest(t.api, 'GET', '/openapi/v3', undefined, 'application/json', 'application/json', token)).status).toBe(200);
  });

  it('reads logs where pods/log is granted', async () => {
    t.logs.append?.('team-a', 'web', 'app', 'hello from web');
    const r = await as(token, ['logs', 'web', '-n', 'team-a']);
    expect(r.stderr).toBe('');
  });

  it('execs only where pods/exec is granted: another namespace is forbidden', async () => {
    const r = await as(token, ['exec', 'db', '-n', 'team-b', '--', 'id']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(new RegExp(`Error from server \\(Forbidden\\): pods "db" is forbidden: User "${SA}" cannot (get|create) resource "pods/exec" in API group "" in the namespace "team-b"$`));
    await admin(['create', 'role', 'exec', '-n', 'team-a', '--verb=create,get', '--resource=pods/exec']);
    await admin(['create', 'rolebinding', 'exec', '-n', 'team-a', '--role=exec', '--serviceaccount=team-a:attendee']);
    const ok = await as(token, ['exec', 'web', '-n', 'team-a', '--', 'id']);
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toBe('ran id\n');
  });

  it('auth can-i answers yes and no from the same rules', async () => {
    const yes = await as(token, ['auth', 'can-i', 'list', 'pods', '-n', 'team-a']);
    expect([yes.code, yes.stdout]).toEqual([0, 'yes\n']);
    const no = await as(token, ['auth', 'can-i', 'list', 'pods', '-n', 'team-b', '--subresource', 'log']);
    expect([no.code, no.stdout]).toEqual([1, 'no\n']);
    expect((await as(token, ['auth', 'can-i', 'create', 'deployments', '-n', 'team-a'])).stdout).toBe('no\n');
    expect((await as(token, ['auth', 'can-i', 'get', 'pods', '-n', 'team-b'])).stdout).toBe('yes\n');
    expect((await as(token, ['auth', 'can-i', 'watch', 'pods', '-n', 'team-b'])).stdout).toBe('no\n');
    expect((await as(token, ['auth', 'can-i', 'get', '/api'])).stdout).toBe('yes\n');
    expect((await as(token, ['auth', 'can-i', 'get', '/metrics'])).stdout).toBe('no\n');
    expect((await kubectl(['auth', 'can-i', 'create', 'deployments', '-n', 'team-a'])).stdout).toBe('yes\n');
  });

  it('auth can-i --list lists the rules held in the namespace', async () => {
    const r = await as(token, ['auth', 'can-i', '--list', '-n', 'team-a']);
    expect(r.stderr).toBe('');
    const lines = r.stdout.split('\n').map((l) => l.trim().split(/\s{2,}/));
    expect(lines[0]).toEqual(['Resources', 'Non-Resource URLs', 'Resource Names', 'Verbs']);
    expect(lines).toContainEqual(['pods', '[]', '[]', '[get list watch]']);
    expect(lines).toContainEqual(['selfsubjectaccessreviews.authorization.k8s.io', '[]', '[]', '[create]']);
    expect(lines).toContainEqual(['[/api/*]', '[]', '[get]']);
  });

  it('auth whoami names the ServiceAccount and its groups', async () => {
    const r = await as(token, ['auth', 'whoami', '-o', 'json']);
    expect(r.stderr).toBe('');
    const sa = t.store.get('serviceaccounts', 'team-a', 'attendee')!;
    const info = JSON.parse(r.stdout).status.userInfo;
    expect(info).toMatchObject({ username: SA, uid: sa.metadata.uid, groups: ['system:serviceaccounts', 'system:serviceaccounts:team-a', 'system:authenticated'] });
    expect(info.extra['authentication.kubernetes.io/credential-id'][0]).toMatch(/^JTI=/);
  });

  it('says which binding points at a missing role', async () => {
    await admin(['create', 'rolebinding', 'dangling', '-n', 'team-a', '--role=missing', '--serviceaccount=team-a:attendee']);
    const r = await as(token, ['get', 'secrets', '-n', 'team-a']);
    expect(r.stderr.trim()).toBe(`Error from server (Forbidden): secrets is forbidden: User "${SA}" cannot list resource "secrets" in API group "" in the namespace "team-a": RBAC: role.rbac.authorization.k8s.io "missing" not found`);
    await admin(['delete', 'rolebinding', 'dangling', '-n', 'team-a']);
  });
});

describe('the default ClusterRoles', () => {
  it('view, edit and admin bound in one namespace grant what their aggregated rules say', async () => {
    await admin(['create', 'serviceaccount', 'viewer', '-n', 'team-a']);
    await admin(['create', 'rolebinding', 'viewer', '-n', 'team-a', '--clusterrole=view', '--serviceaccount=team-a:viewer']);
    const viewer = await tokenFor('viewer');
    expect((await as(viewer, ['auth', 'can-i', 'list', 'deployments.apps', '-n', 'team-a'])).stdout).toBe('yes\n');
    expect((await as(viewer, ['auth', 'can-i', 'get', 'secrets', '-n', 'team-a'])).stdout).toBe('no\n');
    expect((await as(viewer, ['auth', 'can-i', 'create', 'pods', '-n', 'team-a'])).stdout).toBe('no\n');
    expect((await as(viewer, ['auth', 'can-i', 'list', 'pods', '-n', 'team-b'])).stdout).toBe('no\n');
    const ns = await as(viewer, ['get', 'namespace', 'team-a', '-o', 'name']);
    expect(ns.stdout).toBe('namespace/team-a\n');

    await admin(['create', 'rolebinding', 'editor', '-n', 'team-a', '--clusterrole=edit', '--serviceaccount=team-a:viewer']);
    expect((await as(viewer, ['auth', 'can-i', 'create', 'deployments', '-n', 'team-a'])).stdout).toBe('yes\n');
    expect((await as(viewer, ['auth', 'can-i', 'create', 'rolebindings', '-n', 'team-a'])).stdout).toBe('no\n');
    const created = await as(viewer, ['create', 'deployment', 'app', '--image=nginx', '-n', 'team-a']);
    expect(created.stderr).toBe('');
    expect(created.stdout).toBe('deployment.apps/app created\n');

    await admin(['create', 'rolebinding', 'owner', '-n', 'team-a', '--clusterrole=admin', '--serviceaccount=team-a:viewer']);
    expect((await as(viewer, ['auth', 'can-i', 'create', 'rolebindings', '-n', 'team-a'])).stdout).toBe('yes\n');
    expect((await as(viewer, ['auth', 'can-i', 'create', 'namespaces'])).stdout).toBe('no\n');
  });

  it('refuses a Role or RoleBinding that grants more than its author holds (RBAC escalation prevention)', async () => {
    // viewer holds admin in team-a: it may hand out view there, not cluster-admin, and no Role beyond its rules.
    const viewer = await tokenFor('viewer');
    const groups = '["system:serviceaccounts" "system:serviceaccounts:team-a" "system:authenticated"]';
    const ok = await as(viewer, ['create', 'rolebinding', 'share-view', '-n', 'team-a', '--clusterrole=view', '--serviceaccount=team-a:attendee']);
    expect(ok.stderr).toBe('');
    const esc = await as(viewer, ['create', 'rolebinding', 'esc', '-n', 'team-a', '--clusterrole=cluster-admin', '--serviceaccount=team-a:viewer']);
    expect(esc.code).toBe(1);
    expect(esc.stderr.trim()).toBe(`error: failed to create rolebinding: rolebindings.rbac.authorization.k8s.io "esc" is forbidden: user "system:serviceaccount:team-a:viewer" (groups=${groups}) is attempting to grant RBAC permissions not currently held:\n{APIGroups:["*"], Resources:["*"], Verbs:["*"]}\n{NonResourceURLs:["*"], Verbs:["*"]}`);
    const role = await as(viewer, ['create', 'role', 'nodes', '-n', 'team-a', '--verb=get,list', '--resource=nodes,pods']);
    expect(role.stderr.trim()).toBe(`Error from server (Forbidden): roles.rbac.authorization.k8s.io "nodes" is forbidden: user "system:serviceaccount:team-a:viewer" (groups=${groups}) is attempting to grant RBAC permissions not currently held:\n{APIGroups:[""], Resources:["nodes"], Verbs:["get" "list"]}`);
    expect(t.store.get('rbac.authorization.k8s.io/rolebindings', 'team-a', 'esc')).toBeUndefined();
    // The admin credential holds cluster-admin, so it may grant anything.
    await admin(['create', 'rolebinding', 'esc', '-n', 'team-a', '--clusterrole=cluster-admin', '--serviceaccount=team-a:temp']);
    await admin(['delete', 'rolebinding', 'esc', 'share-view', '-n', 'team-a']);
  });

  it('a ClusterRole labelled aggregate-to-view extends view, as the aggregation controller does', async () => {
    await admin(['apply', '-f', '-'], [
      'apiVersion: rbac.authorization.k8s.io/v1',
      'kind: ClusterRole',
      'metadata:',
      '  name: istio-view',
      '  labels: {rbac.authorization.k8s.io/aggregate-to-view: "true"}',
      'rules:',
      '- {apiGroups: [networking.istio.io], resources: ["*"], verbs: [get, list, watch]}',
    ].join('\n'));
    const view = JSON.parse((await admin(['get', 'clusterrole', 'view', '-o', 'json'])).stdout);
    expect(view.rules).toContainEqual({ apiGroups: ['networking.istio.io'], resources: ['*'], verbs: ['get', 'list', 'watch'] });
    const edit = JSON.parse((await admin(['get', 'clusterrole', 'edit', '-o', 'json'])).stdout);
    expect(edit.rules).toContainEqual({ apiGroups: ['networking.istio.io'], resources: ['*'], verbs: ['get', 'list', 'watch'] });
  });

  it('the admin credential stays cluster-admin', async () => {
    expect((await kubectl(['get', 'pods', '-A', '-o', 'name'])).stdout).toContain('pod/db');
    expect((await kubectl(['auth', 'whoami'])).stdout).toMatch(/Username\s+kubernetes-admin/);
    const roles = (await admin(['get', 'clusterroles'])).stdout;
    expect(roles).toMatch(/^NAME\s+CREATED AT\n/);
    for (const name of ['admin', 'cluster-admin', 'edit', 'view']) expect(roles).toMatch(new RegExp(`^${name}\\s+\\d{4}-`, 'm'));
  });
});

describe('impersonation (kubectl --as)', () => {
  it('lets the admin act as the ServiceAccount, with its groups, and answers as it would', async () => {
    const who = JSON.parse((await admin(['auth', 'whoami', '--as', SA, '-o', 'json'])).stdout).status.userInfo;
    expect(who).toEqual({ username: SA, groups: ['system:serviceaccounts', 'system:serviceaccounts:team-a', 'system:authenticated'] });
    expect((await kubectl(['auth', 'can-i', 'watch', 'pods', '-n', 'team-b', '--as', SA])).stdout).toBe('no\n');
    const denied = await kubectl(['get', 'services', '-n', 'team-b', '--as', SA]);
    expect(denied.stderr.trim()).toBe(`Error from server (Forbidden): services is forbidden: User "${SA}" cannot list resource "services" in API group "" in the namespace "team-b"`);
    const asUser = JSON.parse((await admin(['auth', 'whoami', '--as', 'jane', '--as-group', 'developers', '-o', 'json'])).stdout).status.userInfo;
    expect(asUser).toEqual({ username: 'jane', groups: ['developers', 'system:authenticated'] });
  });

  it('is itself authorized: a ServiceAccount may not impersonate without the impersonate verb', async () => {
    // (get --raw skips discovery, which kubectl would report only as "Forbidden: unknown".)
    const r = await as(token, ['get', '--raw', '/api/v1/namespaces/team-a/pods', '--as', 'kubernetes-admin']);
    expect(lastLine(r)).toBe(`Error from server (Forbidden): users "kubernetes-admin" is forbidden: User "${SA}" cannot impersonate resource "users" in API group "" at the cluster scope`);
  });
});

describe('tokens that no longer authenticate', () => {
  it('a deleted ServiceAccount, even if recreated under its name, is 401 Unauthorized', async () => {
    await admin(['create', 'serviceaccount', 'temp', '-n', 'team-a']);
    await admin(['create', 'rolebinding', 'temp', '-n', 'team-a', '--clusterrole=view', '--serviceaccount=team-a:temp']);
    const old = await tokenFor('temp');
    expect((await as(old, ['get', 'pods', '-n', 'team-a', '-o', 'name'])).stdout).toBe('pod/web\n');
    await admin(['delete', 'serviceaccount', 'temp', '-n', 'team-a']);
    await admin(['create', 'serviceaccount', 'temp', '-n', 'team-a']);
    const r = await as(old, ['get', 'pods', '-n', 'team-a']);
    expect(r.code).toBe(1);
    expect(lastLine(r)).toBe(LOGGED_OUT);
    const body = await apiRequest(t.api, 'GET', '/api/v1/namespaces/team-a/pods', undefined, 'application/json', 'application/json', old);
    expect([body.status, body.body]).toEqual([401, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 }]);
  });

  it('an expired token is 401 once its minute of leeway is over', async () => {
    const short = (await admin(['create', 'token', 'attendee', '-n', 'team-a', '--duration', '10m'])).stdout.trim();
    try {
      offsetMs = (600 + 30) * 1000;
      expect((await as(short, ['get', 'pods', '-n', 'team-a', '-o', 'name'])).stdout).toBe('pod/web\n');
      offsetMs = (600 + 61) * 1000;
      const r = await as(short, ['get', 'pods', '-n', 'team-a']);
      expect(lastLine(r)).toBe(LOGGED_OUT);
      // The exec upgrade is refused the same way.
      const exec = await as(short, ['exec', 'web', '-n', 'team-a', '--', 'id']);
      expect(exec.code).toBe(1);
    } finally {
      offsetMs = 0;
    }
  });

  it('a token signed by another cluster or for another audience is 401', async () => {
    const other = await startTestApiServer({ namespaces: ['team-a'] });
    try {
      other.store.create('serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'attendee', namespace: 'team-a' } });
      const foreign = (await apiRequest(other.api, 'POST', '/api/v1/namespaces/team-a/serviceaccounts/attendee/token', { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: {} })).body.status.token;
      expect(lastLine(await as(foreign, ['get', 'pods', '-n', 'team-a']))).toBe(LOGGED_OUT);
    } finally {
      await other.close();
    }
    const elsewhere = (await admin(['create', 'token', 'attendee', '-n', 'team-a', '--audience', 'https://example.com'])).stdout.trim();
    expect(lastLine(await as(elsewhere, ['get', 'pods', '-n', 'team-a']))).toBe(LOGGED_OUT);
  });
});

// `kubectl create token` against the embedded API server: the TokenRequest API
// (authentication.k8s.io/v1, the serviceaccounts/token subresource). Expected claims and messages
// are the real kube-apiserver's: pkg/serviceaccount/claims.go, registry/core/serviceaccount/storage/token.go,
// and kubectl's pkg/cmd/create/create_token.go ("failed to create token: ...").
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPublicKey, verify } from 'node:crypto';
import { kubectlRunner, type RunResult } from './testing/kubectl.ts';
import { apiRequest, BASE_NAMESPACES, startTestApiServer, type TestApiServer } from './testing/server.ts';

let t: TestApiServer;
let kubectl: (args: string[], opts?: { input?: string; timeoutMs?: number }) => Promise<RunResult>;

function claimsOf(jwt: string): Record<string, any> {
  const parts = jwt.split('.');
  expect(parts).toHaveLength(3);
  return JSON.parse(Buffer.from(parts[1]!, 'base64url').toString());
}

beforeAll(async () => {
  t = await startTestApiServer({ namespaces: [...BASE_NAMESPACES, 'team-a'] });
  kubectl = kubectlRunner(t.kubeconfigPath, t.dir);
  const sa = await kubectl(['create', 'serviceaccount', 'attendee', '-n', 'team-a']);
  expect(sa.stderr).toBe('');
}, 30_000);

afterAll(async () => {
  await t?.close();
});

describe('kubectl create token', () => {
  it('prints an RS256 JWT with the claims Kubernetes sets, for an hour by default', async () => {
    const r = await kubectl(['create', 'token', 'attendee', '-n', 'team-a']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const token = r.stdout.trim();
    const header = JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString());
    expect(header.alg).toBe('RS256');
    expect(header.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const sa = t.store.get('serviceaccounts', 'team-a', 'attendee')!;
    const c = claimsOf(token);
    expect(c).toMatchObject({
      iss: 'https://kubernetes.default.svc.cluster.local',
      sub: 'system:serviceaccount:team-a:attendee',
      aud: ['https://kubernetes.default.svc.cluster.local'],
      'kubernetes.io': { namespace: 'team-a', serviceaccount: { name: 'attendee', uid: sa.metadata.uid } },
    });
    expect(c.exp - c.iat).toBe(3600);
    expect(c.nbf).toBe(c.iat);
    expect(c.jti).toMatch(/^[0-9a-f-]{36}$/);
    // Signed with the cluster's key.
    const [h, p, s] = token.split('.') as [string, string, string];
    const key = createPublicKey(t.api.serviceAccountTokens.publicKeyPem());
    expect(verify('sha256', Buffer.from(`${h}.${p}`), key, Buffer.from(s, 'base64url'))).toBe(true);
  });

  it('takes --duration and --audience', async () => {
    const r = await kubectl(['create', 'token', 'attendee', '-n', 'team-a', '--duration', '10m', '--audience', 'https://example.com', '--audience', 'istio-ca']);
    expect(r.stderr).toBe('');
    const c = claimsOf(r.stdout.trim());
    expect(c.aud).toEqual(['https://example.com', 'istio-ca']);
    expect(c.exp - c.iat).toBe(600);
  });

  it('prints the TokenRequest with -o yaml: spec defaulted, status with token and expiry', async () => {
    const r = await kubectl(['create', 'token', 'attendee', '-n', 'team-a', '-o', 'json']);
    expect(r.stderr).toBe('');
    const tr = JSON.parse(r.stdout);
    expect(tr).toMatchObject({ kind: 'TokenRequest', apiVersion: 'authentication.k8s.io/v1', metadata: { name: 'attendee', namespace: 'team-a' }, spec: { audiences: ['https://kubernetes.default.svc.cluster.local'], expirationSeconds: 3600 } });
    expect(tr.status.token.split('.')).toHaveLength(3);
    const exp = claimsOf(tr.status.token).exp;
    expect(tr.status.expirationTimestamp).toBe(new Date(exp * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z'));
  });

  it('binds a token to a Secret with --bound-object-kind', async () => {
    expect((await kubectl(['create', 'secret', 'generic', 'bound', '-n', 'team-a'])).code).toBe(0);
    const r = await kubectl(['create', 'token', 'attendee', '-n', 'team-a', '--bound-object-kind', 'Secret', '--bound-object-name', 'bound']);
    expect(r.stderr).toBe('');
    const secret = t.store.get('secrets', 'team-a', 'bound')!;
    expect(claimsOf(r.stdout.trim())['kubernetes.io'].secret).toEqual({ name: 'bound', uid: secret.metadata.uid });
    const missing = await kubectl(['create', 'token', 'attendee', '-n', 'team-a', '--bound-object-kind', 'Secret', '--bound-object-name', 'gone']);
    expect(missing.stderr.trim()).toBe('error: failed to create token: secrets "gone" not found');
  });

  it('answers 404 for an unknown ServiceAccount and 422 for a duration under 10 minutes', async () => {
    const r = await kubectl(['create', 'token', 'nobody', '-n', 'team-a']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('error: failed to create token: serviceaccounts "nobody" not found');
    const short = await kubectl(['create', 'token', 'attendee', '-n', 'team-a', '--duration', '1m']);
    expect(short.stderr.trim()).toBe('error: failed to create token: TokenRequest.authentication.k8s.io "attendee" is invalid: spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes');
  });

  it('is listed in discovery as serviceaccounts/token with verb create', async () => {
    const agg = await apiRequest(t.api, 'GET', '/api', undefined, 'application/json', 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList');
    const sa = agg.body.items[0].versions[0].resources.find((r: { resource: string }) => r.resource === 'serviceaccounts');
    expect(sa.subresources).toEqual([{ subresource: 'token', responseKind: { group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest' }, verbs: ['create'] }]);
    const legacy = await apiRequest(t.api, 'GET', '/api/v1');
    expect(legacy.body.resources.find((r: { name: string }) => r.name === 'serviceaccounts/token')).toEqual({ name: 'serviceaccounts/token', singularName: '', namespaced: true, group: 'authentication.k8s.io', version: 'v1', kind: 'TokenRequest', verbs: ['create'] });
  });

  it('accepts only POST on the subresource', async () => {
    const r = await apiRequest(t.api, 'GET', '/api/v1/namespaces/team-a/serviceaccounts/attendee/token');
    expect(r.status).toBe(405);
  });
});

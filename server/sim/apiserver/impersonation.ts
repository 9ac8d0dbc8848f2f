// User impersonation (`kubectl --as USER [--as-group G] [--as-uid U]`), as k8s.io/apiserver's
// impersonation filter does it: each Impersonate-* header is authorized as the verb "impersonate"
// on users, serviceaccounts, groups, uids or userextras, then the request proceeds as that user.
import type { IncomingMessage } from 'node:http';
import type { UserInfo } from './authentication.ts';
import { forbidden } from './authorization.ts';
import type { Attributes, RbacAuthorizer } from './rbac.ts';
import { errors } from './status.ts';

const SA_PREFIX = 'system:serviceaccount:';

function headerValues(req: IncomingMessage, name: string): string[] {
  const v = req.headers[name];
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter((s) => s !== '');
}

/** The user the request acts as: `user` itself without Impersonate-* headers; throws 403 when not allowed. */
export function impersonatedUser(req: IncomingMessage, user: UserInfo, rbac: RbacAuthorizer): UserInfo {
  const username = req.headers['impersonate-user'];
  const groups = headerValues(req, 'impersonate-group');
  const uid = req.headers['impersonate-uid'];
  const extra: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (!name.startsWith('impersonate-extra-') || value === undefined) continue;
    extra[decodeURIComponent(name.slice('impersonate-extra-'.length))] = (Array.isArray(value) ? value : [value]).flatMap((s) => s.split(',')).map((s) => s.trim());
  }
  if (typeof username !== 'string' || username === '') {
    if (groups.length || uid || Object.keys(extra).length) throw errors.internal('requested impersonation of groups, uid or extra without impersonating a user');
    return user;
  }
  const checks: Attributes[] = [];
  const base = { user, verb: 'impersonate', resourceRequest: true } as const;
  let impersonatedGroups = [...groups];
  if (username.startsWith(SA_PREFIX)) {
    const [namespace, name] = username.slice(SA_PREFIX.length).split(':');
    checks.push({ ...base, apiGroup: '', resource: 'serviceaccounts', namespace, name });
    if (groups.length === 0) impersonatedGroups = ['system:serviceaccounts', `system:serviceaccounts:${namespace}`];
  } else {
    checks.push({ ...base, apiGroup: '', resource: 'users', name: username });
  }
  for (const g of groups) checks.push({ ...base, apiGroup: '', resource: 'groups', name: g });
  if (typeof uid === 'string' && uid) checks.push({ ...base, apiGroup: 'authentication.k8s.io', resource: 'uids', name: uid });
  for (const [key, values] of Object.entries(extra)) for (const v of values) checks.push({ ...base, apiGroup: 'authentication.k8s.io', resource: 'userextras', subresource: key, name: v });
  for (const attrs of checks) {
    const d = rbac.authorize(attrs);
    if (!d.allowed) throw forbidden(attrs, d.reason);
  }
  if (username !== 'system:anonymous' && !impersonatedGroups.some((g) => g === 'system:authenticated' || g === 'system:unauthenticated')) impersonatedGroups.push('system:authenticated');
  const out: UserInfo = { username, groups: impersonatedGroups };
  if (typeof uid === 'string' && uid) out.uid = uid;
  if (Object.keys(extra).length) out.extra = extra;
  return out;
}

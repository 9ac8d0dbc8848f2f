// Who a request is from, as kube-apiserver's authenticators answer it: the cluster's admin
// credential (kind's kubeconfig user: "kubernetes-admin" in group "kubeadm:cluster-admins", which
// the ClusterRoleBinding "kubeadm:cluster-admins" makes cluster-admin) or a ServiceAccount token.
// Anything else presented as a bearer token is 401 Unauthorized, never an anonymous request.
import type { IncomingMessage } from 'node:http';
import { timingSafeEqual } from 'node:crypto';
import type { ServiceAccountTokens } from './service-account-tokens.ts';

export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/** The identity of the cluster's admin token (kind's admin kubeconfig user). */
export const ADMIN_USER: UserInfo = { username: 'kubernetes-admin', groups: ['kubeadm:cluster-admins', 'system:authenticated'] };

function bearerToken(req: IncomingMessage): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
  return m?.[1];
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** The user a request authenticates as, or undefined (answer 401). */
export function authenticateRequest(req: IncomingMessage, adminToken: string, tokens: ServiceAccountTokens): UserInfo | undefined {
  const token = bearerToken(req);
  if (!token) return undefined;
  if (sameSecret(token, adminToken)) return ADMIN_USER;
  const sa = tokens.authenticate(token);
  return sa ? { username: sa.username, uid: sa.uid, groups: sa.groups, extra: sa.extra } : undefined;
}

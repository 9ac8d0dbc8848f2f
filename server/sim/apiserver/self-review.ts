// SelfSubjectAccessReview and SelfSubjectReview: `kubectl auth can-i` and `kubectl auth whoami`.
import { decodeJson } from './decode.ts';
import type { UntypedObject } from '../meta/untyped.ts';

/** The identity every embedded-cluster token stands for (kind's admin kubeconfig user). */
const ADMIN = { username: 'kubernetes-admin', groups: ['kubeadm:cluster-admins', 'system:authenticated'] };

/** Answers `kubectl auth can-i` and `kubectl auth whoami`: the learner may do everything. */
export function selfReview(kind: string, body: Buffer | undefined): unknown {
  let review: UntypedObject = {};
  try {
    const parsed = body && body.length ? decodeJson(body) : {};
    if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) review = parsed as UntypedObject;
  } catch {
    // An unreadable review is answered for an empty spec.
  }
  const metadata = { creationTimestamp: null };
  if (kind === 'SelfSubjectReview') {
    return { kind, apiVersion: 'authentication.k8s.io/v1', metadata, status: { userInfo: ADMIN } };
  }
  return {
    kind,
    apiVersion: 'authorization.k8s.io/v1',
    metadata,
    spec: review.spec ?? {},
    status: { allowed: true, reason: 'RBAC: allowed by ClusterRoleBinding "kubeadm:cluster-admins" of ClusterRole "cluster-admin" to Group "kubeadm:cluster-admins"' },
  };
}

// SelfSubjectAccessReview, SelfSubjectRulesReview and SelfSubjectReview: `kubectl auth can-i`,
// `kubectl auth can-i --list` and `kubectl auth whoami`, answered for the caller from the same RBAC
// authorizer that decides the caller's requests.
import { decodeObject } from './decode.ts';
import type { UserInfo } from './authentication.ts';
import type { Attributes, RbacAuthorizer } from './rbac.ts';
import type { UntypedObject as Obj } from '../meta/untyped.ts';

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** The attributes a SelfSubjectAccessReview's spec asks about. */
export function reviewAttributes(user: UserInfo, spec: Obj): Attributes {
  const r = spec.resourceAttributes;
  if (r && typeof r === 'object') {
    const attrs: Attributes = { user, verb: str(r.verb), resourceRequest: true, apiGroup: str(r.group), apiVersion: str(r.version), resource: str(r.resource) };
    if (str(r.namespace)) attrs.namespace = str(r.namespace);
    if (str(r.subresource)) attrs.subresource = str(r.subresource);
    if (str(r.name)) attrs.name = str(r.name);
    return attrs;
  }
  const n = spec.nonResourceAttributes ?? {};
  return { user, verb: str(n.verb), resourceRequest: false, path: str(n.path) };
}

/** Answers one self review (the body of a POST to selfsubject*reviews) for `user`. */
export function selfReview(kind: string, body: Buffer | undefined, contentType: string, user: UserInfo, rbac: RbacAuthorizer): unknown {
  let review: Obj = {};
  try {
    const parsed = body && body.length ? decodeObject(body, contentType) : {};
    review = parsed as Obj;
  } catch {
    // An unreadable review is answered for an empty spec.
  }
  const metadata = { creationTimestamp: null };
  const spec: Obj = review.spec && typeof review.spec === 'object' ? review.spec : {};
  if (kind === 'SelfSubjectReview') {
    const userInfo: Obj = { username: user.username };
    if (user.uid) userInfo.uid = user.uid;
    userInfo.groups = user.groups;
    if (user.extra && Object.keys(user.extra).length) userInfo.extra = user.extra;
    return { kind, apiVersion: 'authentication.k8s.io/v1', metadata, status: { userInfo } };
  }
  if (kind === 'SelfSubjectRulesReview') {
    const { rules, errors } = rbac.rulesFor(user, str(spec.namespace));
    const resourceRules = rules.filter((r) => !r.nonResourceURLs?.length).map((r) => {
      const out: Obj = { verbs: r.verbs ?? [] };
      if (r.apiGroups) out.apiGroups = r.apiGroups;
      if (r.resources) out.resources = r.resources;
      if (r.resourceNames?.length) out.resourceNames = r.resourceNames;
      return out;
    });
    const nonResourceRules = rules.filter((r) => r.nonResourceURLs?.length).map((r) => ({ verbs: r.verbs ?? [], nonResourceURLs: r.nonResourceURLs }));
    const status: Obj = { resourceRules, nonResourceRules, incomplete: errors.length > 0 };
    if (errors.length) status.evaluationError = errors.join(', ');
    return { kind, apiVersion: 'authorization.k8s.io/v1', metadata, spec, status };
  }
  const decision = rbac.authorize(reviewAttributes(user, spec));
  const status: Obj = { allowed: decision.allowed };
  if (decision.reason) status.reason = decision.reason;
  return { kind, apiVersion: 'authorization.k8s.io/v1', metadata, spec, status };
}

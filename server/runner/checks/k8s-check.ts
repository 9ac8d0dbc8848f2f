// The `k8s` check: an object exists or is absent, has conditions, has values at JSON paths; or
// pods matching a selector are Ready. Read through @kubernetes/client-node with the cluster's kubeconfig.
import type { KubernetesObject, V1Pod } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import type { K8sCheckSpec } from '../lab-schema.ts';
import { detail, type AttemptResult, type CheckContext } from './check-context.ts';
import { jsonPathDetail } from './http-check.ts';
import { messageOf, statusOf } from './kube-clients.ts';

function isPodReady(p: V1Pod): boolean {
  if (p.metadata?.deletionTimestamp || p.status?.phase !== 'Running') return false;
  return (p.status.conditions ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

async function podsAttempt(check: K8sCheckSpec, ctx: CheckContext): Promise<AttemptResult> {
  const { namespace, selector } = check.pods!;
  const want = check.expect?.readyPods ?? 1;
  let pods: V1Pod[];
  try {
    pods = (await ctx.kube().core.listNamespacedPod({ namespace, labelSelector: selector })).items;
  } catch (err) {
    return { details: [], error: `listing pods ${selector} in ${namespace}: ${messageOf(err)}` };
  }
  const ready = pods.filter(isPodReady);
  const notReady = pods.filter((p) => !isPodReady(p)).map((p) => `${p.metadata?.name} (${p.metadata?.deletionTimestamp ? 'Terminating' : p.status?.phase ?? 'no status'})`);
  const actual = pods.length === 0 ? `no pods match ${selector} in ${namespace}${want === 0 ? '' : await podsElsewhere(selector, ctx)}` : `${ready.length} of ${pods.length} Ready${notReady.length ? `; not ready: ${notReady.join(', ')}` : ''}`;
  const ok = want === 0 ? pods.length === 0 : ready.length >= want && ready.length === pods.length;
  return { details: [detail(`pods ${selector} in ${namespace}`, want === 0 ? 'none' : `at least ${want} Ready, none unready`, actual, ok)] };
}

/** Pods that match in other namespaces (a forgotten `-n`): " (they are in namespace default)" or "". */
async function podsElsewhere(selector: string, ctx: CheckContext): Promise<string> {
  try {
    const pods = (await ctx.kube().core.listPodForAllNamespaces({ labelSelector: selector, limit: 50 })).items;
    const namespaces = [...new Set(pods.map((p) => p.metadata?.namespace).filter((n): n is string => Boolean(n)))];
    return namespaces.length ? ` (they are in namespace ${namespaces.slice(0, 3).join(', ')})` : '';
  } catch { // only a hint for the failure message; the check has already failed
    return '';
  }
}

async function objectAttempt(check: K8sCheckSpec, ctx: CheckContext): Promise<AttemptResult> {
  const ref = check.object!;
  const e = check.expect ?? {};
  const wantExists = e.exists ?? true;
  const label = `${ref.kind} ${ref.namespace ? `${ref.namespace}/` : ''}${ref.name}`;
  let obj: KubernetesObject | undefined;
  try {
    obj = await ctx.kube().objects.read({ apiVersion: ref.apiVersion, kind: ref.kind, metadata: { name: ref.name, namespace: ref.namespace } });
  } catch (err) {
    if (statusOf(err) !== 404) return { details: [], error: `reading ${label}: ${messageOf(err)}` };
  }
  const actual = obj ? 'exists' : `absent${wantExists && ref.namespace ? await elsewhere(ref, ctx) : ''}`;
  const details: AttemptResult['details'] = [detail(label, wantExists ? 'exists' : 'absent', actual, Boolean(obj) === wantExists)];
  if (!obj || !wantExists) return { details };
  const conditions = ((obj as { status?: { conditions?: { type?: string; status?: string; reason?: string; message?: string }[] } }).status?.conditions ?? []);
  for (const c of e.conditions ?? []) {
    const want = c.status ?? 'True';
    const found = conditions.find((x) => x.type === c.type);
    const actual = found ? `${found.status}${found.reason ? ` (${found.reason}${found.message ? `: ${found.message}` : ''})` : ''}` : 'no such condition';
    details.push(detail(`condition ${c.type}`, want, actual, found?.status === want));
  }
  for (const j of e.jsonPath ?? []) details.push(jsonPathDetail(obj, j.path, j.equals));
  return { details, lastSeen: describeObject(obj) };
}

/** The object's labels, spec and status as YAML, cut at 30 lines: what a failure report shows of it. */
export function describeObject(obj: KubernetesObject): string {
  const o = obj as KubernetesObject & { spec?: unknown; status?: unknown; data?: unknown };
  const shown = { kind: o.kind, metadata: { name: o.metadata?.name, namespace: o.metadata?.namespace, labels: o.metadata?.labels }, spec: o.spec, data: o.data, status: o.status };
  const lines = stringify(JSON.parse(JSON.stringify(shown))).trimEnd().split('\n');
  return lines.length > 30 ? [...lines.slice(0, 30), `… (${lines.length - 30} more lines)`].join('\n') : lines.join('\n');
}

/**
 * The likeliest mistake when an object is missing: it was created in another namespace (a
 * forgotten `-n`). Returns " (httpbin is in namespace default)" or "".
 */
async function elsewhere(ref: NonNullable<K8sCheckSpec['object']>, ctx: CheckContext): Promise<string> {
  try {
    const list = await ctx.kube().objects.list(ref.apiVersion, ref.kind, undefined, undefined, undefined, undefined, `metadata.name=${ref.name}`, undefined, 50);
    const namespaces = [...new Set(list.items.filter((o) => o.metadata?.name === ref.name).map((o) => o.metadata?.namespace).filter((n): n is string => Boolean(n)))];
    if (namespaces.length === 0) return '';
    return ` (${ref.name} is in namespace ${namespaces.slice(0, 3).join(', ')})`;
  } catch {
    return ''; // no permission to list across namespaces: no hint
  }
}

export function k8sAttempt(check: K8sCheckSpec, ctx: CheckContext): Promise<AttemptResult> {
  return check.pods ? podsAttempt(check, ctx) : objectAttempt(check, ctx);
}

export function describeK8sCheck(check: K8sCheckSpec): string {
  if (check.pods) return `pods ${check.pods.selector} in ${check.pods.namespace} ready`;
  const r = check.object!;
  const what = check.expect?.exists === false ? 'absent' : 'exists';
  return `${r.kind} ${r.namespace ? `${r.namespace}/` : ''}${r.name} ${what}`;
}


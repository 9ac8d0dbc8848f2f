// Where a lab's evidence starts. Checks that read logs (a proxy's access log) must see only what
// the learner did since the lab was last reset or a step last undone: pods and their logs can
// outlive both (the embedded Reset keeps the gateway pods, kind and existing clusters never
// restart them). Command checks get that time as MESHLAB_LAB_SINCE, for `kubectl logs --since-time`.
import type { ClusterHandle } from '../drivers/types.ts';
import { sleep } from '../util/sleep.ts';

export const LAB_SINCE_VAR = 'MESHLAB_LAB_SINCE';

const marks = new WeakMap<ClusterHandle, Date>();

/** RFC 3339 in whole seconds, as Kubernetes sends sinceTime (metav1.Time). */
function rfc3339Seconds(t: Date): string {
  return t.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Starts the lab's evidence window now. Kubernetes carries sinceTime in whole seconds, so the
 * window starts at the next whole second, and this waits for it: a line logged before the call
 * can never fall inside, and one logged after it always does.
 */
export async function markLabStart(handle: ClusterHandle): Promise<void> {
  const now = Date.now();
  const start = Math.floor(now / 1000) * 1000 + 1000;
  await sleep(start - now);
  marks.set(handle, new Date(start));
}

/** MESHLAB_LAB_SINCE for the handle: its last mark, or the beginning of time if it has none. */
export function labSinceEnv(handle: ClusterHandle): Record<string, string> {
  return { [LAB_SINCE_VAR]: rfc3339Seconds(marks.get(handle) ?? new Date(0)) };
}

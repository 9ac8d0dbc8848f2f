// Browser client of the lab API (server/api/lab-routes.ts). Errors carry the server's message.
import type { LabProgressView, LabResetView, LabSettledView, StepCheckReport, StepSolutionView, StepUndoView } from '@site/server/protocol/lab-api.ts';

async function call<T>(method: string, path: string): Promise<T> {
  const res = await fetch(path, { method, credentials: 'same-origin', headers: { accept: 'application/json' } });
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    body = undefined;
  }
  if (!res.ok) {
    const message = typeof body === 'object' && body && 'error' in body ? String((body as { error: unknown }).error) : `${res.status} ${res.statusText}`;
    throw new Error(message);
  }
  return body as T;
}

const enc = encodeURIComponent;

export const labApi = {
  progress: (lab: string) => call<LabProgressView>('GET', `/api/labs/${enc(lab)}/progress`),
  check: (lab: string, step: string) => call<StepCheckReport>('POST', `/api/labs/${enc(lab)}/steps/${enc(step)}/check`),
  solution: (lab: string, step: string) => call<StepSolutionView>('GET', `/api/labs/${enc(lab)}/steps/${enc(step)}/solution`),
  settled: (lab: string) => call<LabSettledView>('GET', `/api/labs/${enc(lab)}/settled`),
  undo: (lab: string, step: string) => call<StepUndoView>('POST', `/api/labs/${enc(lab)}/steps/${enc(step)}/undo`),
  reset: (lab: string) => call<LabResetView>('POST', `/api/labs/${enc(lab)}/reset`),
  prepare: (lab: string) => call<{ lab: string; prepared: true }>('POST', `/api/labs/${enc(lab)}/prepare`),
  clear: (lab: string) => call<{ lab: string; cleared: number }>('DELETE', `/api/labs/${enc(lab)}/progress`),
};

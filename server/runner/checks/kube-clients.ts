// @kubernetes/client-node clients for one kubeconfig, made once and reused (a Check should not
// pay for parsing the kubeconfig and building clients every time).
import { CoreV1Api, KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';

export interface KubeClients {
  objects: KubernetesObjectApi;
  core: CoreV1Api;
}

const cache = new Map<string, { mtime: number; clients: KubeClients }>();

export function kubeClients(kubeconfigPath: string, mtimeMs = 0): KubeClients {
  const hit = cache.get(kubeconfigPath);
  if (hit && hit.mtime === mtimeMs) return hit.clients;
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  const clients = { objects: KubernetesObjectApi.makeApiClient(kc), core: kc.makeApiClient(CoreV1Api) };
  if (cache.size > 64) cache.delete(cache.keys().next().value!);
  cache.set(kubeconfigPath, { mtime: mtimeMs, clients });
  return clients;
}

/** The HTTP status of a client-node error, if it carries one. */
export function statusOf(err: unknown): number | undefined {
  const e = err as { code?: unknown; statusCode?: unknown; response?: { statusCode?: unknown } };
  for (const v of [e?.code, e?.statusCode, e?.response?.statusCode]) if (typeof v === 'number') return v;
  return undefined;
}

/** A one-line message from a client-node error (its body's message when the API server sent a Status). */
export function messageOf(err: unknown): string {
  const e = err as { body?: unknown; message?: string };
  let body = e?.body;
  if (typeof body === 'string') {
    try {
      body = JSON.parse(body);
    } catch {
      /* keep the text */
    }
  }
  const m = (body as { message?: unknown } | undefined)?.message;
  if (typeof m === 'string') return m;
  return (e?.message ?? String(err)).split('\n')[0]!;
}

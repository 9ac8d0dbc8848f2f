// Non-resource paths an addon serves through the cluster's API server (authenticated by the
// cluster token like every other path), so what runs in the learner's terminal reaches them with
// `kubectl get --raw` through its kubeconfig, whatever network the terminal is in.
import type { IncomingMessage, ServerResponse } from 'node:http';

export type ExtensionHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => void;

const byStore = new WeakMap<object, Map<string, ExtensionHandler>>();

/** Serve GET `prefix...` (e.g. `/meshlab/v1/requests`) for the cluster of `store`; returns the unregister. */
export function registerApiExtension(store: object, prefix: string, handler: ExtensionHandler): () => void {
  let m = byStore.get(store);
  if (!m) byStore.set(store, (m = new Map()));
  m.set(prefix, handler);
  return () => m!.delete(prefix);
}

/** The handler for a path, if an addon serves it. */
export function apiExtensionFor(store: object, path: string): ExtensionHandler | undefined {
  for (const [prefix, h] of byStore.get(store) ?? []) if (path === prefix || path.startsWith(`${prefix}/`)) return h;
  return undefined;
}

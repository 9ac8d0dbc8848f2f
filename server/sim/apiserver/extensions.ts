// Non-resource paths an addon serves through the cluster's API server (authenticated by the
// cluster token like every other path), so what runs in the learner's terminal reaches them with
// `kubectl get --raw` through its kubeconfig, whatever network the terminal is in. One registry per
// API server: the cluster hands it to its addons (ClusterContext.extensions).
import type { IncomingMessage, ServerResponse } from 'node:http';

export type ExtensionHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => void;

export class ApiExtensions {
  private readonly handlers = new Map<string, ExtensionHandler>();

  /** Serve GET `prefix...` (e.g. `/meshlab/v1/requests`); returns the unregister. */
  register(prefix: string, handler: ExtensionHandler): () => void {
    this.handlers.set(prefix, handler);
    return () => {
      if (this.handlers.get(prefix) === handler) this.handlers.delete(prefix);
    };
  }

  /** The handler for a path, if an addon serves it. */
  handlerFor(path: string): ExtensionHandler | undefined {
    for (const [prefix, h] of this.handlers) if (path === prefix || path.startsWith(`${prefix}/`)) return h;
    return undefined;
  }
}

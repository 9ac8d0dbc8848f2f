// Driver names → drivers. The embedded driver is always here; kind and existing are loaded
// lazily from their folders, so a missing or broken optional driver cannot stop the others.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createEmbeddedDriver } from './embedded/index.ts';
import type { ClusterDriver, DriverName } from './types.ts';

export interface DriverOptions {
  /** meshlab's data directory (cluster files, kubeconfigs). */
  dataDir?: string;
  /** existing driver: kubeconfig of the shared cluster, its context, and how learners reach its ingress. */
  kubeconfig?: string;
  context?: string;
  ingress?: string;
  /** embedded driver: run `kubectl exec` commands without bubblewrap (as `serve --unsafe-no-sandbox`). */
  unsafeNoSandbox?: boolean;
  /** Anything else a driver understands (passed through unchanged). */
  [key: string]: unknown;
}

const HERE = dirname(fileURLToPath(import.meta.url));

type Factory = (options: DriverOptions) => ClusterDriver;

async function loadOptional(folder: 'kind' | 'existing', factoryName: string): Promise<Factory> {
  const entry = join(HERE, folder, 'index.ts');
  if (!existsSync(entry)) throw new Error(`the ${folder} driver is not available in this build of meshlab (missing ${entry})`);
  // A runtime specifier keeps the optional folders out of the static import graph.
  const specifier = `./${folder}/index.ts`;
  const mod = (await import(specifier)) as Record<string, unknown>;
  const factory = mod[factoryName];
  if (typeof factory !== 'function') throw new Error(`the ${folder} driver does not export ${factoryName}()`);
  return factory as Factory;
}

export async function createDriver(name: DriverName, options: DriverOptions = {}): Promise<ClusterDriver> {
  switch (name) {
    case 'embedded':
      return createEmbeddedDriver({ dataDir: options.dataDir, unsafeNoSandbox: options.unsafeNoSandbox === true });
    case 'kind':
      return (await loadOptional('kind', 'createKindDriver'))(options);
    case 'existing':
      return (await loadOptional('existing', 'createExistingDriver'))(options);
    default:
      throw new Error(`unknown driver "${String(name)}"; expected one of: embedded, kind, existing`);
  }
}

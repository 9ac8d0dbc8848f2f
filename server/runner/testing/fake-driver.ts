// A stand-in cluster driver for the runner's tests: no cluster, just an environment (an
// "ingress" that is a local HTTP server of the test's choosing) and counters for reset/destroy.
import type { ClusterDriver, ClusterHandle, CreateOptions } from '../../drivers/types.ts';

export interface FakeHandle extends ClusterHandle {
  resets: number;
  destroyed: boolean;
}

export function fakeHandle(env: Record<string, string> = {}, id = 'fake-1'): FakeHandle {
  const handle: FakeHandle = {
    id,
    driver: 'embedded',
    kubeconfigPath: '/nonexistent/kubeconfig',
    ingress: { host: env.INGRESS_HOST ?? '127.0.0.1', port: Number(env.INGRESS_PORT ?? 0) },
    resets: 0,
    destroyed: false,
    shellEnv: () => ({ INGRESS_HOST: '127.0.0.1', INGRESS_PORT: '0', ...env }),
    reset: async () => {
      handle.resets++;
    },
    destroy: async () => {
      handle.destroyed = true;
    },
  };
  return handle;
}

export function fakeDriver(env: Record<string, string> = {}, parallel = true): ClusterDriver & { handles: FakeHandle[] } {
  const handles: FakeHandle[] = [];
  return {
    name: 'embedded',
    parallel,
    handles,
    preflight: async () => ({ ok: true, problems: [] }),
    create: async (options?: CreateOptions) => {
      const h = fakeHandle(env, options?.name ?? `fake-${handles.length + 1}`);
      handles.push(h);
      return h;
    },
  };
}

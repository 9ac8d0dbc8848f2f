// For tests of the site server and the learner registry: a cluster driver whose clusters are
// records only, counting how many were created and destroyed.
import type { ClusterDriver, ClusterHandle } from '../drivers/types.ts';

export type CountingDriver = ClusterDriver & { created: number; destroyed: number };

export function countingDriver(): CountingDriver {
  const d = {
    name: 'embedded' as const,
    parallel: true,
    created: 0,
    destroyed: 0,
    preflight: async () => ({ ok: true, problems: [] }),
    async create(): Promise<ClusterHandle> {
      d.created++;
      return {
        id: `c${d.created}`,
        driver: 'embedded',
        kubeconfigPath: '/nonexistent',
        ingress: { host: '127.0.0.1', port: 31000 + d.created },
        shellEnv: () => ({}),
        reset: async () => {},
        destroy: async () => void d.destroyed++,
      };
    },
  };
  return d;
}

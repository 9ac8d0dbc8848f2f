// How much one cluster's API server lets its clients use: concurrent requests (as API Priority
// and Fairness bounds them), open connections, and stored objects. The defaults are sized from
// the measurements in the README; each can be set by environment (what `meshlab serve` flags set).
import { DEFAULT_OBJECT_BUDGET, type ObjectBudget } from './quota.ts';

export interface ApiLimits {
  /** Requests being served at once (watches, logs and exec streams excepted); more get 429. */
  maxInFlight: number;
  /** Open connections; at the cap the oldest idle one is closed for a new one, or the new one is. */
  maxConnections: number;
  objectBudget: ObjectBudget;
}

export const DEFAULT_API_LIMITS: ApiLimits = { maxInFlight: 64, maxConnections: 256, objectBudget: DEFAULT_OBJECT_BUDGET };

/** Environment variables, with the option of `meshlab serve` that sets each. */
export const API_LIMIT_ENV = {
  maxInFlight: 'MESHLAB_API_MAX_INFLIGHT',
  maxConnections: 'MESHLAB_API_MAX_CONNECTIONS',
  maxObjects: 'MESHLAB_API_MAX_OBJECTS',
  maxObjectBytes: 'MESHLAB_API_MAX_OBJECT_BYTES',
} as const;

function envNumber(name: string, fallback: number, env: NodeJS.ProcessEnv): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name}=${raw}: expected a whole number (0 for no limit)`);
  return n;
}

export function apiLimitsFromEnv(env: NodeJS.ProcessEnv = process.env): ApiLimits {
  const d = DEFAULT_API_LIMITS;
  return {
    maxInFlight: envNumber(API_LIMIT_ENV.maxInFlight, d.maxInFlight, env),
    maxConnections: envNumber(API_LIMIT_ENV.maxConnections, d.maxConnections, env),
    objectBudget: {
      maxObjects: envNumber(API_LIMIT_ENV.maxObjects, d.objectBudget.maxObjects, env),
      maxBytes: envNumber(API_LIMIT_ENV.maxObjectBytes, d.objectBudget.maxBytes, env),
    },
  };
}

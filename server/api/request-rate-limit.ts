// How often one client address may call the site server: a per-address budget of HTTP requests a
// minute (@fastify/rate-limit, counted in this process), answered over it with 429 and
// Retry-After. It bounds what one address can make the server do (pages, API calls, cluster
// creation attempts); WebSocket upgrades are bounded by the sessions and terminal caps instead.
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';

/**
 * Requests one address may make in a minute. A cold load of a lab page is 40 requests (its assets
 * and API calls, measured in Chromium), so this is 60 such loads: a room of 30 behind one NAT
 * opening two pages at once, while one address flooding is held to 40 requests a second.
 */
export const DEFAULT_REQUESTS_PER_MINUTE = 2400;

/** Addresses tracked at once; the least recently seen is forgotten first (a bound on the table itself). */
const TRACKED_ADDRESSES = 10_000;

export async function registerRequestRateLimit(app: FastifyInstance, requestsPerMinute: number): Promise<void> {
  if (requestsPerMinute <= 0) return;
  await app.register(rateLimit, { global: false, cache: TRACKED_ADDRESSES });
  const limit = app.createRateLimit({
    max: requestsPerMinute,
    timeWindow: 60_000,
    // Probes poll health from one address; they must not be locked out, nor count against learners.
    allowList: (req) => req.url.split('?')[0] === '/healthz',
  });
  // An application-wide hook, ahead of the edge policy's: every request counts, a refused host
  // name, a 404 and a request that would issue a new session included. Answered like the API's
  // other refusals: `{ error, retryAfterSeconds }` and Retry-After.
  app.addHook('onRequest', async (req, reply) => {
    const state = await limit(req);
    if (state.isAllowed || !state.isExceeded) return;
    const retryAfterSeconds = Math.max(1, state.ttlInSeconds);
    return reply
      .code(429)
      .header('Retry-After', String(retryAfterSeconds))
      .send({ error: `Too many requests from your address (more than ${state.max} a minute): retry in ${retryAfterSeconds} s.`, retryAfterSeconds });
  });
}

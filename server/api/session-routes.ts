// Routes about the learner and their cluster: what the site asks first when a page loads.
import type { FastifyInstance } from 'fastify';
import type { ServerContext } from './context.ts';
import { CapacityError } from './learners.ts';

export interface SessionInfo {
  learnerId: string;
  driver: string;
  cluster: { id: string; ingress: { host: string; port: number } } | null;
}

export function registerSessionRoutes(app: FastifyInstance, ctx: ServerContext): void {
  app.get('/healthz', async () => ({ ok: true }));

  app.get('/api/session', async (req, reply) => {
    const learner = ctx.learners.fromRequest(req.raw);
    if (!learner) return reply.code(401).send({ error: 'no session' });
    const handle = learner.currentCluster();
    const body: SessionInfo = {
      learnerId: learner.id,
      driver: ctx.driver.name,
      cluster: handle ? { id: handle.id, ingress: { host: handle.ingress.host, port: handle.ingress.port } } : null,
    };
    return body;
  });

  // Starts (or returns) the learner's cluster; the terminal calls it before opening a shell.
  app.post('/api/cluster', async (req, reply) => {
    const learner = ctx.learners.fromRequest(req.raw);
    if (!learner) return reply.code(401).send({ error: 'no session' });
    try {
      const handle = await learner.cluster();
      return { id: handle.id, ingress: { host: handle.ingress.host, port: handle.ingress.port } };
    } catch (err) {
      if (err instanceof CapacityError) {
        ctx.logger.warn({ learner: learner.id, why: err.message }, 'cluster refused');
        return reply.code(503).header('Retry-After', String(err.retryAfterSeconds)).send({ error: `could not start your cluster: ${err.message}`, retryAfterSeconds: err.retryAfterSeconds });
      }
      ctx.logger.error({ err, learner: learner.id }, 'cluster creation failed');
      return reply.code(503).send({ error: `could not start your cluster: ${(err as Error).message}` });
    }
  });
}

// The lab API: progress, Check, Solve and Reset for the learner of the request. Every answer is
// JSON; every error is `{ error }` with a message a learner can act on.
//   GET    /api/labs/:lab/progress              each step's status and last check report
//   POST   /api/labs/:lab/steps/:step/check     run the step's checks on the learner's cluster
//   GET    /api/labs/:lab/steps/:step/solution  the commands Solve types into the terminal
//   POST   /api/labs/:lab/steps/:step/undo      undo the step (and the later ones done) to redo it
//   POST   /api/labs/:lab/reset                 return the cluster to the lab's start, clear progress
//   DELETE /api/labs/:lab/progress              forget the learner's progress in the lab
//   POST   /api/labs/:lab/prepare               establish what the lab requires on the learner's cluster
//   GET    /api/labs/:lab/settled               waits (briefly) until the learner's cluster has settled
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ClusterHandle } from '../drivers/types.ts';
import { CapacityError } from './learners.ts';
import type { LabProgressView, LabResetView, LabSettledView, StepCheckReport, StepSolutionView, StepUndoView } from '../protocol/lab-api.ts';
import { LAB_ID_PATTERN, LAB_ID_RULE } from '../protocol/lab-id.ts';
import { ProgressStore } from '../store/progress-store.ts';
import type { Learner, ServerContext } from './context.ts';
import type { StepReport } from '../protocol/runner-events.ts';
import { CannotUndoError, undoChain, type Lab, type LabCommand, type LabStep } from '../runner/index.ts';
import { errorReport, toCheckReport, toSolutionCommands } from './lab-reports.ts';

/** What the routes need of the runner (server/runner); injected in tests. */
export interface LabRunner {
  loadLabs(labsDir: string): Promise<Lab[]> | Lab[];
  checkStep(handle: ClusterHandle, lab: Lab, stepId: string): Promise<StepReport>;
  solutionFor(lab: Lab, stepId: string): readonly LabCommand[];
  resetLab(handle: ClusterHandle, lab: Lab): Promise<unknown>;
  /** Runs lab.yaml's undo commands of `steps` (already in the order to run them); without it, steps cannot be redone. */
  undoSteps?(handle: ClusterHandle, lab: Lab, steps: readonly LabStep[]): Promise<void>;
  /** Establishes what the lab requires (e.g. REGISTRY_ONLY) without resetting the cluster. */
  prepareLab?(handle: ClusterHandle, lab: Lab): Promise<unknown>;
}

/** Longest GET /settled waits for the cluster before answering false. */
const SETTLE_WAIT_MS = 5_000;

const idSchema = z.string().regex(LAB_ID_PATTERN, `must be ${LAB_ID_RULE}`);
const labParams = z.object({ lab: idSchema });
const stepParams = z.object({ lab: idSchema, step: idSchema });

class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new ApiError(400, `invalid ${what}${issue?.path.length ? ` ${issue.path.join('.')}` : ''}: ${issue?.message ?? 'malformed'}`);
  }
  return result.data;
}

export interface LabRoutesOptions {
  runner: LabRunner;
  store?: ProgressStore;
}

/** What the lab routes share: the runner, the learners' progress, the labs, and each learner's queue of cluster work. */
class LabApi {
  // One cluster operation at a time per learner: a Check must not race a Reset.
  private readonly queues = new Map<string, Promise<unknown>>();
  // A lab page calls prepare when it opens: a cluster that served another lab (or none) gets what
  // this lab requires, once per cluster and lab.
  readonly prepared = new Set<string>();

  constructor(
    readonly ctx: ServerContext,
    readonly runner: LabRunner,
    readonly store: ProgressStore,
    readonly labs: ReadonlyMap<string, Lab>,
  ) {}

  serialized<T>(learner: Learner, fn: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(learner.id) ?? Promise.resolve();
    const next = previous.catch(() => undefined).then(fn); // the previous call's failure was reported to its own caller
    this.queues.set(learner.id, next);
    void next.finally(() => {
      if (this.queues.get(learner.id) === next) this.queues.delete(learner.id);
    }).catch(() => undefined); // only bookkeeping; the failure reaches the caller through `next`
    return next;
  }

  learnerOf(req: FastifyRequest): Learner {
    const learner = this.ctx.learners.fromRequest(req.raw);
    if (!learner) throw new ApiError(401, 'no session: reload the page to get one');
    return learner;
  }

  labOf(id: string): Lab {
    const lab = this.labs.get(id);
    if (!lab) throw new ApiError(404, `there is no lab "${id}"`);
    return lab;
  }

  /** The caller, the lab and the step a step route names: 401, 404 or 400 when any is wrong. */
  stepOf(req: FastifyRequest): { labId: string; step: string; learner: Learner; lab: Lab } {
    const { lab: labId, step } = parse(stepParams, req.params, 'path');
    const learner = this.learnerOf(req);
    const lab = this.labOf(labId);
    if (!lab.steps.some((s) => s.id === step)) throw new ApiError(404, `lab "${lab.id}" has no step "${step}"`);
    return { labId, step, learner, lab };
  }

  async clusterOf(learner: Learner): Promise<ClusterHandle> {
    try {
      return await learner.cluster();
    } catch (err) {
      if (err instanceof CapacityError) throw new ApiError(503, `could not start your cluster: ${err.message}`, err.retryAfterSeconds);
      this.ctx.logger.error({ err, learner: learner.id }, 'cluster creation failed');
      throw new ApiError(503, `could not start your cluster: ${(err as Error).message}`);
    }
  }
}

function labErrorHandler(ctx: ServerContext) {
  return (err: Error & { statusCode?: number }, req: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof ApiError) {
      if (err.retryAfterSeconds !== undefined) reply.header('Retry-After', String(err.retryAfterSeconds));
      return reply.code(err.status).send(err.retryAfterSeconds !== undefined ? { error: err.message, retryAfterSeconds: err.retryAfterSeconds } : { error: err.message });
    }
    if (err.statusCode && err.statusCode < 500) return reply.code(err.statusCode).send({ error: err.message });
    ctx.logger.error({ err, url: req.url }, 'lab route failed');
    return reply.code(500).send({ error: `internal error: ${err.message}` });
  };
}

/** A learner's progress in a lab: read it, clear it. */
function progressRoutes(scope: FastifyInstance, h: LabApi): void {
  scope.get('/api/labs/:lab/progress', async (req): Promise<LabProgressView> => {
    const { lab } = parse(labParams, req.params, 'path');
    const learner = h.learnerOf(req);
    const known = h.labOf(lab);
    const order = new Map(known.steps.map((s, i) => [s.id, i]));
    const steps = h.store
      .get(learner.id, lab)
      .steps.filter((s) => order.has(s.step))
      .sort((a, b) => order.get(a.step)! - order.get(b.step)!);
    return { lab, steps: steps as LabProgressView['steps'] };
  });

  scope.delete('/api/labs/:lab/progress', async (req) => {
    const { lab } = parse(labParams, req.params, 'path');
    const learner = h.learnerOf(req);
    h.labOf(lab);
    return { lab, cleared: h.store.clear(learner.id, lab) };
  });
}

/** One step: Check it, get its solution to type, undo it (and what came after). */
function stepRoutes(scope: FastifyInstance, h: LabApi): void {
  scope.post('/api/labs/:lab/steps/:step/check', async (req): Promise<StepCheckReport> => {
    const { labId, step, learner, lab } = h.stepOf(req);
    return h.serialized(learner, async () => {
      const handle = await h.clusterOf(learner);
      const started = Date.now();
      let raw: StepReport;
      try {
        raw = await h.runner.checkStep(handle, lab, step);
      } catch (err) {
        h.ctx.logger.warn({ err, lab: labId, step }, 'check could not run');
        raw = errorReport(`the check could not run: ${(err as Error).message}`);
      }
      const report = toCheckReport(raw, lab, step, Date.now() - started);
      const later = report.passed ? [] : laterPassedSteps(lab, step, h.store.get(learner.id, labId).steps);
      if (later.length > 0) return { ...report, changedByLaterSteps: later };
      h.store.record(learner.id, labId, step, report.passed ? 'passed' : 'failed', report);
      h.ctx.events.emit({ kind: 'check', learnerId: learner.id, lab: labId, step, passed: report.passed, at: new Date() });
      return report;
    });
  });

  scope.get('/api/labs/:lab/steps/:step/solution', async (req): Promise<StepSolutionView> => {
    const { labId, step, learner, lab } = h.stepOf(req);
    const commands = toSolutionCommands(h.runner.solutionFor(lab, step));
    if (commands.length === 0) throw new ApiError(404, `step "${step}" has no solution to type`);
    h.ctx.events.emit({ kind: 'solve', learnerId: learner.id, lab: labId, step, at: new Date() });
    return { lab: labId, step, commands };
  });

  // "Redo this step": the step and the later steps the learner did are undone on the cluster
  // and become steps to do again.
  scope.post('/api/labs/:lab/steps/:step/undo', async (req): Promise<StepUndoView> => {
    const { labId, step, learner, lab } = h.stepOf(req);
    return h.serialized(learner, async () => {
      const done = new Set(h.store.get(learner.id, labId).steps.filter((s) => s.status !== 'pending').map((s) => s.step));
      let chain: LabStep[];
      try {
        chain = undoChain(lab, step, done);
      } catch (err) {
        if (err instanceof CannotUndoError) throw new ApiError(409, err.message);
        throw err;
      }
      if (!h.runner.undoSteps) throw new ApiError(501, 'this server cannot undo steps: reset the lab instead');
      const handle = await h.clusterOf(learner);
      const started = Date.now();
      await h.runner.undoSteps(handle, lab, chain);
      for (const s of chain) h.store.record(learner.id, labId, s.id, 'pending', null);
      return { lab: labId, step, undone: chain.map((s) => s.id), durationMs: Date.now() - started };
    });
  });

}

/** The learner's cluster for a lab: reset it, prepare it, ask whether it has settled. */
function clusterRoutes(scope: FastifyInstance, h: LabApi): void {
  scope.post('/api/labs/:lab/reset', async (req): Promise<LabResetView> => {
    const { lab: labId } = parse(labParams, req.params, 'path');
    const learner = h.learnerOf(req);
    const lab = h.labOf(labId);
    return h.serialized(learner, async () => {
      const handle = await h.clusterOf(learner);
      const started = Date.now();
      await h.runner.resetLab(handle, lab);
      h.prepared.add(`${handle.id}/${labId}`);
      h.store.clear(learner.id, labId);
      return { lab: labId, reset: true as const, durationMs: Date.now() - started };
    });
  });

  // A lab page calls this when it opens (see LabApi.prepared).
  scope.post('/api/labs/:lab/prepare', async (req) => {
    const { lab: labId } = parse(labParams, req.params, 'path');
    const learner = h.learnerOf(req);
    const lab = h.labOf(labId);
    return h.serialized(learner, async () => {
      const handle = await h.clusterOf(learner);
      const key = `${handle.id}/${labId}`;
      if (!h.prepared.has(key) && h.runner.prepareLab) {
        try {
          await h.runner.prepareLab(handle, lab);
        } catch (err) {
          throw new ApiError(503, `could not prepare your cluster for this lab: ${(err as Error).message}`);
        }
        h.prepared.add(key);
      }
      return { lab: labId, prepared: true };
    });
  });

  // Solve asks this between commands, so a command sees the configuration the one before it
  // applied (the embedded mesh applies it a moment later, as Istio does). Drivers that cannot
  // tell answer false at once.
  scope.get('/api/labs/:lab/settled', async (req): Promise<LabSettledView> => {
    const { lab: labId } = parse(labParams, req.params, 'path');
    const learner = h.learnerOf(req);
    h.labOf(labId);
    const handle = await h.clusterOf(learner);
    if (!handle.settled) return { lab: labId, settled: false };
    let timer: ReturnType<typeof setTimeout> | undefined;
    const settled = await Promise.race([
      handle.settled().catch(() => false), // a cluster that cannot say is treated as not settled; the check runs anyway
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), SETTLE_WAIT_MS))),
    ]);
    clearTimeout(timer);
    return { lab: labId, settled };
  });

}

export async function registerLabRoutesWith(app: FastifyInstance, ctx: ServerContext, options: LabRoutesOptions): Promise<void> {
  const { runner } = options;
  const store = options.store ?? ProgressStore.open(ctx.config.dataDir);
  ctx.onClose(() => store.close());
  const labs = new Map<string, Lab>();
  for (const lab of await runner.loadLabs(ctx.config.labsDir)) labs.set(lab.id, lab);
  const h = new LabApi(ctx, runner, store, labs);
  await app.register(async (scope) => {
    scope.setErrorHandler(labErrorHandler(ctx));
    progressRoutes(scope, h);
    stepRoutes(scope, h);
    clusterRoutes(scope, h);
  });
}

/**
 * The steps after `step` that have passed, in lab order. Once one has, a failing Check of `step`
 * may only show what the later step did (remove-status-route makes /status 404, clean-up deletes
 * everything), so it must not turn the step red.
 */
export function laterPassedSteps(lab: Lab, step: string, progress: readonly { step: string; status: string }[]): string[] {
  const passed = new Set(progress.filter((p) => p.status === 'passed').map((p) => p.step));
  const index = lab.steps.findIndex((s) => s.id === step);
  return lab.steps
    .slice(index + 1)
    .map((s) => s.id)
    .filter((id) => passed.has(id));
}

/** The real runner (its public API, server/runner/index.ts). */
async function realRunner(): Promise<LabRunner> {
  const runner = await import('../runner/index.ts');
  return {
    loadLabs: runner.loadLabs,
    checkStep: (handle, lab, stepId) => runner.checkStep(handle, lab, stepId),
    solutionFor: runner.solutionFor,
    resetLab: runner.resetLab,
    undoSteps: runner.undoSteps,
    async prepareLab(handle, lab) {
      // Establishes the lab's requirements the way resetLab does, without the reset.
      const result = await runner.prepareLab(handle, lab);
      if (!result.ok) throw new Error(result.messages.join('; '));
      return result;
    },
  };
}

/** The route module `meshlab serve` loads: the real runner over the project's labs. */
export async function registerLabRoutes(app: FastifyInstance, ctx: ServerContext): Promise<void> {
  await registerLabRoutesWith(app, ctx, { runner: await realRunner() });
}

// batch/v1 Job, as kube-apiserver's pkg/registry/batch/job strategy and kube-controller-manager's
// job controller have it: `kubectl create job`, `kubectl get jobs` with kubectl's columns
// (STATUS, COMPLETIONS, DURATION, AGE), a generated selector, and a controller that runs the pods
// and marks the Job Complete once enough of them have succeeded.
import { randomUUID } from 'node:crypto';
import type { V1JobCondition, V1JobSpec } from '@kubernetes/client-node';
import type { UntypedObject } from '../../meta/untyped.ts';
import { controllerRef, isOwnedBy, ownerRefTo } from '../../controllers/owners.ts';
import { randomSuffix } from '../../controllers/names.ts';
import { isPodReady, pendingStatus, timestamp } from '../../controllers/pod-status.ts';
import { WorkQueue } from '../../controllers/work-queue.ts';
import type { KubeObject } from '../../store/object-store.ts';
import { defaultTemplate } from '../defaults.ts';
import { humanDuration } from '../human-duration.ts';
import { ANY, INT, fields, kind, labelSelector, podTemplate } from '../schema.ts';
import type { StatusCause } from '../status.ts';
import { AGE, NAME, age, arr, col, formatLabelSelector } from '../tables.ts';
import { field, formatSelectorGo, labelErrors, podSpecErrors } from '../validation.ts';
import { defineKind, type KindController, type KindControllerContext } from './kind.ts';

type Timestamp = string;
type JobCondition = Omit<V1JobCondition, 'lastProbeTime' | 'lastTransitionTime'> & { lastProbeTime?: Timestamp; lastTransitionTime?: Timestamp };

interface JobStatus {
  active?: number;
  ready?: number;
  terminating?: number;
  succeeded?: number;
  failed?: number;
  startTime?: Timestamp;
  completionTime?: Timestamp;
  conditions?: JobCondition[];
  uncountedTerminatedPods?: { succeeded?: string[]; failed?: string[] };
}

/** A Job as stored: the typed spec of @kubernetes/client-node, timestamps as the RFC 3339 strings JSON carries. */
export type Job = KubeObject & { spec?: V1JobSpec; status?: JobStatus };

const CONTROLLER_UID = 'batch.kubernetes.io/controller-uid';
const JOB_NAME = 'batch.kubernetes.io/job-name';
const RESTART_POLICIES = ['OnFailure', 'Never'];

/** The template as the untyped pod-spec building blocks read it. */
function untyped(job: Job): UntypedObject {
  return job as UntypedObject;
}

/** SetDefaults_Job (k8s.io/kubernetes/pkg/apis/batch/v1/defaults.go). */
function defaults(job: Job): void {
  defaultTemplate(untyped(job));
  const spec = job.spec!;
  if (spec.completions === undefined && spec.parallelism === undefined) {
    spec.completions = 1;
    spec.parallelism = 1;
  }
  spec.parallelism ??= 1;
  spec.backoffLimit ??= 6;
  spec.completionMode ??= 'NonIndexed';
  spec.suspend ??= false;
  spec.manualSelector ??= false;
  if (!spec.podFailurePolicy) spec.podReplacementPolicy ??= 'TerminatingOrFailed';
  const templateLabels = spec.template?.metadata?.labels;
  if (templateLabels && Object.keys(templateLabels).length && Object.keys(job.metadata.labels ?? {}).length === 0) job.metadata.labels = { ...templateLabels };
}

/**
 * PrepareForCreate and the selector generation of the job strategy: status starts empty, and
 * unless spec.manualSelector the Job selects its pods by its own uid, which the template's labels
 * carry (with the job's name) for every pod the controller creates.
 */
function prepareForCreate(job: Job): void {
  job.status = {};
  job.spec ??= {} as V1JobSpec;
  if (job.spec.manualSelector === true) return;
  if (job.spec.selector) return; // refused by validate: a selector the user wrote needs manualSelector
  job.metadata.uid ??= randomUUID();
  const uid = job.metadata.uid;
  const template = (job.spec.template ??= {});
  const labels = (template.metadata ??= {}).labels ?? {};
  template.metadata.labels = { ...labels, [CONTROLLER_UID]: uid, [JOB_NAME]: job.metadata.name, 'controller-uid': uid, 'job-name': job.metadata.name };
  job.spec.selector = { matchLabels: { [CONTROLLER_UID]: uid } };
}

function nonNegative(value: unknown, path: string): StatusCause[] {
  if (value === undefined || value === null) return [];
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 ? [] : [field.invalid(path, value, 'must be greater than or equal to 0')];
}

/** ValidateJob, for what learners write. */
function validate(job: Job): StatusCause[] {
  const spec = job.spec ?? ({} as V1JobSpec);
  const out: StatusCause[] = [];
  out.push(...nonNegative(spec.parallelism, 'spec.parallelism'), ...nonNegative(spec.completions, 'spec.completions'), ...nonNegative(spec.backoffLimit, 'spec.backoffLimit'));
  if (spec.activeDeadlineSeconds !== undefined && !(typeof spec.activeDeadlineSeconds === 'number' && spec.activeDeadlineSeconds > 0)) out.push(field.invalid('spec.activeDeadlineSeconds', spec.activeDeadlineSeconds, 'must be greater than 0'));
  if (!spec.selector) out.push(field.required('spec.selector'));
  else if (spec.manualSelector !== true && spec.selector.matchLabels?.[CONTROLLER_UID] !== job.metadata.uid) out.push(field.invalid('spec.selector', formatSelectorGo(spec.selector as UntypedObject), '`selector` not auto-generated'));
  if (spec.completionMode !== undefined && !['NonIndexed', 'Indexed'].includes(spec.completionMode)) out.push(field.notSupported('spec.completionMode', spec.completionMode, ['NonIndexed', 'Indexed']));
  out.push(...labelErrors(spec.template?.metadata?.labels, 'spec.template.metadata.labels'));
  const podSpec = untyped(job).spec?.template?.spec;
  out.push(...podSpecErrors(podSpec, 'spec.template.spec'));
  if (podSpec && !RESTART_POLICIES.includes(podSpec.restartPolicy)) out.push(field.notSupported('spec.template.spec.restartPolicy', podSpec.restartPolicy, RESTART_POLICIES));
  return out;
}

/** ValidateJobUpdate: the selector, the completions of a NonIndexed Job and the pod template are fixed. */
function validateUpdate(job: Job, old: Job): StatusCause[] {
  const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
  const out: StatusCause[] = [];
  if (!same(job.spec?.selector, old.spec?.selector)) out.push(field.invalid('spec.selector', formatSelectorGo(job.spec?.selector as UntypedObject), 'field is immutable'));
  if (job.spec?.completions !== old.spec?.completions && job.spec?.completionMode !== 'Indexed') out.push(field.invalid('spec.completions', job.spec?.completions ?? null, 'field is immutable'));
  if (!same(job.spec?.template, old.spec?.template)) out.push({ reason: 'FieldValueInvalid', field: 'spec.template', message: 'Invalid value: core.PodTemplateSpec{...}: field is immutable' });
  return out;
}

function hasCondition(job: Job, type: string): boolean {
  return arr<JobCondition>(job.status?.conditions).some((c) => c.type === type && c.status === 'True');
}

/** printJob (pkg/printers/internalversion/printers.go). */
function jobCells(job: Job, now: Date): (string | number)[] {
  const st = job.status ?? {};
  const succeeded = st.succeeded ?? 0;
  const parallelism = job.spec?.parallelism ?? 0;
  const completions = job.spec?.completions !== undefined && job.spec.completions !== null ? `${succeeded}/${job.spec.completions}` : parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
  const start = Date.parse(st.startTime ?? '');
  const end = Date.parse(st.completionTime ?? '');
  const duration = Number.isNaN(start) ? '' : humanDuration((Number.isNaN(end) ? now.getTime() : end) - start);
  let status = 'Running';
  if (hasCondition(job, 'Complete')) status = 'Complete';
  else if (hasCondition(job, 'Failed')) status = 'Failed';
  else if (job.metadata.deletionTimestamp) status = 'Terminating';
  else if (hasCondition(job, 'Suspended')) status = 'Suspended';
  else if (hasCondition(job, 'FailureTarget')) status = 'FailureTarget';
  const containers = arr<UntypedObject>(untyped(job).spec?.template?.spec?.containers);
  return [job.metadata.name, status, completions, duration, age(job, now), containers.map((c) => c.name).join(','), containers.map((c) => c.image).join(','), formatLabelSelector(job.spec?.selector as UntypedObject)];
}

const PROTO = `
message JobSpec {
  optional int32 parallelism = 1; optional int32 completions = 2; optional int64 activeDeadlineSeconds = 3;
  optional LabelSelector selector = 4; optional bool manualSelector = 5; optional PodTemplateSpec template = 6;
  optional int32 backoffLimit = 7; optional int32 ttlSecondsAfterFinished = 8; optional string completionMode = 9; optional bool suspend = 10;
}
message Job { optional ObjectMeta metadata = 1; optional JobSpec spec = 2; }
`;

/** The job controller: pods up to parallelism until completions have succeeded, then Complete. */
class JobController implements KindController {
  private readonly queue = new WorkQueue((key) => this.reconcile(key));
  private readonly unwatch: (() => void)[] = [];

  constructor(private readonly ctx: KindControllerContext) {}

  start(): void {
    const { store } = this.ctx;
    for (const job of store.list('batch/jobs').items) this.queue.add(`${job.metadata.namespace}/${job.metadata.name}`);
    this.unwatch.push(
      store.watch('batch/jobs', (ev) => {
        if (ev.type !== 'DELETED') this.queue.add(`${ev.object.metadata.namespace}/${ev.object.metadata.name}`);
      }),
      store.watch('pods', (ev) => {
        const ref = controllerRef(ev.object);
        if (ref?.kind === 'Job') this.queue.add(`${ev.object.metadata.namespace}/${ref.name}`);
      }),
    );
  }

  stop(): void {
    this.queue.stop();
    for (const unwatch of this.unwatch.splice(0)) unwatch();
  }

  readonly idle = (): Promise<void> => this.queue.idle();

  private reconcile(key: string): void {
    const [namespace, name] = key.split('/') as [string, string];
    const { store } = this.ctx;
    const job = store.get('batch/jobs', namespace, name) as Job | undefined;
    if (!job || job.metadata.deletionTimestamp || hasCondition(job, 'Complete') || hasCondition(job, 'Failed')) return;
    const ns = store.get('namespaces', undefined, namespace);
    if (!ns || ns.metadata.deletionTimestamp) return;
    const owned = store.list('pods', namespace).items.filter((p) => isOwnedBy(p, job));
    const phase = (p: KubeObject): string => String((p.status as UntypedObject | undefined)?.phase ?? '');
    const succeeded = owned.filter((p) => phase(p) === 'Succeeded').length;
    const failed = owned.filter((p) => phase(p) === 'Failed').length;
    const active = owned.filter((p) => !p.metadata.deletionTimestamp && phase(p) !== 'Succeeded' && phase(p) !== 'Failed');
    const spec = job.spec ?? ({} as V1JobSpec);
    const now = timestamp(this.ctx.now());
    const conditions: JobCondition[] = [];
    let finished = false;
    if (failed > (spec.backoffLimit ?? 6)) {
      const message = 'Job has reached the specified backoff limit';
      conditions.push({ type: 'FailureTarget', status: 'True', reason: 'BackoffLimitExceeded', message, lastProbeTime: now, lastTransitionTime: now }, { type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded', message, lastProbeTime: now, lastTransitionTime: now });
      for (const p of active) store.markDeleting('pods', namespace, p.metadata.name);
      active.length = 0;
      finished = true;
      this.ctx.event('job-controller', job, 'Warning', 'BackoffLimitExceeded', message);
    } else if (spec.completions !== undefined && spec.completions !== null ? succeeded >= spec.completions : succeeded > 0 && active.length === 0) {
      const message = 'Reached expected number of succeeded pods';
      conditions.push({ type: 'SuccessCriteriaMet', status: 'True', reason: 'CompletionsReached', message, lastProbeTime: now, lastTransitionTime: now }, { type: 'Complete', status: 'True', reason: 'CompletionsReached', message, lastProbeTime: now, lastTransitionTime: now });
      finished = true;
      this.ctx.event('job-controller', job, 'Normal', 'Completed', 'Job completed');
    } else if (!spec.suspend) {
      const remaining = spec.completions !== undefined && spec.completions !== null ? spec.completions - succeeded : succeeded > 0 ? 0 : (spec.parallelism ?? 1);
      const want = Math.max(0, Math.min(spec.parallelism ?? 1, remaining));
      for (let i = active.length; i < want; i++) {
        const pod = this.createPod(job, ns);
        if (pod) active.push(pod);
      }
    }
    const status: JobStatus = { ...(job.status ?? {}) };
    if (!spec.suspend) status.startTime ??= now;
    status.active = active.length || undefined;
    status.ready = active.filter(isPodReady).length;
    status.terminating = 0;
    status.succeeded = succeeded || undefined;
    status.failed = failed || undefined;
    status.uncountedTerminatedPods ??= {};
    if (finished) {
      status.conditions = [...arr<JobCondition>(status.conditions), ...conditions];
      if (hasCondition({ ...job, status: { conditions } }, 'Complete')) status.completionTime = now;
    }
    for (const k of Object.keys(status) as (keyof JobStatus)[]) if (status[k] === undefined) delete status[k];
    if (JSON.stringify(status) === JSON.stringify(job.status)) return;
    store.mutate('batch/jobs', namespace, name, (o) => {
      o.status = status;
    });
  }

  private createPod(job: Job, ns: KubeObject): KubeObject | undefined {
    const template = untyped(job).spec?.template ?? {};
    const pod: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { generateName: `${job.metadata.name}-`, name: `${job.metadata.name}-${randomSuffix(5)}`, namespace: job.metadata.namespace, ownerReferences: [ownerRefTo(job)] },
      spec: structuredClone(template.spec ?? {}),
    };
    if (template.metadata?.labels) pod.metadata.labels = { ...template.metadata.labels };
    if (template.metadata?.annotations) pod.metadata.annotations = { ...template.metadata.annotations };
    try {
      this.ctx.admitPod(pod, ns);
      pod.status = pendingStatus(pod);
      const created = this.ctx.store.create('pods', pod);
      this.ctx.event('job-controller', job, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
      return created;
    } catch (err) {
      this.ctx.event('job-controller', job, 'Warning', 'FailedCreate', `Error creating: ${err instanceof Error ? err.message : String(err)}`);
      return undefined;
    }
  }
}

export const jobs = defineKind<Job>({
  group: 'batch',
  versions: ['v1'],
  resource: 'jobs',
  kind: 'Job',
  namespaced: true,
  categories: ['all'],
  subresources: ['status'],
  tracksGeneration: true,
  schema: kind({
    ...fields('activeDeadlineSeconds manualSelector ttlSecondsAfterFinished completionMode suspend podReplacementPolicy managedBy'),
    parallelism: INT,
    completions: INT,
    backoffLimit: INT,
    backoffLimitPerIndex: INT,
    maxFailedIndexes: INT,
    selector: labelSelector,
    template: podTemplate,
    podFailurePolicy: ANY,
    successPolicy: ANY,
  }),
  defaults,
  prepareForCreate,
  validate,
  validateUpdate,
  printer: {
    columns: [
      NAME,
      col('Status', 'string', 0, '', 'Status of the job.'),
      col('Completions', 'string', 0, '', 'The number of pods which reached phase Succeeded. The value increases monotonically for a given spec. However, it may decrease in reaction to scale down of elastic indexed jobs.'),
      col('Duration', 'string', 0, '', 'Time required to complete the job.'),
      AGE,
      col('Containers', 'string', 1, '', 'Names of each container in the template.'),
      col('Images', 'string', 1, '', 'Images referenced by each container in the template.'),
      col('Selector', 'string', 1, '', 'A label query over pods that should match the pod count. Normally, the system sets this field for you. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors'),
    ],
    cells: jobCells,
  },
  fieldLabels: { 'status.successful': (job) => String(job.status?.succeeded ?? 0) },
  protobuf: { proto: PROTO, message: 'Job', pointerFields: ['parallelism', 'completions', 'backoffLimit', 'manualSelector', 'ttlSecondsAfterFinished', 'suspend'] },
  controller: (ctx) => new JobController(ctx),
});

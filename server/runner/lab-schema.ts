// The lab format (labs/<lab-id>/lab.yaml), as a zod schema. Objects are strict so a misspelt
// field is an error, not silently ignored. docs/authoring (the lab authoring guide) describes
// the same fields for authors.
import { z } from 'zod';
import { LAB_ID_PATTERN, LAB_ID_RULE } from '../protocol/lab-id.ts';

const nonEmpty = z.string().min(1, 'must not be empty');

/** Text in both site languages. */
export const Localized = z.strictObject({ 'zh-Hans': nonEmpty, en: nonEmpty });

const Id = z.string().regex(LAB_ID_PATTERN, `must be ${LAB_ID_RULE}`);

/** istio.io's doc-test comparisons (tests/util/verify.sh): how a command's output is compared. */
export const VerifyMode = z.enum(['same', 'contains', 'notContains', 'elided', 'like', 'firstLine', 'lines']);

const ExitCodes = z.union([z.number().int().min(0).max(255), z.array(z.number().int().min(0).max(255)).min(1)]);

/** A command as shown to the learner and run by verify: a string, or the string with expectations. */
export const CommandSpec = z.union([
  nonEmpty,
  z.strictObject({
    run: nonEmpty,
    /** Exit codes that count as success (default 0): `curl https://…` blocked by REGISTRY_ONLY exits 35. */
    exitCode: ExitCodes.optional(),
    /** Expected output (stdout and stderr together, as istio.io's tests compare it). */
    output: z.string().optional(),
    verify: VerifyMode.optional(),
    /** Seconds this command waits on purpose (`/delay/2`); benchmarks report time without them. */
    deliberateWaitSeconds: z.number().min(0).max(600).optional(),
    timeoutSeconds: z.number().positive().max(3600).optional(),
  }),
]);

const StringOrList = z.union([z.string(), z.array(z.string()).min(1)]);

const HeaderExpectation = z.union([
  z.string(),
  z.strictObject({
    equals: z.string().optional(),
    contains: z.string().optional(),
    matches: z.string().optional(),
    present: z.boolean().optional(),
  }),
]);

const JsonPathExpectation = z.strictObject({ path: nonEmpty, equals: z.unknown() });

/** Where an HTTP check's request comes from: the learner's terminal, or a pod via kubectl exec. */
export const HttpFrom = z.union([
  z.literal('terminal'),
  z.strictObject({
    namespace: nonEmpty.optional(),
    /** `deploy/curl`, `pod/curl-abc`, or a pod name. */
    target: nonEmpty.optional(),
    /** A label selector; the first running pod is used. */
    selector: nonEmpty.optional(),
    container: nonEmpty.optional(),
  }),
]);

const CheckCommon = {
  /**
   * Shown in reports; defaults to a description of the check. A `{ zh-Hans, en }` pair gives the
   * site's reports the page's language (the command-line reporters use `en`).
   */
  name: z.union([nonEmpty, Localized]).optional(),
  /** How long to keep retrying before the check fails (default 10 s): configuration is eventually consistent. */
  timeoutSeconds: z.number().positive().max(600).optional(),
  /**
   * The check passes before the step's commands too, on purpose (the step must keep something
   * true). `meshlab verify --strict` fails a lab whose check already passes before its step,
   * unless the check says so here.
   */
  expectedBefore: z.boolean().optional(),
};

export const HttpCheck = z.strictObject({
  type: z.literal('http'),
  ...CheckCommon,
  method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']).optional(),
  /** May use $INGRESS_HOST, $INGRESS_PORT and other variables of the learner's environment. */
  url: nonEmpty,
  headers: z.record(z.string(), z.string()).optional(),
  body: z.string().optional(),
  from: HttpFrom.optional(),
  /** Seconds one request may take (default: the check's timeout). */
  requestTimeoutSeconds: z.number().positive().max(600).optional(),
  expect: z.strictObject({
    status: z.union([z.number().int().min(100).max(599), z.array(z.number().int().min(100).max(599)).min(1)]).optional(),
    headers: z.record(z.string(), HeaderExpectation).optional(),
    body: z
      .strictObject({
        contains: StringOrList.optional(),
        notContains: StringOrList.optional(),
        matches: z.string().optional(),
        equals: z.string().optional(),
        json: z.array(JsonPathExpectation).min(1).optional(),
      })
      .optional(),
    minLatencyMs: z.number().min(0).optional(),
    maxLatencyMs: z.number().min(0).optional(),
  }),
});

const ObjectRef = z.strictObject({
  apiVersion: nonEmpty,
  kind: nonEmpty,
  name: nonEmpty,
  namespace: nonEmpty.optional(),
});

export const K8sCheck = z
  .strictObject({
    type: z.literal('k8s'),
    ...CheckCommon,
    /** One object, by apiVersion/kind/name/namespace. */
    object: ObjectRef.optional(),
    /** Pods matching a label selector. */
    pods: z.strictObject({ namespace: nonEmpty, selector: nonEmpty }).optional(),
    expect: z
      .strictObject({
        /** true: the object exists; false: it is absent. Default true. */
        exists: z.boolean().optional(),
        conditions: z.array(z.strictObject({ type: nonEmpty, status: z.enum(['True', 'False', 'Unknown']).optional() })).min(1).optional(),
        jsonPath: z.array(JsonPathExpectation).min(1).optional(),
        /** For `pods`: at least this many pods, all Ready (default 1). */
        readyPods: z.number().int().min(0).optional(),
      })
      .optional(),
  })
  .superRefine((c, ctx) => {
    if (Boolean(c.object) === Boolean(c.pods)) ctx.addIssue({ code: 'custom', message: 'give exactly one of "object" or "pods"', path: [] });
  });

export const CommandCheck = z.strictObject({
  type: z.literal('command'),
  ...CheckCommon,
  run: nonEmpty,
  expect: z.strictObject({
    exitCode: ExitCodes.optional(),
    stdoutContains: StringOrList.optional(),
    stdoutMatches: z.string().optional(),
    stderrContains: StringOrList.optional(),
    stderrMatches: z.string().optional(),
    /** Compared with stdout and stderr together, as istio.io's `_verify_*` functions do. */
    output: z.string().optional(),
    verify: VerifyMode.optional(),
  }),
});

export const CheckSpec = z.discriminatedUnion('type', [HttpCheck, K8sCheck, CommandCheck]);

export const StepSpec = z.strictObject({
  id: Id,
  title: Localized,
  text: Localized.optional(),
  /** Exactly what the learner types; shown verbatim in the docs and run by `meshlab verify`. */
  commands: z.array(CommandSpec).default([]),
  /** Manifests (paths relative to the lab directory) the step's commands use; shown in the docs. */
  files: z.array(nonEmpty).default([]),
  /** Files shown as an alternative way to do the step (not run by verify). */
  alternatives: z
    .array(z.strictObject({ title: Localized, text: Localized.optional(), files: z.array(nonEmpty).min(1) }))
    .default([]),
  checks: z.array(CheckSpec).default([]),
  /** What Solve types into the learner's terminal; defaults to the step's commands. */
  solution: z.array(CommandSpec).optional(),
  hints: z.array(Localized).default([]),
  /** Commands that undo the step, run by verify after the lab whatever happened. */
  cleanup: z.array(nonEmpty).default([]),
  /**
   * Commands that return the cluster to how it was before the step, for the site's "Redo this
   * step" (run on the learner's cluster, then the step is to do again). `[]`: the step changes
   * nothing (it only looks). Without it the step cannot be redone on its own.
   */
  undo: z.array(nonEmpty).optional(),
  /** Upper bound for the step's commands and checks together (default 120 s). */
  timeoutSeconds: z.number().positive().max(3600).optional(),
});

export const Requirements = z.strictObject({
  /** Istio's control plane and ingress gateway are installed (istio-system/istiod). */
  istio: z.boolean().optional(),
  /** The mesh's outbound traffic policy (ConfigMap istio in istio-system), set by the runner before step 1. */
  outboundTrafficPolicy: z.enum(['ALLOW_ANY', 'REGISTRY_ONLY']).optional(),
  /** Where proxies write access logs (mesh config accessLogFile, e.g. /dev/stdout), set by the runner. */
  accessLogFile: z.string().min(1).optional(),
  /** Commands the learner's environment must have. */
  tools: z.array(z.enum(['kubectl', 'helm', 'curl'])).optional(),
});

export const LabSpec = z.strictObject({
  id: Id,
  title: Localized,
  summary: Localized,
  estimatedMinutes: z.number().int().min(1).max(600),
  prerequisites: z.array(Localized).default([]),
  requires: Requirements.default({}),
  steps: z.array(StepSpec).min(1, 'a lab needs at least one step'),
  /** Run after the last step (and after a failure), whatever happened. */
  cleanup: z.array(nonEmpty).default([]),
});

export type LocalizedText = z.infer<typeof Localized>;
export type CommandSpecT = z.infer<typeof CommandSpec>;
export type HttpCheckSpec = z.infer<typeof HttpCheck>;
export type K8sCheckSpec = z.infer<typeof K8sCheck>;
export type CommandCheckSpec = z.infer<typeof CommandCheck>;
export type CheckSpecT = z.infer<typeof CheckSpec>;
export type VerifyModeT = z.infer<typeof VerifyMode>;
export type LabRequirements = z.infer<typeof Requirements>;

// The verbs on resource collections and objects: get, list, create, update, patch, delete.
// Every write goes through the same pipeline a real API server uses: decode → field validation →
// defaults → admission (mutating, then validating) → validation → storage.
import { randomBytes } from 'node:crypto';
import jsonPatch, { type Operation } from 'fast-json-patch';
import type { AdmissionDenial, AdmissionPlugin, AdmissionRequest } from './admission.ts';
import type { Clock, KubeObject, ObjectStore } from '../store/object-store.ts';
import { StoreError } from '../store/object-store.ts';
import { decodeJson, decodeObject, decodeYaml } from './decode.ts';
import { defaultObject, prepareForCreate } from './defaults.ts';
import { recordUpdate } from './managed-fields.ts';
import type { ResourceRegistry, ResourceType } from './resources.ts';
import { apiVersionOf, storeKey } from './resources.ts';
import { pruneUnknown, shapeError, unknownFields } from './schema.ts';
import { checkFieldSelector, matchesFields, matchesLabels, parseFieldSelector, parseLabelSelector } from './selectors.ts';
import { serverSideApply } from './server-side-apply.ts';
import { ApiError, errors, type StatusCause } from './status.ts';
import { jsonMergePatch, strategicMerge } from './strategic-merge.ts';
import { validateName, validateObject, validateUpdate } from './validation.ts';
import type { ServiceAllocations } from './service-allocations.ts';
import type { QuotaTracker } from './quota.ts';
import { pageOf, type ListPage } from './list-paging.ts';
import type { UntypedObject as Obj } from '../meta/untyped.ts';

export interface RestContext {
  store: ObjectStore;
  registry: ResourceRegistry;
  clock: Clock;
  admission: AdmissionPlugin[];
  services: ServiceAllocations;
  /** ResourceQuota and the cluster's object budget, checked last before storage. */
  quota?: QuotaTracker;
}

export interface RestRequest {
  type: ResourceType;
  version: string;
  namespace?: string;
  name?: string;
  subresource?: string;
  query: URLSearchParams;
  contentType: string;
  userAgent?: string;
  body?: Buffer;
  /** Checks the object about to be written for the caller (RBAC escalation prevention); throws ApiError. */
  authorizeObject?: (obj: KubeObject, old: KubeObject | undefined) => void;
}

export interface RestResult {
  code: number;
  body: unknown;
  warnings?: string[];
}

/** Kinds whose registry strategy tracks metadata.generation; the rest never show it. */
const GENERATION_KINDS = new Set(['pods', 'apps/deployments', 'apps/replicasets', 'apiextensions.k8s.io/customresourcedefinitions']);

/** An object as served at a version: apiVersion/kind set, fields the real type lacks removed. */
export function servedAs(obj: KubeObject, type: ResourceType, version: string): KubeObject {
  obj.apiVersion = apiVersionOf(type.group, version);
  obj.kind = type.kind;
  const tracked = type.strategy ? type.strategy.tracksGeneration : GENERATION_KINDS.has(storeKey(type));
  if (!tracked && !type.custom) delete obj.metadata.generation;
  return obj;
}

/** Service fields that stop applying when the type changes are cleared, as the real strategy does. */
function dropTypeDependentFields(svc: Obj, old: Obj): void {
  const was = old.spec?.type;
  const now = svc.spec?.type;
  if (was === now || !svc.spec) return;
  const hadNodePorts = was === 'NodePort' || was === 'LoadBalancer';
  const needsNodePorts = now === 'NodePort' || now === 'LoadBalancer';
  if (hadNodePorts && !needsNodePorts) for (const p of Array.isArray(svc.spec.ports) ? svc.spec.ports : []) if (p && typeof p === 'object') delete p.nodePort;
  if (was === 'LoadBalancer' && now !== 'LoadBalancer') {
    delete svc.spec.allocateLoadBalancerNodePorts;
    delete svc.spec.loadBalancerClass;
  }
  if (!needsNodePorts) delete svc.spec.externalTrafficPolicy;
}

const GENERATE_CHARS = 'bcdfghjklmnpqrstvwxz2456789';

function generateSuffix(): string {
  const bytes = randomBytes(5);
  return [...bytes].map((b) => GENERATE_CHARS[b % GENERATE_CHARS.length]).join('');
}

function storeError(err: unknown, type: ResourceType, name: string): never {
  if (err instanceof StoreError) {
    if (err.reason === 'NotFound') throw errors.notFound(type.group, type.resource, name);
    if (err.reason === 'AlreadyExists') throw errors.alreadyExists(type.group, type.resource, name);
    if (err.reason === 'Conflict') throw errors.conflict(type.group, type.resource, name, 'the object has been modified; please apply your changes to the latest version and try again');
  }
  throw err;
}

function isDryRun(query: URLSearchParams, body?: Obj): boolean {
  const values = [...query.getAll('dryRun'), ...(Array.isArray(body?.dryRun) ? body!.dryRun : [])];
  for (const v of values) if (v !== 'All') throw errors.badRequest(`Invalid dry run value: ${v}; supported values: All`);
  return values.length > 0;
}

/** The field manager a write is recorded under (the user agent's program name by default). */
function fieldManager(req: RestRequest, fallback?: string): string {
  const fm = req.query.get('fieldManager');
  if (fm !== null) {
    if (fm.length > 128) throw errors.badRequest('fieldManager: Too long: may not be more than 128 bytes');
    return fm;
  }
  return fallback ?? (req.userAgent ?? 'unknown').split('/')[0]!.split(' ')[0] ?? 'unknown';
}

export class RestHandlers {
  constructor(private readonly ctx: RestContext) {}

  /** The object as served at the requested version. */
  private served(obj: KubeObject, req: RestRequest): KubeObject {
    return servedAs(obj, req.type, req.version);
  }

  private requireNamespace(req: RestRequest, forCreate: boolean): void {
    if (!req.type.namespaced || !req.namespace) return;
    const ns = this.ctx.store.get('namespaces', undefined, req.namespace);
    if (!ns) throw errors.notFound('', 'namespaces', req.namespace);
    if (forCreate && ns.metadata.deletionTimestamp) {
      throw errors.forbidden(req.type.group, req.type.resource, req.name ?? '', `unable to create new content in namespace ${req.namespace} because it is being terminated`);
    }
  }

  get(req: RestRequest): RestResult {
    const obj = this.ctx.store.get(storeKey(req.type), req.type.namespaced ? req.namespace : undefined, req.name!);
    if (!obj) throw errors.notFound(req.type.group, req.type.resource, req.name!);
    return { code: 200, body: this.served(obj, req) };
  }

  /** The objects a list or watch selects, already filtered by label and field selectors. */
  selection(req: RestRequest): { label: ReturnType<typeof parseLabelSelector>; field: ReturnType<typeof parseFieldSelector> } {
    const label = parseLabelSelector(req.query.get('labelSelector'));
    const field = checkFieldSelector(req.type, parseFieldSelector(req.query.get('fieldSelector')));
    return { label, field };
  }

  matches(sel: ReturnType<RestHandlers['selection']>, obj: KubeObject): boolean {
    return matchesLabels(sel.label, obj.metadata.labels) && matchesFields(sel.field, obj as Obj);
  }

  list(req: RestRequest): { items: KubeObject[]; resourceVersion: string } {
    const sel = this.selection(req);
    const { items, revision } = this.ctx.store.list(storeKey(req.type), req.type.namespaced ? req.namespace : undefined);
    const selected = items.filter((o) => this.matches(sel, o)).map((o) => this.served(o, req));
    return { items: selected, resourceVersion: String(revision) };
  }

  /** A LIST as served: filtered, then cut to `limit` from the `continue` token's position. */
  page(req: RestRequest): ListPage {
    const { items } = this.list(req);
    const selective = !!(req.query.get('labelSelector') || req.query.get('fieldSelector'));
    return pageOf(items, { limit: req.query.get('limit'), continueToken: req.query.get('continue'), revision: this.ctx.store.currentRevision, oldestRevision: this.ctx.store.oldestResumableRevision, selective });
  }

  private decodeBody(req: RestRequest): Obj {
    if (!req.body || req.body.length === 0) throw errors.badRequest('the body of the request was empty');
    return decodeObject(req.body, req.contentType);
  }

  /** Checks apiVersion/kind against the URL, and unknown fields per fieldValidation. */
  private checkTypeAndFields(req: RestRequest, obj: Obj): string[] {
    const expected = apiVersionOf(req.type.group, req.version);
    if (obj.apiVersion === null || obj.apiVersion === '') delete obj.apiVersion;
    if (obj.kind === undefined || obj.kind === '') {
      // Built-in kinds decode with the URL's kind as default; custom resources need it spelled out.
      if (req.type.custom) throw errors.badRequest(`Object 'Kind' is missing in '${JSON.stringify(obj).slice(0, 200)}'`);
      obj.kind = req.type.kind;
    }
    if (typeof obj.kind !== 'string' || typeof (obj.apiVersion ?? '') !== 'string') throw errors.badRequest(`couldn't get version/kind; json parse error: json: cannot unmarshal into Go struct field .kind of type string`);
    if (obj.apiVersion !== undefined && obj.apiVersion !== expected) {
      const t = this.ctx.registry.forKind(obj.apiVersion, obj.kind);
      if (t !== req.type) throw errors.badRequest(`the API version in the data (${obj.apiVersion}) does not match the expected API version (${expected})`);
    }
    if (obj.kind !== req.type.kind) throw errors.badRequest(`the kind in the data (${obj.kind}) does not match the expected kind (${req.type.kind})`);
    if (obj.metadata !== undefined && (obj.metadata === null || typeof obj.metadata !== 'object' || Array.isArray(obj.metadata))) {
      throw errors.badRequest(`${req.type.kind} in version "${req.version}" cannot be handled as a ${req.type.kind}: json: cannot unmarshal ${Array.isArray(obj.metadata) ? 'array' : typeof obj.metadata} into Go struct field ${req.type.kind}.metadata of type v1.ObjectMeta`);
    }
    obj.metadata ??= {};
    this.checkMetaTypes(req, obj.metadata);
    const shape = shapeError(req.type, obj);
    if (shape) {
      if (shape.want === 'integer' && req.type.custom) {
        // CRD schema validation (apiextensions) words a wrong type like this.
        const got = shape.got === 'number' ? 'number' : shape.got;
        throw this.invalid(req, String(obj.metadata?.name ?? ''), [{ reason: 'FieldValueTypeInvalid', field: shape.path, message: `Invalid value: "${got}": ${shape.path} in body must be of type integer: "${got}"` }]);
      }
      const prefix = `${req.type.kind} in version "${req.version}" cannot be handled as a ${req.type.kind}: json: cannot unmarshal ${shape.got} into Go struct field`;
      if (shape.want === 'integer') {
        // Go names the struct holding the field: ServicePort.spec.ports.port, DeploymentSpec.spec.replicas.
        const leaf = shape.path.split('.').pop()!;
        const struct = { port: 'ServicePort', nodePort: 'ServicePort', containerPort: 'ContainerPort', hostPort: 'ContainerPort', replicas: `${req.type.kind}Spec` }[leaf];
        const goPath = shape.path.replace(/\[\d+\]/g, '');
        throw errors.badRequest(`${prefix} ${struct ? `${struct}.${goPath}` : goPath} of type int32`);
      }
      if (shape.want === 'string') {
        // Go names the innermost struct; for a top-level field that is the kind itself (ConfigMap.data).
        const field = shape.path.replace(/\.[^.]*$/, '');
        const goField = field.includes('.') ? field : `${req.type.kind}.${field}`;
        throw errors.badRequest(`${prefix} ${field.startsWith('metadata.') ? `ObjectMeta.${field}` : goField} of type string`);
      }
      const want = { object: 'an object', array: 'a list', map: 'a map', scalar: 'a value' }[shape.want];
      throw errors.badRequest(`${prefix} ${shape.path} (${want} is expected there)`);
    }
    const unknown = unknownFields(req.type, obj);
    const mode = req.query.get('fieldValidation') ?? 'Warn';
    if (!['Strict', 'Warn', 'Ignore'].includes(mode)) throw errors.badRequest(`fieldValidation parameter unsupported: ${mode}`);
    if (unknown.length && mode === 'Strict') {
      throw errors.badRequest(`${req.type.kind} in version "${req.version}" cannot be handled as a ${req.type.kind}: strict decoding error: ${unknown.map((f) => `unknown field "${f}"`).join(', ')}`);
    }
    if (unknown.length) pruneUnknown(req.type, obj);
    return mode === 'Warn' ? unknown.map((f) => `unknown field "${f}"`) : [];
  }

  /** ObjectMeta's scalar and string-map fields must have their Go types, or decoding fails. */
  private checkMetaTypes(req: RestRequest, meta: Obj): void {
    const fail = (field: string, got: string, want: string): never => {
      throw errors.badRequest(`${req.type.kind} in version "${req.version}" cannot be handled as a ${req.type.kind}: json: cannot unmarshal ${got} into Go struct field ObjectMeta.metadata.${field} of type ${want}`);
    };
    const kindOf = (v: unknown): string => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v === 'object' ? 'object' : typeof v);
    for (const f of ['name', 'generateName', 'namespace', 'resourceVersion', 'uid']) {
      if (meta[f] !== undefined && meta[f] !== null && typeof meta[f] !== 'string') fail(f, kindOf(meta[f]), 'string');
    }
    for (const f of ['labels', 'annotations']) {
      const m = meta[f];
      if (m === undefined || m === null) continue;
      if (kindOf(m) !== 'object') fail(f, kindOf(m), 'map[string]string');
      for (const v of Object.values(m)) if (typeof v !== 'string' && v !== null) fail(f, kindOf(v), 'string');
    }
    if (meta.finalizers !== undefined && meta.finalizers !== null && (!Array.isArray(meta.finalizers) || meta.finalizers.some((x: unknown) => typeof x !== 'string'))) fail('finalizers', kindOf(meta.finalizers), '[]string');
    if (meta.ownerReferences !== undefined && meta.ownerReferences !== null && !Array.isArray(meta.ownerReferences)) fail('ownerReferences', kindOf(meta.ownerReferences), '[]v1.OwnerReference');
  }

  /** Checks the body's namespace against the URL's. */
  private placeInNamespace(req: RestRequest, obj: Obj): void {
    if (!req.type.namespaced) {
      delete obj.metadata.namespace;
      return;
    }
    const ns = obj.metadata.namespace;
    if (ns !== undefined && ns !== '' && ns !== req.namespace) {
      throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    obj.metadata.namespace = req.namespace;
  }

  private admit(req: RestRequest, operation: AdmissionRequest['operation'], obj: KubeObject, old: KubeObject | undefined, dryRun: boolean): void {
    req.authorizeObject?.(obj, old);
    // The kind's own admission runs first, as the built-in plugins come before webhooks.
    const own = req.type.strategy?.admission;
    const plugins = own ? [own, ...this.ctx.admission] : this.ctx.admission;
    if (plugins.length === 0) return;
    const namespaceObject = req.namespace ? this.ctx.store.get('namespaces', undefined, req.namespace) : undefined;
    const request: AdmissionRequest = { resource: storeKey(req.type), operation, object: obj, dryRun };
    if (old) request.oldObject = old;
    if (namespaceObject) request.namespaceObject = namespaceObject;
    for (const p of plugins) {
      try {
        p.mutate?.(request);
      } catch (err) {
        throw errors.internal(`failed calling webhook "${p.name}": ${(err as Error).message}`);
      }
    }
    // As in a real API server: mutating admission, then object (schema) validation, then
    // validating admission, so e.g. a CRD enum violation is reported before any webhook runs.
    const causes = validateObject(req.type, obj);
    if (causes.length) throw this.invalid(req, String(obj.metadata?.name ?? ''), causes);
    for (const p of plugins) {
      let denial: AdmissionDenial | undefined;
      try {
        denial = p.validate?.(request);
      } catch (err) {
        throw errors.internal(`failed calling webhook "${p.name}": ${(err as Error).message}`);
      }
      if (denial) {
        const code = denial.code ?? 400;
        const reason = code === 400 ? 'BadRequest' : code === 403 ? 'Forbidden' : code === 422 ? 'Invalid' : code === 409 ? 'Conflict' : 'BadRequest';
        throw new ApiError(code, reason, `admission webhook "${denial.webhook}" denied the request: ${denial.message}`);
      }
    }
  }

  private invalid(req: RestRequest, name: string, causes: StatusCause[]): ApiError {
    return errors.invalid(req.type.group, req.type.kind, name, causes);
  }

  /** Server-owned metadata the client may not set. */
  private clearServerFields(meta: Obj): void {
    for (const f of ['uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'selfLink', 'managedFields']) delete meta[f];
  }

  create(req: RestRequest): RestResult {
    if (req.type.resource === 'namespaces' && req.namespace) throw errors.methodNotAllowed('the server does not allow this method on the requested resource');
    const obj = this.decodeBody(req);
    const warnings = this.checkTypeAndFields(req, obj);
    const dryRun = isDryRun(req.query);
    return { ...this.createObject(req, obj as KubeObject, dryRun, fieldManager(req)), warnings };
  }

  /** The create pipeline, shared by POST and by server-side apply of a new object. */
  createObject(req: RestRequest, obj: KubeObject, dryRun: boolean, manager: string, applied?: (o: KubeObject) => void): RestResult {
    const key = storeKey(req.type);
    this.placeInNamespace(req, obj);
    const meta = obj.metadata as Obj;
    if (!meta.name && typeof meta.generateName === 'string' && meta.generateName) {
      meta.name = `${meta.generateName}${generateSuffix()}`;
    }
    if (typeof meta.name !== 'string' || meta.name === '') {
      throw this.invalid(req, '', [{ reason: 'FieldValueRequired', message: 'Required value: name or generateName is required', field: 'metadata.name' }]);
    }
    const nameCauses = validateName(req.type, meta.name);
    if (nameCauses.length) throw this.invalid(req, meta.name, nameCauses);
    if (typeof meta.resourceVersion === 'string' && meta.resourceVersion !== '') throw errors.badRequest('resourceVersion should not be set on objects to be created');
    this.requireNamespace(req, true);
    this.clearServerFields(meta);
    obj.apiVersion = apiVersionOf(req.type.group, req.type.storageVersion);
    obj.kind = req.type.kind;
    prepareForCreate(req.type, obj);
    // A custom resource with a status subresource ignores status on create.
    if (req.type.custom && req.type.subresources.includes('status')) delete (obj as Obj).status;
    defaultObject(req.type, obj);
    if (this.ctx.store.get(key, meta.namespace, meta.name)) throw errors.alreadyExists(req.type.group, req.type.resource, meta.name);
    this.admit(req, 'CREATE', obj, undefined, dryRun);
    defaultObject(req.type, obj);
    const causes = validateObject(req.type, obj);
    if (causes.length) throw this.invalid(req, meta.name, causes);
    this.ctx.quota?.admit({ resourceKey: key, group: req.type.group, resource: req.type.resource, object: obj });
    const svcCauses = this.ctx.services.prepare(key, obj as Obj, undefined, dryRun);
    if (svcCauses.length) throw this.invalid(req, meta.name, svcCauses);
    if (applied) applied(obj);
    else recordUpdate(obj, manager, apiVersionOf(req.type.group, req.version), this.ctx.clock.now());
    let created: KubeObject;
    if (dryRun) {
      created = structuredClone(obj);
      created.metadata.uid = crypto.randomUUID();
      created.metadata.creationTimestamp = this.ctx.clock.now().toISOString().replace(/\.\d{3}Z$/, 'Z');
      created.metadata.generation = 1;
    } else {
      try {
        created = this.ctx.store.create(key, obj);
      } catch (err) {
        this.ctx.services.release(key, obj as Obj);
        storeError(err, req.type, meta.name);
      }
    }
    return { code: 201, body: this.served(created, req) };
  }

  update(req: RestRequest): RestResult {
    const obj = this.decodeBody(req) as KubeObject;
    const warnings = this.checkTypeAndFields(req, obj);
    const dryRun = isDryRun(req.query);
    if (obj.metadata.name !== undefined && obj.metadata.name !== req.name) {
      throw errors.badRequest(`the name of the object (${String(obj.metadata.name)}) does not match the name on the URL (${req.name})`);
    }
    obj.metadata.name = req.name!;
    this.placeInNamespace(req, obj);
    const old = this.ctx.store.get(storeKey(req.type), obj.metadata.namespace, req.name!);
    if (!old) {
      this.requireNamespace(req, false);
      throw errors.notFound(req.type.group, req.type.resource, req.name!);
    }
    const rv = obj.metadata.resourceVersion;
    if (rv !== undefined && rv !== '' && rv !== old.metadata.resourceVersion) {
      throw errors.conflict(req.type.group, req.type.resource, req.name!, 'the object has been modified; please apply your changes to the latest version and try again');
    }
    return { ...this.updateObject(req, obj, old, dryRun, fieldManager(req)), warnings };
  }

  /** The update pipeline shared by PUT, PATCH and apply. */
  updateObject(req: RestRequest, obj: KubeObject, old: KubeObject, dryRun: boolean, manager: string, applied?: (o: KubeObject) => void): RestResult {
    const key = storeKey(req.type);
    const meta = obj.metadata as Obj;
    meta.name = old.metadata.name;
    if (req.type.namespaced) meta.namespace = old.metadata.namespace;
    else delete meta.namespace;
    meta.uid = old.metadata.uid;
    meta.creationTimestamp = old.metadata.creationTimestamp;
    meta.managedFields = old.metadata.managedFields;
    if (old.metadata.deletionTimestamp) meta.deletionTimestamp = old.metadata.deletionTimestamp;
    else delete meta.deletionTimestamp;
    obj.apiVersion = apiVersionOf(req.type.group, req.type.storageVersion);
    obj.kind = req.type.kind;
    const hasStatus = req.type.subresources.includes('status');
    if (req.subresource === 'status') {
      // The status subresource changes only status (and nothing in metadata but labels/annotations are ignored too).
      const next = structuredClone(old) as Obj;
      next.status = (obj as Obj).status;
      obj = next as KubeObject;
    } else if (hasStatus) {
      if ((old as Obj).status === undefined) delete (obj as Obj).status;
      else (obj as Obj).status = (old as Obj).status;
    }
    defaultObject(req.type, obj);
    if (key === 'services') dropTypeDependentFields(obj as Obj, old as Obj);
    req.type.strategy?.prepareForUpdate?.(obj, old);
    this.admit(req, 'UPDATE', obj, old, dryRun);
    defaultObject(req.type, obj);
    const causes = [...validateObject(req.type, obj), ...validateUpdate(req.type, obj, old)];
    if (causes.length) throw this.invalid(req, old.metadata.name, causes);
    this.ctx.quota?.admit({ resourceKey: key, group: req.type.group, resource: req.type.resource, object: obj, old });
    const svcCauses = this.ctx.services.prepare(key, obj as Obj, old as Obj, dryRun);
    if (svcCauses.length) throw this.invalid(req, old.metadata.name, svcCauses);
    if (applied) applied(obj);
    else recordUpdate(obj, manager, apiVersionOf(req.type.group, req.version), this.ctx.clock.now(), req.subresource);
    if (dryRun) {
      const out = structuredClone(obj);
      out.metadata.resourceVersion = old.metadata.resourceVersion;
      return { code: 200, body: this.served(out, req) };
    }
    try {
      const updated = this.ctx.store.update(key, obj, old.metadata.resourceVersion);
      // A no-op write keeps managedFields as they were (the store returns the old object).
      return { code: 200, body: this.served(updated, req) };
    } catch (err) {
      storeError(err, req.type, old.metadata.name);
    }
  }

  patch(req: RestRequest): RestResult {
    const key = storeKey(req.type);
    const dryRun = isDryRun(req.query);
    const ns = req.type.namespaced ? req.namespace : undefined;
    if (!req.body || req.body.length === 0) throw errors.badRequest('the body of the request was empty');
    if (req.contentType === 'application/apply-patch+yaml') {
      return this.apply(req, dryRun);
    }
    const old = this.ctx.store.get(key, ns, req.name!);
    if (!old) {
      this.requireNamespace(req, false);
      throw errors.notFound(req.type.group, req.type.resource, req.name!);
    }
    const current = this.served(structuredClone(old), req) as Obj;
    let patched: Obj;
    switch (req.contentType) {
      case 'application/merge-patch+json': {
        const p = decodeJson(req.body);
        if (p === null || typeof p !== 'object' || Array.isArray(p)) throw errors.badRequest('json: cannot unmarshal non-object into Go value of type map[string]interface {}');
        patched = jsonMergePatch(current, p) as Obj;
        break;
      }
      case 'application/strategic-merge-patch+json': {
        if (req.type.custom) throw new ApiError(415, 'UnsupportedMediaType', `strategic merge patch is not supported for ${req.type.resource}.${req.type.group}`);
        const p = decodeJson(req.body);
        if (p === null || typeof p !== 'object' || Array.isArray(p)) throw errors.badRequest('json: cannot unmarshal non-object into Go value of type map[string]interface {}');
        patched = strategicMerge(current, p as Obj);
        break;
      }
      case 'application/json-patch+json': {
        const ops = decodeJson(req.body);
        if (!Array.isArray(ops)) throw errors.badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
        try {
          patched = jsonPatch.applyPatch(structuredClone(current), ops as Operation[], true, false).newDocument as Obj;
        } catch (err) {
          const e = err as { name?: string; message: string };
          throw new ApiError(422, 'Invalid', `the server rejected our request due to an error in our request`, { causes: [{ message: e.message.split('\n')[0]! }] });
        }
        break;
      }
      default:
        throw new ApiError(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml${req.type.custom ? '' : ', application/strategic-merge-patch+json'}`);
    }
    if (!patched || typeof patched !== 'object' || Array.isArray(patched)) throw errors.badRequest('patch produced a non-object');
    patched.metadata ??= {};
    if (patched.metadata.name !== undefined && patched.metadata.name !== old.metadata.name) throw errors.badRequest('metadata.name: Invalid value: the name of the object does not match the name on the URL');
    patched.apiVersion ??= current.apiVersion;
    patched.kind ??= current.kind;
    const warnings = this.checkTypeAndFields(req, patched);
    const rv = patched.metadata.resourceVersion;
    if (rv !== undefined && rv !== '' && rv !== old.metadata.resourceVersion) {
      throw errors.conflict(req.type.group, req.type.resource, req.name!, 'the object has been modified; please apply your changes to the latest version and try again');
    }
    return { ...this.updateObject(req, patched as KubeObject, old, dryRun, fieldManager(req)), warnings };
  }

  private apply(req: RestRequest, dryRun: boolean): RestResult {
    const key = storeKey(req.type);
    const manager = req.query.get('fieldManager');
    if (!manager) throw errors.badRequest('PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch');
    const config = decodeObject(req.body!, 'application/apply-patch+yaml') as Obj;
    const warnings = this.checkTypeAndFields(req, config);
    if (config.metadata?.name !== undefined && config.metadata.name !== req.name) {
      throw errors.badRequest(`the name of the object (${String(config.metadata.name)}) does not match the name on the URL (${req.name})`);
    }
    const force = req.query.get('force') === 'true';
    const ns = req.type.namespaced ? req.namespace : undefined;
    const old = this.ctx.store.get(key, ns, req.name!);
    const apiVersion = apiVersionOf(req.type.group, req.version);
    const now = this.ctx.clock.now();
    if (!old) {
      const obj = structuredClone(config) as KubeObject;
      obj.metadata.name = req.name!;
      const result = this.createObject(req, obj, dryRun, manager, (o) => {
        serverSideApply.recordCreate(o as Obj, config, manager, apiVersion, now);
      });
      return { ...result, warnings };
    }
    const merged = serverSideApply.apply(this.served(structuredClone(old), req) as Obj, config, { manager, apiVersion, now, force, kind: req.type.kind, group: req.type.group, resource: req.type.resource, custom: !!req.type.custom });
    const managed = merged.metadata.managedFields;
    const result = this.updateObject(req, merged as KubeObject, old, dryRun, manager, (o) => {
      o.metadata.managedFields = managed;
    });
    return { ...result, warnings };
  }

  delete(req: RestRequest): RestResult {
    const key = storeKey(req.type);
    const ns = req.type.namespaced ? req.namespace : undefined;
    let opts: Obj = {};
    if (req.body && req.body.length) {
      const parsed = req.contentType === 'application/vnd.kubernetes.protobuf' ? decodeObject(req.body, req.contentType) : req.contentType === 'application/yaml' ? decodeYaml(req.body) : decodeJson(req.body);
      if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) opts = parsed as Obj;
    }
    const policy = (opts.propagationPolicy ?? req.query.get('propagationPolicy') ?? undefined) as string | undefined;
    if (policy !== undefined && !['Orphan', 'Background', 'Foreground'].includes(policy)) {
      throw errors.invalid('meta.k8s.io', 'DeleteOptions', '', [{ reason: 'FieldValueNotSupported', message: `Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan"`, field: 'propagationPolicy' }]);
    }
    const dryRun = isDryRun(req.query, opts);
    const old = this.ctx.store.get(key, ns, req.name!);
    if (!old) {
      this.requireNamespace(req, false);
      throw errors.notFound(req.type.group, req.type.resource, req.name!);
    }
    const pre = opts.preconditions ?? {};
    if (pre.uid && pre.uid !== old.metadata.uid) throw errors.conflict(req.type.group, req.type.resource, req.name!, `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${old.metadata.uid}`);
    if (pre.resourceVersion && pre.resourceVersion !== old.metadata.resourceVersion) throw errors.conflict(req.type.group, req.type.resource, req.name!, `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${old.metadata.resourceVersion}`);
    if (dryRun) return { code: 200, body: this.served(old, req) };
    if (policy === 'Orphan' || opts.orphanDependents === true) this.orphanDependents(old);
    // Namespaces and objects with finalizers only get a deletionTimestamp; the namespace
    // lifecycle (garbage-collector.ts) empties and removes them.
    if (key === 'namespaces') {
      if (['default', 'kube-system', 'kube-public'].includes(old.metadata.name)) {
        throw errors.forbidden('', 'namespaces', old.metadata.name, 'this namespace may not be deleted');
      }
      if (!old.metadata.deletionTimestamp) {
        this.ctx.store.markDeleting(key, undefined, old.metadata.name);
        const marked = this.ctx.store.mutate(key, undefined, old.metadata.name, (o) => {
          (o as Obj).status = { ...((o as Obj).status ?? {}), phase: 'Terminating' };
        });
        return { code: 200, body: this.served(marked ?? old, req) };
      }
      return { code: 200, body: this.served(old, req) };
    }
    if (policy === 'Foreground') {
      // The owner stays, marked, until the garbage collector has removed its dependents.
      const withFinalizer = this.ctx.store.mutate(key, ns, req.name!, (o) => {
        const f = o.metadata.finalizers ?? [];
        if (!f.includes('foregroundDeletion')) o.metadata.finalizers = [...f, 'foregroundDeletion'];
      });
      const marked = withFinalizer ? this.ctx.store.markDeleting(key, ns, req.name!) : undefined;
      return { code: 200, body: this.served(marked ?? old, req) };
    }
    if ((old.metadata.finalizers ?? []).length > 0) {
      const marked = this.ctx.store.markDeleting(key, ns, req.name!);
      return { code: 200, body: this.served(marked ?? old, req) };
    }
    try {
      const gone = this.ctx.store.delete(key, ns, req.name!);
      return { code: 200, body: this.served(gone, req) };
    } catch (err) {
      storeError(err, req.type, req.name!);
    }
  }

  private orphanDependents(owner: KubeObject): void {
    const uid = owner.metadata.uid;
    for (const key of this.ctx.store.resources()) {
      for (const o of this.ctx.store.list(key).items) {
        if (!(o.metadata.ownerReferences ?? []).some((r) => r.uid === uid)) continue;
        this.ctx.store.mutate(key, o.metadata.namespace, o.metadata.name, (x) => {
          x.metadata.ownerReferences = (x.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid);
          if (x.metadata.ownerReferences.length === 0) delete x.metadata.ownerReferences;
        });
      }
    }
  }

  deleteCollection(req: RestRequest): RestResult {
    const { items, resourceVersion } = this.list(req);
    const dryRun = isDryRun(req.query);
    if (!dryRun) {
      for (const o of items) {
        try {
          this.delete({ ...req, name: o.metadata.name, namespace: o.metadata.namespace, body: undefined });
        } catch {
          // Deleting a collection continues past objects that vanished meanwhile.
        }
      }
    }
    return { code: 200, body: { kind: `${req.type.kind}List`, apiVersion: apiVersionOf(req.type.group, req.version), metadata: { resourceVersion }, items } };
  }
}

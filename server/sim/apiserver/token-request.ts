// The TokenRequest API: POST /api/v1/namespaces/NS/serviceaccounts/NAME/token, what
// `kubectl create token NAME [--duration] [--audience] [--bound-object-kind ...]` calls. The answer
// is the request with spec defaulted (audiences: the API server's; expirationSeconds: 3600) and
// status.token / status.expirationTimestamp filled, as pkg/registry/core/serviceaccount/storage/token.go does.
import type { KubeObject, ObjectStore } from '../store/object-store.ts';
import { decodeObject } from './decode.ts';
import { errors, type StatusCause } from './status.ts';
import { API_ISSUER, type BoundObject, type ServiceAccountTokens } from './service-account-tokens.ts';

const DEFAULT_EXPIRATION_SECONDS = 3600;
const MIN_EXPIRATION_SECONDS = 600;
const MAX_EXPIRATION_SECONDS = 2 ** 32;
const BOUND_KINDS: Record<string, { apiVersion: string; resource: string }> = {
  Pod: { apiVersion: 'v1', resource: 'pods' },
  Secret: { apiVersion: 'v1', resource: 'secrets' },
};

type Obj = Record<string, unknown>;

function asObject(v: unknown): Obj {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {};
}

function invalid(name: string, causes: StatusCause[]) {
  return errors.invalid('authentication.k8s.io', 'TokenRequest', name, causes);
}

/** Handles one TokenRequest create; throws ApiError with the real server's answers. */
export function createTokenRequest(opts: { store: ObjectStore; tokens: ServiceAccountTokens; namespace: string; name: string; body: Buffer | undefined; contentType: string }): { code: number; body: unknown } {
  const { store, tokens, namespace, name } = opts;
  const request = asObject(opts.body && opts.body.length ? decodeObject(opts.body, opts.contentType) : {});
  if (request.kind !== undefined && request.kind !== 'TokenRequest') throw errors.badRequest(`the body must be a TokenRequest, not a ${String(request.kind)}`);
  const meta = asObject(request.metadata);
  if (typeof meta.namespace === 'string' && meta.namespace !== '' && meta.namespace !== namespace) {
    throw errors.badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  const spec = asObject(request.spec);
  const causes: StatusCause[] = [];
  const audiences = Array.isArray(spec.audiences) ? spec.audiences.filter((a): a is string => typeof a === 'string') : [];
  const expirationSeconds = spec.expirationSeconds === undefined || spec.expirationSeconds === null ? DEFAULT_EXPIRATION_SECONDS : Number(spec.expirationSeconds);
  if (!Number.isInteger(expirationSeconds)) causes.push({ reason: 'FieldValueInvalid', field: 'spec.expirationSeconds', message: `Invalid value: ${JSON.stringify(spec.expirationSeconds)}: must be an integer` });
  else if (expirationSeconds < MIN_EXPIRATION_SECONDS) causes.push({ reason: 'FieldValueInvalid', field: 'spec.expirationSeconds', message: `Invalid value: ${expirationSeconds}: may not specify a duration less than 10 minutes` });
  else if (expirationSeconds > MAX_EXPIRATION_SECONDS) causes.push({ reason: 'FieldValueInvalid', field: 'spec.expirationSeconds', message: `Invalid value: ${expirationSeconds}: may not specify a duration larger than 2^32 seconds` });
  const ref = spec.boundObjectRef === undefined || spec.boundObjectRef === null ? undefined : asObject(spec.boundObjectRef);
  if (ref) {
    const kind = String(ref.kind ?? '');
    if (!BOUND_KINDS[kind]) causes.push({ reason: 'FieldValueNotSupported', field: 'spec.boundObjectRef.kind', message: `Unsupported value: "${kind}": supported values: "Pod", "Secret"` });
    else if (ref.apiVersion !== BOUND_KINDS[kind]!.apiVersion) causes.push({ reason: 'FieldValueInvalid', field: 'spec.boundObjectRef.apiVersion', message: `Invalid value: "${String(ref.apiVersion ?? '')}": must be "v1" for kind ${kind}` });
  }
  if (causes.length) throw invalid(name, causes);

  const sa = store.get('serviceaccounts', namespace, name);
  if (!sa) throw errors.notFound('', 'serviceaccounts', name);

  let bound: BoundObject | undefined;
  let boundRef: Obj | undefined;
  if (ref) {
    const kind = String(ref.kind) as BoundObject['kind'];
    const objName = String(ref.name ?? '');
    const target: KubeObject | undefined = objName ? store.get(BOUND_KINDS[kind]!.resource, namespace, objName) : undefined;
    if (!target) throw errors.notFound('', BOUND_KINDS[kind]!.resource, objName);
    const uid = String(ref.uid ?? '');
    if (uid && uid !== target.metadata.uid) {
      throw errors.conflict('', BOUND_KINDS[kind]!.resource, objName, `the UID in the bound object reference (${uid}) does not match the UID in record. The object might have been deleted and then recreated`);
    }
    bound = { kind, name: objName, uid: target.metadata.uid! };
    boundRef = { kind, apiVersion: 'v1', name: objName, uid: target.metadata.uid };
  }

  const finalAudiences = audiences.length ? audiences : [API_ISSUER];
  const issued = tokens.issue({ namespace, serviceAccount: { name, uid: sa.metadata.uid! }, audiences: finalAudiences, expirationSeconds, bound });
  const outSpec: Obj = { audiences: finalAudiences, expirationSeconds };
  outSpec.boundObjectRef = boundRef ?? null;
  return {
    code: 201,
    body: {
      kind: 'TokenRequest',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { name, namespace, creationTimestamp: null },
      spec: outSpec,
      status: { token: issued.token, expirationTimestamp: issued.expiresAt.toISOString().replace(/\.\d{3}Z$/, 'Z') },
    },
  };
}

// Status errors shaped like k8s.io/apimachinery/pkg/api/errors: kubectl prints them from the
// reason, message and details, so the wording here is what learners see.

export interface StatusCause {
  reason?: string;
  message: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface StatusBody {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, unknown>;
  status: 'Failure' | 'Success';
  message?: string;
  reason?: string;
  details?: StatusDetails;
  code: number;
}

/** An error the API server answers with a Status body. */
export class ApiError extends Error {
  /** ListMeta of the Status (a 410 for an expired continue token carries a fresh token). */
  statusMetadata?: Record<string, unknown>;

  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
  }

  toStatus(): StatusBody {
    const body: StatusBody = { kind: 'Status', apiVersion: 'v1', metadata: this.statusMetadata ?? {}, status: 'Failure', message: this.message, reason: this.reason, code: this.code };
    if (this.details) body.details = this.details;
    return body;
  }
}

/** "pods" or "deployments.apps": how errors name a resource. */
export function qualifiedResource(group: string, resource: string): string {
  return group ? `${resource}.${group}` : resource;
}

function details(group: string, resource: string, name?: string): StatusDetails {
  const d: StatusDetails = {};
  if (name !== undefined) d.name = name;
  if (group) d.group = group;
  d.kind = resource;
  return d;
}

export const errors = {
  notFound(group: string, resource: string, name: string): ApiError {
    return new ApiError(404, 'NotFound', `${qualifiedResource(group, resource)} "${name}" not found`, details(group, resource, name));
  },
  alreadyExists(group: string, resource: string, name: string): ApiError {
    return new ApiError(409, 'AlreadyExists', `${qualifiedResource(group, resource)} "${name}" already exists`, details(group, resource, name));
  },
  conflict(group: string, resource: string, name: string, why: string): ApiError {
    return new ApiError(409, 'Conflict', `Operation cannot be fulfilled on ${qualifiedResource(group, resource)} "${name}": ${why}`, details(group, resource, name));
  },
  /** 422 Invalid: `The Kind "name" is invalid: field: detail` (one cause) or a `[...]` list. */
  invalid(group: string, kind: string, name: string, causes: StatusCause[]): ApiError {
    const parts = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message));
    const summary = parts.length === 1 ? parts[0] : `[${parts.join(', ')}]`;
    const d: StatusDetails = { name, kind, causes };
    if (group) d.group = group;
    return new ApiError(422, 'Invalid', `${kind}${group ? `.${group}` : ''} "${name}" is invalid: ${summary}`, d);
  },
  badRequest(message: string, d?: StatusDetails): ApiError {
    return new ApiError(400, 'BadRequest', message, d);
  },
  methodNotAllowed(message: string): ApiError {
    return new ApiError(405, 'MethodNotAllowed', message);
  },
  notAcceptable(message: string): ApiError {
    return new ApiError(406, 'NotAcceptable', message);
  },
  /** 415 with the real server's wording; `hint` adds why (e.g. a protobuf kind this cluster cannot read). */
  unsupportedMediaType(hint?: string): ApiError {
    const base = 'the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf';
    return new ApiError(415, 'UnsupportedMediaType', hint ? `${base} (${hint})` : base);
  },
  unauthorized(): ApiError {
    return new ApiError(401, 'Unauthorized', 'Unauthorized');
  },
  /** The generic 404 for a path no resource serves (kubectl maps it to "the server doesn't have a resource type"). */
  pathNotFound(): ApiError {
    return new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});
  },
  gone(message: string): ApiError {
    return new ApiError(410, 'Expired', message);
  },
  /** API Priority and Fairness' rejection (apiserver/pkg/server/filters). */
  tooManyRequests(retryAfterSeconds: number): ApiError {
    return new ApiError(429, 'TooManyRequests', 'Too many requests, please try again later.', { retryAfterSeconds });
  },
  tooLarge(): ApiError {
    return new ApiError(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728');
  },
  internal(message: string): ApiError {
    return new ApiError(500, 'InternalError', `Internal error occurred: ${message}`);
  },
  forbidden(group: string, resource: string, name: string, why: string): ApiError {
    return new ApiError(403, 'Forbidden', `${qualifiedResource(group, resource)} "${name}" is forbidden: ${why}`, details(group, resource, name));
  },
};

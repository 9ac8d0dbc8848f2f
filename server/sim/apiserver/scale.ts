// deployments/scale and replicasets/scale: the autoscaling/v1 Scale view `kubectl scale` reads and patches.
import type { ServerResponse } from 'node:http';
import { decodeJson } from './decode.ts';
import { sendJson } from './http-io.ts';
import type { RestHandlers, RestRequest } from './rest-handlers.ts';
import { errors } from './status.ts';
import type { UntypedObject } from '../meta/untyped.ts';

/** deployments/scale and replicasets/scale as autoscaling/v1 Scale. */
export function serveScale(handlers: RestHandlers, method: string, rest: RestRequest, res: ServerResponse): void {
  const toScale = (o: UntypedObject) => ({
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name: o.metadata.name, namespace: o.metadata.namespace, uid: o.metadata.uid, resourceVersion: o.metadata.resourceVersion, creationTimestamp: o.metadata.creationTimestamp },
    spec: { replicas: o.spec?.replicas ?? 0 },
    status: { replicas: o.status?.replicas ?? 0, selector: Object.entries(o.spec?.selector?.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`).join(',') },
  });
  const current = handlers.get({ ...rest, subresource: undefined }).body as UntypedObject;
  if (method === 'GET') return sendJson(res, 200, toScale(current));
  if (method !== 'PUT' && method !== 'PATCH') throw errors.methodNotAllowed('the server does not allow this method on the requested resource');
  let replicas: unknown;
  const body = rest.body && rest.body.length ? (decodeJson(rest.body) as UntypedObject) : {};
  if (method === 'PUT') replicas = body?.spec?.replicas;
  else if (rest.contentType === 'application/json-patch+json') {
    const op = Array.isArray(body) ? body.find((o: UntypedObject) => o?.path === '/spec/replicas') : undefined;
    replicas = op?.value;
  } else replicas = body?.spec?.replicas;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
    throw errors.invalid('autoscaling', 'Scale', rest.name!, [{ reason: 'FieldValueInvalid', message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`, field: 'spec.replicas' }]);
  }
  const patch: RestRequest = { ...rest, subresource: undefined, contentType: 'application/merge-patch+json', body: Buffer.from(JSON.stringify({ spec: { replicas } })) };
  const updated = handlers.patch(patch).body as UntypedObject;
  sendJson(res, 200, toScale(updated));
}

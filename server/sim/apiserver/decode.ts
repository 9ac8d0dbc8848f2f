// Request bodies → objects. JSON and YAML for everything; protobuf for the few kinds kubectl
// sends that way (see protobuf.ts). Errors read like the real decoder's.
import { parse as parseYaml } from 'yaml';
import { ApiError, errors } from './status.ts';
import { decodeProtobufObject } from './protobuf.ts';

export type Decoded = Record<string, unknown>;

/** Deeper documents are refused before anything recursive touches them (no manifest comes close). */
export const MAX_DEPTH = 1000;

/** Throws 400 when a decoded value nests deeper than MAX_DEPTH; iterative, so it cannot overflow itself. */
export function checkDepth(value: unknown): void {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (d > MAX_DEPTH) throw errors.badRequest(`json: exceeded max depth of ${MAX_DEPTH}`);
    for (const child of Object.values(v as object)) if (child !== null && typeof child === 'object') stack.push([child, d + 1]);
  }
}

export function decodeJson(body: Buffer): unknown {
  try {
    const value = JSON.parse(body.toString('utf8'));
    checkDepth(value);
    return value;
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw errors.badRequest(`couldn't get version/kind; json parse error: ${(err as Error).message}`);
  }
}

export function decodeYaml(body: Buffer): unknown {
  try {
    const value = parseYaml(body.toString('utf8'), { maxAliasCount: 50, uniqueKeys: false });
    checkDepth(value);
    return value;
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw errors.badRequest(`error converting YAML to JSON: ${(err as Error).message.split('\n')[0]}`);
  }
}

/** Decodes a create/update body by its media type into a plain object. */
export function decodeObject(body: Buffer, mediaType: string): Decoded {
  let value: unknown;
  if (mediaType === 'application/vnd.kubernetes.protobuf') value = decodeProtobufObject(body);
  else if (mediaType === 'application/yaml' || mediaType === 'application/apply-patch+yaml') value = decodeYaml(body);
  else if (mediaType === 'application/json' || mediaType === '' || mediaType.endsWith('+json')) value = decodeJson(body);
  else throw errors.unsupportedMediaType();
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw errors.badRequest(`couldn't get version/kind; json parse error: json: cannot unmarshal ${Array.isArray(value) ? 'array' : typeof value} into Go value of type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }`);
  }
  return value as Decoded;
}

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

/**
 * An upper bound of a YAML or JSON text's nesting, found in one pass without parsing: flow
 * brackets open, plus block levels (indentation steps and `- ` entries). The parser's own cost
 * grows badly with depth (100,000 levels took seconds), so deep texts are refused before it runs.
 */
export function nestingBound(text: string): number {
  let flow = 0;
  let maxFlow = 0;
  let maxBlock = 0;
  const indents: number[] = [];
  let lineStart = true;
  let indent = 0;
  let dashes = 0;
  let lead = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) {
      lineStart = true;
      indent = 0;
      dashes = 0;
      lead = 0;
      continue;
    }
    if (lineStart) {
      if (c === 32) {
        indent++;
        continue;
      }
      if (c === 45 && (text.charCodeAt(i + 1) === 32 || text.charCodeAt(i + 1) === 10)) {
        if (dashes === 0) lead = indent;
        dashes++;
        indent++;
        continue;
      }
      if (c !== 13 && c !== 35) {
        // Levels are the open indentations a line is deeper than, plus its own `- ` entries.
        const column = dashes ? lead : indent;
        while (indents.length && indents[indents.length - 1]! >= column) indents.pop();
        indents.push(column);
        maxBlock = Math.max(maxBlock, indents.length + dashes);
      }
      lineStart = false;
    }
    if (c === 91 || c === 123) {
      flow++;
      if (flow > maxFlow) maxFlow = flow;
    } else if ((c === 93 || c === 125) && flow > 0) flow--;
  }
  return maxFlow + maxBlock;
}

function checkNesting(text: string): void {
  if (nestingBound(text) > MAX_DEPTH) throw errors.badRequest(`json: exceeded max depth of ${MAX_DEPTH}`);
}

export function decodeJson(body: Buffer): unknown {
  try {
    const text = body.toString('utf8');
    checkNesting(text);
    const value = JSON.parse(text);
    checkDepth(value);
    return value;
  } catch (err) {
    if (err instanceof ApiError) throw err;
    throw errors.badRequest(`couldn't get version/kind; json parse error: ${(err as Error).message}`);
  }
}

export function decodeYaml(body: Buffer): unknown {
  try {
    const text = body.toString('utf8');
    checkNesting(text);
    const value = parseYaml(text, { maxAliasCount: 50, uniqueKeys: false });
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

// LIST paging as the API server's etcd3 storage does it: `limit` cuts a sorted list, the
// response's `metadata.continue` names where the next page starts and at which resourceVersion,
// `remainingItemCount` says how many are left (only without selectors), and a token older than
// the store's compacted history answers 410 Expired with a fresh token to go on inconsistently.
import type { KubeObject } from '../store/object-store.ts';
import { ApiError, errors } from './status.ts';

export interface ListPage {
  items: KubeObject[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

interface Token {
  v: string;
  rv: number;
  start: string;
}

export function encodeContinue(rv: number, start: string): string {
  return Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv, start } satisfies Token)).toString('base64url');
}

/** The token's resourceVersion and start key; 400 when it is not one this server issued. */
export function decodeContinue(token: string): { rv: number; start: string } {
  let parsed: Partial<Token>;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as Partial<Token>;
  } catch {
    throw errors.badRequest('continue key is not valid: illegal base64 data at input byte 0');
  }
  if (parsed?.v !== 'meta.k8s.io/v1') throw errors.badRequest('continue key is not valid: server does not recognize this encoded key');
  if (typeof parsed.rv !== 'number' || !Number.isInteger(parsed.rv) || parsed.rv <= 0) throw errors.badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
  if (typeof parsed.start !== 'string' || parsed.start.includes('..')) throw errors.badRequest('continue key is not valid: key not found');
  return { rv: parsed.rv, start: parsed.start };
}

export function objectKey(o: KubeObject): string {
  return o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name}` : o.metadata.name;
}

const EXPIRED_MESSAGE =
  'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.';

export interface PageOptions {
  limit: string | null;
  continueToken: string | null;
  /** The store's revision now, and the oldest one it can still answer at. */
  revision: number;
  oldestRevision: number;
  /** Label or field selectors were given (then remainingItemCount is unknown, as in etcd3). */
  selective: boolean;
}

/** One page of `sorted` (already filtered and in key order). */
export function pageOf(sorted: KubeObject[], opts: PageOptions): ListPage {
  let limit = 0;
  if (opts.limit !== null && opts.limit !== '') {
    limit = Number(opts.limit);
    if (!Number.isInteger(limit)) throw errors.badRequest(`limit: Invalid value: "${opts.limit}": must be an integer`);
    if (limit < 0) limit = 0;
  }
  let rv = opts.revision;
  let items = sorted;
  if (opts.continueToken) {
    const token = decodeContinue(opts.continueToken);
    if (token.rv < opts.oldestRevision) {
      const err = new ApiError(410, 'Expired', EXPIRED_MESSAGE);
      err.statusMetadata = { continue: encodeContinue(opts.revision, token.start) };
      throw err;
    }
    rv = token.rv;
    items = sorted.filter((o) => objectKey(o).localeCompare(token.start) >= 0);
  }
  if (limit === 0 || items.length <= limit) return { items, resourceVersion: String(rv) };
  const page = items.slice(0, limit);
  const next = items[limit]!;
  const out: ListPage = { items: page, resourceVersion: String(rv), continue: encodeContinue(rv, objectKey(next)) };
  if (!opts.selective) out.remainingItemCount = items.length - limit;
  return out;
}

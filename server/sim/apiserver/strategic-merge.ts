// Strategic merge patch (application/strategic-merge-patch+json) as
// k8s.io/apimachinery/pkg/util/strategicpatch applies it: maps merge, lists with a merge key
// merge item by item, other lists are replaced; directives $patch, $retainKeys,
// $setElementOrder/<list> and $deleteFromPrimitiveList/<list>.
import { isPrimitiveSetList, mergeKeyFor } from './merge-keys.ts';
import { errors } from './status.ts';
import type { UntypedObject as Obj } from '../meta/untyped.ts';

const SET_ORDER = '$setElementOrder/';
const DELETE_FROM = '$deleteFromPrimitiveList/';

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function strategicMerge(original: Obj, patch: Obj): Obj {
  return mergeMap(structuredClone(original), patch, []);
}

function mergeMap(orig: Obj, patch: Obj, path: string[]): Obj {
  const directive = patch.$patch;
  if (directive === 'replace') {
    const out = structuredClone(patch);
    delete out.$patch;
    return stripDirectives(out) as Obj;
  }
  if (directive === 'delete') return {};
  if (directive !== undefined) throw errors.badRequest(`Unknown patch type: ${String(directive)} in map: ${JSON.stringify(patch)}`);

  const orders: Record<string, unknown[]> = {};
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch' || key === '$retainKeys') continue;
    if (key.startsWith(SET_ORDER)) {
      if (Array.isArray(value)) orders[key.slice(SET_ORDER.length)] = value;
      continue;
    }
    if (key.startsWith(DELETE_FROM)) {
      const field = key.slice(DELETE_FROM.length);
      if (Array.isArray(orig[field]) && Array.isArray(value)) orig[field] = orig[field].filter((x: unknown) => !value.some((v) => JSON.stringify(v) === JSON.stringify(x)));
      continue;
    }
    if (key.startsWith('$')) throw errors.badRequest(`unknown directive ${key}`);
    const childPath = [...path, key];
    if (value === null) {
      delete orig[key];
      continue;
    }
    if (isObj(value)) {
      if (value.$patch === 'delete') {
        delete orig[key];
        continue;
      }
      orig[key] = mergeMap(isObj(orig[key]) ? orig[key] : {}, value, childPath);
      if (Object.keys(orig[key]).length === 0 && value.$patch === 'delete') delete orig[key];
      continue;
    }
    if (Array.isArray(value)) {
      orig[key] = mergeList(Array.isArray(orig[key]) ? orig[key] : [], value, childPath);
      continue;
    }
    orig[key] = value;
  }
  for (const [field, order] of Object.entries(orders)) {
    if (Array.isArray(orig[field])) orig[field] = applyOrder(orig[field], order, mergeKeyFor([...path, field]));
  }
  if (Array.isArray(patch.$retainKeys)) {
    const keep = new Set(patch.$retainKeys.map(String));
    for (const k of Object.keys(orig)) if (!keep.has(k)) delete orig[k];
  }
  return orig;
}

function mergeList(orig: unknown[], patch: unknown[], path: string[]): unknown[] {
  const replace = patch.some((p) => isObj(p) && p.$patch === 'replace' && Object.keys(p).length === 1);
  if (replace) return stripDirectives(patch.filter((p) => !(isObj(p) && p.$patch === 'replace' && Object.keys(p).length === 1))) as unknown[];
  const key = mergeKeyFor(path);
  if (!key) {
    if (isPrimitiveSetList(path)) {
      const out = [...orig];
      for (const p of patch) if (!out.some((o) => JSON.stringify(o) === JSON.stringify(p))) out.push(p);
      return out;
    }
    return stripDirectives(structuredClone(patch)) as unknown[];
  }
  const out = orig.map((o) => structuredClone(o));
  for (const item of patch) {
    if (!isObj(item)) throw errors.badRequest(`the list at ${path.join('.')} must contain maps with merge key "${key}"`);
    if (item[key] === undefined) {
      if (item.$patch === 'delete') continue;
      throw errors.badRequest(`map: ${JSON.stringify(item)} does not contain declared merge key: ${key}`);
    }
    const idx = out.findIndex((o) => isObj(o) && o[key] === item[key]);
    if (item.$patch === 'delete') {
      if (idx >= 0) out.splice(idx, 1);
      continue;
    }
    if (idx >= 0) out[idx] = mergeMap(out[idx] as Obj, item, path);
    else out.push(mergeMap({}, item, path));
  }
  return out;
}

function applyOrder(list: unknown[], order: unknown[], key: string | undefined): unknown[] {
  const id = (x: unknown): string => JSON.stringify(key && isObj(x) ? x[key] : x);
  const rank = new Map(order.map((o, i) => [id(o), i]));
  return list
    .map((item, i) => ({ item, i, r: rank.get(id(item)) }))
    .sort((a, b) => {
      if (a.r !== undefined && b.r !== undefined) return a.r - b.r;
      if (a.r === undefined && b.r === undefined) return a.i - b.i;
      return a.r === undefined ? 1 : -1;
    })
    .map((x) => x.item);
}

function stripDirectives(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(stripDirectives);
  if (!isObj(v)) return v;
  const out: Obj = {};
  for (const [k, val] of Object.entries(v)) {
    if (k.startsWith('$')) continue;
    out[k] = stripDirectives(val);
  }
  return out;
}

/** RFC 7386 JSON merge patch (application/merge-patch+json). */
export function jsonMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) return structuredClone(patch);
  const out: Obj = isObj(target) ? structuredClone(target) : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = jsonMergePatch(out[k], v);
  }
  return out;
}

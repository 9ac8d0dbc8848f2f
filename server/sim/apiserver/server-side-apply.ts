// Server-side apply (application/apply-patch+yaml), simplified from structured-merge-diff:
// the applied configuration is merged into the live object (maps deeply, keyed lists by merge
// key, other lists whole), fields the manager applied before but no longer applies are removed
// unless another manager also owns them, and managedFields records the manager's new set.
// Conflicts are not reported: an apply always takes ownership (as with --force-conflicts).
import { fieldSetOf, flattenFieldSet, nowTime, type FieldSet, type ManagedFieldsEntry } from './managed-fields.ts';
import { jsonMergePatch, strategicMerge } from './strategic-merge.ts';
import type { UntypedObject as Obj } from '../meta/untyped.ts';

export interface ApplyOptions {
  manager: string;
  apiVersion: string;
  now: Date;
  force: boolean;
  kind: string;
  group: string;
  resource: string;
  /** Custom resources merge lists atomically. */
  custom?: boolean;
}

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function entriesOf(obj: Obj): ManagedFieldsEntry[] {
  return Array.isArray(obj.metadata?.managedFields) ? obj.metadata.managedFields : [];
}

function applyEntry(manager: string, apiVersion: string, now: Date, fields: FieldSet): ManagedFieldsEntry {
  return { manager, operation: 'Apply', apiVersion, time: nowTime(now), fieldsType: 'FieldsV1', fieldsV1: fields };
}

function itemMatches(item: unknown, segment: string): boolean {
  if (segment.startsWith('k:')) {
    let key: Obj;
    try {
      key = JSON.parse(segment.slice(2));
    } catch {
      return false; // a malformed k: key in managedFields matches no item
    }
    return isObj(item) && Object.entries(key).every(([k, v]) => k === 'protocol' ? (item[k] ?? 'TCP') === v : item[k] === v);
  }
  if (segment.startsWith('v:')) return JSON.stringify(item) === segment.slice(2);
  return false;
}

/** Removes the field a flattened fieldsV1 path names, if present. */
function removePath(obj: Obj, path: string[]): void {
  let cur: unknown = obj;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!;
    const last = i === path.length - 1;
    if (seg.startsWith('f:')) {
      if (!isObj(cur)) return;
      const k = seg.slice(2);
      if (last) {
        delete cur[k];
        return;
      }
      cur = cur[k];
    } else if (seg.startsWith('i:')) {
      if (!Array.isArray(cur)) return;
      const idx = Number(seg.slice(2));
      if (last) {
        cur.splice(idx, 1);
        return;
      }
      cur = cur[idx];
    } else {
      if (!Array.isArray(cur)) return;
      const idx = cur.findIndex((x) => itemMatches(x, seg));
      if (idx < 0) return;
      if (last) {
        cur.splice(idx, 1);
        return;
      }
      cur = cur[idx];
    }
  }
}

function removeFromSet(set: FieldSet, paths: Set<string>, prefix = ''): FieldSet {
  const out: FieldSet = {};
  for (const [k, v] of Object.entries(set)) {
    if (k === '.') {
      out[k] = v;
      continue;
    }
    const p = prefix ? `${prefix}\u0000${k}` : k;
    if (isObj(v) && Object.keys(v).some((x) => x !== '.')) {
      const inner = removeFromSet(v as FieldSet, paths, p);
      if (Object.keys(inner).some((x) => x !== '.')) out[k] = inner;
      else if (!paths.has(p)) out[k] = {};
    } else if (!paths.has(p)) out[k] = v;
  }
  return out;
}

export const serverSideApply = {
  /** managedFields of an object created by apply. */
  recordCreate(obj: Obj, config: Obj, manager: string, apiVersion: string, now: Date): void {
    obj.metadata.managedFields = [applyEntry(manager, apiVersion, now, fieldSetOf(config))];
  },

  /** The live object with `config` applied by `opts.manager`, managedFields updated. */
  apply(live: Obj, config: Obj, opts: ApplyOptions): Obj {
    const entries = entriesOf(live);
    const mine = entries.find((e) => e.manager === opts.manager && e.operation === 'Apply');
    const newSet = fieldSetOf(config);
    const newPaths = new Set(flattenFieldSet(newSet));
    const others = new Set(entries.filter((e) => e !== mine).flatMap((e) => flattenFieldSet(e.fieldsV1 ?? {})));
    const merged = structuredClone(live);
    if (mine) {
      const stale = new Set(flattenFieldSet(mine.fieldsV1 ?? {}).filter((p) => !newPaths.has(p) && !others.has(p)));
      // Remove only the outermost stale fields: a list item must still carry its key when it goes.
      const hasStaleParent = (p: string): boolean => {
        const parts = p.split('\u0000');
        for (let i = 1; i < parts.length; i++) if (stale.has(parts.slice(0, i).join('\u0000'))) return true;
        return false;
      };
      for (const p of stale) if (!hasStaleParent(p)) removePath(merged, p.split('\u0000'));
    }
    const body = structuredClone(config);
    delete body.apiVersion;
    delete body.kind;
    if (isObj(body.metadata)) {
      for (const k of ['managedFields', 'resourceVersion', 'uid', 'creationTimestamp', 'generation']) delete body.metadata[k];
    }
    const result = (opts.custom ? jsonMergeArraysAtomic(merged, body) : strategicMerge(merged, body)) as Obj;
    // Ownership moves to the applier: other managers lose the fields it now applies.
    const nextEntries: ManagedFieldsEntry[] = [];
    for (const e of entries) {
      if (e === mine) continue;
      const remaining = removeFromSet(e.fieldsV1 ?? {}, newPaths);
      if (Object.keys(remaining).length) nextEntries.push({ ...e, fieldsV1: remaining });
    }
    nextEntries.push(applyEntry(opts.manager, opts.apiVersion, opts.now, newSet));
    result.metadata ??= {};
    result.metadata.managedFields = nextEntries;
    return result;
  },
};

function jsonMergeArraysAtomic(target: Obj, patch: Obj): unknown {
  return jsonMergePatch(target, patch);
}

// metadata.managedFields: which field manager set which fields (fieldsV1), as
// sigs.k8s.io/structured-merge-diff records them. Server-side apply uses these sets to know what
// a manager stopped applying.
import { mergeKeyFor } from './merge-keys.ts';
import type { UntypedObject as Obj } from '../meta/untyped.ts';

export type FieldSet = Record<string, unknown>;

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: FieldSet;
  subresource?: string;
}

const IGNORED_META = new Set(['name', 'namespace', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'managedFields', 'deletionTimestamp', 'selfLink', 'generateName']);

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function listItemKey(item: unknown, mergeKey: string | undefined, index: number): string {
  if (mergeKey && isObj(item) && item[mergeKey] !== undefined) {
    const key: Obj = { [mergeKey]: item[mergeKey] };
    // Container ports and service ports are keyed by port and protocol together.
    if ((mergeKey === 'containerPort' || mergeKey === 'port') && item.protocol !== undefined) key.protocol = item.protocol;
    return `k:${JSON.stringify(key)}`;
  }
  if (!isObj(item) && !Array.isArray(item)) return `v:${JSON.stringify(item)}`;
  return `i:${index}`;
}

/** The fieldsV1 set of a (partial) object: every leaf and every keyed list item. */
export function fieldSetOf(value: Obj, path: string[] = []): FieldSet {
  const out: FieldSet = {};
  for (const [k, v] of Object.entries(value)) {
    if (path.length === 0 && (k === 'apiVersion' || k === 'kind')) continue;
    if (path.length === 1 && path[0] === 'metadata' && IGNORED_META.has(k)) continue;
    const childPath = [...path, k];
    if (isObj(v)) {
      const inner = fieldSetOf(v, childPath);
      // metadata holding only name/namespace owns nothing.
      if (path.length === 0 && k === 'metadata' && Object.keys(inner).length === 0) continue;
      out[`f:${k}`] = Object.keys(inner).length ? inner : {};
    } else if (Array.isArray(v)) {
      const mk = mergeKeyFor(childPath);
      if (mk || v.every((x) => !isObj(x) && !Array.isArray(x))) {
        const items: FieldSet = {};
        v.forEach((item, i) => {
          const key = listItemKey(item, mk, i);
          items[key] = isObj(item) ? { '.': {}, ...fieldSetOf(item, childPath) } : {};
        });
        out[`f:${k}`] = mk ? items : {};
      } else out[`f:${k}`] = {};
    } else out[`f:${k}`] = {};
  }
  if (path.length === 1 && path[0] === 'metadata' && Object.keys(out).length === 0) return {};
  return out;
}

/** Flattens a field set into path strings, for set arithmetic. */
export function flattenFieldSet(set: FieldSet, prefix = ''): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(set)) {
    if (k === '.') continue;
    const p = prefix ? `${prefix}\u0000${k}` : k;
    out.push(p);
    if (isObj(v)) out.push(...flattenFieldSet(v as FieldSet, p));
  }
  return out;
}

export function nowTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Records an Update by `manager`: its entry now covers the fields of the object it wrote. */
export function recordUpdate(obj: Obj, manager: string, apiVersion: string, time: Date, subresource?: string): void {
  const entries: ManagedFieldsEntry[] = Array.isArray(obj.metadata.managedFields) ? obj.metadata.managedFields : [];
  const part = subresource === 'status' ? { status: obj.status ?? {} } : Object.fromEntries(Object.entries(obj).filter(([k]) => k !== 'status'));
  const fields = fieldSetOf(part);
  const existing = entries.find((e) => e.manager === manager && e.operation === 'Update' && (e.subresource ?? '') === (subresource ?? ''));
  if (existing) {
    existing.fieldsV1 = fields;
    existing.time = nowTime(time);
    existing.apiVersion = apiVersion;
  } else {
    const entry: ManagedFieldsEntry = { manager, operation: 'Update', apiVersion, time: nowTime(time), fieldsType: 'FieldsV1', fieldsV1: fields };
    if (subresource) entry.subresource = subresource;
    entries.push(entry);
  }
  obj.metadata.managedFields = entries;
}

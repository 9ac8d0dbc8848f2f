// Label and field selectors as k8s.io/apimachinery/pkg/labels and pkg/fields parse them.
import { ApiError, errors } from './status.ts';
import type { UntypedObject } from '../meta/untyped.ts';
import { storeKey } from './kinds/kind.ts';
import type { ResourceType } from './resources.ts';

type Op = '=' | '!=' | 'in' | 'notin' | 'exists' | '!' | 'gt' | 'lt';

export interface Requirement {
  key: string;
  op: Op;
  values: string[];
}

export type LabelSelector = Requirement[];

const KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function parseError(msg: string): ApiError {
  return errors.badRequest(`unable to parse requirement: ${msg}`);
}

function checkKey(key: string): string {
  if (!KEY.test(key) || key.length > 317) throw parseError(`invalid label key "${key}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`);
  return key;
}

function checkValue(v: string): string {
  if (v.length > 63 || !VALUE.test(v)) throw parseError(`invalid label value: "${v}": at key: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character`);
  return v;
}

/** Splits on commas that are not inside parentheses. */
function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

export function parseLabelSelector(text: string | null | undefined): LabelSelector {
  if (!text || !text.trim()) return [];
  if (text.length > 4096) throw parseError('selector too long');
  const reqs: Requirement[] = [];
  for (const rawPart of splitTop(text)) {
    const part = rawPart.trim();
    if (!part) throw parseError('found \'\', expected: !, identifier, or \'end of string\'');
    let m: RegExpMatchArray | null;
    if ((m = part.match(/^!\s*(\S+)$/))) reqs.push({ key: checkKey(m[1]!), op: '!', values: [] });
    else if ((m = part.match(/^(\S+?)\s+(in|notin)\s*\(([^)]*)\)$/))) {
      const values = m[3]!.split(',').map((v) => checkValue(v.trim()));
      reqs.push({ key: checkKey(m[1]!), op: m[2] as Op, values });
    } else if ((m = part.match(/^([^=!<>\s]+)\s*(==|=|!=)\s*(\S*)$/))) {
      reqs.push({ key: checkKey(m[1]!), op: m[2] === '!=' ? '!=' : '=', values: [checkValue(m[3]!)] });
    } else if ((m = part.match(/^([^=!<>\s]+)\s*([<>])\s*(-?\d+)$/))) {
      reqs.push({ key: checkKey(m[1]!), op: m[2] === '>' ? 'gt' : 'lt', values: [m[3]!] });
    } else if ((m = part.match(/^([^=!<>\s()]+)$/))) reqs.push({ key: checkKey(m[1]!), op: 'exists', values: [] });
    else throw parseError(`found '${part}', expected: !, identifier, or 'end of string'`);
  }
  return reqs;
}

export function matchesLabels(selector: LabelSelector, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  for (const r of selector) {
    const has = Object.hasOwn(l, r.key);
    const v = l[r.key];
    switch (r.op) {
      case '=':
        if (!has || v !== r.values[0]) return false;
        break;
      case '!=':
        if (has && v === r.values[0]) return false;
        break;
      case 'in':
        if (!has || !r.values.includes(v!)) return false;
        break;
      case 'notin':
        if (has && r.values.includes(v!)) return false;
        break;
      case 'exists':
        if (!has) return false;
        break;
      case '!':
        if (has) return false;
        break;
      case 'gt':
      case 'lt': {
        const n = Number(v);
        if (!has || !Number.isInteger(n)) return false;
        if (r.op === 'gt' ? !(n > Number(r.values[0])) : !(n < Number(r.values[0]))) return false;
        break;
      }
    }
  }
  return true;
}

export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
  /** The field's value in an object, when the kind declares it (kinds/ fieldLabels). */
  get?: (obj: UntypedObject) => string;
}

/** Field selectors: `a=b`, `a==b`, `a!=b`, comma separated; `\,` escapes. */
export function parseFieldSelector(text: string | null | undefined): FieldRequirement[] {
  if (!text || !text.trim()) return [];
  if (text.length > 4096) throw errors.badRequest('field selector too long');
  const out: FieldRequirement[] = [];
  for (const part of text.split(/(?<!\\),/)) {
    const m = part.trim().match(/^([^=!]+?)\s*(==|=|!=)\s*(.*)$/);
    if (!m) throw errors.badRequest(`invalid selector: '${text}'; can't understand '${part}'`);
    out.push({ field: m[1]!, op: m[2] === '!=' ? '!=' : '=', value: m[3]!.replace(/\\(.)/g, '$1') });
  }
  return out;
}

const COMMON_FIELDS = ['metadata.name', 'metadata.namespace'];

/** Supported field labels per store key, as each registry's GetAttrs/field label conversion allows. */
const FIELD_LABELS: Record<string, string[]> = {
  pods: [...COMMON_FIELDS, 'spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'spec.hostNetwork', 'status.phase', 'status.podIP', 'status.podIPs', 'status.nominatedNodeName'],
  events: [...COMMON_FIELDS, 'involvedObject.kind', 'involvedObject.namespace', 'involvedObject.name', 'involvedObject.uid', 'involvedObject.apiVersion', 'involvedObject.resourceVersion', 'involvedObject.fieldPath', 'reason', 'reportingComponent', 'source', 'type'],
  'events.k8s.io/events': [...COMMON_FIELDS, 'regarding.kind', 'regarding.namespace', 'regarding.name', 'regarding.uid', 'regarding.apiVersion', 'regarding.resourceVersion', 'regarding.fieldPath', 'reason', 'reportingController', 'type'],
  secrets: [...COMMON_FIELDS, 'type'],
  namespaces: [...COMMON_FIELDS, 'status.phase'],
  nodes: [...COMMON_FIELDS, 'spec.unschedulable'],
  'apps/replicasets': [...COMMON_FIELDS, 'status.replicas'],
  services: [...COMMON_FIELDS, 'spec.clusterIP', 'spec.type'],
};

function fieldValue(obj: UntypedObject, field: string): string {
  if (field === 'source') return String(obj.source?.component ?? '');
  if (field === 'reportingComponent') return String(obj.reportingComponent ?? obj.reportingController ?? '');
  if (field === 'status.podIPs') return String(obj.status?.podIPs?.[0]?.ip ?? '');
  let cur: unknown = obj;
  for (const p of field.split('.')) cur = (cur as UntypedObject | null | undefined)?.[p];
  if (cur === undefined || cur === null) return field === 'spec.unschedulable' || field === 'spec.hostNetwork' ? 'false' : '';
  return String(cur);
}

/**
 * The requirements as the resource reads them; throws 400 BadRequest for a field the resource does
 * not support, like a real server.
 */
export function checkFieldSelector(type: ResourceType, reqs: FieldRequirement[]): FieldRequirement[] {
  const declared = type.strategy?.fieldLabels as Record<string, (obj: UntypedObject) => string> | undefined;
  const allowed = type.strategy ? COMMON_FIELDS : (FIELD_LABELS[storeKey(type)] ?? COMMON_FIELDS);
  return reqs.map((r) => {
    const get = declared?.[r.field];
    if (get) return { ...r, get };
    if (!allowed.includes(r.field)) throw errors.badRequest(`field label not supported: ${r.field}`);
    return r;
  });
}

export function matchesFields(reqs: FieldRequirement[], obj: UntypedObject): boolean {
  for (const r of reqs) {
    const v = r.get ? r.get(obj) : fieldValue(obj, r.field);
    if (r.op === '=' ? v !== r.value : v === r.value) return false;
  }
  return true;
}

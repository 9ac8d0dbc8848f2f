// Object validation in the words of k8s.io/apimachinery/pkg/util/validation and the kinds'
// validation.go: the causes a 422 Invalid carries and kubectl prints as `field: detail`.
import type { KubeObject } from '../store/object-store.ts';
import type { StatusCause } from './status.ts';
import { selectorMatches } from '../meta/label-selector.ts';
import type { UntypedObject as Obj } from '../meta/untyped.ts';
import { storeKey, type NameRule } from './kinds/kind.ts';
import type { ResourceType } from './resources.ts';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

const LABEL_MSG = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const SUBDOMAIN_MSG = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const DNS1035_MSG = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";

/** Go's %v/%q rendering of a bad value inside "Invalid value: ...". */
export function goValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v === null || v === undefined) return 'null';
  return JSON.stringify(v);
}

export const field = {
  invalid: (path: string, value: unknown, detail: string): StatusCause => ({ reason: 'FieldValueInvalid', message: `Invalid value: ${goValue(value)}: ${detail}`, field: path }),
  required: (path: string, detail = ''): StatusCause => ({ reason: 'FieldValueRequired', message: detail ? `Required value: ${detail}` : 'Required value', field: path }),
  notSupported: (path: string, value: unknown, supported: string[]): StatusCause => ({
    reason: 'FieldValueNotSupported',
    message: `Unsupported value: ${goValue(value)}: supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}`,
    field: path,
  }),
  duplicate: (path: string, value: unknown): StatusCause => ({ reason: 'FieldValueDuplicate', message: `Duplicate value: ${goValue(value)}`, field: path }),
  forbidden: (path: string, detail: string): StatusCause => ({ reason: 'FieldValueForbidden', message: `Forbidden: ${detail}`, field: path }),
  tooLong: (path: string, max: number): StatusCause => ({ reason: 'FieldValueTooLong', message: `Too long: may not be more than ${max} bytes`, field: path }),
};

const NAME_RULES: Record<string, NameRule> = {
  namespaces: 'label',
  services: 'dns1035',
};

export function nameErrors(name: string, rule: NameRule, path = 'metadata.name'): StatusCause[] {
  const out: StatusCause[] = [];
  const max = rule === 'subdomain' ? 253 : 63;
  if (name.length > max) out.push(field.invalid(path, name, `must be no more than ${max} characters`));
  const re = rule === 'label' ? DNS1123_LABEL : rule === 'dns1035' ? DNS1035_LABEL : DNS1123_SUBDOMAIN;
  if (!re.test(name)) out.push(field.invalid(path, name, rule === 'label' ? LABEL_MSG : rule === 'dns1035' ? DNS1035_MSG : SUBDOMAIN_MSG));
  return out;
}

/** Name validation alone, used before the namespace and uniqueness checks. */
export function validateName(type: ResourceType, name: unknown): StatusCause[] {
  if (typeof name !== 'string' || name === '') return [field.required('metadata.name', 'name or generateName is required')];
  return nameErrors(name, (type.strategy ? type.strategy.nameRule : NAME_RULES[storeKey(type)]) ?? 'subdomain');
}

function qualifiedNameErrors(key: string, path: string): StatusCause[] {
  const parts = key.split('/');
  let name = key;
  if (parts.length === 2) {
    const [prefix, n] = parts as [string, string];
    name = n;
    if (!prefix || prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix)) return [field.invalid(path, key, `prefix part ${SUBDOMAIN_MSG}`)];
  } else if (parts.length > 2) {
    return [field.invalid(path, key, "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')")];
  }
  if (name.length > 63) return [field.invalid(path, key, 'name part must be no more than 63 characters')];
  if (!QUALIFIED_NAME.test(name)) return [field.invalid(path, key, "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')")];
  return [];
}

export function labelErrors(labels: unknown, path: string): StatusCause[] {
  if (labels === undefined || labels === null) return [];
  const out: StatusCause[] = [];
  for (const [k, v] of Object.entries(labels as Obj)) {
    out.push(...qualifiedNameErrors(k, path));
    if (typeof v !== 'string') continue;
    if (v.length > 63) out.push(field.invalid(path, v, 'must be no more than 63 characters'));
    else if (!LABEL_VALUE.test(v)) out.push(field.invalid(path, v, "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"));
  }
  return out;
}

function metaErrors(obj: Obj): StatusCause[] {
  const out = labelErrors(obj.metadata?.labels, 'metadata.labels');
  for (const k of Object.keys(obj.metadata?.annotations ?? {})) out.push(...qualifiedNameErrors(k.toLowerCase(), 'metadata.annotations'));
  const size = JSON.stringify(obj.metadata?.annotations ?? {}).length;
  if (size > 256 * 1024) out.push(field.tooLong('metadata.annotations', 262144));
  return out;
}

export function portErrors(port: unknown, path: string): StatusCause[] {
  if (port === undefined) return [field.required(path)];
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) return [field.invalid(path, port, 'must be between 1 and 65535, inclusive')];
  return [];
}

function containerErrors(containers: unknown, path: string, required: boolean): StatusCause[] {
  const list = Array.isArray(containers) ? containers : [];
  if (required && list.length === 0) return [field.required(path)];
  const out: StatusCause[] = [];
  const names = new Set<string>();
  list.forEach((c: Obj, i) => {
    const p = `${path}[${i}]`;
    if (!c || typeof c !== 'object') return;
    if (!c.name) out.push(field.required(`${p}.name`));
    else {
      out.push(...nameErrors(c.name, 'label', `${p}.name`));
      if (names.has(c.name)) out.push(field.duplicate(`${p}.name`, c.name));
      names.add(c.name);
    }
    if (!c.image || (typeof c.image === 'string' && !c.image.trim())) out.push(field.required(`${p}.image`));
    (Array.isArray(c.ports) ? c.ports : []).forEach((port: Obj, j: number) => {
      if (port && typeof port === 'object') out.push(...portErrors(port.containerPort, `${p}.ports[${j}].containerPort`));
      if (port?.protocol !== undefined && !['TCP', 'UDP', 'SCTP'].includes(port.protocol)) out.push(field.notSupported(`${p}.ports[${j}].protocol`, port.protocol, ['SCTP', 'TCP', 'UDP']));
    });
    if (c.imagePullPolicy !== undefined && !['Always', 'IfNotPresent', 'Never'].includes(c.imagePullPolicy)) out.push(field.notSupported(`${p}.imagePullPolicy`, c.imagePullPolicy, ['Always', 'IfNotPresent', 'Never']));
  });
  return out;
}

export function podSpecErrors(spec: Obj | undefined, path: string): StatusCause[] {
  if (!spec) return [field.required(`${path}.containers`)];
  const out = [...containerErrors(spec.containers, `${path}.containers`, true), ...containerErrors(spec.initContainers, `${path}.initContainers`, false)];
  if (spec.restartPolicy !== undefined && !['Always', 'OnFailure', 'Never'].includes(spec.restartPolicy)) out.push(field.notSupported(`${path}.restartPolicy`, spec.restartPolicy, ['Always', 'OnFailure', 'Never']));
  const vols = new Set<string>();
  (Array.isArray(spec.volumes) ? spec.volumes : []).forEach((v: Obj, i: number) => {
    if (!v?.name) out.push(field.required(`${path}.volumes[${i}].name`));
    else if (vols.has(v.name)) out.push(field.duplicate(`${path}.volumes[${i}].name`, v.name));
    else vols.add(v.name);
  });
  return out;
}

export function goMap(m: Obj | undefined): string {
  const entries = Object.keys(m ?? {})
    .sort()
    .map((k) => `${JSON.stringify(k)}:${JSON.stringify(m![k])}`);
  return `map[string]string{${entries.join(', ')}}`;
}

function workloadErrors(obj: Obj, kind: string): StatusCause[] {
  const spec = obj.spec ?? {};
  const out: StatusCause[] = [];
  const sel = spec.selector;
  const empty = !sel || (Object.keys(sel.matchLabels ?? {}).length === 0 && (sel.matchExpressions ?? []).length === 0);
  if (empty) out.push(field.required('spec.selector'), field.invalid('spec.selector', '', 'empty selector is invalid for deployment'));
  const labels = spec.template?.metadata?.labels;
  if (!empty && !selectorMatches(sel, labels)) out.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${goMap(labels)}: \`selector\` does not match template \`labels\``, field: 'spec.template.metadata.labels' });
  if (spec.replicas !== undefined && (typeof spec.replicas !== 'number' || spec.replicas < 0)) out.push(field.invalid('spec.replicas', spec.replicas, 'must be greater than or equal to 0'));
  out.push(...labelErrors(labels, 'spec.template.metadata.labels'));
  out.push(...podSpecErrors(spec.template?.spec, 'spec.template.spec'));
  if (kind === 'Deployment' && spec.strategy?.type !== undefined && !['Recreate', 'RollingUpdate'].includes(spec.strategy.type)) out.push(field.notSupported('spec.strategy.type', spec.strategy.type, ['Recreate', 'RollingUpdate']));
  return out;
}

const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];

function serviceErrors(svc: Obj): StatusCause[] {
  const spec = svc.spec ?? {};
  const out: StatusCause[] = [];
  if (!SERVICE_TYPES.includes(spec.type)) out.push(field.notSupported('spec.type', spec.type, SERVICE_TYPES));
  const ports = Array.isArray(spec.ports) ? spec.ports : [];
  if (ports.length === 0 && spec.type !== 'ExternalName' && spec.clusterIP !== 'None') out.push(field.required('spec.ports'));
  const names = new Set<string>();
  ports.forEach((p: Obj, i: number) => {
    const path = `spec.ports[${i}]`;
    if (!p || typeof p !== 'object') return;
    if (ports.length > 1 && !p.name) out.push(field.required(`${path}.name`));
    if (p.name) {
      if (names.has(p.name)) out.push(field.duplicate(`${path}.name`, p.name));
      names.add(p.name);
      out.push(...nameErrors(p.name, 'label', `${path}.name`));
    }
    out.push(...portErrors(p.port, `${path}.port`));
    if (!['TCP', 'UDP', 'SCTP'].includes(p.protocol)) out.push(field.notSupported(`${path}.protocol`, p.protocol, ['SCTP', 'TCP', 'UDP']));
    if (typeof p.targetPort === 'number') out.push(...portErrors(p.targetPort, `${path}.targetPort`));
    if (p.nodePort !== undefined && spec.type !== 'NodePort' && spec.type !== 'LoadBalancer') out.push(field.forbidden(`${path}.nodePort`, 'may not be used when `type` is \'ClusterIP\''));
  });
  if (spec.type === 'ExternalName' && !spec.externalName) out.push(field.required('spec.externalName'));
  return out;
}

function dataKeyErrors(data: unknown, path: string): StatusCause[] {
  const out: StatusCause[] = [];
  for (const k of Object.keys((data as Obj) ?? {})) {
    if (!/^[-._a-zA-Z0-9]+$/.test(k) || k.length > 253) out.push(field.invalid(path, k, "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"));
  }
  return out;
}

/** core.MaxSecretSize: ConfigMap and Secret data (keys and values, decoded bytes) stay within 1 MiB. */
export const MAX_DATA_BYTES = 1024 * 1024;

function dataBytes(data: unknown, base64: boolean): number {
  let total = 0;
  for (const [k, v] of Object.entries((data as Obj) ?? {})) {
    const text = typeof v === 'string' ? v : '';
    total += Buffer.byteLength(k) + (base64 ? Buffer.byteLength(text, 'base64') : Buffer.byteLength(text));
  }
  return total;
}

/** ValidateConfigMap reports the size on the whole object (path "[]"), ValidateSecret on data. */
function configMapSizeErrors(o: Obj): StatusCause[] {
  return dataBytes(o.data, false) + dataBytes(o.binaryData, true) > MAX_DATA_BYTES ? [field.tooLong('[]', MAX_DATA_BYTES)] : [];
}

function secretSizeErrors(o: Obj): StatusCause[] {
  return dataBytes(o.data, true) > MAX_DATA_BYTES ? [field.tooLong('data', MAX_DATA_BYTES)] : [];
}

function crdErrors(crd: Obj): StatusCause[] {
  const spec = crd.spec ?? {};
  const out: StatusCause[] = [];
  if (!spec.group) out.push(field.required('spec.group'));
  if (!spec.names?.plural) out.push(field.required('spec.names.plural'));
  if (!spec.names?.kind) out.push(field.required('spec.names.kind'));
  if (!['Namespaced', 'Cluster'].includes(spec.scope)) out.push(field.notSupported('spec.scope', spec.scope ?? '', ['Cluster', 'Namespaced']));
  const versions = Array.isArray(spec.versions) ? spec.versions : [];
  if (versions.length === 0) out.push(field.required('spec.versions', 'must have exactly one version marked as storage version'));
  else if (versions.filter((v: Obj) => v?.storage).length !== 1) out.push(field.invalid('spec.versions', versions.map((v: Obj) => v?.name), 'must have exactly one version marked as storage version'));
  if (spec.group && spec.names?.plural && crd.metadata?.name !== `${spec.names.plural}.${spec.group}`) {
    out.push(field.invalid('metadata.name', crd.metadata?.name, 'must be spec.names.plural+"."+spec.group'));
  }
  return out;
}

/** Enums in Istio's CRD schemas (manifests/charts/base/files/crd-all.gen.yaml): checked by the API server itself. */
function enumCause(path: string, value: unknown, allowed: string[]): StatusCause[] {
  if (value === undefined || value === null || allowed.includes(value as string)) return [];
  return [{ reason: 'FieldValueNotSupported', field: path, message: `Unsupported value: ${JSON.stringify(value)}: supported values: ${allowed.map((a) => `"${a}"`).join(', ')}` }];
}

function serviceEntryErrors(o: Obj): StatusCause[] {
  return [
    ...enumCause('spec.location', o.spec?.location, ['MESH_EXTERNAL', 'MESH_INTERNAL']),
    ...enumCause('spec.resolution', o.spec?.resolution, ['NONE', 'STATIC', 'DNS', 'DNS_ROUND_ROBIN', 'DYNAMIC_DNS']),
  ];
}

const KIND_RULES: Record<string, (o: Obj) => StatusCause[]> = {
  'networking.istio.io/serviceentries': serviceEntryErrors,
  'apiextensions.k8s.io/customresourcedefinitions': crdErrors,
  pods: (o) => podSpecErrors(o.spec, 'spec'),
  services: serviceErrors,
  'apps/deployments': (o) => workloadErrors(o, 'Deployment'),
  'apps/replicasets': (o) => workloadErrors(o, 'ReplicaSet'),
  configmaps: (o) => [...dataKeyErrors(o.data, 'data'), ...dataKeyErrors(o.binaryData, 'binaryData'), ...configMapSizeErrors(o)],
  secrets: (o) => [...dataKeyErrors(o.data, 'data'), ...secretSizeErrors(o)],
};

/** Every cause that makes the object invalid (after defaulting). */
export function validateObject(type: ResourceType, obj: Obj): StatusCause[] {
  const kindCauses = type.strategy ? (type.strategy.validate?.(obj as KubeObject) ?? []) : (KIND_RULES[storeKey(type)]?.(obj) ?? []);
  return [...validateName(type, obj.metadata?.name), ...metaErrors(obj), ...kindCauses];
}

/** Immutable-field checks on update. */
export function validateUpdate(type: ResourceType, obj: Obj, old: Obj): StatusCause[] {
  if (type.strategy) return type.strategy.validateUpdate?.(obj as KubeObject, old as KubeObject) ?? [];
  const resourceKey = storeKey(type);
  const out: StatusCause[] = [];
  const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
  if (resourceKey === 'apps/deployments' || resourceKey === 'apps/replicasets') {
    if (!same(obj.spec?.selector, old.spec?.selector)) out.push({ reason: 'FieldValueInvalid', message: `Invalid value: ${formatSelectorGo(obj.spec?.selector)}: field is immutable`, field: 'spec.selector' });
  }
  if (resourceKey === 'services' && old.spec?.clusterIP && obj.spec?.clusterIP !== old.spec.clusterIP && obj.spec?.type !== 'ExternalName') {
    out.push(field.invalid('spec.clusterIPs[0]', obj.spec?.clusterIP ?? '', 'may not change once set'));
  }
  if (resourceKey === 'pods') {
    const strip = (s: Obj | undefined) => {
      const c = structuredClone(s ?? {});
      for (const ct of [...(c.containers ?? []), ...(c.initContainers ?? [])]) delete ct.image;
      delete c.activeDeadlineSeconds;
      delete c.tolerations;
      delete c.terminationGracePeriodSeconds;
      return c;
    };
    if (!same(strip(obj.spec), strip(old.spec))) out.push(field.forbidden('spec', 'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)'));
  }
  return out;
}

export function formatSelectorGo(sel: Obj | undefined): string {
  const ml = goMap(sel?.matchLabels).replace('map[string]string', 'MatchLabels:map[string]string');
  return `v1.LabelSelector{${ml}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}`;
}

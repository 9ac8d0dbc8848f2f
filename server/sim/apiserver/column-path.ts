// The JSONPath subset CRD printer columns use (k8s.io/client-go/util/jsonpath, as the
// apiextensions table convertor runs it with missing keys allowed): `.field`, `['field']`, `[n]`,
// `[*]`, and filters `[?(@.a.b=="x")]` with ==, !=, <, <=, >, >=, plus `[?(@.a)]` for presence.
// Gateway API columns need the last two: `.status.addresses[*].value` and
// `.status.conditions[?(@.type=="Programmed")].status`.

type Step =
  | { kind: 'field'; name: string }
  | { kind: 'index'; index: number }
  | { kind: 'all' }
  | { kind: 'filter'; path: Step[]; op?: string; literal?: string | number | boolean };

export class ColumnPathError extends Error {}

const OPS = ['==', '!=', '<=', '>=', '<', '>'];

function parseLiteral(text: string): string | number | boolean {
  const t = text.trim();
  if ((t.startsWith('"') && t.endsWith('"')) || (t.startsWith("'") && t.endsWith("'"))) return t.slice(1, -1);
  if (t === 'true' || t === 'false') return t === 'true';
  const n = Number(t);
  if (t !== '' && Number.isFinite(n)) return n;
  throw new ColumnPathError(`unrecognized literal ${t}`);
}

/** Index of the `]` closing the bracket opened at `open`, skipping quoted strings. */
function closingBracket(path: string, open: number): number {
  let quote = '';
  for (let i = open + 1; i < path.length; i++) {
    const c = path[i]!;
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === ']') return i;
  }
  throw new ColumnPathError(`unclosed [ in ${path}`);
}

export function parseColumnPath(source: string): Step[] {
  // Columns may be written with or without the template braces.
  let path = source.trim();
  if (path.startsWith('{') && path.endsWith('}')) path = path.slice(1, -1).trim();
  const steps: Step[] = [];
  let i = 0;
  if (path.startsWith('@')) i = 1;
  while (i < path.length) {
    const c = path[i]!;
    if (c === '.') {
      const m = /^[^.[\]\s]+/.exec(path.slice(i + 1));
      if (!m) {
        i++;
        continue;
      }
      steps.push(m[0] === '*' ? { kind: 'all' } : { kind: 'field', name: m[0] });
      i += 1 + m[0].length;
    } else if (c === '[') {
      const end = closingBracket(path, i);
      const inner = path.slice(i + 1, end).trim();
      i = end + 1;
      if (inner === '*') steps.push({ kind: 'all' });
      else if (/^-?\d+$/.test(inner)) steps.push({ kind: 'index', index: Number(inner) });
      else if (/^(['"]).*\1$/.test(inner)) steps.push({ kind: 'field', name: inner.slice(1, -1) });
      else if (inner.startsWith('?(') && inner.endsWith(')')) {
        const expr = inner.slice(2, -1).trim();
        const op = OPS.map((o) => ({ o, at: expr.indexOf(o) })).filter((x) => x.at > 0).sort((a, b) => a.at - b.at || b.o.length - a.o.length)[0];
        const left = op ? expr.slice(0, op.at) : expr;
        if (!left.trim().startsWith('@')) throw new ColumnPathError(`filter must start with @: ${expr}`);
        const sub = parseColumnPath(left.trim());
        steps.push(op ? { kind: 'filter', path: sub, op: op.o, literal: parseLiteral(expr.slice(op.at + op.o.length)) } : { kind: 'filter', path: sub });
      } else throw new ColumnPathError(`unsupported JSONPath element [${inner}] in ${source}`);
    } else if (/\s/.test(c)) i++;
    else throw new ColumnPathError(`unexpected ${c} in ${source}`);
  }
  return steps;
}

function compare(value: unknown, op: string, literal: string | number | boolean): boolean {
  switch (op) {
    case '==':
      return value === literal;
    case '!=':
      return value !== literal;
    default: {
      if (typeof value !== 'number' || typeof literal !== 'number') return false;
      if (op === '<') return value < literal;
      if (op === '<=') return value <= literal;
      if (op === '>') return value > literal;
      return value >= literal;
    }
  }
}

function evaluate(values: unknown[], steps: Step[]): unknown[] {
  let current = values;
  for (const step of steps) {
    const next: unknown[] = [];
    for (const v of current) {
      if (v === null || typeof v !== 'object') continue;
      if (step.kind === 'field') {
        if (!Array.isArray(v) && step.name in (v as object)) next.push((v as Record<string, unknown>)[step.name]);
      } else if (step.kind === 'index') {
        if (!Array.isArray(v)) continue;
        const at = step.index < 0 ? v.length + step.index : step.index;
        if (at >= 0 && at < v.length) next.push(v[at]);
      } else if (step.kind === 'all') {
        next.push(...(Array.isArray(v) ? v : Object.values(v)));
      } else {
        for (const item of Array.isArray(v) ? v : Object.values(v)) {
          const found = evaluate([item], step.path);
          if (step.op === undefined ? found.length > 0 : found.some((f) => compare(f, step.op!, step.literal!))) next.push(item);
        }
      }
    }
    current = next;
  }
  return current;
}

/** Every value the path selects in `obj`, in document order (empty when a key is missing). */
export function findColumnValues(obj: unknown, path: string | Step[]): unknown[] {
  return evaluate([obj], typeof path === 'string' ? parseColumnPath(path) : path);
}

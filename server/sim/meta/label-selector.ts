// Label selectors as Kubernetes evaluates them (metav1.LabelSelector and a Service's plain map),
// shared by the API server's validation and the controllers.

/**
 * matchLabels and matchExpressions of a LabelSelector against a label set. An empty or missing
 * selector selects nothing (what controllers need); an unknown operator never matches.
 */
export function selectorMatches(selector: unknown, labels: Record<string, string> | undefined): boolean {
  if (!selector || typeof selector !== 'object') return false;
  const sel = selector as { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] };
  const l = labels ?? {};
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (l[k] !== v) return false;
  // Stored objects are validated, but this also runs during validation: tolerate wrong shapes.
  const expressions = Array.isArray(sel.matchExpressions) ? sel.matchExpressions : [];
  for (const e of expressions) {
    const has = Object.hasOwn(l, e.key);
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In':
        if (!has || !values.includes(l[e.key]!)) return false;
        break;
      case 'NotIn':
        if (has && values.includes(l[e.key]!)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return Object.keys(sel.matchLabels ?? {}).length + expressions.length > 0;
}

/** A Service's plain map selector. */
export function mapSelectorMatches(selector: Record<string, string> | undefined, labels: Record<string, string> | undefined): boolean {
  if (!selector || !Object.keys(selector).length) return false;
  const l = labels ?? {};
  return Object.entries(selector).every(([k, v]) => l[k] === v);
}

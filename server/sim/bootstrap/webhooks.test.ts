// The injector's webhook objects and the in-process injector agree on which pods get a sidecar.
import { describe, expect, it } from 'vitest';
import { selectorMatches } from '../meta/label-selector.ts';
import { injectionRequired } from '../controllers/sidecar-injection.ts';
import type { KubeObject } from '../store/object-store.ts';
import { webhookConfigurations } from './webhooks.ts';

type Obj = Record<string, any>;

/** A selector with no expressions selects everything (selectorMatches wants at least one). */
function matches(selector: Obj | undefined, labels: Record<string, string>): boolean {
  const exprs = selector?.matchExpressions ?? [];
  return exprs.length === 0 || selectorMatches(selector, labels);
}

function webhookSelects(nsLabels: Record<string, string>, podLabels: Record<string, string>): boolean {
  const { mutating } = webhookConfigurations('CA');
  return (mutating.webhooks as Obj[]).some((w) => matches(w.namespaceSelector, nsLabels) && matches(w.objectSelector, podLabels));
}

const namespaces: Record<string, string>[] = [{}, { 'istio-injection': 'enabled' }, { 'istio-injection': 'disabled' }, { 'istio.io/rev': 'default' }, { 'istio.io/rev': 'canary' }, { 'istio-injection': 'enabled', 'istio.io/rev': 'default' }];
const pods: Record<string, string>[] = [{}, { 'sidecar.istio.io/inject': 'true' }, { 'sidecar.istio.io/inject': 'false' }, { 'istio.io/rev': 'default' }, { 'sidecar.istio.io/inject': 'true', 'istio.io/rev': 'default' }];

describe('istio-sidecar-injector webhooks', () => {
  for (const nsLabels of namespaces) {
    for (const podLabels of pods) {
      it(`namespace ${JSON.stringify(nsLabels)}, pod ${JSON.stringify(podLabels)}`, () => {
        const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'demo', labels: { app: 'x', ...podLabels } }, spec: { containers: [{ name: 'x', image: 'x' }] } };
        const ns: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'demo', labels: nsLabels } };
        // injectRequired() additionally refuses label "false" even where a webhook matched.
        const expected = webhookSelects(nsLabels, { app: 'x', ...podLabels }) && podLabels['sidecar.istio.io/inject'] !== 'false';
        expect(injectionRequired(pod, ns)).toBe(expected);
      });
    }
  }

  it('carries the cluster CA as caBundle and targets istiod', () => {
    const { mutating, validating } = webhookConfigurations('PEM');
    for (const w of [...(mutating.webhooks as Obj[]), ...(validating.webhooks as Obj[])]) {
      expect(w.clientConfig.caBundle).toBe(Buffer.from('PEM').toString('base64'));
      expect(w.clientConfig.service).toMatchObject({ name: 'istiod', namespace: 'istio-system', port: 443 });
    }
  });
});

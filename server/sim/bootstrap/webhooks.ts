// The webhook configurations istiod installs for the default revision: the sidecar injector's
// four selectors (which namespaces and pods get a sidecar) and the config validator. meshlab
// runs both in-process as admission plugins; these objects are what `kubectl get
// mutatingwebhookconfigurations` and friends show, with the selectors the injector follows.
import type { KubeObject } from '../store/object-store.ts';

type Expr = { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] };

const LABELS = {
  app: 'sidecar-injector',
  'app.kubernetes.io/instance': 'istio',
  'app.kubernetes.io/managed-by': 'Helm',
  'app.kubernetes.io/name': 'istiod',
  'app.kubernetes.io/part-of': 'istio',
  'install.operator.istio.io/owning-resource': 'unknown',
  'istio.io/rev': 'default',
  'operator.istio.io/component': 'Pilot',
  release: 'istio',
};

function injector(name: string, namespaceSelector: Expr[], objectSelector: Expr[], caBundle: string): Record<string, unknown> {
  return {
    admissionReviewVersions: ['v1beta1', 'v1'],
    clientConfig: { caBundle, service: { name: 'istiod', namespace: 'istio-system', path: '/inject', port: 443 } },
    failurePolicy: 'Fail',
    matchPolicy: 'Equivalent',
    name,
    namespaceSelector: { matchExpressions: namespaceSelector },
    objectSelector: { matchExpressions: objectSelector },
    reinvocationPolicy: 'Never',
    rules: [{ apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE'], resources: ['pods'], scope: '*' }],
    sideEffects: 'None',
    timeoutSeconds: 10,
  };
}

export function webhookConfigurations(caPem: string): { mutating: KubeObject; validating: KubeObject } {
  const caBundle = Buffer.from(caPem).toString('base64');
  const notFalse: Expr = { key: 'sidecar.istio.io/inject', operator: 'NotIn', values: ['false'] };
  return {
    mutating: {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingWebhookConfiguration',
      metadata: { name: 'istio-sidecar-injector', labels: LABELS },
      webhooks: [
        injector('rev.namespace.sidecar-injector.istio.io', [{ key: 'istio.io/rev', operator: 'In', values: ['default'] }, { key: 'istio-injection', operator: 'DoesNotExist' }], [notFalse], caBundle),
        injector('rev.object.sidecar-injector.istio.io', [{ key: 'istio.io/rev', operator: 'DoesNotExist' }, { key: 'istio-injection', operator: 'DoesNotExist' }], [notFalse, { key: 'istio.io/rev', operator: 'In', values: ['default'] }], caBundle),
        injector('namespace.sidecar-injector.istio.io', [{ key: 'istio-injection', operator: 'In', values: ['enabled'] }], [notFalse], caBundle),
        injector('object.sidecar-injector.istio.io', [{ key: 'istio-injection', operator: 'DoesNotExist' }, { key: 'istio.io/rev', operator: 'DoesNotExist' }], [{ key: 'sidecar.istio.io/inject', operator: 'In', values: ['true'] }, { key: 'istio.io/rev', operator: 'DoesNotExist' }], caBundle),
      ],
    },
    validating: {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'ValidatingWebhookConfiguration',
      metadata: { name: 'istio-validator-istio-system', labels: { ...LABELS, app: 'istiod', istio: 'istiod', 'istio.io/rev': 'default' } },
      webhooks: [
        {
          admissionReviewVersions: ['v1beta1', 'v1'],
          clientConfig: { caBundle, service: { name: 'istiod', namespace: 'istio-system', path: '/validate', port: 443 } },
          failurePolicy: 'Fail',
          matchPolicy: 'Equivalent',
          name: 'rev.validation.istio.io',
          namespaceSelector: {},
          objectSelector: { matchExpressions: [{ key: 'istio.io/rev', operator: 'In', values: ['default'] }] },
          rules: [
            {
              apiGroups: ['security.istio.io', 'networking.istio.io', 'telemetry.istio.io', 'extensions.istio.io'],
              apiVersions: ['*'],
              operations: ['CREATE', 'UPDATE'],
              resources: ['*'],
              scope: '*',
            },
          ],
          sideEffects: 'None',
          timeoutSeconds: 10,
        },
      ],
    },
  };
}

// What the conformance suite deploys: Istio's httpbin sample (go-httpbin behind Service port 8000),
// Istio's curl sample as an in-mesh client, and a Gateway + VirtualService on the ingress gateway
// that the labs use (selector istio: ingressgateway).
import { stringify } from 'yaml';

export const HTTPBIN_IMAGE = 'docker.io/mccutchen/go-httpbin:v2.15.0';
export const CURL_IMAGE = 'curlimages/curl:8.16.0';

export function conformanceManifests(o: { namespace: string; host: string; createNamespace: boolean }): string {
  const ns = o.namespace;
  const docs: unknown[] = [];
  if (o.createNamespace) docs.push({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns, labels: { 'istio-injection': 'enabled' } } });
  docs.push(
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'httpbin', namespace: ns, labels: { app: 'httpbin', service: 'httpbin' } },
      spec: { ports: [{ name: 'http', port: 8000, targetPort: 8080 }], selector: { app: 'httpbin' } } },
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'httpbin', namespace: ns },
      spec: { replicas: 1, selector: { matchLabels: { app: 'httpbin', version: 'v1' } },
        template: { metadata: { labels: { app: 'httpbin', version: 'v1' } },
          spec: { containers: [{ name: 'httpbin', image: HTTPBIN_IMAGE, imagePullPolicy: 'IfNotPresent', ports: [{ containerPort: 8080 }] }] } } } },
    { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'curl', namespace: ns },
      spec: { replicas: 1, selector: { matchLabels: { app: 'curl' } },
        template: { metadata: { labels: { app: 'curl' } },
          spec: { terminationGracePeriodSeconds: 0, containers: [{ name: 'curl', image: CURL_IMAGE, command: ['/bin/sleep', 'infinity'], imagePullPolicy: 'IfNotPresent' }] } } } },
    { apiVersion: 'networking.istio.io/v1', kind: 'Gateway', metadata: { name: 'conformance-gateway', namespace: ns },
      spec: { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: [o.host] }] } },
    { apiVersion: 'networking.istio.io/v1', kind: 'VirtualService', metadata: { name: 'httpbin', namespace: ns },
      spec: { hosts: [o.host], gateways: ['conformance-gateway'],
        http: [{ match: [{ uri: { prefix: '/status' } }], route: [{ destination: { host: 'httpbin', port: { number: 8000 } } }] }] } },
  );
  return docs.map((d) => `---\n${stringify(d)}`).join('');
}

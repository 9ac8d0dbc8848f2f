// Istio's automated deployment for a Gateway of class `istio` (istiod's kube-gateway template, as
// in pilot/pkg/config/kube/gateway/testdata/deployment/simple.yaml): a ServiceAccount, a Deployment
// of one router proxy and a LoadBalancer Service, all named `<gateway>-istio`, labelled with the
// gateway's name and class and owned by the Gateway (deleting it deletes them).
import { fieldEnv, istioTokenVolume, proxyIdentityMounts, proxyIdentityVolumes, resourceEnv } from '../bootstrap/workloads.ts';
import { ISTIO_VERSION } from '../controllers/sidecar-injection.ts';
import type { KubeObject } from '../store/object-store.ts';
import { listenersOf } from './attachment.ts';
import { MANAGED_LABEL } from './load-balancer.ts';
import type { UntypedObject as Obj } from '../meta/untyped.ts';

export const GATEWAY_NAME_LABEL = 'gateway.networking.k8s.io/gateway-name';
export const GATEWAY_CLASS_LABEL = 'gateway.networking.k8s.io/gateway-class-name';
export const MANAGED_VALUE = 'istio.io-gateway-controller';
/** Overrides the Service type (istio.io's "Resource customization": ClusterIP, NodePort). */
export const SERVICE_TYPE_ANNOTATION = 'networking.istio.io/service-type';

export function automatedName(gateway: KubeObject): string {
  return `${gateway.metadata.name}-istio`;
}

/** Service port names: the listener's name, made a valid port name (istiod's sanitizeListenerNameForPort). */
function portName(listener: string, protocol: string, index: number): string {
  const name = listener.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/^-+|-+$/g, '').slice(0, 15).replace(/-+$/, '');
  return name || `${protocol.toLowerCase()}-${index}`;
}

export function servicePorts(gateway: KubeObject): Obj[] {
  const ports: Obj[] = [{ appProtocol: 'tcp', name: 'status-port', port: 15021, protocol: 'TCP' }];
  const seen = new Set<number>();
  listenersOf(gateway).forEach((l, i) => {
    if (seen.has(l.port)) return;
    seen.add(l.port);
    ports.push({ appProtocol: String(l.protocol ?? '').toLowerCase(), name: portName(l.name, String(l.protocol ?? 'tcp'), i), port: l.port, protocol: 'TCP' });
  });
  return ports;
}

export function automatedObjects(gateway: KubeObject): { serviceAccount: KubeObject; deployment: KubeObject; service: KubeObject } {
  const name = automatedName(gateway);
  const namespace = gateway.metadata.namespace ?? 'default';
  const className = String((gateway.spec as Obj | undefined)?.gatewayClassName ?? 'istio');
  const labels = { [MANAGED_LABEL]: MANAGED_VALUE, [GATEWAY_CLASS_LABEL]: className, [GATEWAY_NAME_LABEL]: gateway.metadata.name, 'istio.io/dataplane-mode': 'none' };
  const ownerReferences = [{ apiVersion: gateway.apiVersion, kind: 'Gateway', name: gateway.metadata.name, uid: gateway.metadata.uid! }];
  const metadata = (extra: Obj = {}) => ({ name, namespace, labels: { ...labels }, ownerReferences, ...extra });
  const serviceType = gateway.metadata.annotations?.[SERVICE_TYPE_ANNOTATION] ?? 'LoadBalancer';
  const deployment: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadata(),
    spec: {
      selector: { matchLabels: { [GATEWAY_NAME_LABEL]: gateway.metadata.name } },
      template: {
        metadata: {
          annotations: { 'istio.io/rev': 'default', 'prometheus.io/path': '/stats/prometheus', 'prometheus.io/port': '15020', 'prometheus.io/scrape': 'true' },
          labels: { ...labels, 'service.istio.io/canonical-name': name, 'service.istio.io/canonical-revision': 'latest', 'sidecar.istio.io/inject': 'false' },
        },
        spec: {
          containers: [
            {
              args: ['proxy', 'router', '--domain', '$(POD_NAMESPACE).svc.cluster.local', '--proxyLogLevel', 'warning', '--proxyComponentLogLevel', 'misc:error', '--log_output_level', 'default:info'],
              env: [
                { name: 'PILOT_CERT_PROVIDER', value: 'istiod' },
                { name: 'CA_ADDR', value: 'istiod.istio-system.svc:15012' },
                fieldEnv('POD_NAME', 'metadata.name'),
                fieldEnv('POD_NAMESPACE', 'metadata.namespace'),
                fieldEnv('INSTANCE_IP', 'status.podIP'),
                fieldEnv('SERVICE_ACCOUNT', 'spec.serviceAccountName'),
                fieldEnv('HOST_IP', 'status.hostIP'),
                resourceEnv('ISTIO_CPU_LIMIT', 'limits.cpu'),
                { name: 'PROXY_CONFIG', value: '{}\n' },
                { name: 'ISTIO_META_POD_PORTS', value: '[]' },
                { name: 'ISTIO_META_APP_CONTAINERS', value: '' },
                { name: 'ISTIO_META_CLUSTER_ID', value: 'Kubernetes' },
                fieldEnv('ISTIO_META_NODE_NAME', 'spec.nodeName'),
                { name: 'ISTIO_META_INTERCEPTION_MODE', value: 'REDIRECT' },
                { name: 'ISTIO_META_WORKLOAD_NAME', value: name },
                { name: 'ISTIO_META_OWNER', value: `kubernetes://apis/apps/v1/namespaces/${namespace}/deployments/${name}` },
                { name: 'ISTIO_META_MESH_ID', value: 'cluster.local' },
                { name: 'TRUST_DOMAIN', value: 'cluster.local' },
              ],
              image: `docker.io/istio/proxyv2:${ISTIO_VERSION}`,
              name: 'istio-proxy',
              ports: [
                { containerPort: 15020, name: 'metrics', protocol: 'TCP' },
                { containerPort: 15021, name: 'status-port', protocol: 'TCP' },
                { containerPort: 15090, name: 'http-envoy-prom', protocol: 'TCP' },
              ],
              readinessProbe: { failureThreshold: 4, httpGet: { path: '/healthz/ready', port: 15021, scheme: 'HTTP' }, initialDelaySeconds: 0, periodSeconds: 15, successThreshold: 1, timeoutSeconds: 1 },
              resources: { limits: { cpu: '2', memory: '1Gi' }, requests: { cpu: '100m', memory: '128Mi' } },
              securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, privileged: false, readOnlyRootFilesystem: true, runAsGroup: 1337, runAsNonRoot: true, runAsUser: 1337 },
              volumeMounts: [
                ...proxyIdentityMounts(),
                { mountPath: '/var/run/secrets/istio', name: 'istiod-ca-cert' },
                { mountPath: '/var/lib/istio/data', name: 'istio-data' },
                { mountPath: '/etc/istio/proxy', name: 'istio-envoy' },
                { mountPath: '/var/run/secrets/tokens', name: 'istio-token' },
                { mountPath: '/etc/istio/pod', name: 'istio-podinfo' },
              ],
            },
          ],
          // Envoy binds the listeners' own ports (80, 443) without privileges.
          securityContext: { sysctls: [{ name: 'net.ipv4.ip_unprivileged_port_start', value: '0' }] },
          serviceAccountName: name,
          volumes: [
            ...proxyIdentityVolumes(),
            { emptyDir: { medium: 'Memory' }, name: 'istio-envoy' },
            { emptyDir: {}, name: 'istio-data' },
            { downwardAPI: { items: [{ fieldRef: { fieldPath: 'metadata.labels' }, path: 'labels' }, { fieldRef: { fieldPath: 'metadata.annotations' }, path: 'annotations' }] }, name: 'istio-podinfo' },
            istioTokenVolume(),
            { configMap: { name: 'istio-ca-root-cert' }, name: 'istiod-ca-cert' },
          ],
        },
      },
    },
  };
  const service: KubeObject = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: metadata(),
    spec: { ipFamilyPolicy: 'PreferDualStack', ports: servicePorts(gateway), selector: { [GATEWAY_NAME_LABEL]: gateway.metadata.name }, type: serviceType },
  };
  return { serviceAccount: { apiVersion: 'v1', kind: 'ServiceAccount', metadata: metadata() }, deployment, service };
}

// The Deployments, Services and ServiceAccounts of a fresh kind cluster with Istio's demo install:
// CoreDNS in kube-system, istiod and the ingress gateway in istio-system. Data only.
import type { KubeObject } from '../store/object-store.ts';
import { ISTIO_VERSION } from '../controllers/sidecar-injection.ts';

type Obj = Record<string, unknown>;

export const fieldEnv = (name: string, path: string) => ({ name, valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: path } } });
export const resourceEnv = (name: string, resource: string) => ({ name, valueFrom: { resourceFieldRef: { divisor: '0', resource } } });

/** The projected token istio-agent presents to istiod's CA (audience istio-ca, 12 hours). */
export const istioTokenVolume = () => ({ name: 'istio-token', projected: { sources: [{ serviceAccountToken: { audience: 'istio-ca', expirationSeconds: 43200, path: 'istio-token' } }] } });
/** The workload identity sockets and certificates every Istio proxy mounts (emptyDirs); fresh objects each call. */
export const proxyIdentityVolumes = () => [
  { emptyDir: {}, name: 'workload-socket' },
  { emptyDir: {}, name: 'credential-socket' },
  { emptyDir: {}, name: 'workload-certs' },
];
export const proxyIdentityMounts = () => [
  { mountPath: '/var/run/secrets/workload-spiffe-uds', name: 'workload-socket' },
  { mountPath: '/var/run/secrets/credential-uds', name: 'credential-socket' },
  { mountPath: '/var/run/secrets/workload-spiffe-credentials', name: 'workload-certs' },
];

const ISTIO_LABELS = {
  'app.kubernetes.io/instance': 'istio',
  'app.kubernetes.io/managed-by': 'Helm',
  'app.kubernetes.io/part-of': 'istio',
  'install.operator.istio.io/owning-resource': 'unknown',
  'istio.io/rev': 'default',
  release: 'istio',
};

function deployment(name: string, namespace: string, labels: Record<string, string>, selector: Record<string, string>, replicas: number, template: { labels: Record<string, string>; annotations?: Record<string, string>; spec: Obj }): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace, labels },
    spec: {
      replicas,
      selector: { matchLabels: selector },
      strategy: { rollingUpdate: { maxSurge: '100%', maxUnavailable: '25%' }, type: 'RollingUpdate' },
      template: { metadata: { labels: template.labels, ...(template.annotations ? { annotations: template.annotations } : {}) }, spec: template.spec },
    },
  };
}

export function serviceAccount(name: string, namespace: string, labels?: Record<string, string>): KubeObject {
  return { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace, ...(labels ? { labels } : {}) } };
}

export function coredns(): { deployment: KubeObject; service: KubeObject; serviceAccount: KubeObject } {
  const labels = { 'k8s-app': 'kube-dns' };
  return {
    serviceAccount: serviceAccount('coredns', 'kube-system'),
    deployment: deployment('coredns', 'kube-system', labels, labels, 2, {
      labels,
      spec: {
        containers: [
          {
            args: ['-conf', '/etc/coredns/Corefile'],
            image: 'registry.k8s.io/coredns/coredns:v1.12.1',
            imagePullPolicy: 'IfNotPresent',
            livenessProbe: { failureThreshold: 5, httpGet: { path: '/health', port: 8080, scheme: 'HTTP' }, initialDelaySeconds: 60, periodSeconds: 10, successThreshold: 1, timeoutSeconds: 5 },
            name: 'coredns',
            ports: [
              { containerPort: 53, name: 'dns', protocol: 'UDP' },
              { containerPort: 53, name: 'dns-tcp', protocol: 'TCP' },
              { containerPort: 9153, name: 'metrics', protocol: 'TCP' },
            ],
            readinessProbe: { failureThreshold: 3, httpGet: { path: '/ready', port: 8181, scheme: 'HTTP' }, periodSeconds: 10, successThreshold: 1, timeoutSeconds: 1 },
            resources: { limits: { memory: '170Mi' }, requests: { cpu: '100m', memory: '70Mi' } },
            securityContext: { allowPrivilegeEscalation: false, capabilities: { add: ['NET_BIND_SERVICE'], drop: ['ALL'] }, readOnlyRootFilesystem: true },
            volumeMounts: [{ mountPath: '/etc/coredns', name: 'config-volume', readOnly: true }],
          },
        ],
        dnsPolicy: 'Default',
        nodeSelector: { 'kubernetes.io/os': 'linux' },
        priorityClassName: 'system-cluster-critical',
        serviceAccountName: 'coredns',
        tolerations: [
          { key: 'CriticalAddonsOnly', operator: 'Exists' },
          { effect: 'NoSchedule', key: 'node-role.kubernetes.io/control-plane' },
        ],
        volumes: [{ configMap: { items: [{ key: 'Corefile', path: 'Corefile' }], name: 'coredns' }, name: 'config-volume' }],
      },
    }),
    service: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: {
        name: 'kube-dns',
        namespace: 'kube-system',
        labels: { 'k8s-app': 'kube-dns', 'kubernetes.io/cluster-service': 'true', 'kubernetes.io/name': 'CoreDNS' },
        annotations: { 'prometheus.io/port': '9153', 'prometheus.io/scrape': 'true' },
      },
      spec: {
        ports: [
          { name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 },
          { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 },
          { name: 'metrics', port: 9153, protocol: 'TCP', targetPort: 9153 },
        ],
        selector: labels,
        type: 'ClusterIP',
      },
    },
  };
}

export function istiod(): { deployment: KubeObject; service: KubeObject; serviceAccount: KubeObject } {
  const labels = { ...ISTIO_LABELS, app: 'istiod', 'app.kubernetes.io/name': 'istiod', 'app.kubernetes.io/version': ISTIO_VERSION, istio: 'pilot', 'operator.istio.io/component': 'Pilot' };
  const podLabels = { app: 'istiod', 'install.operator.istio.io/owning-resource': 'unknown', istio: 'pilot', 'istio.io/dataplane-mode': 'none', 'istio.io/rev': 'default', 'operator.istio.io/component': 'Pilot', 'sidecar.istio.io/inject': 'false' };
  const d = deployment('istiod', 'istio-system', labels, { istio: 'pilot' }, 1, {
    labels: podLabels,
    annotations: { 'prometheus.io/port': '15014', 'prometheus.io/scrape': 'true', 'sidecar.istio.io/inject': 'false' },
    spec: {
      containers: [
        {
          args: ['discovery', '--monitoringAddr=:15014', '--log_output_level=default:info', '--domain', 'cluster.local', '--keepaliveMaxServerConnectionAge', '30m'],
          env: [
            { name: 'REVISION', value: 'default' },
            { name: 'PILOT_CERT_PROVIDER', value: 'istiod' },
            fieldEnv('POD_NAME', 'metadata.name'),
            fieldEnv('POD_NAMESPACE', 'metadata.namespace'),
            fieldEnv('SERVICE_ACCOUNT', 'spec.serviceAccountName'),
            { name: 'KUBECONFIG', value: '/var/run/secrets/remote/config' },
            { name: 'CA_TRUSTED_NODE_ACCOUNTS', value: 'istio-system/ztunnel,kube-system/ztunnel' },
            { name: 'PILOT_TRACE_SAMPLING', value: '100' },
            { name: 'PILOT_ENABLE_ANALYSIS', value: 'false' },
            { name: 'CLUSTER_ID', value: 'Kubernetes' },
            resourceEnv('GOMEMLIMIT', 'limits.memory'),
            resourceEnv('GOMAXPROCS', 'limits.cpu'),
            { name: 'PLATFORM' },
          ],
          image: `docker.io/istio/pilot:${ISTIO_VERSION}`,
          name: 'discovery',
          ports: [
            { containerPort: 8080, protocol: 'TCP' },
            { containerPort: 15010, name: 'grpc-xds', protocol: 'TCP' },
            { containerPort: 15012, name: 'tls-xds', protocol: 'TCP' },
            { containerPort: 15017, name: 'https-webhooks', protocol: 'TCP' },
            { containerPort: 15014, name: 'http-monitoring', protocol: 'TCP' },
          ],
          readinessProbe: { failureThreshold: 3, httpGet: { path: '/ready', port: 8080, scheme: 'HTTP' }, initialDelaySeconds: 1, periodSeconds: 3, successThreshold: 1, timeoutSeconds: 5 },
          resources: { requests: { cpu: '10m', memory: '100Mi' } },
          securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, readOnlyRootFilesystem: true, runAsNonRoot: true },
          volumeMounts: [
            { mountPath: '/var/run/secrets/tokens', name: 'istio-token', readOnly: true },
            { mountPath: '/var/run/secrets/istio-dns', name: 'local-certs' },
            { mountPath: '/etc/cacerts', name: 'cacerts', readOnly: true },
            { mountPath: '/var/run/secrets/remote', name: 'istio-kubeconfig', readOnly: true },
            { mountPath: '/var/run/secrets/istiod/tls', name: 'istio-csr-dns-cert', readOnly: true },
            { mountPath: '/var/run/secrets/istiod/ca', name: 'istio-csr-ca-configmap', readOnly: true },
          ],
        },
      ],
      serviceAccountName: 'istiod',
      tolerations: [{ key: 'cni.istio.io/not-ready', operator: 'Exists' }],
      volumes: [
        { emptyDir: { medium: 'Memory' }, name: 'local-certs' },
        istioTokenVolume(),
        { name: 'cacerts', secret: { optional: true, secretName: 'cacerts' } },
        { name: 'istio-kubeconfig', secret: { optional: true, secretName: 'istio-kubeconfig' } },
        { name: 'istio-csr-dns-cert', secret: { optional: true, secretName: 'istiod-tls' } },
        { configMap: { defaultMode: 420, name: 'istio-ca-root-cert', optional: true }, name: 'istio-csr-ca-configmap' },
      ],
    },
  });
  return {
    serviceAccount: serviceAccount('istiod', 'istio-system', { ...ISTIO_LABELS, app: 'istiod' }),
    deployment: d,
    service: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'istiod', namespace: 'istio-system', labels: { ...labels } },
      spec: {
        ports: [
          { name: 'grpc-xds', port: 15010, protocol: 'TCP', targetPort: 15010 },
          { name: 'https-dns', port: 15012, protocol: 'TCP', targetPort: 15012 },
          { name: 'https-webhook', port: 443, protocol: 'TCP', targetPort: 15017 },
          { name: 'http-monitoring', port: 15014, protocol: 'TCP', targetPort: 15014 },
        ],
        selector: { app: 'istiod', istio: 'pilot' },
        type: 'ClusterIP',
      },
    },
  };
}

/** The ingress gateway's router proxy, as the istio/gateway chart of the demo profile has it. */
function ingressGatewayContainer(): Obj {
  return {
    args: ['proxy', 'router', '--domain', '$(POD_NAMESPACE).svc.cluster.local', '--proxyLogLevel=warning', '--proxyComponentLogLevel=misc:error', '--log_output_level=default:info'],
    env: [
      { name: 'PILOT_CERT_PROVIDER', value: 'istiod' },
      { name: 'CA_ADDR', value: 'istiod.istio-system.svc:15012' },
      fieldEnv('NODE_NAME', 'spec.nodeName'),
      fieldEnv('POD_NAME', 'metadata.name'),
      fieldEnv('POD_NAMESPACE', 'metadata.namespace'),
      fieldEnv('INSTANCE_IP', 'status.podIP'),
      fieldEnv('HOST_IP', 'status.hostIP'),
      resourceEnv('ISTIO_CPU_LIMIT', 'limits.cpu'), // a resourceFieldRef, as in the real chart
      fieldEnv('SERVICE_ACCOUNT', 'spec.serviceAccountName'),
      { name: 'ISTIO_META_WORKLOAD_NAME', value: 'istio-ingressgateway' },
      { name: 'ISTIO_META_OWNER', value: 'kubernetes://apis/apps/v1/namespaces/istio-system/deployments/istio-ingressgateway' },
      { name: 'ISTIO_META_MESH_ID', value: 'cluster.local' },
      { name: 'TRUST_DOMAIN', value: 'cluster.local' },
      { name: 'ISTIO_META_UNPRIVILEGED_POD', value: 'true' },
      { name: 'ISTIO_META_CLUSTER_ID', value: 'Kubernetes' },
      fieldEnv('ISTIO_META_NODE_NAME', 'spec.nodeName'),
    ],
    image: `docker.io/istio/proxyv2:${ISTIO_VERSION}`,
    name: 'istio-proxy',
    ports: [
      { containerPort: 15021, protocol: 'TCP' },
      { containerPort: 8080, protocol: 'TCP' },
      { containerPort: 8443, protocol: 'TCP' },
      { containerPort: 15090, name: 'http-envoy-prom', protocol: 'TCP' },
    ],
    readinessProbe: { failureThreshold: 30, httpGet: { path: '/healthz/ready', port: 15021, scheme: 'HTTP' }, initialDelaySeconds: 1, periodSeconds: 2, successThreshold: 1, timeoutSeconds: 1 },
    resources: { limits: { cpu: '2', memory: '1Gi' }, requests: { cpu: '10m', memory: '40Mi' } },
    securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] }, privileged: false, readOnlyRootFilesystem: true },
    volumeMounts: [
      ...proxyIdentityMounts(),
      { mountPath: '/etc/istio/proxy', name: 'istio-envoy' },
      { mountPath: '/etc/istio/config', name: 'config-volume' },
      { mountPath: '/var/run/secrets/istio', name: 'istiod-ca-cert' },
      { mountPath: '/var/run/secrets/tokens', name: 'istio-token', readOnly: true },
      { mountPath: '/var/lib/istio/data', name: 'istio-data' },
      { mountPath: '/etc/istio/pod', name: 'podinfo' },
      { mountPath: '/etc/istio/ingressgateway-certs', name: 'ingressgateway-certs', readOnly: true },
      { mountPath: '/etc/istio/ingressgateway-ca-certs', name: 'ingressgateway-ca-certs', readOnly: true },
    ],
  };
}

export function ingressGateway(): { deployment: KubeObject; service: KubeObject; serviceAccount: KubeObject } {
  const labels = {
    ...ISTIO_LABELS,
    app: 'istio-ingressgateway',
    'app.kubernetes.io/name': 'istio-ingressgateway',
    'app.kubernetes.io/version': ISTIO_VERSION,
    istio: 'ingressgateway',
    'operator.istio.io/component': 'IngressGateways',
  };
  const podLabels = {
    app: 'istio-ingressgateway',
    chart: 'gateways',
    heritage: 'Tiller',
    'install.operator.istio.io/owning-resource': 'unknown',
    istio: 'ingressgateway',
    'istio.io/rev': 'default',
    'operator.istio.io/component': 'IngressGateways',
    release: 'istio',
    'service.istio.io/canonical-name': 'istio-ingressgateway',
    'service.istio.io/canonical-revision': 'latest',
    'sidecar.istio.io/inject': 'false',
  };
  const d = deployment('istio-ingressgateway', 'istio-system', labels, { app: 'istio-ingressgateway', istio: 'ingressgateway' }, 1, {
    labels: podLabels,
    annotations: {
      'istio.io/rev': 'default',
      'prometheus.io/path': '/stats/prometheus',
      'prometheus.io/port': '15020',
      'prometheus.io/scrape': 'true',
      'sidecar.istio.io/inject': 'false',
    },
    spec: {
      containers: [ingressGatewayContainer()],
      securityContext: { runAsGroup: 1337, runAsNonRoot: true, runAsUser: 1337 },
      serviceAccountName: 'istio-ingressgateway-service-account',
      volumes: [
        ...proxyIdentityVolumes(),
        { configMap: { name: 'istio-ca-root-cert' }, name: 'istiod-ca-cert' },
        { downwardAPI: { items: [{ fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.labels' }, path: 'labels' }, { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.annotations' }, path: 'annotations' }] }, name: 'podinfo' },
        { emptyDir: {}, name: 'istio-envoy' },
        { emptyDir: {}, name: 'istio-data' },
        istioTokenVolume(),
        { configMap: { name: 'istio', optional: true }, name: 'config-volume' },
        { name: 'ingressgateway-certs', secret: { optional: true, secretName: 'istio-ingressgateway-certs' } },
        { name: 'ingressgateway-ca-certs', secret: { optional: true, secretName: 'istio-ingressgateway-ca-certs' } },
      ],
    },
  });
  return {
    serviceAccount: serviceAccount('istio-ingressgateway-service-account', 'istio-system', { ...ISTIO_LABELS, app: 'istio-ingressgateway', istio: 'ingressgateway' }),
    deployment: d,
    service: {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'istio-ingressgateway', namespace: 'istio-system', labels: { ...labels } },
      spec: {
        ports: [
          { name: 'status-port', port: 15021, protocol: 'TCP', targetPort: 15021 },
          { name: 'http2', port: 80, protocol: 'TCP', targetPort: 8080 },
          { name: 'https', port: 443, protocol: 'TCP', targetPort: 8443 },
        ],
        selector: { app: 'istio-ingressgateway', istio: 'ingressgateway' },
        type: 'LoadBalancer',
      },
    },
  };
}

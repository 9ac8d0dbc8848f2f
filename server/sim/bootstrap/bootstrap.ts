// Fill a fresh store with what a new kind cluster plus Istio's demo install holds: namespaces,
// the node, kube-system's CoreDNS, the `kubernetes` Service, Istio's and the Gateway API's CRDs, istiod and the ingress
// gateway (Deployments, ReplicaSets and pods already Running, as after `istioctl install`), and
// the mesh config. Objects are written in the state their controllers would leave them, so the
// cluster is ready at once and the controllers find nothing to change.
import { applyDefaults } from '../apiserver/defaults.ts';
import { podTemplateHash } from '../controllers/names.ts';
import { ownerRefTo } from '../controllers/owners.ts';
import { applyPodDefaults } from '../controllers/pod-defaults.ts';
import type { PodIPAllocator } from '../controllers/pod-ip-allocator.ts';
import { NODE_IP, NODE_NAME, runningStatus, timestamp } from '../controllers/pod-status.ts';
import { randomHex, randomSuffix } from '../controllers/names.ts';
import type { KubeObject, ObjectStore } from '../store/object-store.ts';
import { GATEWAY_API_CRDS, gatewayApiInstalledCrd } from '../gateway-api/crds.ts';
import { ISTIO_CRDS, crdObject } from './istio-crds.ts';
import { meshConfigMap, type OutboundTrafficPolicyMode } from './mesh-config.ts';
import { kubeSystemPods } from './kube-system.ts';
import { nodeObject } from './node.ts';
import { webhookConfigurations } from './webhooks.ts';
import { coredns, ingressGateway, istiod, serviceAccount } from './workloads.ts';
import type { UntypedObject } from '../meta/untyped.ts';

type Obj = Record<string, unknown>;

export const BOOTSTRAP_NAMESPACES = ['default', 'kube-node-lease', 'kube-public', 'kube-system', 'istio-system'];

/** How Services get their cluster IP and node ports: the API server's ServiceAllocations. */
export interface ServiceAddressing {
  /** Fills spec.clusterIP(s) and node ports; returns problems (none expected here). */
  prepare(resourceKey: string, svc: UntypedObject, old: undefined, dryRun: boolean): unknown[];
}

export interface BootstrapOptions {
  store: ObjectStore;
  clusterName: string;
  now: Date;
  ips: PodIPAllocator;
  addressing: ServiceAddressing;
  outboundTrafficPolicy?: OutboundTrafficPolicyMode;
  /** The CA istiod's webhooks present (caBundle of the webhook configurations). */
  caPem?: string;
  /** Where the API server listens, for the `kubernetes` Service's endpoints (kind: node IP, 6443). */
  apiServerEndpoint?: { ip: string; port: number };
}

export interface BootstrapResult {
  ingressHttpNodePort: number;
  ingressHttpsNodePort: number;
}

function create(store: ObjectStore, resource: string, obj: KubeObject): KubeObject {
  const existing = store.get(resource, obj.metadata.namespace, obj.metadata.name);
  if (existing) return existing;
  return store.create(resource, obj);
}

function addService(o: BootstrapOptions, svc: KubeObject, preferredIP?: string): KubeObject {
  applyDefaults('services', svc);
  const spec = svc.spec as Obj;
  if (preferredIP) spec.clusterIP = preferredIP;
  let problems = o.addressing.prepare('services', svc as UntypedObject, undefined, false);
  if (problems.length && preferredIP) {
    delete spec.clusterIP;
    delete spec.clusterIPs;
    problems = o.addressing.prepare('services', svc as UntypedObject, undefined, false);
  }
  if (problems.length) throw new Error(`cannot allocate addresses for service ${svc.metadata.namespace}/${svc.metadata.name}: ${JSON.stringify(problems)}`);
  svc.status = { loadBalancer: {} };
  return create(o.store, 'services', svc);
}

/** A Deployment with its ReplicaSet and Ready pods, as the controllers would have left them. */
function installDeployment(o: BootstrapOptions, input: KubeObject): void {
  const { store } = o;
  const now = timestamp(o.now);
  applyDefaults('apps/deployments', input);
  const spec = input.spec as Obj;
  const replicas = spec.replicas as number;
  const hash = podTemplateHash(spec.template);
  const rsName = `${input.metadata.name}-${hash}`;
  input.metadata.annotations = { ...(input.metadata.annotations ?? {}), 'deployment.kubernetes.io/revision': '1' };
  input.status = {
    availableReplicas: replicas,
    conditions: [
      { lastTransitionTime: now, lastUpdateTime: now, message: 'Deployment has minimum availability.', reason: 'MinimumReplicasAvailable', status: 'True', type: 'Available' },
      { lastTransitionTime: now, lastUpdateTime: now, message: `ReplicaSet "${rsName}" has successfully progressed.`, reason: 'NewReplicaSetAvailable', status: 'True', type: 'Progressing' },
    ],
    observedGeneration: 1,
    readyReplicas: replicas,
    replicas,
    updatedReplicas: replicas,
  };
  const deployment = create(store, 'apps/deployments', input);
  const template = structuredClone(spec.template) as { metadata: { labels: Record<string, string>; annotations?: Record<string, string> }; spec: Obj };
  template.metadata.labels = { ...template.metadata.labels, 'pod-template-hash': hash };
  const selector = structuredClone(spec.selector) as { matchLabels: Record<string, string> };
  selector.matchLabels = { ...selector.matchLabels, 'pod-template-hash': hash };
  const maxSurge = (((spec.strategy as Obj)?.rollingUpdate as Obj)?.maxSurge as string) === '100%' ? replicas : Math.ceil(replicas / 4);
  const rs = create(store, 'apps/replicasets', {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: {
      name: rsName,
      namespace: input.metadata.namespace,
      labels: { ...template.metadata.labels },
      annotations: {
        'deployment.kubernetes.io/desired-replicas': String(replicas),
        'deployment.kubernetes.io/max-replicas': String(replicas + maxSurge),
        'deployment.kubernetes.io/revision': '1',
      },
      ownerReferences: [ownerRefTo(deployment)],
    },
    spec: { replicas, selector, template },
    status: { availableReplicas: replicas, fullyLabeledReplicas: replicas, observedGeneration: 1, readyReplicas: replicas, replicas },
  });
  for (let i = 0; i < replicas; i++) {
    const pod: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        generateName: `${rsName}-`,
        name: `${rsName}-${randomSuffix(5)}`,
        namespace: input.metadata.namespace,
        labels: { ...template.metadata.labels },
        ...(template.metadata.annotations ? { annotations: { ...template.metadata.annotations } } : {}),
        ownerReferences: [ownerRefTo(rs)],
      },
      spec: structuredClone(template.spec),
    };
    applyDefaults('pods', pod);
    applyPodDefaults(pod);
    (pod.spec as Obj).nodeName = NODE_NAME;
    pod.metadata.generation = 1;
    const ids: Record<string, string> = {};
    for (const c of [...(((pod.spec as Obj).initContainers as Obj[]) ?? []), ...(((pod.spec as Obj).containers as Obj[]) ?? [])]) ids[c.name as string] = randomHex(32);
    pod.status = runningStatus(pod, {
      podIP: o.ips.allocate(),
      startedAt: now,
      containerIds: ids,
      ready: true,
      readyAt: now,
      initializedAt: now,
      sandboxAt: now,
      scheduledAt: now,
    });
    create(store, 'pods', pod);
  }
}

export function bootstrapCluster(o: BootstrapOptions): BootstrapResult {
  const { store } = o;
  const now = timestamp(o.now);
  for (const name of BOOTSTRAP_NAMESPACES) {
    const ns: KubeObject = { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
    applyDefaults('namespaces', ns);
    ns.status = { phase: 'Active' };
    create(store, 'namespaces', ns);
  }
  const node = create(store, 'nodes', nodeObject(o.clusterName, now));
  // The kubelet's heartbeat lease (`kubectl describe node` shows it).
  create(store, 'coordination.k8s.io/leases', {
    apiVersion: 'coordination.k8s.io/v1',
    kind: 'Lease',
    metadata: {
      name: NODE_NAME,
      namespace: 'kube-node-lease',
      ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: NODE_NAME, uid: node.metadata.uid! }],
    },
    spec: { holderIdentity: NODE_NAME, leaseDurationSeconds: 40, renewTime: o.now.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z') },
  });
  for (const crd of ISTIO_CRDS) create(store, 'apiextensions.k8s.io/customresourcedefinitions', crdObject(crd, now));
  // The Gateway API's standard install, as istio.io's Gateway API tasks ask for before they start
  // (`kubectl apply` of the standard channel: its last-applied-configuration is there too).
  for (const crd of GATEWAY_API_CRDS) create(store, 'apiextensions.k8s.io/customresourcedefinitions', gatewayApiInstalledCrd(crd, now));

  // default/kubernetes: the API server's own Service, endpoints kept by the API server itself.
  const api = o.apiServerEndpoint ?? { ip: NODE_IP, port: 6443 };
  addService(
    o,
    {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
      spec: { ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }], type: 'ClusterIP' },
    },
    '10.96.0.1',
  );
  create(store, 'endpoints', {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
    subsets: [{ addresses: [{ ip: api.ip }], ports: [{ name: 'https', port: api.port, protocol: 'TCP' }] }],
  });
  create(store, 'discovery.k8s.io/endpointslices', {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { 'kubernetes.io/service-name': 'kubernetes' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: [api.ip], conditions: { ready: true } }],
    ports: [{ name: 'https', port: api.port, protocol: 'TCP' }],
  });

  const dns = coredns();
  create(store, 'serviceaccounts', dns.serviceAccount);
  create(store, 'configmaps', {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: 'coredns', namespace: 'kube-system' },
    data: {
      Corefile:
        '.:53 {\n    errors\n    health {\n       lameduck 5s\n    }\n    ready\n    kubernetes cluster.local in-addr.arpa ip6.arpa {\n       pods insecure\n       fallthrough in-addr.arpa ip6.arpa\n       ttl 30\n    }\n    prometheus :9153\n    forward . /etc/resolv.conf {\n       max_concurrent 1000\n    }\n    cache 30 {\n       disable success cluster.local\n       disable denial cluster.local\n    }\n    loop\n    reload\n    loadbalance\n}\n',
    },
  });
  addService(o, dns.service, '10.96.0.10');
  installDeployment(o, dns.deployment);
  for (const sa of ['kindnet', 'kube-proxy']) create(store, 'serviceaccounts', serviceAccount(sa, 'kube-system'));
  for (const pod of kubeSystemPods(node, o.clusterName, () => randomSuffix(5), now)) {
    applyDefaults('pods', pod);
    applyPodDefaults(pod);
    pod.metadata.generation = 1;
    const ids: Record<string, string> = {};
    for (const c of ((pod.spec as Obj).containers as Obj[]) ?? []) ids[c.name as string] = randomHex(32);
    pod.status = runningStatus(pod, { podIP: NODE_IP, startedAt: now, containerIds: ids, ready: true, readyAt: now, initializedAt: now, sandboxAt: now, scheduledAt: now });
    create(store, 'pods', pod);
  }

  create(store, 'configmaps', meshConfigMap(o.outboundTrafficPolicy ?? 'ALLOW_ANY'));
  const webhooks = webhookConfigurations(o.caPem ?? '');
  create(store, 'admissionregistration.k8s.io/mutatingwebhookconfigurations', webhooks.mutating);
  create(store, 'admissionregistration.k8s.io/validatingwebhookconfigurations', webhooks.validating);
  create(store, 'serviceaccounts', serviceAccount('istio-reader-service-account', 'istio-system', { app: 'istio-reader', release: 'istio' }));
  const pilot = istiod();
  create(store, 'serviceaccounts', pilot.serviceAccount);
  addService(o, pilot.service);
  installDeployment(o, pilot.deployment);

  const gateway = ingressGateway();
  create(store, 'serviceaccounts', gateway.serviceAccount);
  const svc = addService(o, gateway.service);
  installDeployment(o, gateway.deployment);
  const ports = (svc.spec as Obj).ports as { port: number; nodePort: number }[];
  return {
    ingressHttpNodePort: ports.find((p) => p.port === 80)!.nodePort,
    ingressHttpsNodePort: ports.find((p) => p.port === 443)!.nodePort,
  };
}

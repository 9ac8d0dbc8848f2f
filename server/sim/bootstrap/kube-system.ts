// The rest of a kind node's kube-system: the control plane's static pods (mirror pods owned by
// the Node) and the kube-proxy and kindnet DaemonSet pods. All run on the host network, so their
// IP is the node's. Data plus one builder; meshlab simulates none of them beyond their objects.
import { createHash } from 'node:crypto';
import type { KubeObject } from '../store/object-store.ts';
import { NODE_IP, NODE_NAME } from '../controllers/pod-status.ts';
import { KUBERNETES_VERSION } from './node.ts';

type Obj = Record<string, unknown>;

interface SystemPod {
  name: string;
  labels: Record<string, string>;
  image: string;
  command?: string[];
  /** Static pods are owned by the Node; DaemonSet pods by their DaemonSet. */
  owner: 'node' | { daemonSet: string };
  priorityClassName: string;
  requests?: Record<string, string>;
}

const STATIC: SystemPod[] = [
  {
    name: `etcd-${NODE_NAME}`,
    labels: { component: 'etcd', tier: 'control-plane' },
    image: 'registry.k8s.io/etcd:3.6.5-0',
    command: ['etcd', `--advertise-client-urls=https://${NODE_IP}:2379`, '--data-dir=/var/lib/etcd', `--name=${NODE_NAME}`],
    owner: 'node',
    priorityClassName: 'system-node-critical',
    requests: { cpu: '100m', memory: '100Mi' },
  },
  {
    name: `kube-apiserver-${NODE_NAME}`,
    labels: { component: 'kube-apiserver', tier: 'control-plane' },
    image: `registry.k8s.io/kube-apiserver:${KUBERNETES_VERSION}`,
    command: ['kube-apiserver', `--advertise-address=${NODE_IP}`, '--service-cluster-ip-range=10.96.0.0/16'],
    owner: 'node',
    priorityClassName: 'system-node-critical',
    requests: { cpu: '250m' },
  },
  {
    name: `kube-controller-manager-${NODE_NAME}`,
    labels: { component: 'kube-controller-manager', tier: 'control-plane' },
    image: `registry.k8s.io/kube-controller-manager:${KUBERNETES_VERSION}`,
    command: ['kube-controller-manager', '--cluster-cidr=10.244.0.0/16', '--cluster-name=meshlab'],
    owner: 'node',
    priorityClassName: 'system-node-critical',
    requests: { cpu: '200m' },
  },
  {
    name: `kube-scheduler-${NODE_NAME}`,
    labels: { component: 'kube-scheduler', tier: 'control-plane' },
    image: `registry.k8s.io/kube-scheduler:${KUBERNETES_VERSION}`,
    command: ['kube-scheduler', '--bind-address=127.0.0.1', '--leader-elect=true'],
    owner: 'node',
    priorityClassName: 'system-node-critical',
    requests: { cpu: '100m' },
  },
];

const DAEMONS: SystemPod[] = [
  {
    name: 'kindnet',
    labels: { app: 'kindnet', 'k8s-app': 'kindnet', tier: 'node' },
    image: 'docker.io/kindest/kindnetd:v20250512-df8de77b',
    owner: { daemonSet: 'kindnet' },
    priorityClassName: 'system-node-critical',
    requests: { cpu: '100m', memory: '50Mi' },
  },
  {
    name: 'kube-proxy',
    labels: { 'k8s-app': 'kube-proxy' },
    image: `registry.k8s.io/kube-proxy:${KUBERNETES_VERSION}`,
    command: ['/usr/local/bin/kube-proxy', '--config=/var/lib/kube-proxy/config.conf', '--hostname-override=$(NODE_NAME)'],
    owner: { daemonSet: 'kube-proxy' },
    priorityClassName: 'system-node-critical',
  },
];

function uidFrom(seed: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** The pods, unstarted (spec and metadata only); the caller adds defaults and a Running status. */
export function kubeSystemPods(node: KubeObject, clusterName: string, suffix: () => string, now: string): KubeObject[] {
  const out: KubeObject[] = [];
  for (const p of [...STATIC, ...DAEMONS]) {
    const isStatic = p.owner === 'node';
    const daemonSet = typeof p.owner === 'object' ? p.owner.daemonSet : undefined;
    const hash = createHash('sha256').update(`${clusterName}/${p.name}`).digest('hex');
    const name = isStatic ? p.name : `${p.name}-${suffix()}`;
    const labels = isStatic ? p.labels : { ...p.labels, 'controller-revision-hash': safeHash(hash), 'pod-template-generation': '1' };
    const annotations: Record<string, string> | undefined = isStatic
      ? { 'kubernetes.io/config.hash': hash.slice(0, 32), 'kubernetes.io/config.mirror': hash.slice(0, 32), 'kubernetes.io/config.seen': now.replace('Z', '.000000000Z'), 'kubernetes.io/config.source': 'file' }
      : undefined;
    const container: Obj = { name: isStatic ? String(p.labels.component) : p.name, image: p.image, imagePullPolicy: 'IfNotPresent' };
    if (p.command) container.command = p.command;
    if (p.requests) container.resources = { requests: p.requests };
    out.push({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        namespace: 'kube-system',
        ...(isStatic ? {} : { generateName: `${p.name}-` }),
        labels,
        ...(annotations ? { annotations } : {}),
        ownerReferences: isStatic
          ? [{ apiVersion: 'v1', kind: 'Node', name: node.metadata.name, uid: node.metadata.uid!, controller: true }]
          : [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: daemonSet!, uid: uidFrom(`${clusterName}/ds/${daemonSet}`), controller: true, blockOwnerDeletion: true }],
      },
      spec: {
        containers: [container],
        hostNetwork: true,
        nodeName: NODE_NAME,
        priority: 2000001000,
        priorityClassName: p.priorityClassName,
        ...(isStatic ? { securityContext: { seccompProfile: { type: 'RuntimeDefault' } } } : { serviceAccountName: p.name }),
        tolerations: [{ effect: 'NoExecute', operator: 'Exists' }],
        ...(isStatic ? { automountServiceAccountToken: false } : {}),
      },
    });
  }
  return out;
}

function safeHash(hex: string): string {
  // controller-revision-hash values look like "5bd4f6f6c6": ten characters.
  return hex.slice(0, 10);
}

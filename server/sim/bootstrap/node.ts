// The cluster's one node, shaped like a kind control-plane node that also runs workloads.
import { createHash } from 'node:crypto';
import type { KubeObject } from '../store/object-store.ts';
import { NODE_IP, NODE_NAME } from '../controllers/pod-status.ts';

export const KUBERNETES_VERSION = 'v1.35.0';

export function nodeObject(clusterName: string, now: string): KubeObject {
  const id = createHash('sha256').update(clusterName).digest('hex');
  const capacity = { cpu: '2', 'ephemeral-storage': '61202244Ki', 'hugepages-1Gi': '0', 'hugepages-2Mi': '0', memory: '8134232Ki', pods: '110' };
  const condition = (type: string, status: string, reason: string, message: string) => ({
    lastHeartbeatTime: now,
    lastTransitionTime: now,
    message,
    reason,
    status,
    type,
  });
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: NODE_NAME,
      labels: {
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/hostname': NODE_NAME,
        'kubernetes.io/os': 'linux',
        'node-role.kubernetes.io/control-plane': '',
      },
      annotations: {
        'kubeadm.alpha.kubernetes.io/cri-socket': 'unix:///run/containerd/containerd.sock',
        'node.alpha.kubernetes.io/ttl': '0',
        'volumes.kubernetes.io/controller-managed-attach-detach': 'true',
      },
    },
    spec: {
      podCIDR: '10.244.0.0/24',
      podCIDRs: ['10.244.0.0/24'],
      providerID: `kind://docker/${clusterName}/${NODE_NAME}`,
    },
    status: {
      addresses: [
        { address: NODE_IP, type: 'InternalIP' },
        { address: NODE_NAME, type: 'Hostname' },
      ],
      allocatable: capacity,
      capacity,
      conditions: [
        condition('MemoryPressure', 'False', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
        condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
        condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
        condition('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        architecture: 'amd64',
        bootID: `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20, 32)}`,
        containerRuntimeVersion: 'containerd://2.1.4',
        kernelVersion: '6.8.0-85-generic',
        kubeProxyVersion: '',
        kubeletVersion: KUBERNETES_VERSION,
        machineID: id.slice(32, 64),
        operatingSystem: 'linux',
        osImage: 'Debian GNU/Linux 12 (bookworm)',
        systemUUID: `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20, 32)}`,
      },
    },
  };
}

// What a real API server adds to every new pod before storing it: field defaults (SetDefaults_Pod
// and SetDefaults_Container), the ServiceAccount admission plugin's token volume, and the
// DefaultTolerationSeconds plugin's tolerations. Idempotent, so it can run after other mutating
// plugins (a real API server re-runs built-in plugins after a webhook mutated the pod).
import type { AdmissionPlugin } from '../apiserver/admission.ts';
import type { KubeObject } from '../store/object-store.ts';
import { randomSuffix } from './names.ts';

type Obj = Record<string, unknown>;

const SA_MOUNT_PATH = '/var/run/secrets/kubernetes.io/serviceaccount';

/** `latest` or no tag means the kubelet always pulls (SetDefaults_Container). */
export function defaultPullPolicy(image: string): string {
  if (image.includes('@')) return 'IfNotPresent';
  const lastSegment = image.slice(image.lastIndexOf('/') + 1);
  const tag = lastSegment.includes(':') ? lastSegment.slice(lastSegment.indexOf(':') + 1) : '';
  return tag === '' || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultContainer(c: Obj, tokenVolume: string | undefined): void {
  if (c.imagePullPolicy === undefined && typeof c.image === 'string') c.imagePullPolicy = defaultPullPolicy(c.image);
  c.resources ??= {};
  c.terminationMessagePath ??= '/dev/termination-log';
  c.terminationMessagePolicy ??= 'File';
  if (Array.isArray(c.ports)) for (const p of c.ports as Obj[]) p.protocol ??= 'TCP';
  if (tokenVolume) {
    const mounts = (Array.isArray(c.volumeMounts) ? c.volumeMounts : []) as Obj[];
    if (!mounts.some((m) => m.mountPath === SA_MOUNT_PATH)) {
      mounts.push({ mountPath: SA_MOUNT_PATH, name: tokenVolume, readOnly: true });
    }
    c.volumeMounts = mounts;
  }
}

function tokenVolumeSpec(name: string): Obj {
  return {
    name,
    projected: {
      defaultMode: 420,
      sources: [
        { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
        { configMap: { items: [{ key: 'ca.crt', path: 'ca.crt' }], name: 'kube-root-ca.crt' } },
        { downwardAPI: { items: [{ fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' }, path: 'namespace' }] } },
      ],
    },
  };
}

/** Defaults for a pod spec, in place. */
export function applyPodDefaults(pod: KubeObject): void {
  const spec = (pod.spec ??= {}) as Obj;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.enableServiceLinks ??= true;
  spec.preemptionPolicy ??= 'PreemptLowerPriority';
  spec.priority ??= 0;
  spec.restartPolicy ??= 'Always';
  spec.schedulerName ??= 'default-scheduler';
  spec.securityContext ??= {};
  spec.serviceAccountName ??= (spec.serviceAccount as string | undefined) ?? 'default';
  spec.serviceAccount ??= spec.serviceAccountName;
  spec.terminationGracePeriodSeconds ??= 30;

  const tolerations = (Array.isArray(spec.tolerations) ? spec.tolerations : []) as Obj[];
  for (const key of ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']) {
    if (!tolerations.some((t) => t.key === key)) {
      tolerations.push({ effect: 'NoExecute', key, operator: 'Exists', tolerationSeconds: 300 });
    }
  }
  spec.tolerations = tolerations;

  const volumes = (Array.isArray(spec.volumes) ? spec.volumes : []) as Obj[];
  let tokenVolume: string | undefined;
  if (spec.automountServiceAccountToken !== false) {
    tokenVolume = volumes.find((v) => typeof v.name === 'string' && v.name.startsWith('kube-api-access-'))?.name as string | undefined;
    if (!tokenVolume) {
      tokenVolume = `kube-api-access-${randomSuffix(5)}`;
      volumes.push(tokenVolumeSpec(tokenVolume));
    }
  }
  if (volumes.length) spec.volumes = volumes;
  for (const v of volumes) {
    for (const kind of ['configMap', 'secret', 'downwardAPI', 'projected'] as const) {
      const src = v[kind] as Obj | undefined;
      if (src) src.defaultMode ??= 420;
    }
  }
  for (const list of ['initContainers', 'containers'] as const) {
    if (Array.isArray(spec[list])) for (const c of spec[list] as Obj[]) defaultContainer(c, tokenVolume);
  }
}

/** The defaults as a mutating admission step for pods created through the API. */
export const podDefaultsAdmission: AdmissionPlugin = {
  name: 'PodDefaults',
  mutate(request) {
    if (request.resource !== 'pods' || request.operation !== 'CREATE') return;
    applyPodDefaults(request.object);
  },
};

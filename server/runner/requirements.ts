// Puts a cluster in the state a lab requires before its first step, through the Kubernetes API
// only (so it works the same on every driver): Istio present, the mesh's outbound traffic
// policy (mesh config in ConfigMap istio-system/istio, key `mesh`, which istiod watches).
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { describeTool } from '../tools/binaries.ts';
import type { KubeClients } from './checks/kube-clients.ts';
import { messageOf, statusOf } from './checks/kube-clients.ts';
import type { LabRequirements } from './lab-schema.ts';

export const ISTIO_NAMESPACE = 'istio-system';
export const MESH_CONFIGMAP = 'istio';

export interface RequirementsResult {
  ok: boolean;
  messages: string[];
}

export interface MeshSettings {
  outboundTrafficPolicy?: 'ALLOW_ANY' | 'REGISTRY_ONLY';
  accessLogFile?: string;
}

/** Returns the mesh config text with the settings applied, or undefined when it already has them. */
export function withMeshSettings(meshText: string | undefined, want: MeshSettings): { text: string; changed: string[] } | undefined {
  const parsed = (meshText ? parseYaml(meshText) : {}) as Record<string, unknown> | null;
  const config: Record<string, unknown> = parsed && typeof parsed === 'object' ? parsed : {};
  const changed: string[] = [];
  if (want.outboundTrafficPolicy) {
    const policy = (config.outboundTrafficPolicy ?? {}) as Record<string, unknown>;
    // ALLOW_ANY is Istio's default: an absent policy already is ALLOW_ANY.
    const current = typeof policy.mode === 'string' ? policy.mode : 'ALLOW_ANY';
    if (current !== want.outboundTrafficPolicy) {
      config.outboundTrafficPolicy = { ...policy, mode: want.outboundTrafficPolicy };
      changed.push(`outboundTrafficPolicy.mode=${want.outboundTrafficPolicy}`);
    }
  }
  if (want.accessLogFile && config.accessLogFile !== want.accessLogFile) {
    config.accessLogFile = want.accessLogFile;
    changed.push(`accessLogFile=${want.accessLogFile}`);
  }
  return changed.length ? { text: stringifyYaml(config), changed } : undefined;
}

export async function establishRequirements(requires: LabRequirements, kube: () => KubeClients): Promise<RequirementsResult> {
  const messages: string[] = [];
  let ok = true;
  for (const tool of requires.tools ?? []) {
    const info = describeTool(tool);
    if (!info.path) {
      ok = false;
      messages.push(`${tool} is required: ${info.problem ?? 'not found'}`);
    }
  }
  if (requires.istio) {
    try {
      await kube().objects.read({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'istiod', namespace: ISTIO_NAMESPACE } });
      messages.push('istio: istiod found in istio-system');
    } catch (err) {
      ok = false;
      messages.push(
        statusOf(err) === 404
          ? 'Istio is required but deployment istiod is not in namespace istio-system: install Istio (the embedded and kind clusters come with it)'
          : `could not check for Istio: ${messageOf(err)}`,
      );
    }
  }
  if (requires.outboundTrafficPolicy || requires.accessLogFile) {
    const want: MeshSettings = { outboundTrafficPolicy: requires.outboundTrafficPolicy, accessLogFile: requires.accessLogFile };
    try {
      const core = kube().core;
      const cm = await core.readNamespacedConfigMap({ name: MESH_CONFIGMAP, namespace: ISTIO_NAMESPACE });
      const next = withMeshSettings(cm.data?.mesh, want);
      if (next) {
        cm.data = { ...(cm.data ?? {}), mesh: next.text };
        await core.replaceNamespacedConfigMap({ name: MESH_CONFIGMAP, namespace: ISTIO_NAMESPACE, body: cm });
        messages.push(`mesh config: set ${next.changed.join(', ')} in ConfigMap istio-system/istio`);
      } else messages.push('mesh config: already as the lab requires');
    } catch (err) {
      ok = false;
      messages.push(`could not update the mesh config in ConfigMap istio-system/istio: ${messageOf(err)}`);
    }
  }
  return { ok, messages };
}

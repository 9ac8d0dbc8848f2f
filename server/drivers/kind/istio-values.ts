// Helm values for Istio's official charts, as the labs need them: access logs on stdout, the
// outbound traffic policy the labs switch between, and an ingress gateway that looks like the
// one istioctl's default profile installs (name istio-ingressgateway, label istio: ingressgateway)
// so the chapter's Gateway selector matches, on fixed node ports kind publishes on the host.
import { stringify } from 'yaml';
import { INGRESS_NODE_PORTS } from './versions.ts';

export type OutboundTrafficPolicy = 'ALLOW_ANY' | 'REGISTRY_ONLY';

export function istiodValues(policy: OutboundTrafficPolicy): Record<string, unknown> {
  return {
    meshConfig: {
      accessLogFile: '/dev/stdout',
      outboundTrafficPolicy: { mode: policy },
    },
  };
}

export function ingressGatewayValues(): Record<string, unknown> {
  return {
    labels: { app: 'istio-ingressgateway', istio: 'ingressgateway' },
    // One replica: the labs read this gateway's logs by Deployment.
    autoscaling: { enabled: false },
    service: {
      type: 'NodePort',
      ports: [
        { name: 'status-port', port: 15021, protocol: 'TCP', targetPort: 15021 },
        { name: 'http2', port: 80, protocol: 'TCP', targetPort: 80, nodePort: INGRESS_NODE_PORTS.http },
        { name: 'https', port: 443, protocol: 'TCP', targetPort: 443, nodePort: INGRESS_NODE_PORTS.https },
      ],
    },
  };
}

export const toYaml = (value: unknown): string => stringify(value);

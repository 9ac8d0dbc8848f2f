// Pinned versions for the kind driver. kind only supports a node image with the kind release that
// built it, and its release notes say to pin the image by digest; these come from the notes of
// kind v0.33.0 ("Images pre-built for this release").
export const KIND_VERSION = 'v0.33.0';
export const NODE_IMAGE = 'kindest/node:v1.35.8@sha256:07b2536e30b803ed61d1677a79df6115f798ce64c80f9e22f6ed45afd09323c0';

/** Istio release installed from the official charts (docker.io/istio images of the same tag). */
export const ISTIO_VERSION = '1.31.0';
export const ISTIO_CHART_REPO = 'https://istio-release.storage.googleapis.com/charts';
export const ISTIO_HUB = 'docker.io/istio';

/** Node ports the ingress gateway Service gets, and the host ports kind maps to them by default. */
export const INGRESS_NODE_PORTS = { http: 30080, https: 30443 } as const;
export const DEFAULT_HOST_PORTS = { http: 30080, https: 30443 } as const;

/** Docker memory below which Istio plus a kind node does not come up reliably. */
export const MIN_DOCKER_MEMORY_BYTES = 4 * 1024 ** 3;

export const KIND_INSTALL_FIX =
  `install kind ${KIND_VERSION}: \`go install sigs.k8s.io/kind@${KIND_VERSION}\`, or on Linux amd64 ` +
  `\`curl -Lo ./kind https://kind.sigs.k8s.io/dl/${KIND_VERSION}/kind-linux-amd64 && chmod +x ./kind && sudo mv ./kind /usr/local/bin/kind\` ` +
  '(other systems: https://kind.sigs.k8s.io/docs/user/quick-start/#installation)';

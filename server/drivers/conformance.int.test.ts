// The driver conformance suite: against the embedded driver by default (in `npm test`), or against
// kind / an existing cluster when MESHLAB_CONFORMANCE_DRIVER says so:
//   MESHLAB_CONFORMANCE_DRIVER=kind [MESHLAB_KIND_NAME=meshlab-conformance MESHLAB_KIND_HTTP_PORT=31080 MESHLAB_KIND_HTTPS_PORT=31443]
//   MESHLAB_CONFORMANCE_DRIVER=existing MESHLAB_CONFORMANCE_KUBECONFIG=FILE [MESHLAB_CONFORMANCE_CONTEXT=C] [MESHLAB_CONFORMANCE_INGRESS=URL]
import { createDriver } from './registry.ts';
import { runConformance } from './testing/conformance-suite.ts';

const which = process.env.MESHLAB_CONFORMANCE_DRIVER ?? 'embedded';

if (which === 'kind') {
  // Its own cluster (create to destroy), on ports that do not clash with a `cluster up` one.
  runConformance({
    name: 'kind',
    slow: true,
    makeDriver: () =>
      createDriver('kind', {
        name: process.env.MESHLAB_KIND_NAME ?? 'meshlab-conformance',
        httpPort: Number(process.env.MESHLAB_KIND_HTTP_PORT ?? 31080),
        httpsPort: Number(process.env.MESHLAB_KIND_HTTPS_PORT ?? 31443),
      }),
  });
} else if (which === 'existing') {
  const kubeconfig = process.env.MESHLAB_CONFORMANCE_KUBECONFIG;
  runConformance({
    name: 'existing',
    slow: true,
    skip: kubeconfig ? undefined : 'MESHLAB_CONFORMANCE_DRIVER=existing needs MESHLAB_CONFORMANCE_KUBECONFIG=FILE',
    makeDriver: () => createDriver('existing', { kubeconfig, context: process.env.MESHLAB_CONFORMANCE_CONTEXT, ingress: process.env.MESHLAB_CONFORMANCE_INGRESS }),
  });
} else {
  runConformance({
    name: 'embedded',
    skip: which === 'embedded' ? undefined : `unknown MESHLAB_CONFORMANCE_DRIVER "${which}" (expected embedded, kind or existing)`,
    makeDriver: () => createDriver('embedded', {}),
  });
}

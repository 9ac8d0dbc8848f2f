// The driver conformance suite: against the embedded driver by default (in `npm test`), or against
// kind / an existing cluster when MESHLAB_CONFORMANCE_DRIVER says so:
//   MESHLAB_CONFORMANCE_DRIVER=kind [MESHLAB_KIND_NAME=meshlab]
//   MESHLAB_CONFORMANCE_DRIVER=existing MESHLAB_CONFORMANCE_KUBECONFIG=FILE [MESHLAB_CONFORMANCE_CONTEXT=C] [MESHLAB_CONFORMANCE_INGRESS=URL]
import { createDriver } from '../registry.ts';
import { runConformance } from './suite.ts';

const which = process.env.MESHLAB_CONFORMANCE_DRIVER ?? 'embedded';

if (which === 'kind') {
  runConformance({ name: 'kind', slow: true, makeDriver: () => createDriver('kind', { name: process.env.MESHLAB_KIND_NAME ?? 'meshlab', keep: true }) });
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

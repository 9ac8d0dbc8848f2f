// Injection compared with Istio's own golden files and injection template (shared reference
// outputs §4: pkg/kube/inject/testdata/inject/hello.yaml.injected and the native-sidecar form).
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../store/object-store.ts';
import { injectionRequired, injectSidecar, sidecarInjectionAdmission, workloadOf } from './sidecar-injection.ts';

type Obj = Record<string, any>;

function pod(opts: { ns?: string; labels?: Record<string, string>; annotations?: Record<string, string>; hostNetwork?: boolean } = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'hello-5d8f7c9b4d-x7k2p',
      namespace: opts.ns ?? 'demo',
      labels: { app: 'hello', 'pod-template-hash': '5d8f7c9b4d', ...(opts.labels ?? {}) },
      ...(opts.annotations ? { annotations: opts.annotations } : {}),
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'hello-5d8f7c9b4d', uid: 'u1', controller: true }],
    },
    spec: { ...(opts.hostNetwork ? { hostNetwork: true } : {}), containers: [{ name: 'hello', image: 'fake.docker.io/google-samples/hello-go-gke:1.0', ports: [{ containerPort: 80, name: 'http' }] }] },
  };
}

function ns(name: string, labels?: Record<string, string>): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } };
}

describe('injectionRequired (istio-sidecar-injector webhooks + injectRequired)', () => {
  const cases: { name: string; pod: KubeObject; ns: KubeObject; want: boolean }[] = [
    { name: 'namespace labelled istio-injection=enabled', pod: pod(), ns: ns('demo', { 'istio-injection': 'enabled' }), want: true },
    { name: 'namespace without label', pod: pod(), ns: ns('demo'), want: false },
    { name: 'namespace labelled disabled, pod label true', pod: pod({ labels: { 'sidecar.istio.io/inject': 'true' } }), ns: ns('demo', { 'istio-injection': 'disabled' }), want: false },
    { name: 'unlabelled namespace, pod label true', pod: pod({ labels: { 'sidecar.istio.io/inject': 'true' } }), ns: ns('demo'), want: true },
    { name: 'unlabelled namespace, only the annotation true (webhook not called)', pod: pod({ annotations: { 'sidecar.istio.io/inject': 'true' } }), ns: ns('demo'), want: false },
    { name: 'enabled namespace, pod label false', pod: pod({ labels: { 'sidecar.istio.io/inject': 'false' } }), ns: ns('demo', { 'istio-injection': 'enabled' }), want: false },
    { name: 'enabled namespace, pod annotation false', pod: pod({ annotations: { 'sidecar.istio.io/inject': 'false' } }), ns: ns('demo', { 'istio-injection': 'enabled' }), want: false },
    { name: 'kube-system is never injected', pod: pod({ ns: 'kube-system', labels: { 'sidecar.istio.io/inject': 'true' } }), ns: ns('kube-system'), want: false },
    { name: 'hostNetwork pods are never injected', pod: pod({ hostNetwork: true }), ns: ns('demo', { 'istio-injection': 'enabled' }), want: false },
    { name: 'already injected', pod: pod({ annotations: { 'sidecar.istio.io/status': '{}' } }), ns: ns('demo', { 'istio-injection': 'enabled' }), want: false },
    { name: 'revision label of another revision on the namespace', pod: pod(), ns: ns('demo', { 'istio.io/rev': 'canary' }), want: false },
    { name: 'namespace labelled istio.io/rev=default', pod: pod(), ns: ns('demo', { 'istio.io/rev': 'default' }), want: true },
    { name: 'istio.io/rev=default namespace, pod label false', pod: pod({ labels: { 'sidecar.istio.io/inject': 'false' } }), ns: ns('demo', { 'istio.io/rev': 'default' }), want: false },
    { name: 'unlabelled namespace, pod label istio.io/rev=default', pod: pod({ labels: { 'istio.io/rev': 'default' } }), ns: ns('demo'), want: true },
    { name: 'both namespace labels: istio-injection=disabled wins', pod: pod(), ns: ns('demo', { 'istio-injection': 'disabled', 'istio.io/rev': 'default' }), want: false },
  ];
  for (const c of cases) {
    it(c.name, () => expect(injectionRequired(c.pod, c.ns)).toBe(c.want));
  }
});

describe('injectSidecar (native sidecars, kubelet >= 1.33)', () => {
  const p = pod({ labels: { version: 'v1' } });
  injectSidecar(p);
  const spec = p.spec as Obj;

  it('writes the sidecar status annotation exactly as Istio does', () => {
    expect(p.metadata.annotations!['sidecar.istio.io/status']).toBe(
      '{"initContainers":["istio-init","istio-proxy"],"containers":null,"volumes":["workload-socket","credential-socket","workload-certs","istio-envoy","istio-data","istio-podinfo","istio-token","istiod-ca-cert","istio-ca-crl"],"imagePullSecrets":null,"revision":"default"}',
    );
  });

  it('adds the labels and annotations of the injection template', () => {
    expect(p.metadata.labels).toMatchObject({
      'security.istio.io/tlsMode': 'istio',
      'service.istio.io/canonical-name': 'hello',
      'service.istio.io/canonical-revision': 'v1',
    });
    expect(p.metadata.annotations).toMatchObject({
      'istio.io/rev': 'default',
      'kubectl.kubernetes.io/default-container': 'hello',
      'kubectl.kubernetes.io/default-logs-container': 'hello',
      'prometheus.io/path': '/stats/prometheus',
      'prometheus.io/port': '15020',
      'prometheus.io/scrape': 'true',
    });
  });

  it('puts istio-init then istio-proxy (restartPolicy Always) in initContainers', () => {
    expect(spec.initContainers.map((c: Obj) => [c.name, c.restartPolicy])).toEqual([
      ['istio-init', undefined],
      ['istio-proxy', 'Always'],
    ]);
    expect(spec.containers.map((c: Obj) => c.name)).toEqual(['hello']);
  });

  it('runs istio-iptables with the golden arguments', () => {
    expect(spec.initContainers[0].args).toEqual([
      'istio-iptables', '-p', '15001', '-z', '15006', '-u', '1337', '-m', 'REDIRECT', '-i', '*', '-x', '', '-b', '*', '-d', '15090,15021,15020', '--log_output_level=default:info',
    ]);
    expect(spec.initContainers[0].securityContext.capabilities.add).toEqual(['NET_ADMIN', 'NET_RAW']);
    expect(spec.initContainers[0].securityContext.runAsUser).toBe(0);
  });

  it('runs the proxy with the golden arguments, port, probes and identity', () => {
    const proxy = spec.initContainers[1];
    expect(proxy.args).toEqual(['proxy', 'sidecar', '--domain', '$(POD_NAMESPACE).svc.cluster.local', '--proxyLogLevel=warning', '--proxyComponentLogLevel=misc:error', '--log_output_level=default:info']);
    expect(proxy.image).toBe('docker.io/istio/proxyv2:1.28.1');
    expect(proxy.ports).toEqual([{ containerPort: 15090, name: 'http-envoy-prom', protocol: 'TCP' }]);
    expect(proxy.readinessProbe.httpGet).toMatchObject({ path: '/healthz/ready', port: 15021 });
    expect(proxy.startupProbe.httpGet).toMatchObject({ path: '/healthz/ready', port: 15021 });
    expect(proxy.lifecycle.preStop.exec.command).toEqual(['pilot-agent', 'request', '--debug-port=15020', 'POST', 'drain']);
    expect(proxy.securityContext).toMatchObject({ runAsUser: 1337, runAsGroup: 1337, runAsNonRoot: true, readOnlyRootFilesystem: true });
    const env = Object.fromEntries(proxy.env.filter((e: Obj) => 'value' in e).map((e: Obj) => [e.name, e.value]));
    expect(env).toMatchObject({
      ISTIO_META_APP_CONTAINERS: 'hello',
      ISTIO_META_WORKLOAD_NAME: 'hello',
      ISTIO_META_OWNER: 'kubernetes://apis/apps/v1/namespaces/demo/deployments/hello',
      ISTIO_META_CLUSTER_ID: 'Kubernetes',
      ISTIO_META_MESH_ID: 'cluster.local',
      CA_ADDR: 'istiod.istio-system.svc:15012',
    });
  });

  it('adds the volumes named in the status, in order', () => {
    expect(spec.volumes.map((v: Obj) => v.name)).toEqual(JSON.parse(p.metadata.annotations!['sidecar.istio.io/status']!).volumes);
  });

  it('uses the legacy layout when the pod opts out of native sidecars', () => {
    const legacy = pod({ annotations: { 'sidecar.istio.io/nativeSidecar': 'false' } });
    injectSidecar(legacy);
    const s = legacy.spec as Obj;
    expect(s.initContainers.map((c: Obj) => c.name)).toEqual(['istio-init']);
    expect(s.containers.map((c: Obj) => c.name)).toEqual(['hello', 'istio-proxy']);
    expect(JSON.parse(legacy.metadata.annotations!['sidecar.istio.io/status']!)).toMatchObject({ initContainers: ['istio-init'], containers: ['istio-proxy'] });
  });
});

describe('workloadOf', () => {
  it('names the Deployment behind a ReplicaSet pod', () => expect(workloadOf(pod())).toEqual({ name: 'hello', apiVersion: 'apps/v1', kind: 'Deployment' }));
  it('names a bare pod by itself', () => {
    const bare = pod();
    delete bare.metadata.ownerReferences;
    expect(workloadOf(bare)).toEqual({ name: 'hello-5d8f7c9b4d-x7k2p', apiVersion: 'v1', kind: 'Pod' });
  });
});

describe('gateway injection (inject.istio.io/templates: gateway)', () => {
  it('replaces image: auto with proxyv2 and adds no container', () => {
    const gw: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name: 'istio-egressgateway-6c8d9f7b5c-abcde',
        namespace: 'istio-system',
        labels: { app: 'istio-egressgateway', istio: 'egressgateway', 'sidecar.istio.io/inject': 'true' },
        annotations: { 'inject.istio.io/templates': 'gateway' },
      },
      spec: { containers: [{ name: 'istio-proxy', image: 'auto' }] },
    };
    sidecarInjectionAdmission().mutate!({ resource: 'pods', operation: 'CREATE', object: gw, namespaceObject: ns('istio-system'), dryRun: false });
    const s = gw.spec as Obj;
    expect(s.containers.map((c: Obj) => [c.name, c.image])).toEqual([['istio-proxy', 'docker.io/istio/proxyv2:1.28.1']]);
    expect(s.initContainers).toBeUndefined();
    expect(s.containers[0].args.slice(0, 2)).toEqual(['proxy', 'router']);
    expect(JSON.parse(gw.metadata.annotations!['sidecar.istio.io/status']!)).toMatchObject({ initContainers: null, containers: ['istio-proxy'] });
  });
});

// The injection template renders ProxyConfig.ProxyMetadata as istio-proxy environment variables
// (sorted by name), from meshConfig.defaultConfig.proxyMetadata and the pod's
// proxy.istio.io/config annotation (istio.io DNS proxying, "Getting started").
describe('proxy metadata', () => {
  const envOf = (pod: KubeObject) => {
    const proxy = ((pod.spec as { initContainers: { name: string; env: { name: string; value?: string }[] }[] }).initContainers).find((c) => c.name === 'istio-proxy')!;
    return proxy.env.slice(proxy.env.findIndex((e) => e.name === 'TRUST_DOMAIN') + 1);
  };
  const podWith = (annotations?: Record<string, string>): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'curl', namespace: 'default', annotations }, spec: { containers: [{ name: 'curl', image: 'curlimages/curl' }] } });
  it.each([
    ['none', undefined, {}, []],
    ['mesh-wide', undefined, { ISTIO_META_DNS_CAPTURE: 'true', ISTIO_META_DNS_AUTO_ALLOCATE: 'true' }, [{ name: 'ISTIO_META_DNS_AUTO_ALLOCATE', value: 'true' }, { name: 'ISTIO_META_DNS_CAPTURE', value: 'true' }]],
    ['the annotation', { 'proxy.istio.io/config': 'proxyMetadata:\n  ISTIO_META_DNS_CAPTURE: "true"\n' }, {}, [{ name: 'ISTIO_META_DNS_CAPTURE', value: 'true' }]],
    ['the annotation wins per key', { 'proxy.istio.io/config': '{"proxyMetadata": {"ISTIO_META_DNS_CAPTURE": "false"}}' }, { ISTIO_META_DNS_CAPTURE: 'true', A: 'b' }, [{ name: 'A', value: 'b' }, { name: 'ISTIO_META_DNS_CAPTURE', value: 'false' }]],
    ['an unreadable annotation is ignored', { 'proxy.istio.io/config': ': [' }, { A: 'b' }, [{ name: 'A', value: 'b' }]],
  ])('%s', (_n, annotations, mesh, want) => {
    const pod = podWith(annotations);
    injectSidecar(pod, { hub: 'docker.io/istio', tag: '1.28.1', nativeSidecars: true, meshProxyMetadata: () => mesh });
    expect(envOf(pod)).toEqual(want);
  });
});

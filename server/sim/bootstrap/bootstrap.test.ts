// A bootstrapped store is already what the controllers would make: starting them changes
// nothing, and the objects have the shapes of a kind cluster with Istio's demo install.
import { afterEach, describe, expect, it } from 'vitest';
import { ServiceAllocations } from '../apiserver/service-allocations.ts';
import { ControllerManager } from '../controllers/controller-manager.ts';
import { ObjectStore } from '../store/object-store.ts';
import { parse } from 'yaml';
import { bootstrapCluster } from './bootstrap.ts';

type Obj = Record<string, any>;

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

function boot(outboundTrafficPolicy?: 'ALLOW_ANY' | 'REGISTRY_ONLY') {
  const store = new ObjectStore();
  const services = new ServiceAllocations(store);
  const manager = new ControllerManager({ store, caPem: 'CA', istioCaPem: 'CA', timing: { podScheduleMs: 0, podStartMs: 0, podReadyMs: 0 } });
  const result = bootstrapCluster({ store, clusterName: 'meshlab', now: new Date(), ips: manager.ips, addressing: services, outboundTrafficPolicy });
  cleanups.push(async () => {
    await manager.stop();
    for (const s of store.list('services').items) services.release('services', s);
  });
  return { store, manager, result };
}

describe('bootstrapCluster', () => {
  it('leaves the workload controllers nothing to change', async () => {
    const { store, manager } = boot();
    const before = new Map([...store.snapshot()].filter(([r]) => ['apps/deployments', 'apps/replicasets', 'pods'].includes(r)));
    manager.start();
    await manager.idle();
    await new Promise((r) => setTimeout(r, 50));
    await manager.idle();
    for (const [resource, items] of before) {
      expect(store.list(resource).items.map((o) => [o.metadata.name, o.metadata.resourceVersion]), resource).toEqual(items.map((o) => [o.metadata.name, o.metadata.resourceVersion]));
    }
  });

  it('creates the namespaces of a kind cluster plus istio-system, without an egress gateway', () => {
    const { store } = boot();
    expect(store.list('namespaces').items.map((n) => n.metadata.name)).toEqual(['default', 'istio-system', 'kube-node-lease', 'kube-public', 'kube-system']);
    expect(store.list('apps/deployments', 'istio-system').items.map((d) => d.metadata.name)).toEqual(['istio-ingressgateway', 'istiod']);
  });

  it('exposes the ingress gateway with the ports of Istio’s gateway chart', () => {
    const { store, result } = boot();
    const svc = store.get('services', 'istio-system', 'istio-ingressgateway') as Obj;
    expect(svc.spec.type).toBe('LoadBalancer');
    expect(svc.spec.ports.map((p: Obj) => [p.name, p.port, p.targetPort])).toEqual([
      ['status-port', 15021, 15021],
      ['http2', 80, 8080],
      ['https', 443, 8443],
    ]);
    expect(svc.spec.ports[1].nodePort).toBe(result.ingressHttpNodePort);
    expect(svc.spec.ports[2].nodePort).toBe(result.ingressHttpsNodePort);
    expect(svc.status).toEqual({ loadBalancer: {} });
    expect(store.get('services', 'default', 'kubernetes')!.spec).toMatchObject({ clusterIP: '10.96.0.1' });
  });

  it('runs istiod with the pilot image and labels', () => {
    const { store } = boot();
    const [pod] = store.list('pods', 'istio-system').items.filter((p) => p.metadata.labels?.app === 'istiod') as Obj[];
    expect(pod!.metadata.labels).toMatchObject({ app: 'istiod', istio: 'pilot' });
    expect(pod!.spec.containers[0].image).toMatch(/^docker\.io\/istio\/pilot:1\.28\.\d+$/);
    expect(pod!.status.phase).toBe('Running');
  });

  const modes: { name: string; mode?: 'ALLOW_ANY' | 'REGISTRY_ONLY'; want: string }[] = [
    { name: 'ALLOW_ANY by default', want: 'ALLOW_ANY' },
    { name: 'REGISTRY_ONLY when asked', mode: 'REGISTRY_ONLY', want: 'REGISTRY_ONLY' },
  ];
  for (const m of modes) {
    it(`writes the mesh config with ${m.name}`, () => {
      const { store } = boot(m.mode);
      const mesh = parse((store.get('configmaps', 'istio-system', 'istio') as Obj).data.mesh);
      expect(mesh.outboundTrafficPolicy).toEqual({ mode: m.want });
      expect(mesh.accessLogFile).toBe('/dev/stdout');
    });
  }

  it('registers the Istio networking CRDs with v1 stored and three versions served', () => {
    const { store } = boot();
    const vs = store.get('apiextensions.k8s.io/customresourcedefinitions', undefined, 'virtualservices.networking.istio.io') as Obj;
    expect(vs.spec.versions.map((v: Obj) => [v.name, v.served, v.storage])).toEqual([
      ['v1', true, true],
      ['v1alpha3', true, false],
      ['v1beta1', true, false],
    ]);
    expect(vs.spec.versions[0].additionalPrinterColumns.map((c: Obj) => c.name)).toEqual(['Gateways', 'Hosts', 'Age']);
  });

  it('runs kind’s control plane as mirror pods on the node’s address', () => {
    const { store } = boot();
    const pods = store.list('pods', 'kube-system').items as Obj[];
    expect(pods.map((p) => p.metadata.name.replace(/-[bcdfghjklmnpqrstvwxz2456789]{5}$/, '-*').replace(/-[bcdfghjklmnpqrstvwxz2456789]{8,10}-\*$/, '-*-*'))).toEqual([
      'coredns-*-*', 'coredns-*-*', 'etcd-meshlab-control-plane', 'kindnet-*', 'kube-apiserver-meshlab-control-plane',
      'kube-controller-manager-meshlab-control-plane', 'kube-proxy-*', 'kube-scheduler-meshlab-control-plane',
    ]);
    const etcd = pods.find((p) => p.metadata.name === 'etcd-meshlab-control-plane')!;
    expect(etcd.metadata.ownerReferences[0]).toMatchObject({ kind: 'Node', name: 'meshlab-control-plane', controller: true });
    expect(etcd.status.podIP).toBe('172.18.0.2');
    expect(etcd.spec.hostNetwork).toBe(true);
  });
});

// Service → Endpoints and EndpointSlices: the addresses of the pods a Service selects, ready
// ones as addresses and the rest as notReadyAddresses, with named target ports resolved per
// pod. Services without a selector are left alone (their endpoints are the user's).
import type { KubeObject, ObjectStore } from '../store/object-store.ts';
import type { Clock } from '../store/object-store.ts';
import { randomSuffix } from './names.ts';
import { mapSelectorMatches } from '../meta/label-selector.ts';
import { ownerRefTo } from './owners.ts';
import { isPodReady, timestamp } from './pod-status.ts';
import { podIPOf } from '../meta/pod.ts';
import { WorkQueue } from './work-queue.ts';

type Obj = Record<string, unknown>;

interface ServicePort {
  name?: string;
  port: number;
  protocol?: string;
  targetPort?: number | string;
  appProtocol?: string;
}

interface PodAddress {
  pod: KubeObject;
  ip: string;
  ready: boolean;
}

function keyOf(ns: string | undefined, name: string): string {
  return `${ns}/${name}`;
}

/** The port number `sp.targetPort` means on `pod` (a number, or a container port's name). */
export function resolveTargetPort(sp: ServicePort, pod: KubeObject): number | undefined {
  const target = sp.targetPort ?? sp.port;
  if (typeof target === 'number') return target;
  if (/^\d+$/.test(target)) return Number(target);
  const containers = (((pod.spec as Obj)?.containers ?? []) as Obj[]).concat(((pod.spec as Obj)?.initContainers ?? []) as Obj[]);
  for (const c of containers) {
    for (const p of (c.ports as Obj[] | undefined) ?? []) {
      if (p.name === target && (p.protocol ?? 'TCP') === (sp.protocol ?? 'TCP')) return p.containerPort as number;
    }
  }
  return undefined;
}

const MANAGED_BY = 'endpointslice-controller.k8s.io';

export class EndpointsController {
  private readonly queue = new WorkQueue((key) => this.reconcile(key));
  private readonly unwatch: (() => void)[] = [];

  constructor(
    private readonly store: ObjectStore,
    private readonly clock: Clock,
  ) {}

  start(): void {
    for (const s of this.store.list('services').items) this.queue.add(keyOf(s.metadata.namespace, s.metadata.name));
    this.unwatch.push(
      this.store.watch('services', (ev) => this.queue.add(keyOf(ev.object.metadata.namespace, ev.object.metadata.name))),
      this.store.watch('pods', (ev) => {
        // Any service in the namespace whose selector matches (now or before) may change.
        const ns = ev.object.metadata.namespace;
        for (const s of this.store.list('services', ns).items) {
          const sel = (s.spec as Obj | undefined)?.selector as Record<string, string> | undefined;
          if (mapSelectorMatches(sel, ev.object.metadata.labels)) this.queue.add(keyOf(ns, s.metadata.name));
        }
      }),
    );
  }

  stop(): void {
    for (const u of this.unwatch.splice(0)) u();
    this.queue.stop();
  }

  idle(): Promise<void> {
    return this.queue.idle();
  }

  private reconcile(key: string): void {
    const [namespace, name] = key.split('/') as [string, string];
    const svc = this.store.get('services', namespace, name);
    const selector = (svc?.spec as Obj | undefined)?.selector as Record<string, string> | undefined;
    if (!svc || svc.metadata.deletionTimestamp || !selector || !Object.keys(selector).length) {
      // Objects we made for a Service that is gone or lost its selector go too (the GC would do it).
      if (!svc || svc.metadata.deletionTimestamp) this.removeManaged(namespace, name);
      return;
    }
    if ((svc.spec as Obj).type === 'ExternalName') return;
    const ns = this.store.get('namespaces', undefined, namespace);
    if (!ns || ns.metadata.deletionTimestamp) return;
    const addresses: PodAddress[] = [];
    for (const pod of this.store.list('pods', namespace).items) {
      if (!mapSelectorMatches(selector, pod.metadata.labels)) continue;
      const ip = podIPOf(pod);
      if (!ip || pod.metadata.deletionTimestamp) continue;
      if (['Succeeded', 'Failed'].includes(String((pod.status as Obj)?.phase))) continue;
      addresses.push({ pod, ip, ready: isPodReady(pod) });
    }
    addresses.sort((a, b) => ipKey(a.ip) - ipKey(b.ip));
    const ports = (((svc.spec as Obj).ports ?? []) as ServicePort[]).filter((p) => p && typeof p.port === 'number');
    this.writeEndpoints(svc, addresses, ports);
    this.writeSlice(svc, addresses, ports);
  }

  private lastChange(): string {
    return timestamp(this.clock.now());
  }

  private writeEndpoints(svc: KubeObject, addresses: PodAddress[], ports: ServicePort[]): void {
    // One subset per distinct resolved port list (pods that name ports differently split).
    const subsets = new Map<string, { ports: Obj[]; addresses: Obj[]; notReadyAddresses: Obj[] }>();
    for (const a of addresses) {
      const resolved: Obj[] = [];
      for (const sp of ports) {
        const port = resolveTargetPort(sp, a.pod);
        if (port === undefined) continue;
        const p: Obj = {};
        if (sp.name) p.name = sp.name;
        p.port = port;
        p.protocol = sp.protocol ?? 'TCP';
        if (sp.appProtocol) p.appProtocol = sp.appProtocol;
        resolved.push(p);
      }
      if (!resolved.length) continue;
      const k = JSON.stringify(resolved);
      let subset = subsets.get(k);
      if (!subset) subsets.set(k, (subset = { ports: resolved, addresses: [], notReadyAddresses: [] }));
      const addr = {
        ip: a.ip,
        nodeName: (a.pod.spec as Obj).nodeName,
        targetRef: { kind: 'Pod', name: a.pod.metadata.name, namespace: a.pod.metadata.namespace, uid: a.pod.metadata.uid },
      };
      (a.ready ? subset.addresses : subset.notReadyAddresses).push(addr);
    }
    const body: KubeObject = {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: {
        name: svc.metadata.name,
        namespace: svc.metadata.namespace,
        // The Service's labels, plus the marker the endpoints controller adds since 1.33.
        labels: { ...(svc.metadata.labels ?? {}), 'endpoints.kubernetes.io/managed-by': 'endpoint-controller' },
      },
    };
    const list = [...subsets.values()].map((s) => {
      const out: Obj = {};
      if (s.addresses.length) out.addresses = s.addresses;
      if (s.notReadyAddresses.length) out.notReadyAddresses = s.notReadyAddresses;
      out.ports = s.ports;
      return out;
    });
    if (list.length) body.subsets = list;
    const existing = this.store.get('endpoints', svc.metadata.namespace, svc.metadata.name);
    if (!existing) {
      body.metadata.annotations = { 'endpoints.kubernetes.io/last-change-trigger-time': this.lastChange() };
      this.store.create('endpoints', body);
      return;
    }
    if (JSON.stringify(existing.subsets) === JSON.stringify(body.subsets) && JSON.stringify(existing.metadata.labels) === JSON.stringify(body.metadata.labels)) return;
    existing.subsets = body.subsets;
    if (!body.subsets) delete existing.subsets;
    existing.metadata.labels = body.metadata.labels;
    existing.metadata.annotations = { ...(existing.metadata.annotations ?? {}), 'endpoints.kubernetes.io/last-change-trigger-time': this.lastChange() };
    this.store.update('endpoints', existing);
  }

  private writeSlice(svc: KubeObject, addresses: PodAddress[], ports: ServicePort[]): void {
    const ns = svc.metadata.namespace!;
    const endpoints: Obj[] = [];
    let slicePorts: Obj[] | undefined;
    for (const a of addresses) {
      const resolved: Obj[] = [];
      for (const sp of ports) {
        const port = resolveTargetPort(sp, a.pod);
        if (port === undefined) continue;
        resolved.push({ name: sp.name ?? '', port, protocol: sp.protocol ?? 'TCP', ...(sp.appProtocol ? { appProtocol: sp.appProtocol } : {}) });
      }
      if (!resolved.length) continue;
      slicePorts ??= resolved;
      endpoints.push({
        addresses: [a.ip],
        conditions: { ready: a.ready, serving: a.ready, terminating: false },
        nodeName: (a.pod.spec as Obj).nodeName,
        targetRef: { kind: 'Pod', name: a.pod.metadata.name, namespace: ns, uid: a.pod.metadata.uid },
      });
    }
    // With no endpoints, the slice still lists the service's ports (unresolved names stay absent).
    const finalPorts =
      slicePorts ??
      (ports.some((p) => typeof (p.targetPort ?? p.port) === 'string' && !/^\d+$/.test(String(p.targetPort)))
        ? []
        : ports.map((sp) => ({ name: sp.name ?? '', port: Number(sp.targetPort ?? sp.port), protocol: sp.protocol ?? 'TCP' })));
    const labels: Record<string, string> = {
      ...(svc.metadata.labels ?? {}),
      'endpointslice.kubernetes.io/managed-by': MANAGED_BY,
      'kubernetes.io/service-name': svc.metadata.name,
    };
    const existing = this.store
      .list('discovery.k8s.io/endpointslices', ns)
      .items.filter((s) => s.metadata.labels?.['kubernetes.io/service-name'] === svc.metadata.name && s.metadata.labels?.['endpointslice.kubernetes.io/managed-by'] === MANAGED_BY);
    const [slice, ...extra] = existing;
    for (const e of extra) this.safeDelete('discovery.k8s.io/endpointslices', ns, e.metadata.name);
    if (!slice) {
      const body: KubeObject = {
        apiVersion: 'discovery.k8s.io/v1',
        kind: 'EndpointSlice',
        metadata: {
          generateName: `${svc.metadata.name}-`,
          name: `${svc.metadata.name}-${randomSuffix(5)}`,
          namespace: ns,
          labels,
          annotations: { 'endpoints.kubernetes.io/last-change-trigger-time': this.lastChange() },
          ownerReferences: [ownerRefTo(svc)],
        },
        addressType: 'IPv4',
        endpoints: endpoints.length ? endpoints : null,
        ports: finalPorts,
      };
      this.store.create('discovery.k8s.io/endpointslices', body);
      return;
    }
    const want = { endpoints: endpoints.length ? endpoints : null, ports: finalPorts, labels };
    if (JSON.stringify({ endpoints: slice.endpoints, ports: slice.ports, labels: slice.metadata.labels }) === JSON.stringify(want)) return;
    slice.endpoints = want.endpoints;
    slice.ports = want.ports;
    slice.metadata.labels = labels;
    slice.metadata.annotations = { ...(slice.metadata.annotations ?? {}), 'endpoints.kubernetes.io/last-change-trigger-time': this.lastChange() };
    this.store.update('discovery.k8s.io/endpointslices', slice);
  }

  private removeManaged(namespace: string, name: string): void {
    const ep = this.store.get('endpoints', namespace, name);
    if (ep?.metadata.labels?.['endpoints.kubernetes.io/managed-by'] === 'endpoint-controller') this.safeDelete('endpoints', namespace, name);
    for (const s of this.store.list('discovery.k8s.io/endpointslices', namespace).items) {
      if (s.metadata.labels?.['kubernetes.io/service-name'] === name && s.metadata.labels?.['endpointslice.kubernetes.io/managed-by'] === MANAGED_BY) {
        this.safeDelete('discovery.k8s.io/endpointslices', namespace, s.metadata.name);
      }
    }
  }

  private safeDelete(resource: string, ns: string, name: string): void {
    try {
      this.store.delete(resource, ns, name);
    } catch {
      // Already gone.
    }
  }
}

function ipKey(ip: string): number {
  return ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

// Istio's gateway controller as a cluster addon (what istiod runs for the Gateway API): keeps the
// built-in GatewayClasses, deploys `<name>-istio` for each Gateway of a class it manages, gives
// those Services a load balancer address, and writes GatewayClass, Gateway and route status.
// Reacts to store changes, one reconcile at a time; settled() waits for the last one.
import { join } from 'node:path';
import type { ClusterAddon, ClusterContext } from '../cluster.ts';
import type { KubeObject, ObjectStore } from '../store/object-store.ts';
import { ClusterApiClient } from './api-client.ts';
import { attachRoute, type ParentAttachment } from './attachment.ts';
import { GATEWAY_API_GROUP } from './crds.ts';
import { automatedName, automatedObjects } from './deployment.ts';
import { assignLoadBalancerAddresses } from './load-balancer.ts';
import { gatewayClassStatus, gatewayStatus, ISTIO_CONTROLLER, resolvedRefs, routeStatus } from './status.ts';
import type { UntypedObject as Obj } from '../meta/untyped.ts';

const G = GATEWAY_API_GROUP;
export const GATEWAY_CLASSES = `${G}/gatewayclasses`;
export const GATEWAYS = `${G}/gateways`;
export const HTTP_ROUTES = `${G}/httproutes`;
export const GRPC_ROUTES = `${G}/grpcroutes`;
/** Served once the experimental channel's CRDs are installed. */
export const TLS_ROUTES = `${G}/tlsroutes`;
export const TCP_ROUTES = `${G}/tcproutes`;
export const REFERENCE_GRANTS = `${G}/referencegrants`;
const WATCHED = [GATEWAY_CLASSES, GATEWAYS, HTTP_ROUTES, GRPC_ROUTES, TLS_ROUTES, TCP_ROUTES, REFERENCE_GRANTS, 'services', 'namespaces', 'networking.istio.io/serviceentries'];
const FIELD_MANAGER = 'istio.io/gateway-controller';
const UNMANAGED_CONTROLLER = 'istio.io/unmanaged-gateway';

/** The classes istiod creates and keeps (features.GatewayAPIDefaultGatewayClass and the remote class). */
export const BUILTIN_CLASSES = [
  { name: 'istio', controllerName: ISTIO_CONTROLLER, description: 'The default Istio GatewayClass' },
  { name: 'istio-remote', controllerName: UNMANAGED_CONTROLLER, description: 'Remote to this cluster. Does not deploy or affect configuration.' },
];

export interface Applier {
  apply(obj: KubeObject, fieldManager: string): Promise<unknown>;
}

const timestamp = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, 'Z');
const className = (gw: KubeObject) => String((gw.spec as Obj | undefined)?.gatewayClassName ?? '');

export class IstioGatewayController {
  private unwatch: (() => void)[] = [];
  private running: Promise<void> = Promise.resolve();
  private dirty = false;
  private scheduled = false;
  private stopped = false;
  /** What was last applied per Gateway uid, so unchanged Gateways cost nothing. */
  private readonly applied = new Map<string, string>();
  /** The last failure, for tests and diagnostics. */
  lastError: Error | undefined;

  constructor(
    private readonly store: ObjectStore,
    private readonly client: Applier,
    private readonly now: () => Date,
  ) {}

  start(): void {
    for (const r of WATCHED) this.unwatch.push(this.store.watch(r, () => this.schedule()));
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    for (const u of this.unwatch) u();
    this.unwatch = [];
  }

  /** Resolves once every change seen so far has been reconciled. */
  async settled(): Promise<void> {
    while (this.scheduled || this.dirty) await this.running;
    await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.dirty = true;
    if (this.scheduled) return;
    this.scheduled = true;
    this.running = this.running.then(async () => {
      // Batch the writes of one tick (an apply of several objects) into one pass.
      await new Promise((r) => setImmediate(r));
      this.scheduled = false;
      while (this.dirty && !this.stopped) {
        this.dirty = false;
        try {
          await this.reconcile();
          this.lastError = undefined;
        } catch (err) {
          this.lastError = err as Error;
        }
      }
    });
  }

  private managedClasses(): Set<string> {
    const names = new Set<string>();
    for (const c of this.store.list(GATEWAY_CLASSES).items) if ((c.spec as Obj | undefined)?.controllerName === ISTIO_CONTROLLER && !c.metadata.deletionTimestamp) names.add(c.metadata.name);
    return names;
  }

  private writeStatus(resource: string, obj: KubeObject, status: Obj): void {
    const current = this.store.get(resource, obj.metadata.namespace, obj.metadata.name);
    if (!current || current.metadata.uid !== obj.metadata.uid) return;
    if (JSON.stringify(current.status ?? null) === JSON.stringify(status)) return;
    this.store.update(resource, { ...current, status });
  }

  async reconcile(): Promise<void> {
    const now = timestamp(this.now());
    for (const c of BUILTIN_CLASSES) {
      if (this.store.get(GATEWAY_CLASSES, undefined, c.name)) continue;
      this.store.create(GATEWAY_CLASSES, { apiVersion: `${G}/v1`, kind: 'GatewayClass', metadata: { name: c.name }, spec: { controllerName: c.controllerName, description: c.description } });
    }
    for (const c of this.store.list(GATEWAY_CLASSES).items) {
      // istiod accepts the classes of both its controllers; only istio.io/gateway-controller deploys.
      const controller = (c.spec as Obj | undefined)?.controllerName;
      if (controller === ISTIO_CONTROLLER || controller === UNMANAGED_CONTROLLER) this.writeStatus(GATEWAY_CLASSES, c, gatewayClassStatus(c, now));
    }
    const managed = this.managedClasses();
    const gateways = this.store.list(GATEWAYS).items.filter((g) => managed.has(className(g)) && !g.metadata.deletionTimestamp);
    for (const gw of gateways) await this.deploy(gw);
    assignLoadBalancerAddresses(this.store);

    const services = this.store.list('services').items;
    const namespaces = this.store.list('namespaces').items;
    const grants = this.store.list(REFERENCE_GRANTS).items;
    const serviceEntries = this.store.list('networking.istio.io/serviceentries').items;
    const allGateways = this.store.list(GATEWAYS).items;
    const attachments: ParentAttachment[] = [];
    for (const resource of [HTTP_ROUTES, GRPC_ROUTES, TLS_ROUTES, TCP_ROUTES]) {
      for (const route of this.store.list(resource).items) {
        if (route.metadata.deletionTimestamp) continue;
        const parents = attachRoute(route, { gateways: allGateways, services, namespaces, serviceEntries });
        attachments.push(...parents);
        const isMine = (a: ParentAttachment) => a.kind === 'Service' || a.kind === 'ServiceEntry' || (a.kind === 'Gateway' ? !a.parent || managed.has(className(a.parent)) : false);
        if (!parents.some(isMine)) continue;
        this.writeStatus(resource, route, routeStatus(route, parents, resolvedRefs(route, services, grants), isMine, now));
      }
    }
    for (const gw of gateways) {
      const svc = services.find((s) => s.metadata.namespace === gw.metadata.namespace && s.metadata.name === automatedName(gw));
      this.writeStatus(GATEWAYS, gw, gatewayStatus(gw, svc, attachments, now));
    }
  }

  private async deploy(gw: KubeObject): Promise<void> {
    const objects = automatedObjects(gw);
    const key = JSON.stringify(objects);
    const name = automatedName(gw);
    const ns = gw.metadata.namespace;
    const present = this.store.get('services', ns, name) && this.store.get('apps/deployments', ns, name) && this.store.get('serviceaccounts', ns, name);
    if (this.applied.get(gw.metadata.uid!) === key && present) return;
    for (const obj of [objects.serviceAccount, objects.service, objects.deployment]) await this.client.apply(obj, FIELD_MANAGER);
    this.applied.set(gw.metadata.uid!, key);
  }
}

/** The controller as an addon of an embedded cluster: it writes through the cluster's own API server. */
export function gatewayControllerAddon(): (ctx: ClusterContext) => ClusterAddon & { controller: IstioGatewayController } {
  return (ctx) => {
    const controller = new IstioGatewayController(ctx.store, ClusterApiClient.fromKubeconfig(join(ctx.dir, 'kubeconfig')), () => ctx.timers.now());
    controller.start();
    return {
      controller,
      settled: () => controller.settled(),
      stop: () => controller.stop(),
    };
  };
}

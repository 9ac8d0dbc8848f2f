// The existing-cluster driver: many learners on one real cluster that already runs Istio. Each
// create() makes a learner namespace with its own ServiceAccount kubeconfig (learner-plan.ts) and
// finds how to reach the shared ingress gateway (ingress.ts). Everything goes through
// @kubernetes/client-node with the operator's kubeconfig; learners only ever get their own.
import { readFileSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  ApiextensionsV1Api,
  AuthorizationV1Api,
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  VersionApi,
  type KubernetesObject,
  type V1Service,
} from '@kubernetes/client-node';
import { stringify } from 'yaml';
import type { ClusterDriver, ClusterHandle, CreateOptions, IngressAddress, PreflightProblem, PreflightResult, ProgressSink } from '../types.ts';
import { silentProgress } from '../types.ts';
import { dataDir as defaultDataDir } from '../../tools/binaries.ts';
import { chooseIngress, GATEWAY_SELECTORS, type IngressChoice } from './ingress.ts';
import { LEARNER_LABEL, learnerIdFrom, learnerKubeconfig, learnerPlan, type LearnerPlan } from './learner-plan.ts';

export interface ExistingDriverOptions {
  /** Operator's kubeconfig (admin on the shared cluster); default $KUBECONFIG, then ~/.kube/config. */
  kubeconfig?: string;
  context?: string;
  /** URL learners use to reach the ingress gateway, when the Service's own address is not reachable. */
  ingress?: string;
  dataDir?: string;
  hostDomain?: string;
  namespacePrefix?: string;
  /** Lifetime of each learner token (TokenRequest). */
  tokenSeconds?: number;
  /**
   * 'serviceaccount' (default): each learner acts as their own ServiceAccount, confined by RBAC.
   * 'operator': learners use the operator's own credentials with their namespace as default; only
   * for a cluster of one's own (no isolation), or clusters that issue no ServiceAccount tokens.
   */
  learnerCredentials?: 'serviceaccount' | 'operator';
  /** How long to wait for the token controller to fill a token Secret (clusters without TokenRequest). */
  tokenWaitMs?: number;
}

/** Istio CRDs the labs apply. */
export const REQUIRED_CRDS = ['gateways.networking.istio.io', 'virtualservices.networking.istio.io', 'destinationrules.networking.istio.io', 'serviceentries.networking.istio.io'];

const errorText = (err: unknown): string => {
  const e = err as { code?: number; body?: unknown; message?: string };
  let body = '';
  if (typeof e?.body === 'string') body = e.body;
  else if (e?.body && typeof e.body === 'object') body = String((e.body as { message?: string }).message ?? '');
  return (body || e?.message || String(err)).split('\n')[0]!.slice(0, 300);
};
const statusOf = (err: unknown): number | undefined => (err as { code?: number })?.code;

export class ExistingDriver implements ClusterDriver {
  readonly name = 'existing' as const;
  readonly parallel = true;

  constructor(readonly options: ExistingDriverOptions = {}) {}

  get kubeconfigFile(): string {
    const env = process.env.KUBECONFIG?.split(':').find(Boolean);
    return resolve(this.options.kubeconfig ?? env ?? join(homedir(), '.kube', 'config'));
  }

  /** The operator's client configuration; throws a readable error for a bad file or context. */
  loadConfig(): KubeConfig {
    const kc = new KubeConfig();
    try {
      kc.loadFromFile(this.kubeconfigFile);
    } catch (err) {
      throw new Error(`cannot read kubeconfig ${this.kubeconfigFile}: ${errorText(err)}`);
    }
    if (this.options.context) {
      if (!kc.getContextObject(this.options.context)) throw new Error(`kubeconfig ${this.kubeconfigFile} has no context "${this.options.context}"`);
      kc.setCurrentContext(this.options.context);
    }
    if (!kc.getCurrentCluster()) throw new Error(`kubeconfig ${this.kubeconfigFile} has no current context; pass --context`);
    return kc;
  }

  async findIngress(kc: KubeConfig): Promise<IngressChoice & { service?: V1Service }> {
    const core = kc.makeApiClient(CoreV1Api);
    let service: V1Service | undefined;
    for (const labelSelector of GATEWAY_SELECTORS) {
      const list = await core.listNamespacedService({ namespace: 'istio-system', labelSelector });
      service = list.items[0];
      if (service) break;
    }
    let nodes: Awaited<ReturnType<CoreV1Api['listNode']>>['items'] = [];
    if (!this.options.ingress && service?.spec?.type !== 'LoadBalancer') {
      nodes = (await core.listNode().catch(() => ({ items: [] }))).items; // a learner's RBAC may not list nodes: then no node port address is offered
    }
    const apiHost = new URL(kc.getCurrentCluster()!.server).hostname.replace(/^\[(.*)\]$/, '$1');
    return { ...chooseIngress({ ingressUrl: this.options.ingress, service, nodes, apiHost }), service };
  }

  async preflight(): Promise<PreflightResult> {
    const problems: PreflightProblem[] = [];
    let kc: KubeConfig;
    try {
      kc = this.loadConfig();
    } catch (err) {
      return { ok: false, problems: [{ message: (err as Error).message, fix: 'pass --kubeconfig FILE (and --context NAME) for an account that may create namespaces and RBAC' }] };
    }
    const server = kc.getCurrentCluster()!.server;
    try {
      await kc.makeApiClient(VersionApi).getCode();
    } catch (err) {
      return { ok: false, problems: [{ message: `API server ${server} not reachable: ${errorText(err)}`, fix: 'check the kubeconfig, VPN or network, and that `kubectl --kubeconfig FILE version` works' }] };
    }
    problems.push(...(await missingPermissions(kc)));
    const ext = kc.makeApiClient(ApiextensionsV1Api);
    const missing: string[] = [];
    for (const name of REQUIRED_CRDS) {
      try {
        await ext.readCustomResourceDefinition({ name });
      } catch (err) {
        if (statusOf(err) === 404) missing.push(name);
        else problems.push({ message: `cannot read CRD ${name}: ${errorText(err)}`, fix: 'use a kubeconfig whose account may read CustomResourceDefinitions' });
      }
    }
    if (missing.length) {
      problems.push({
        message: `Istio is not installed: missing CRDs ${missing.join(', ')}`,
        fix: 'install Istio (e.g. `helm install istio-base istio/base -n istio-system --create-namespace` then `helm install istiod istio/istiod -n istio-system`), see the lab environments guide',
      });
    }
    try {
      const choice = await this.findIngress(kc);
      if (choice.problem) {
        problems.push({
          message: choice.problem,
          fix: choice.service
            ? 'give the URL learners should use with --ingress http://HOST:PORT'
            : 'install an ingress gateway labelled istio=ingressgateway in istio-system (`helm install istio-ingressgateway istio/gateway -n istio-system`), or pass --ingress URL',
        });
      }
    } catch (err) {
      problems.push({ message: `cannot look for the ingress gateway: ${errorText(err)}`, fix: 'use a kubeconfig whose account may list Services in istio-system' });
    }
    return { ok: problems.length === 0, problems };
  }

  plan(learner: string): LearnerPlan {
    return learnerPlan({ learner, hostDomain: this.options.hostDomain, namespacePrefix: this.options.namespacePrefix });
  }

  /** The objects a learner would get, as YAML (what --dry-run prints). */
  dryRun(learner = 'learner-1'): string {
    const plan = this.plan(learner);
    const header = [
      `# learner "${plan.learner}": namespace ${plan.namespace}, hostname ${plan.hostname} on the shared ingress gateway`,
      `# objects created with the kubeconfig ${this.kubeconfigFile}${this.options.context ? ` (context ${this.options.context})` : ''}, in this order;`,
      `# then a token for ServiceAccount ${plan.namespace}/${plan.serviceAccount} (TokenRequest) is written as the learner's kubeconfig to`,
      `# ${join(this.learnerDir(learner), 'kubeconfig')}`,
    ];
    return `${header.join('\n')}\n${plan.objects.map((o) => `---\n${stringify(o)}`).join('')}`;
  }

  learnerDir(learner: string): string {
    return join(this.options.dataDir ?? defaultDataDir(), 'clusters', `existing-${learner}`);
  }

  async create(options: CreateOptions = {}): Promise<ClusterHandle> {
    const progress = options.progress ?? silentProgress;
    const learner = options.name ? learnerIdFrom(options.name) : `learner-${randomBytes(4).toString('hex')}`;
    const kc = this.loadConfig();
    const plan = this.plan(learner);
    const objects = KubernetesObjectApi.makeApiClient(kc);

    progress.start('Finding the ingress gateway');
    const ingress = await this.findIngress(kc);
    progress.end('Finding the ingress gateway', !ingress.problem, ingress.problem ?? `${ingress.address!.host}:${ingress.address!.port} (${ingress.source})`);
    if (!ingress.address) throw new Error(`${ingress.problem}; pass --ingress URL`);

    progress.start(`Creating namespace ${plan.namespace} and its RBAC`);
    for (const obj of plan.objects) await ensure(objects, obj);
    progress.end(`Creating namespace ${plan.namespace} and its RBAC`, true);

    progress.start('Writing the learner kubeconfig');
    const cluster = kc.getCurrentCluster()!;
    let caData = cluster.caData;
    if (!caData && cluster.caFile) caData = readFileSync(cluster.caFile).toString('base64');
    const dir = this.learnerDir(learner);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const kubeconfigPath = join(dir, 'kubeconfig');
    const common = { clusterName: cluster.name, server: cluster.server, caData, insecure: cluster.skipTLSVerify, namespace: plan.namespace };
    const config =
      this.options.learnerCredentials === 'operator'
        ? learnerKubeconfig({ ...common, user: kc.getCurrentUser()?.name ?? 'operator', credentials: operatorCredentials(kc) })
        : learnerKubeconfig({ ...common, user: `${plan.serviceAccount}-${learner}`, credentials: { token: await learnerToken(kc, plan, this.options.tokenSeconds ?? 12 * 3600, this.options.tokenWaitMs ?? 10_000) } });
    await writeFile(kubeconfigPath, stringify(config), { mode: 0o600 });
    progress.end('Writing the learner kubeconfig', true, kubeconfigPath);
    const handle = new ExistingClusterHandle(kc, plan, ingress.address, kubeconfigPath, dir);
    // With the operator's credentials a lab may create namespaces of its own; on a cluster of one's
    // own, reset removes them too. (With ServiceAccount credentials a learner cannot create any.)
    if (this.options.learnerCredentials === 'operator') await handle.recordNamespaces();
    return handle;
  }

  /** `meshlab cluster down --driver existing --name LEARNER`. */
  async down(learner: string | undefined, progress: ProgressSink = silentProgress): Promise<void> {
    if (!learner) throw new Error('name the learner whose namespace to remove: --name LEARNER');
    const plan = this.plan(learner);
    progress.start(`Removing ${plan.namespace}`);
    await removeLearner(this.loadConfig(), plan);
    await rm(this.learnerDir(learner), { recursive: true, force: true });
    progress.end(`Removing ${plan.namespace}`, true);
  }
}

/** What the operator must be allowed to do to set learners up; asked with SelfSubjectAccessReviews. */
const OPERATOR_NEEDS: { verb: string; group: string; resource: string; namespace?: string }[] = [
  { verb: 'create', group: '', resource: 'namespaces' },
  { verb: 'delete', group: '', resource: 'namespaces' },
  { verb: 'create', group: '', resource: 'serviceaccounts/token', namespace: 'default' },
  { verb: 'create', group: 'rbac.authorization.k8s.io', resource: 'roles', namespace: 'istio-system' },
  { verb: 'create', group: 'rbac.authorization.k8s.io', resource: 'rolebindings', namespace: 'istio-system' },
  { verb: 'create', group: 'rbac.authorization.k8s.io', resource: 'clusterroles' },
  { verb: 'create', group: 'rbac.authorization.k8s.io', resource: 'clusterrolebindings' },
];

async function missingPermissions(kc: KubeConfig): Promise<PreflightProblem[]> {
  const authz = kc.makeApiClient(AuthorizationV1Api);
  const denied: string[] = [];
  for (const need of OPERATOR_NEEDS) {
    try {
      const review = await authz.createSelfSubjectAccessReview({
        body: { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', spec: { resourceAttributes: { verb: need.verb, group: need.group, resource: need.resource, namespace: need.namespace } } },
      });
      if (review.status?.allowed === false) denied.push(`${need.verb} ${need.resource}${need.namespace ? ` in ${need.namespace}` : ''}`);
    } catch {
      // A cluster without the authorization API: creating the objects will say what is denied.
      return [];
    }
  }
  return denied.length
    ? [{ message: `the kubeconfig's account may not: ${denied.join(', ')}`, fix: 'use an account bound to cluster-admin (it also needs every permission the learner roles grant, as RBAC prevents escalation)' }]
    : [];
}

/** The operator's user entry in kubeconfig form (token, client certificate, exec plugin, ...). */
function operatorCredentials(kc: KubeConfig): Record<string, unknown> {
  const u = kc.getCurrentUser();
  if (!u) throw new Error('the kubeconfig context has no user');
  const out: Record<string, unknown> = {};
  const file = (path: string | undefined) => (path ? readFileSync(path).toString('base64') : undefined);
  if (u.token) out.token = u.token;
  const cert = u.certData ?? file(u.certFile);
  const key = u.keyData ?? file(u.keyFile);
  if (cert) out['client-certificate-data'] = cert;
  if (key) out['client-key-data'] = key;
  if (u.username) out.username = u.username;
  if (u.password) out.password = u.password;
  if (u.exec) out.exec = u.exec;
  return out;
}

/** Create, or bring an existing object to the planned spec (labels, rules, subjects). */
async function ensure(api: KubernetesObjectApi, obj: KubernetesObject): Promise<void> {
  try {
    await api.create(obj);
  } catch (err) {
    if (statusOf(err) !== 409) throw new Error(`creating ${obj.kind} ${obj.metadata?.name}: ${errorText(err)}`);
    if (obj.kind === 'ServiceAccount') return;
    const current = await api.read({ apiVersion: obj.apiVersion!, kind: obj.kind!, metadata: { name: obj.metadata!.name!, namespace: obj.metadata?.namespace } });
    await api.replace({ ...current, ...obj, metadata: { ...current.metadata, ...obj.metadata, labels: { ...current.metadata?.labels, ...obj.metadata?.labels } } });
  }
}

async function learnerToken(kc: KubeConfig, plan: LearnerPlan, seconds: number, waitMs: number): Promise<string> {
  const core = kc.makeApiClient(CoreV1Api);
  try {
    const tr = await core.createNamespacedServiceAccountToken({
      name: plan.serviceAccount,
      namespace: plan.namespace,
      body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { audiences: [], expirationSeconds: seconds } },
    });
    if (tr.status?.token) return tr.status.token;
  } catch (err) {
    if (statusOf(err) !== 404 && statusOf(err) !== 405) throw new Error(`requesting a token for ${plan.namespace}/${plan.serviceAccount}: ${errorText(err)}`);
  }
  // Clusters without the TokenRequest API: a long-lived token Secret, filled in by the token controller.
  const name = `${plan.serviceAccount}-token`;
  await ensure(KubernetesObjectApi.makeApiClient(kc), {
    apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/service-account-token',
    metadata: { name, namespace: plan.namespace, annotations: { 'kubernetes.io/service-account.name': plan.serviceAccount } },
  } as KubernetesObject);
  const deadline = Date.now() + waitMs;
  do {
    const secret = await core.readNamespacedSecret({ name, namespace: plan.namespace });
    const token = secret.data?.token;
    if (token) return Buffer.from(token, 'base64').toString('utf8');
    await new Promise((r) => setTimeout(r, 200));
  } while (Date.now() < deadline);
  throw new Error(`the cluster issued no token for ServiceAccount ${plan.namespace}/${plan.serviceAccount}`);
}

async function removeLearner(kc: KubeConfig, plan: LearnerPlan): Promise<void> {
  const api = KubernetesObjectApi.makeApiClient(kc);
  const ns = plan.objects[0]!;
  for (const obj of [...plan.outside].reverse().concat(ns)) {
    try {
      await api.delete(obj, undefined, undefined, undefined, undefined, 'Background');
    } catch (err) {
      if (statusOf(err) !== 404) throw new Error(`deleting ${obj.kind} ${obj.metadata?.name}: ${errorText(err)}`);
    }
  }
}

/** Kinds a lab creates in the learner namespace; reset deletes their objects, keeping the learner's own. */
const RESET_KINDS: [apiVersion: string, kind: string][] = [
  ['apps/v1', 'Deployment'], ['apps/v1', 'StatefulSet'], ['apps/v1', 'DaemonSet'], ['apps/v1', 'ReplicaSet'], ['batch/v1', 'Job'],
  ['v1', 'Pod'], ['v1', 'Service'], ['v1', 'ConfigMap'], ['v1', 'Secret'], ['v1', 'ServiceAccount'],
  ['networking.istio.io/v1', 'Gateway'], ['networking.istio.io/v1', 'VirtualService'], ['networking.istio.io/v1', 'DestinationRule'],
  ['networking.istio.io/v1', 'ServiceEntry'], ['networking.istio.io/v1', 'Sidecar'],
];

class ExistingClusterHandle implements ClusterHandle {
  readonly driver = 'existing' as const;
  /** Namespaces present right after create, when labs may create their own (operator credentials). */
  private baselineNamespaces?: Set<string>;
  readonly id: string;
  readonly learnerNamespace: string;
  private destroyed = false;

  constructor(
    private readonly kc: KubeConfig,
    private readonly plan: LearnerPlan,
    readonly ingress: IngressAddress,
    readonly kubeconfigPath: string,
    private readonly dir: string,
  ) {
    this.id = `existing-${plan.learner}`;
    this.learnerNamespace = plan.namespace;
  }

  shellEnv(): Record<string, string> {
    const env: Record<string, string> = {
      KUBECONFIG: this.kubeconfigPath,
      INGRESS_HOST: this.ingress.host,
      INGRESS_PORT: String(this.ingress.port),
      LEARNER_NAMESPACE: this.plan.namespace,
      LEARNER_HOST: this.plan.hostname,
    };
    if (this.ingress.securePort) env.SECURE_INGRESS_PORT = String(this.ingress.securePort);
    return env;
  }

  async recordNamespaces(): Promise<void> {
    const list = await this.kc.makeApiClient(CoreV1Api).listNamespace();
    this.baselineNamespaces = new Set(list.items.map((n) => n.metadata?.name ?? ''));
  }

  /** Namespaces created since create(), except other learners' (they carry meshlab's learner label). */
  private async removeNewNamespaces(): Promise<void> {
    if (!this.baselineNamespaces) return;
    const core = this.kc.makeApiClient(CoreV1Api);
    for (const ns of (await core.listNamespace()).items) {
      const name = ns.metadata?.name;
      if (!name || this.baselineNamespaces.has(name) || ns.metadata?.labels?.[LEARNER_LABEL]) continue;
      await core.deleteNamespace({ name }).catch((err: unknown) => {
        if (statusOf(err) !== 404) throw err;
      });
    }
  }

  /** Deletes what the labs made in the learner's namespace; the namespace, its RBAC and token stay. */
  async reset(progress: ProgressSink = silentProgress): Promise<void> {
    progress.start(`Resetting ${this.plan.namespace}`);
    const api = KubernetesObjectApi.makeApiClient(this.kc);
    const keep = new Set([`ServiceAccount/${this.plan.serviceAccount}`, 'ServiceAccount/default', 'ConfigMap/kube-root-ca.crt', `Secret/${this.plan.serviceAccount}-token`]);
    for (const [apiVersion, kind] of RESET_KINDS) {
      let items: KubernetesObject[] = [];
      try {
        items = (await api.list(apiVersion, kind, this.plan.namespace)).items;
      } catch (err) {
        // A kind the cluster does not serve (no CRD, or not in discovery) has nothing to delete.
        if (statusOf(err) === 404 || /Unrecognized API version and kind/.test(String((err as Error)?.message))) continue;
        throw err;
      }
      for (const item of items) {
        if (keep.has(`${kind}/${item.metadata?.name}`)) continue;
        if (kind === 'Secret' && (item as { type?: string }).type === 'kubernetes.io/service-account-token') continue;
        await api.delete({ apiVersion, kind, metadata: { name: item.metadata!.name!, namespace: this.plan.namespace } }, undefined, undefined, 0, undefined, 'Background').catch((err: unknown) => {
          if (statusOf(err) !== 404) throw err;
        });
      }
    }
    // Labs label their namespace (injection); put the planned labels back.
    await ensure(api, this.plan.objects[0]!);
    await this.removeNewNamespaces();
    progress.end(`Resetting ${this.plan.namespace}`, true);
  }

  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    await this.removeNewNamespaces();
    await removeLearner(this.kc, this.plan);
    await rm(this.dir, { recursive: true, force: true });
  }
}

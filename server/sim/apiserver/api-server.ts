// The embedded cluster's Kubernetes API server: HTTPS on 127.0.0.1 serving discovery, OpenAPI,
// resource verbs, watch and the pods/log, pods/exec and serviceaccounts/token subresources over one
// ObjectStore. Every request is authenticated (the admin token or a ServiceAccount token) and
// authorized by RBAC. Many can run in one process; each has its own store, token and signing key.
import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { stringify as toYaml } from 'yaml';
import type { ObjectStore, Clock, KubeObject } from '../store/object-store.ts';
import { systemClock } from '../store/object-store.ts';
import type { LogBook } from '../logs/log-book.ts';
import type { ExecBackend } from '../exec/exec-backend.ts';
import type { AdmissionPlugin } from './admission.ts';
import { AGGREGATED_V2BETA1_CONTENT_TYPE, AGGREGATED_V2_CONTENT_TYPE, SERVER_VERSION, aggregatedDiscovery, apiGroup, apiGroupList, apiResourceList, apiVersions, wantsAggregated } from './discovery.ts';
import { MAX_BODY_BYTES, mediaType, readBody, sendError, sendJson, sendJsonList, wantsPartialMetadata, wantsTable } from './http-io.ts';
import { apiLimitsFromEnv, type ApiLimits } from './limits.ts';
import { QuotaTracker } from './quota.ts';
import type { ListPage } from './list-paging.ts';
import { OpenApiDocs } from './openapi.ts';
import { parseResourcePath } from './request-info.ts';
import { ResourceRegistry, apiVersionOf, storeKey, type ResourceType } from './resources.ts';
import { RestHandlers, type RestRequest, type RestResult } from './rest-handlers.ts';
import { ServiceAllocations } from './service-allocations.ts';
import { ApiError, errors } from './status.ts';
import { toTable, type IncludeObject } from './tables.ts';
import { newToken, tlsMaterial } from './tls.ts';
import { serveWatch } from './watch.ts';
import { servePodLog } from './pod-log.ts';
import { handleExecUpgrade } from './pod-exec.ts';
import { GarbageCollector } from './garbage-collector.ts';
import { serveScale } from './scale.ts';
import { ServiceAccountTokens } from './service-account-tokens.ts';
import { createTokenRequest } from './token-request.ts';
import { authenticateRequest, type UserInfo } from './authentication.ts';
import { authorizeOrThrow, forbidden, requestAttributes } from './authorization.ts';
import { RbacAuthorizer } from './rbac.ts';
import { impersonatedUser } from './impersonation.ts';
import { confirmNoEscalation } from './escalation.ts';
import { ensureBootstrapPolicy, startClusterRoleAggregation } from './bootstrap-policy.ts';
import { selfReview } from './self-review.ts';
import { CrdRegistrar } from './crd-registrar.ts';
import { ApiExtensions } from './extensions.ts';
import type { Logger } from 'pino';
import { componentLogger, createLogger } from '../../util/logger.ts';

let logger: Logger | undefined;
const apiLog = (): Logger => (logger ??= componentLogger(createLogger(), 'apiserver'));

export interface ApiServerOptions {
  store: ObjectStore;
  logs: LogBook;
  exec?: ExecBackend;
  admission?: AdmissionPlugin[];
  clock?: Clock;
  clusterName: string;
  /** Run the built-in garbage collector and namespace finalizer (default true). */
  garbageCollector?: boolean;
  /** Request, connection and object limits (default: from the environment, see limits.ts). */
  limits?: ApiLimits;
  /** Non-resource paths addons serve (default: a registry of its own, empty). */
  extensions?: ApiExtensions;
}

/** How long a client told 429 should wait, as API Priority and Fairness answers by default. */
const RETRY_AFTER_SECONDS = 1;

function listMeta(page: ListPage): Record<string, unknown> {
  const meta: Record<string, unknown> = { resourceVersion: page.resourceVersion };
  if (page.continue) meta.continue = page.continue;
  if (page.remainingItemCount !== undefined) meta.remainingItemCount = page.remainingItemCount;
  return meta;
}

const TABLE_CONTENT_TYPE = 'application/json;as=Table;v=v1;g=meta.k8s.io';
const ENDPOINTS_WARNING = '299 - "v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice"';

function warningHeader(warnings: string[] | undefined): Record<string, string> {
  if (!warnings || warnings.length === 0) return {};
  // Several Warning values are sent comma-separated in one header here.
  return { Warning: warnings.map((w) => `299 - ${JSON.stringify(w)}`).join(', ') };
}

export class ApiServer {
  readonly token = newToken();
  readonly registry = new ResourceRegistry();
  readonly admission: AdmissionPlugin[];
  /** Non-resource GET paths addons serve (`/meshlab/v1/requests`, istioctl's answers). */
  readonly extensions: ApiExtensions;
  private readonly clock: Clock;
  private readonly handlers: RestHandlers;
  private openapi: OpenApiDocs;
  private readonly crds: CrdRegistrar;
  private readonly services: ServiceAllocations;
  private readonly gc: GarbageCollector | undefined;
  private server: Server | undefined;
  private address: string | undefined;
  private readonly unwatchServices: () => void;
  private readonly sockets = new Set<Duplex>();
  /** Open connections by remote address, oldest first, with their requests in progress. */
  private readonly connections = new Map<string, { socket: Duplex; busy: number }>();
  private inFlight = 0;
  readonly limits: ApiLimits;
  readonly quota: QuotaTracker;
  /** ServiceAccount tokens: issued by the TokenRequest API, accepted as bearer tokens. */
  readonly serviceAccountTokens: ServiceAccountTokens;
  /** Authorizes every request after authentication, from the cluster's Roles and bindings. */
  readonly rbac: RbacAuthorizer;
  private readonly stopAggregation: () => void;

  constructor(private readonly options: ApiServerOptions) {
    this.clock = options.clock ?? systemClock;
    this.admission = options.admission ?? [];
    this.extensions = options.extensions ?? new ApiExtensions();
    this.services = new ServiceAllocations(options.store);
    this.limits = options.limits ?? apiLimitsFromEnv();
    this.quota = new QuotaTracker(options.store, this.limits.objectBudget);
    this.serviceAccountTokens = new ServiceAccountTokens(options.store, this.clock);
    ensureBootstrapPolicy(options.store);
    this.stopAggregation = startClusterRoleAggregation(options.store);
    this.rbac = new RbacAuthorizer(options.store);
    this.handlers = new RestHandlers({ store: options.store, registry: this.registry, clock: this.clock, admission: this.admission, services: this.services, quota: this.quota });
    this.openapi = new OpenApiDocs(this.registry);
    this.registry.onChange(() => {
      this.openapi = new OpenApiDocs(this.registry);
    });
    this.crds = new CrdRegistrar(options.store, this.registry);
    for (const svc of options.store.list('services').items) this.services.adopt(svc);
    this.unwatchServices = options.store.watch('services', (ev) => {
      if (ev.type === 'DELETED') this.services.release('services', ev.object);
      else if (ev.type === 'ADDED') this.services.adopt(ev.object);
    });
    this.gc = options.garbageCollector === false ? undefined : new GarbageCollector(options.store, this.registry);
  }

  get caPem(): string {
    return tlsMaterial().caPem;
  }

  get url(): string {
    if (!this.address) throw new Error('ApiServer is not listening');
    return `https://${this.address}`;
  }

  async listen(): Promise<{ url: string }> {
    if (this.server) return { url: this.url };
    const tls = tlsMaterial();
    const server = createServer({ cert: tls.certPem, key: tls.keyPem, ca: tls.caPem, maxHeaderSize: 64 * 1024 }, (req, res) => {
      this.admitRequest(req, res);
    });
    server.keepAliveTimeout = 60_000;
    server.headersTimeout = 30_000;
    server.requestTimeout = 0;
    server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      const key = `${s.remoteAddress}:${s.remotePort}`;
      s.on('close', () => {
        this.sockets.delete(s);
        if (this.connections.get(key)?.socket === s) this.connections.delete(key);
      });
      if (!this.makeRoomForConnection()) {
        s.destroy();
        return;
      }
      this.connections.set(key, { socket: s, busy: 0 });
    });
    server.on('upgrade', (req, socket, head) => {
      this.handleUpgrade(req, socket, head).catch((err: unknown) => {
        apiLog().error({ err, url: req.url }, 'upgrade request failed');
        socket.destroy();
      });
    });
    server.on('clientError', (_err, socket) => {
      // Malformed HTTP gets a plain 400, as Go's net/http answers it.
      if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nConnection: close\r\n\r\n400 Bad Request');
      else socket.destroy();
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.server = server;
    const addr = server.address() as AddressInfo;
    this.address = `127.0.0.1:${addr.port}`;
    return { url: this.url };
  }

  /** Open connections and requests in progress (for tests and the benchmark). */
  get load(): { connections: number; inFlight: number } {
    return { connections: this.connections.size, inFlight: this.inFlight };
  }

  /** At the connection cap, closes the oldest idle connection; false when every one is busy. */
  private makeRoomForConnection(): boolean {
    const cap = this.limits.maxConnections;
    if (cap <= 0 || this.connections.size < cap) return true;
    for (const [key, c] of this.connections) {
      if (c.busy > 0) continue;
      this.connections.delete(key);
      c.socket.destroy();
      return true;
    }
    return false;
  }

  private connectionOf(req: IncomingMessage): { busy: number } | undefined {
    return this.connections.get(`${req.socket.remoteAddress}:${req.socket.remotePort}`);
  }

  /** Long-running requests (watches, followed logs) are outside the in-flight cap, as in APF. */
  private longRunning(req: IncomingMessage): boolean {
    const url = req.url ?? '';
    return /[?&]watch=(true|1)(&|$)/.test(url) || url.includes('/watch/') || (/\/log(\?|$)/.test(url) && /[?&]follow=true/.test(url));
  }

  private admitRequest(req: IncomingMessage, res: ServerResponse): void {
    const conn = this.connectionOf(req);
    if (conn) conn.busy++;
    const counted = !this.longRunning(req);
    res.once('close', () => {
      if (conn) conn.busy--;
      if (counted) this.inFlight--;
    });
    if (counted) this.inFlight++;
    const cap = this.limits.maxInFlight;
    if (counted && cap > 0 && this.inFlight > cap) {
      req.resume();
      return sendJson(res, 429, errors.tooManyRequests(RETRY_AFTER_SECONDS).toStatus(), 'application/json', { 'Retry-After': String(RETRY_AFTER_SECONDS) });
    }
    this.handle(req, res).catch((err) => sendError(res, err));
  }

  async close(): Promise<void> {
    this.unwatchServices();
    this.stopAggregation();
    this.quota.stop();
    this.gc?.stop();
    this.crds.stop();
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  /**
   * Creates an object through the same pipeline as `kubectl create` (defaults, cluster IP and node
   * port allocation, admission, validation), without HTTP: for preinstalled objects. Throws ApiError.
   */
  create(object: KubeObject, options: { fieldManager?: string } = {}): KubeObject {
    const type = this.registry.forKind(object.apiVersion, object.kind);
    if (!type) throw errors.badRequest(`no kind "${object.kind}" is registered for version "${object.apiVersion}"`);
    const version = object.apiVersion.includes('/') ? object.apiVersion.split('/')[1]! : object.apiVersion;
    const query = new URLSearchParams({ fieldManager: options.fieldManager ?? 'meshlab' });
    const result = this.handlers.create({ type, version, namespace: type.namespaced ? (object.metadata.namespace ?? 'default') : undefined, query, contentType: 'application/json', body: Buffer.from(JSON.stringify(object)) });
    return result.body as KubeObject;
  }

  /** A kubeconfig for this cluster (CA data and bearer token inline). */
  kubeconfig(): string {
    const name = this.options.clusterName;
    return toYaml({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name, cluster: { server: this.url, 'certificate-authority-data': Buffer.from(this.caPem).toString('base64') } }],
      users: [{ name, user: { token: this.token } }],
      contexts: [{ name, context: { cluster: name, user: name, namespace: 'default' } }],
      'current-context': name,
      preferences: {},
    });
  }

  /** The request's user, or undefined (401): the admin token or a live ServiceAccount token. */
  private authenticate(req: IncomingMessage): UserInfo | undefined {
    return authenticateRequest(req, this.token, this.serviceAccountTokens);
  }

  private async handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    // A client that resets mid-upgrade must not take the process down.
    socket.on('error', () => socket.destroy());
    const url = new URL(req.url ?? '/', 'https://localhost');
    const fail = (err: ApiError): void => {
      const body = JSON.stringify(err.toStatus());
      socket.end(`HTTP/1.1 ${err.code} ${err.reason}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`);
    };
    const authenticated = this.authenticate(req);
    if (!authenticated) return fail(errors.unauthorized());
    const path = (req.url ?? '/').split('?')[0]!;
    try {
      const user = impersonatedUser(req, authenticated, this.rbac);
      const attrs = requestAttributes(user, 'GET', path, url.searchParams);
      authorizeOrThrow(this.rbac, attrs);
      // Since 1.35 a WebSocket exec, attach or port-forward also needs "create" (as SPDY's POST always did).
      if (attrs.resourceRequest && attrs.resource === 'pods' && ['exec', 'attach', 'portforward'].includes(attrs.subresource ?? '')) authorizeOrThrow(this.rbac, { ...attrs, verb: 'create' });
    } catch (err) {
      if (err instanceof ApiError) return fail(err);
      throw err;
    }
    const info = parseResourcePath(url.pathname);
    if (info?.resource === 'pods' && info.subresource === 'portforward') {
      return fail(errors.badRequest('port-forward is not supported by the embedded cluster: reach services through the ingress gateway ($INGRESS_HOST:$INGRESS_PORT) or kubectl exec'));
    }
    if (!info || info.group !== '' || info.resource !== 'pods' || !info.name || !['exec', 'attach'].includes(info.subresource ?? '') || !info.namespace) {
      return fail(errors.pathNotFound());
    }
    const pod = this.options.store.get('pods', info.namespace, info.name);
    if (!pod) return fail(errors.notFound('', 'pods', info.name));
    await handleExecUpgrade({ req, socket, head, url, pod, backend: this.options.exec, subresource: info.subresource! }).catch((err) => {
      if (err instanceof ApiError) fail(err);
      else socket.destroy();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'https://localhost');
    // The raw path, not URL's normalized one: "%2e%2e" must stay a name, never become "..".
    const path = (req.url ?? '/').split('?')[0]!;
    const method = req.method ?? 'GET';
    if (method === 'GET' && (path === '/version' || path === '/version/')) return sendJson(res, 200, SERVER_VERSION);
    if (method === 'GET' && ['/healthz', '/livez', '/readyz'].includes(path)) {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('ok');
      return;
    }
    const authenticated = this.authenticate(req);
    if (!authenticated) {
      req.resume();
      return sendJson(res, 401, errors.unauthorized().toStatus());
    }
    let user: UserInfo;
    try {
      user = impersonatedUser(req, authenticated, this.rbac);
    } catch (err) {
      req.resume();
      return sendError(res, err);
    }
    const attributes = requestAttributes(user, method, path, url.searchParams);
    const decision = this.rbac.authorize(attributes);
    if (!decision.allowed) {
      req.resume();
      return sendError(res, forbidden(attributes, decision.reason));
    }
    const extension = method === 'GET' ? this.extensions.handlerFor(path) : undefined;
    if (extension) return extension(req, res, url);
    if (path === '/api' || path === '/api/' || path === '/apis' || path === '/apis/') return this.discovery(req, res, path.startsWith('/api/') || path === '/api');
    if (path === '/openapi/v3' || path === '/openapi/v3/') return this.sendText(res, 200, this.openapi.indexJson(), 'application/json');
    if (path.startsWith('/openapi/v3/')) {
      const doc = this.openapi.groupVersionJson(path.slice('/openapi/v3/'.length));
      if (!doc) return sendJson(res, 404, errors.pathNotFound().toStatus());
      return this.sendText(res, 200, doc, 'application/json');
    }
    const parts = path.split('/').filter(Boolean);
    if (method === 'GET' && parts[0] === 'api' && parts.length === 2) {
      const list = apiResourceList(this.registry, '', parts[1]!);
      return list ? sendJson(res, 200, list) : sendJson(res, 404, errors.pathNotFound().toStatus());
    }
    if (method === 'GET' && parts[0] === 'apis' && parts.length === 2) {
      const g = apiGroup(this.registry, parts[1]!);
      return g ? sendJson(res, 200, g) : sendJson(res, 404, errors.pathNotFound().toStatus());
    }
    if (method === 'GET' && parts[0] === 'apis' && parts.length === 3) {
      const list = apiResourceList(this.registry, parts[1]!, parts[2]!);
      return list ? sendJson(res, 200, list) : sendJson(res, 404, errors.pathNotFound().toStatus());
    }
    const info = parseResourcePath(path);
    const type = info?.resource ? this.registry.lookup(info.group, info.version, info.resource) : undefined;
    if (!info || !type) {
      req.resume();
      return sendJson(res, 404, errors.pathNotFound().toStatus());
    }
    if (!type.namespaced && info.namespace !== undefined) return sendJson(res, 404, errors.pathNotFound().toStatus());
    if (info.subresource && !type.subresources.includes(info.subresource)) return sendJson(res, 404, errors.pathNotFound().toStatus());

    let body: Buffer | undefined;
    if (method === 'POST' || method === 'PUT' || method === 'PATCH' || method === 'DELETE') body = await readBody(req, MAX_BODY_BYTES);
    const rest: RestRequest = {
      type,
      version: info.version,
      namespace: info.namespace,
      name: info.name,
      subresource: info.subresource,
      query: url.searchParams,
      contentType: mediaType(req.headers['content-type']),
      userAgent: req.headers['user-agent'],
      body,
    };
    if (type.group === 'rbac.authorization.k8s.io' && !info.subresource) rest.authorizeObject = (obj) => confirmNoEscalation(this.rbac, user, type.resource, info.namespace ?? '', obj);
    const accept = req.headers.accept;
    const table = wantsTable(accept);
    const partial = !table && wantsPartialMetadata(accept);
    const PARTIAL_CONTENT_TYPE = 'application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1';
    const include = (url.searchParams.get('includeObject') ?? 'Metadata') as IncludeObject;
    if (!['None', 'Metadata', 'Object'].includes(include)) throw errors.badRequest(`includeObject: Unsupported value: "${include}"`);
    const extraHeaders: Record<string, string> = type.group === '' && type.resource === 'endpoints' ? { Warning: ENDPOINTS_WARNING } : {};

    if (info.subresource === 'log') {
      if (method !== 'GET') throw errors.methodNotAllowed('the server does not allow this method on the requested resource');
      return servePodLog(this.options.store, this.options.logs, this.clock, rest, req, res);
    }
    if (info.subresource === 'portforward') {
      throw errors.badRequest('port-forward is not supported by the embedded cluster: reach services through the ingress gateway ($INGRESS_HOST:$INGRESS_PORT) or kubectl exec');
    }
    if (info.subresource === 'exec' || info.subresource === 'attach') {
      throw errors.badRequest('Upgrade request required: pods/exec is served over WebSocket (v5.channel.k8s.io); SPDY is not supported by this cluster, use kubectl 1.30 or newer');
    }
    if (info.subresource === 'scale') return serveScale(this.handlers, method, rest, res);
    if (info.subresource === 'token') {
      if (!info.namespace || !info.name) return sendJson(res, 404, errors.pathNotFound().toStatus());
      if (method !== 'POST') throw errors.methodNotAllowed('the server does not allow this method on the requested resource');
      const answer = createTokenRequest({ store: this.options.store, tokens: this.serviceAccountTokens, namespace: info.namespace!, name: info.name!, body, contentType: rest.contentType });
      return sendJson(res, answer.code, answer.body);
    }

    const isWatch = info.watchPrefix || url.searchParams.get('watch') === 'true' || url.searchParams.get('watch') === '1';
    if (!info.subresource) {
      const verb = { GET: isWatch ? 'watch' : info.name ? 'get' : 'list', POST: 'create', PUT: 'update', PATCH: 'patch', DELETE: info.name ? 'delete' : 'deletecollection' }[method];
      if (verb && !type.verbs.includes(verb)) throw errors.methodNotAllowed('the server does not allow this method on the requested resource');
    }
    const send = (result: RestResult): void => {
      let out = result.body;
      let contentType = 'application/json';
      if (table && out && typeof out === 'object' && (out as { kind?: string }).kind === type.kind) {
        out = toTable(type, [out as never], this.clock.now(), { include });
        contentType = TABLE_CONTENT_TYPE;
      }
      sendJson(res, result.code, out, contentType, { ...extraHeaders, ...warningHeader(result.warnings) });
    };

    switch (method) {
      case 'GET': {
        if (isWatch) {
          if (info.name && !info.watchPrefix) throw errors.methodNotAllowed('the server does not allow this method on the requested resource');
          return serveWatch(this.options.store, this.clock, this.handlers, rest, req, res, { table, include });
        }
        if (info.name) {
          const got = this.handlers.get(rest);
          if (partial) return sendJson(res, 200, { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: (got.body as KubeObject).metadata }, PARTIAL_CONTENT_TYPE, extraHeaders);
          return send(got);
        }
        // Listing in a missing namespace is not an error in Kubernetes: it is just empty.
        const page = this.handlers.page(rest);
        const { items } = page;
        if (table) {
          const { rows, ...tableHead } = toTable(type, items, this.clock.now(), { resourceVersion: page.resourceVersion, include });
          return sendJsonList(res, 200, { ...tableHead, metadata: listMeta(page) }, 'rows', rows, TABLE_CONTENT_TYPE, extraHeaders);
        }
        if (partial) {
          const metaItems = items.map((o) => ({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: o.metadata }));
          return sendJsonList(res, 200, { kind: 'PartialObjectMetadataList', apiVersion: 'meta.k8s.io/v1', metadata: listMeta(page) }, 'items', metaItems, 'application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1', extraHeaders);
        }
        return sendJsonList(res, 200, { kind: `${type.kind}List`, apiVersion: apiVersionOf(type.group, info.version), metadata: listMeta(page) }, 'items', items, 'application/json', extraHeaders);
      }
      case 'POST':
        if (info.name) throw errors.methodNotAllowed('the server does not allow this method on the requested resource');
        if (type.group === 'authorization.k8s.io' || type.group === 'authentication.k8s.io') return sendJson(res, 201, selfReview(type.kind, rest.body, rest.contentType, user, this.rbac));
        return send(this.handlers.create(rest));
      case 'PUT':
        if (!info.name) throw errors.methodNotAllowed('the server does not allow this method on the requested resource');
        if (info.subresource === 'finalize') return send(this.handlers.update({ ...rest, subresource: undefined }));
        return send(this.handlers.update(rest));
      case 'PATCH':
        if (!info.name) throw errors.methodNotAllowed('the server does not allow this method on the requested resource');
        return send(this.handlers.patch(rest));
      case 'DELETE':
        if (!info.name) return send(this.handlers.deleteCollection(rest));
        return send(this.handlers.delete(rest));
      default:
        throw errors.methodNotAllowed('the server does not allow this method on the requested resource');
    }
  }

  private discovery(req: IncomingMessage, res: ServerResponse, core: boolean): void {
    const agg = wantsAggregated(req.headers.accept);
    if (agg) {
      const doc = aggregatedDiscovery(this.registry, core, agg);
      const ct = agg === 'v2' ? AGGREGATED_V2_CONTENT_TYPE : AGGREGATED_V2BETA1_CONTENT_TYPE;
      return sendJson(res, 200, doc, ct, { Vary: 'Accept' });
    }
    sendJson(res, 200, core ? apiVersions(this.address ?? '127.0.0.1') : apiGroupList(this.registry), 'application/json', { Vary: 'Accept' });
  }

  private sendText(res: ServerResponse, code: number, text: string, contentType: string): void {
    res.writeHead(code, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  }
}

export { storeKey, type ResourceType };

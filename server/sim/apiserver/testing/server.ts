// A ready API server over a fresh store, for tests of this and other parts: namespaces
// default/kube-system/istio-system exist, and a kubeconfig file is written to a temp dir.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request as httpsRequest } from 'node:https';
import { ObjectStore, type Clock } from '../../store/object-store.ts';
import { LogBook } from '../../logs/log-book.ts';
import type { ExecBackend } from '../../exec/exec-backend.ts';
import type { AdmissionPlugin } from '../admission.ts';
import { ApiServer } from '../api-server.ts';
import type { ApiLimits } from '../limits.ts';

export interface TestApiServer {
  api: ApiServer;
  store: ObjectStore;
  logs: LogBook;
  /** A kubeconfig file for this server. */
  kubeconfigPath: string;
  /** A fresh directory (e.g. for kubectl --cache-dir); removed by close(). */
  dir: string;
  close(): Promise<void>;
}

export const BASE_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease', 'istio-system'];

export async function startTestApiServer(options: { exec?: ExecBackend; admission?: AdmissionPlugin[]; clock?: Clock; namespaces?: string[]; limits?: ApiLimits } = {}): Promise<TestApiServer> {
  const store = new ObjectStore(options.clock);
  const logs = new LogBook();
  for (const name of options.namespaces ?? BASE_NAMESPACES) {
    store.create('namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name, labels: { 'kubernetes.io/metadata.name': name } },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    });
  }
  const api = new ApiServer({ store, logs, exec: options.exec, admission: options.admission, clock: options.clock, clusterName: 'meshlab-test', limits: options.limits });
  await api.listen();
  const dir = mkdtempSync(join(tmpdir(), 'meshlab-api-'));
  const kubeconfigPath = join(dir, 'kubeconfig');
  writeFileSync(kubeconfigPath, api.kubeconfig(), { mode: 0o600 });
  return {
    api,
    store,
    logs,
    kubeconfigPath,
    dir,
    async close() {
      await api.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface ApiResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: any;
}

/** One HTTPS request to a test API server with its token (or `token`); JSON bodies are encoded and decoded. */
export function apiRequest(api: ApiServer, method: string, path: string, body?: unknown, contentType = 'application/json', accept = 'application/json', token = api.token): Promise<ApiResponse> {
  const url = new URL(api.url);
  const payload = body === undefined ? undefined : typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  const headers: Record<string, string> = { Authorization: `Bearer ${token}`, Accept: accept };
  if (payload !== undefined) {
    headers['Content-Type'] = contentType;
    headers['Content-Length'] = String(Buffer.byteLength(payload));
  }
  return new Promise((resolve, reject) => {
    const req = httpsRequest({ host: url.hostname, port: url.port, path, method, headers, ca: api.caPem }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        let parsed: unknown = text;
        try {
          parsed = JSON.parse(text);
        } catch {
          // Not JSON (logs): keep the text.
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parsed });
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

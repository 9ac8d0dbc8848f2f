// How Istio's gateway controller writes the objects it deploys: server-side apply through the
// cluster's own API server (as istiod does), so Services get their cluster IP and node ports,
// pods their defaults, and every admission plugin runs. Reads the cluster's kubeconfig.
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { parse as parseYaml } from 'yaml';
import type { KubeObject } from '../store/object-store.ts';
import type { UntypedObject as Obj } from '../meta/untyped.ts';

const PLURALS: Record<string, string> = { ServiceAccount: 'serviceaccounts', Service: 'services', Deployment: 'deployments' };
const TIMEOUT_MS = 10_000;

export class ApplyError extends Error {}

export class ClusterApiClient {
  private constructor(
    private readonly server: URL,
    private readonly ca: string,
    private readonly token: string,
  ) {}

  static fromKubeconfig(path: string): ClusterApiClient {
    const config = parseYaml(readFileSync(path, 'utf8')) as Obj;
    const cluster = config.clusters?.[0]?.cluster;
    const token = config.users?.[0]?.user?.token;
    if (!cluster?.server || !cluster['certificate-authority-data'] || typeof token !== 'string') throw new Error(`${path}: no server, CA and token in the kubeconfig`);
    return new ClusterApiClient(new URL(cluster.server), Buffer.from(cluster['certificate-authority-data'], 'base64').toString('utf8'), token);
  }

  /** Server-side apply of `obj` (ServiceAccount, Service or Deployment), taking over conflicting fields. */
  apply(obj: KubeObject, fieldManager: string): Promise<KubeObject> {
    const plural = PLURALS[obj.kind];
    if (!plural || !obj.metadata.namespace) return Promise.reject(new ApplyError(`cannot apply ${obj.kind} ${obj.metadata.name}`));
    const base = obj.apiVersion === 'v1' ? '/api/v1' : `/apis/${obj.apiVersion}`;
    const path = `${base}/namespaces/${encodeURIComponent(obj.metadata.namespace)}/${plural}/${encodeURIComponent(obj.metadata.name)}?fieldManager=${encodeURIComponent(fieldManager)}&force=true`;
    const body = Buffer.from(JSON.stringify(obj));
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: this.server.hostname,
          port: this.server.port,
          path,
          method: 'PATCH',
          ca: this.ca,
          headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/apply-patch+yaml', accept: 'application/json', 'content-length': body.length },
          timeout: TIMEOUT_MS,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if ((res.statusCode ?? 500) >= 300) reject(new ApplyError(`apply ${obj.kind} ${obj.metadata.namespace}/${obj.metadata.name}: ${res.statusCode} ${text.slice(0, 500)}`));
            else resolve(JSON.parse(text) as KubeObject);
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new ApplyError(`apply ${obj.kind} ${obj.metadata.name}: no answer in ${TIMEOUT_MS} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  }
}

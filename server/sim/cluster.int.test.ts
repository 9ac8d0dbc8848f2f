// The chapter's flow with the real kubectl against an EmbeddedCluster, compared with what a real
// cluster prints (shared reference outputs: kubectl tables, messages, describe layout).
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findTool } from '../tools/binaries.ts';
import { EmbeddedCluster } from './cluster.ts';

const run = promisify(execFile);

const HTTPBIN = `apiVersion: v1
kind: ServiceAccount
metadata:
  name: httpbin
---
apiVersion: v1
kind: Service
metadata:
  name: httpbin
  labels:
    app: httpbin
    service: httpbin
spec:
  ports:
  - name: http
    port: 8000
    targetPort: 80
  selector:
    app: httpbin
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: httpbin
spec:
  replicas: 1
  selector:
    matchLabels:
      app: httpbin
      version: v1
  template:
    metadata:
      labels:
        app: httpbin
        version: v1
    spec:
      serviceAccountName: httpbin
      containers:
      - image: docker.io/kennethreitz/httpbin
        imagePullPolicy: IfNotPresent
        name: httpbin
        ports:
        - containerPort: 80
`;

let cluster: EmbeddedCluster;
let work: string;
let kubectlPath: string;

async function kubectl(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(kubectlPath, args, {
      env: { PATH: process.env.PATH ?? '', HOME: work, KUBECONFIG: cluster.kubeconfigPath, KUBECACHEDIR: join(work, 'cache') },
      timeout: 30_000,
    });
    return { code: 0, stdout: r.stdout, stderr: r.stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : 1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

/** Split a kubectl table into cells by its column starts (the header's words). */
function table(out: string): Record<string, string>[] {
  const lines = out.trimEnd().split('\n');
  const header = lines[0]!;
  const starts = [...header.matchAll(/\S+(?: \S+)*/g)].map((m) => ({ name: m[0], at: m.index! }));
  return lines.slice(1).map((line) => {
    const row: Record<string, string> = {};
    starts.forEach((col, i) => {
      row[col.name] = line.slice(col.at, starts[i + 1]?.at ?? undefined).trim();
    });
    return row;
  });
}

beforeAll(async () => {
  kubectlPath = findTool('kubectl');
  work = await mkdtemp(join(tmpdir(), 'meshlab-cluster-int-'));
  await writeFile(join(work, 'httpbin.yaml'), HTTPBIN);
  cluster = await EmbeddedCluster.start({ dataDir: work, timing: { podScheduleMs: 20, podStartMs: 60, podReadyMs: 40 } });
});

afterAll(async () => {
  await cluster?.stop();
  await rm(work, { recursive: true, force: true });
});

describe('a fresh embedded cluster', () => {
  it('lists the namespaces of kind plus istio-system, all Active', async () => {
    const r = await kubectl('get', 'ns');
    expect(r.code).toBe(0);
    const rows = table(r.stdout);
    expect(Object.keys(rows[0]!)).toEqual(['NAME', 'STATUS', 'AGE']);
    expect(rows.map((x) => x.NAME)).toEqual(['default', 'istio-system', 'kube-node-lease', 'kube-public', 'kube-system']);
    expect(new Set(rows.map((x) => x.STATUS))).toEqual(new Set(['Active']));
  });

  it('shows the ingress gateway Service as LoadBalancer with <pending> and node ports (reference §5)', async () => {
    const r = await kubectl('get', 'svc', 'istio-ingressgateway', '-n', 'istio-system');
    expect(r.code).toBe(0);
    const [row] = table(r.stdout);
    expect(Object.keys(row!)).toEqual(['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
    expect(row).toMatchObject({ NAME: 'istio-ingressgateway', TYPE: 'LoadBalancer', 'EXTERNAL-IP': '<pending>' });
    expect(row!['CLUSTER-IP']).toMatch(/^10\.96\.\d+\.\d+$/);
    expect(row!['PORT(S)']).toMatch(/^15021:\d{5}\/TCP,80:(\d{5})\/TCP,443:(\d{5})\/TCP$/);
    expect(row!['PORT(S)']).toContain(`80:${cluster.ingress.port}/TCP`);
    expect(row!['PORT(S)']).toContain(`443:${cluster.ingress.securePort}/TCP`);
  });

  it('runs istiod and the ingress gateway, 1/1 each (kubectl get all -n istio-system)', async () => {
    const r = await kubectl('get', 'all', '-n', 'istio-system');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^pod\/istio-ingressgateway-[a-z0-9]{8,10}-[a-z0-9]{5}\s+1\/1\s+Running\s+0\s+/m);
    expect(r.stdout).toMatch(/^pod\/istiod-[a-z0-9]{8,10}-[a-z0-9]{5}\s+1\/1\s+Running\s+0\s+/m);
    expect(r.stdout).toMatch(/^service\/istiod\s+ClusterIP\s+10\.96\.\d+\.\d+\s+<none>\s+15010\/TCP,15012\/TCP,443\/TCP,15014\/TCP\s+/m);
    expect(r.stdout).toMatch(/^deployment\.apps\/istiod\s+1\/1\s+1\s+1\s+/m);
    expect(r.stdout).toMatch(/^replicaset\.apps\/istio-ingressgateway-[a-z0-9]{8,10}\s+1\s+1\s+1\s+/m);
    expect(r.stdout).not.toContain('egressgateway');
    const wide = await kubectl('get', 'deploy', 'istiod', '-n', 'istio-system', '-o', 'wide');
    expect(wide.stdout).toMatch(/istiod\s+1\/1\s+1\s+1\s+\S+\s+discovery\s+docker\.io\/istio\/pilot:1\.28\.\d+\s+istio=pilot/);
  });

  it('reports the preinstalled deployments available and rolled out', async () => {
    const wait = await kubectl('wait', '--for=condition=available', 'deploy', '--all', '-n', 'istio-system', '--timeout=5s');
    expect(wait.stdout).toBe('deployment.apps/istio-ingressgateway condition met\ndeployment.apps/istiod condition met\n');
    const rollout = await kubectl('rollout', 'status', 'deploy/istiod', '-n', 'istio-system', '--timeout=5s');
    expect(rollout.stdout).toBe('deployment "istiod" successfully rolled out\n');
  });

  it('has a Ready control-plane node with kind-like labels', async () => {
    const r = await kubectl('get', 'nodes');
    const [row] = table(r.stdout);
    expect(row).toMatchObject({ NAME: 'meshlab-control-plane', STATUS: 'Ready', ROLES: 'control-plane', VERSION: 'v1.35.0' });
  });

  it('lists the Istio CRDs', async () => {
    const r = await kubectl('get', 'crd', '-o', 'name');
    for (const crd of ['gateways', 'virtualservices', 'destinationrules', 'serviceentries', 'sidecars']) {
      expect(r.stdout).toContain(`customresourcedefinition.apiextensions.k8s.io/${crd}.networking.istio.io`);
    }
  });

  it('holds the mesh config with ALLOW_ANY and access logs on stdout', async () => {
    const r = await kubectl('get', 'cm', 'istio', '-n', 'istio-system', '-o', 'jsonpath={.data.mesh}');
    expect(r.stdout).toContain('accessLogFile: /dev/stdout');
    expect(r.stdout).toMatch(/outboundTrafficPolicy:\n\s+mode: ALLOW_ANY/);
  });
});

describe('the chapter flow', () => {
  it('creates and labels the namespace, applies httpbin, and gets 2/2 Running', async () => {
    expect((await kubectl('create', 'ns', 'bookinfo')).stdout).toBe('namespace/bookinfo created\n');
    expect((await kubectl('label', 'ns', 'bookinfo', 'istio-injection=enabled')).stdout).toBe('namespace/bookinfo labeled\n');
    const apply = await kubectl('-n', 'bookinfo', 'apply', '-f', join(work, 'httpbin.yaml'));
    expect(apply.stdout).toBe('serviceaccount/httpbin created\nservice/httpbin created\ndeployment.apps/httpbin created\n');
    const rollout = await kubectl('rollout', 'status', 'deploy/httpbin', '-n', 'bookinfo', '--timeout=20s');
    expect(rollout.code).toBe(0);
    expect(rollout.stdout).toMatch(/deployment "httpbin" successfully rolled out\n$/);
    const wait = await kubectl('wait', '--for=condition=available', 'deploy/httpbin', '-n', 'bookinfo', '--timeout=20s');
    expect(wait.stdout).toBe('deployment.apps/httpbin condition met\n');
    const pods = table((await kubectl('-n', 'bookinfo', 'get', 'pods')).stdout);
    expect(pods).toHaveLength(1);
    expect(pods[0]!.NAME).toMatch(/^httpbin-[bcdfghjklmnpqrstvwxz2456789]{8,10}-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(pods[0]).toMatchObject({ READY: '2/2', STATUS: 'Running', RESTARTS: '0' });
    const again = await kubectl('-n', 'bookinfo', 'apply', '-f', join(work, 'httpbin.yaml'));
    expect(again.stdout).toBe('serviceaccount/httpbin unchanged\nservice/httpbin unchanged\ndeployment.apps/httpbin unchanged\n');
  });

  it('describes the pod with its scheduling and kubelet events', async () => {
    const r = await kubectl('describe', 'pod', '-n', 'bookinfo', '-l', 'app=httpbin');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Node:\s+meshlab-control-plane\/172\.18\.0\.2$/m);
    expect(r.stdout).toMatch(/^Controlled By:\s+ReplicaSet\/httpbin-\w+$/m);
    expect(r.stdout).toMatch(/^Status:\s+Running$/m);
    expect(r.stdout).toMatch(/^Init Containers:\n  istio-init:$/m);
    expect(r.stdout).toMatch(/^  istio-proxy:$/m);
    expect(r.stdout).toMatch(/Normal\s+Scheduled\s+\S+\s+default-scheduler\s+Successfully assigned bookinfo\/httpbin-\S+ to meshlab-control-plane/);
    expect(r.stdout).toMatch(/Normal\s+Started\s+\S+\s+kubelet\s+.*Started container httpbin/);
    expect(r.stdout).toMatch(/^  Ready\s+True $/m);
  });

  it('describes the deployment with its scaling event and conditions', async () => {
    const r = await kubectl('describe', 'deploy', 'httpbin', '-n', 'bookinfo');
    expect(r.stdout).toMatch(/^Replicas:\s+1 desired \| 1 updated \| 1 total \| 1 available \| 0 unavailable$/m);
    expect(r.stdout).toMatch(/^\s+Available\s+True\s+MinimumReplicasAvailable$/m);
    expect(r.stdout).toMatch(/^\s+Progressing\s+True\s+NewReplicaSetAvailable$/m);
    expect(r.stdout).toMatch(/ScalingReplicaSet\s+\S+\s+deployment-controller\s+Scaled up replica set httpbin-\w+ from 0 to 1/);
  });

  it('describes the service with the ready pod as endpoint', async () => {
    const r = await kubectl('describe', 'svc', 'httpbin', '-n', 'bookinfo');
    expect(r.stdout).toMatch(/^Port:\s+http\s+8000\/TCP$/m);
    expect(r.stdout).toMatch(/^TargetPort:\s+80\/TCP$/m);
    expect(r.stdout).toMatch(/^Endpoints:\s+10\.244\.\d+\.\d+:80$/m);
  });

  it('deletes the namespace and everything in it', async () => {
    const r = await kubectl('delete', 'ns', 'bookinfo');
    expect(r.stdout).toBe('namespace "bookinfo" deleted\n');
    const get = await kubectl('get', 'ns', 'bookinfo');
    expect(get.code).toBe(1);
    expect(get.stderr).toContain('Error from server (NotFound): namespaces "bookinfo" not found');
    const left = [...cluster.store.snapshot()].flatMap(([res, items]) => items.filter((i) => i.metadata.namespace === 'bookinfo').map((i) => `${res}/${i.metadata.name}`));
    expect(left).toEqual([]);
  });
});

describe('workload operations', () => {
  it('rolls out a new image: a second ReplicaSet takes over, revision 2', async () => {
    expect((await kubectl('create', 'deployment', 'web', '--image=nginx:1.25', '--replicas=3')).stdout).toBe('deployment.apps/web created\n');
    expect((await kubectl('rollout', 'status', 'deploy/web', '--timeout=20s')).code).toBe(0);
    expect((await kubectl('set', 'image', 'deploy/web', 'nginx=nginx:1.27')).stdout).toBe('deployment.apps/web image updated\n');
    const r = await kubectl('rollout', 'status', 'deploy/web', '--timeout=20s');
    expect(r.stdout).toMatch(/deployment "web" successfully rolled out\n$/);
    const rs = table((await kubectl('get', 'rs', '-l', 'app=web')).stdout);
    expect(rs.map((x) => `${x.DESIRED}/${x.CURRENT}/${x.READY}`).sort()).toEqual(['0/0/0', '3/3/3']);
    expect((await kubectl('rollout', 'history', 'deploy/web')).stdout).toMatch(/^1\s+<none>\n2\s+<none>$/m);
    const pods = table((await kubectl('get', 'pods', '-l', 'app=web')).stdout);
    expect(pods).toHaveLength(3);
  });

  it('scales down and back up', async () => {
    expect((await kubectl('scale', 'deploy/web', '--replicas=1')).stdout).toBe('deployment.apps/web scaled\n');
    await kubectl('rollout', 'status', 'deploy/web', '--timeout=20s');
    expect(table((await kubectl('get', 'deploy', 'web')).stdout)[0]).toMatchObject({ READY: '1/1', 'UP-TO-DATE': '1', AVAILABLE: '1' });
    const events = (await kubectl('get', 'events', '--field-selector', 'reason=ScalingReplicaSet', '-o', 'jsonpath={range .items[*]}{.message}{"\\n"}{end}')).stdout;
    expect(events).toMatch(/^Scaled down replica set web-\w+ from 3 to 1$/m);
  });

  it('exposes the deployment: the EndpointSlice lists the ready pod', async () => {
    expect((await kubectl('expose', 'deploy/web', '--port=80')).stdout).toBe('service/web exposed\n');
    await new Promise((r) => setTimeout(r, 200));
    const slices = table((await kubectl('get', 'endpointslices', '-l', 'kubernetes.io/service-name=web')).stdout);
    expect(slices).toHaveLength(1);
    expect(slices[0]!.NAME).toMatch(/^web-[a-z0-9]{5}$/);
    expect(slices[0]).toMatchObject({ ADDRESSTYPE: 'IPv4', PORTS: '80' });
    expect(slices[0]!.ENDPOINTS).toMatch(/^10\.244\.\d+\.\d+$/);
    await kubectl('delete', 'svc', 'web');
    await kubectl('delete', 'deploy', 'web');
  });

  it('starts a bare pod from kubectl run and reports it Ready', async () => {
    expect((await kubectl('run', 'tmp', '--image=curlimages/curl', '--', 'sleep', '3600')).stdout).toBe('pod/tmp created\n');
    expect((await kubectl('wait', '--for=condition=Ready', 'pod/tmp', '--timeout=20s')).stdout).toBe('pod/tmp condition met\n');
    await kubectl('delete', 'pod', 'tmp', '--wait=false');
  });
});

describe('gateway injection', () => {
  it('turns a Deployment with image: auto and the gateway template into a running proxyv2 router', async () => {
    const manifest = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: istio-egressgateway
  namespace: istio-system
spec:
  selector:
    matchLabels:
      istio: egressgateway
  template:
    metadata:
      annotations:
        inject.istio.io/templates: gateway
      labels:
        app: istio-egressgateway
        istio: egressgateway
        sidecar.istio.io/inject: "true"
    spec:
      containers:
      - name: istio-proxy
        image: auto
`;
    await writeFile(join(work, 'egress.yaml'), manifest);
    expect((await kubectl('apply', '-f', join(work, 'egress.yaml'))).stdout).toBe('deployment.apps/istio-egressgateway created\n');
    expect((await kubectl('-n', 'istio-system', 'rollout', 'status', 'deployment/istio-egressgateway', '--timeout=20s')).code).toBe(0);
    const pods = table((await kubectl('get', 'pod', '-l', 'istio=egressgateway', '-n', 'istio-system')).stdout);
    expect(pods.map((p) => `${p.READY} ${p.STATUS}`)).toEqual(['1/1 Running']);
    const image = (await kubectl('get', 'pod', '-l', 'istio=egressgateway', '-n', 'istio-system', '-o', 'jsonpath={.items[0].spec.containers[*].image}')).stdout;
    expect(image).toMatch(/^docker\.io\/istio\/proxyv2:1\.28\.\d+$/);
    await kubectl('delete', '-f', join(work, 'egress.yaml'));
  });
});

describe('reset', () => {
  it('removes what the learner created and restores what they changed or deleted', async () => {
    const before = (await kubectl('get', 'all,cm,sa', '-A', '-o', 'name')).stdout;
    const mesh = (await kubectl('get', 'cm', 'istio', '-n', 'istio-system', '-o', 'jsonpath={.data.mesh}')).stdout;
    await kubectl('create', 'ns', 'scratch');
    await kubectl('-n', 'scratch', 'apply', '-f', join(work, 'httpbin.yaml'));
    await kubectl('rollout', 'status', 'deploy/httpbin', '-n', 'scratch', '--timeout=20s');
    await kubectl('delete', 'deploy', 'istiod', '-n', 'istio-system');
    await kubectl('patch', 'cm', 'istio', '-n', 'istio-system', '--type=merge', '-p', '{"data":{"mesh":"outboundTrafficPolicy:\\n  mode: REGISTRY_ONLY\\n"}}');
    await kubectl('scale', 'deploy', 'istio-ingressgateway', '-n', 'istio-system', '--replicas=2');
    await cluster.reset();
    expect((await kubectl('get', 'all,cm,sa', '-A', '-o', 'name')).stdout).toBe(before);
    expect((await kubectl('get', 'cm', 'istio', '-n', 'istio-system', '-o', 'jsonpath={.data.mesh}')).stdout).toBe(mesh);
    expect((await kubectl('get', 'ns', 'scratch')).code).toBe(1);
    const pods = table((await kubectl('get', 'pods', '-n', 'istio-system')).stdout);
    expect(pods.map((p) => `${p.READY} ${p.STATUS}`)).toEqual(['1/1 Running', '1/1 Running']);
  });

  it('restores istio-system even when reset catches it while it is being deleted', async () => {
    const before = (await kubectl('get', 'all,cm,sa', '-n', 'istio-system', '-o', 'name')).stdout;
    cluster.store.markDeleting('namespaces', undefined, 'istio-system');
    await cluster.reset();
    await new Promise((r) => setTimeout(r, 100));
    expect((await kubectl('get', 'ns', 'istio-system', '-o', 'jsonpath={.status.phase}')).stdout).toBe('Active');
    expect((await kubectl('get', 'all,cm,sa', '-n', 'istio-system', '-o', 'name')).stdout).toBe(before);
  });

  it('runs concurrent resets as one', async () => {
    await kubectl('create', 'ns', 'twice');
    const [a, b] = [cluster.reset(), cluster.reset()];
    expect(a).toBe(b);
    await a;
    expect((await kubectl('get', 'ns', 'twice')).code).toBe(1);
  });

  it('brings back a deleted ingress gateway Service with the same node ports', async () => {
    const before = (await kubectl('get', 'svc', 'istio-ingressgateway', '-n', 'istio-system', '-o', 'jsonpath={.spec.clusterIP} {.spec.ports[*].nodePort}')).stdout;
    expect((await kubectl('delete', 'svc', 'istio-ingressgateway', '-n', 'istio-system')).code).toBe(0);
    await cluster.reset();
    const after = (await kubectl('get', 'svc', 'istio-ingressgateway', '-n', 'istio-system', '-o', 'jsonpath={.spec.clusterIP} {.spec.ports[*].nodePort}')).stdout;
    expect(after).toBe(before);
    expect(after).toContain(String(cluster.ingress.port));
    const slices = (await kubectl('get', 'endpointslices', '-n', 'istio-system', '-l', 'kubernetes.io/service-name=istio-ingressgateway', '-o', 'name')).stdout;
    expect(slices.trim().split('\n')).toHaveLength(1);
  });
});

// The real kubectl 1.35 against the embedded API server: discovery, tables, apply, errors,
// protobuf creates, watch, describe, logs, exec, wait. Expected texts come from real kubectl
// output (shared reference outputs and kubectl/apimachinery sources), not from this server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import type { ExecBackend } from '../exec/exec-backend.ts';
import { findTool } from '../../tools/binaries.ts';
import { kubectlRunner, type RunResult } from './testing/kubectl.ts';
import { startTestApiServer, type TestApiServer } from './testing/server.ts';

const testdata = join(import.meta.dirname, 'testdata');

const fakeExec: ExecBackend = {
  async exec(req, io) {
    const script = req.command.join(' ');
    if (req.command[0] === 'missing-binary') return { kind: 'failed', message: 'exec: "missing-binary": executable file not found in $PATH' };
    if (req.stdin && io.stdin) {
      let input = '';
      for await (const chunk of io.stdin) input += chunk.toString();
      io.stdout(Buffer.from(input.toUpperCase()));
      return { kind: 'exited', exitCode: 0 };
    }
    const m = /exit (\d+)/.exec(script);
    io.stdout(Buffer.from(`ran ${script} in ${req.container}\n`));
    io.stderr(Buffer.from('to stderr\n'));
    return { kind: 'exited', exitCode: m ? Number(m[1]) : 0 };
  },
};

let t: TestApiServer;
let kubectl: (args: string[], opts?: { input?: string; timeoutMs?: number }) => Promise<RunResult>;

/** Splits a printed table into rows of cells (runs of 3+ spaces separate cells). */
function rows(text: string): string[][] {
  return text
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s{3,}/));
}

function runningPod(name: string, namespace = 'default', containers = ['app']) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace, labels: { app: name } },
    spec: { nodeName: 'meshlab-control-plane', containers: containers.map((c) => ({ name: c, image: 'curlimages/curl:8.8.0' })) },
    status: {
      phase: 'Running',
      podIP: '10.244.0.7',
      podIPs: [{ ip: '10.244.0.7' }],
      hostIP: '172.18.0.2',
      startTime: new Date().toISOString().replace(/\.\d+Z/, 'Z'),
      conditions: [{ type: 'Ready', status: 'True' }],
      containerStatuses: containers.map((c) => ({ name: c, ready: true, restartCount: 0, started: true, image: 'curlimages/curl:8.8.0', imageID: '', state: { running: { startedAt: new Date().toISOString() } } })),
    },
  };
}

beforeAll(async () => {
  t = await startTestApiServer({ exec: fakeExec });
  kubectl = kubectlRunner(t.kubeconfigPath, t.dir);
});

afterAll(async () => {
  await t?.close();
});

describe('discovery and version', () => {
  it('version prints the server version', async () => {
    const r = await kubectl(['version']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Server Version: v1\.35\.\d+$/m);
  });

  it('api-resources lists Istio kinds with short names', async () => {
    const r = await kubectl(['api-resources']);
    expect(r.code).toBe(0);
    const table = rows(r.stdout);
    expect(table[0]).toEqual(['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND']);
    expect(table).toContainEqual(['virtualservices', 'vs', 'networking.istio.io/v1', 'true', 'VirtualService']);
    expect(table).toContainEqual(['deployments', 'deploy', 'apps/v1', 'true', 'Deployment']);
    expect(table).toContainEqual(['namespaces', 'ns', 'v1', 'false', 'Namespace']);
  });

  it('an unknown type is reported as kubectl does', async () => {
    const r = await kubectl(['get', 'foo']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('error: the server doesn\'t have a resource type "foo"');
  });

  it('auth can-i and whoami answer for the cluster admin', async () => {
    expect((await kubectl(['auth', 'can-i', 'create', 'deployments'])).stdout.trim()).toBe('yes');
    expect(rows((await kubectl(['auth', 'whoami'])).stdout)).toEqual([['ATTRIBUTE', 'VALUE'], ['Username', 'kubernetes-admin'], ['Groups', '[kubeadm:cluster-admins system:authenticated]']]);
    const list = await kubectl(['get', 'selfsubjectaccessreviews']);
    expect(list.stderr.trim()).toBe('Error from server (MethodNotAllowed): the server does not allow this method on the requested resource');
  });

  it('a wrong token is refused with 401', async () => {
    const cfg = readFileSync(t.kubeconfigPath, 'utf8').replace(/token: .*/, 'token: wrong');
    const path = join(t.dir, 'bad-kubeconfig');
    writeFileSync(path, cfg);
    const r = await kubectlRunner(path, t.dir)(['get', 'ns']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error: You must be logged in to the server (the server has asked for the client to provide credentials)');
  });
});

describe('namespaces', () => {
  it('get ns prints NAME STATUS AGE', async () => {
    const r = await kubectl(['get', 'ns']);
    const table = rows(r.stdout);
    expect(table[0]).toEqual(['NAME', 'STATUS', 'AGE']);
    expect(table.find((row) => row[0] === 'default')?.[1]).toBe('Active');
  });

  it('create namespace (protobuf) and label it', async () => {
    expect((await kubectl(['create', 'namespace', 'lab1'])).stdout.trim()).toBe('namespace/lab1 created');
    const again = await kubectl(['create', 'namespace', 'lab1']);
    expect(again.stderr.trim()).toBe('Error from server (AlreadyExists): namespaces "lab1" already exists');
    expect((await kubectl(['label', 'namespace', 'lab1', 'istio-injection=enabled'])).stdout.trim()).toBe('namespace/lab1 labeled');
    const labels = await kubectl(['get', 'ns', 'lab1', '-o', 'jsonpath={.metadata.labels}']);
    expect(JSON.parse(labels.stdout)).toEqual({ 'istio-injection': 'enabled', 'kubernetes.io/metadata.name': 'lab1' });
  });

  it('delete namespace removes its content', async () => {
    await kubectl(['create', 'namespace', 'doomed']);
    await kubectl(['create', 'configmap', 'c', '-n', 'doomed', '--from-literal=a=b']);
    const r = await kubectl(['delete', 'namespace', 'doomed']);
    expect(r.stdout.trim()).toBe('namespace "doomed" deleted');
    expect((await kubectl(['get', 'ns', 'doomed'])).stderr.trim()).toBe('Error from server (NotFound): namespaces "doomed" not found');
    expect(t.store.list('configmaps', 'doomed').items).toEqual([]);
  });
});

describe('apply', () => {
  it('apply -f: created, unchanged, configured', async () => {
    const file = join(testdata, 'httpbin.yaml');
    const first = await kubectl(['apply', '-f', file]);
    expect(first.stdout.trim().split('\n')).toEqual(['service/httpbin created', 'deployment.apps/httpbin created']);
    const second = await kubectl(['apply', '-f', file]);
    expect(second.stdout.trim().split('\n')).toEqual(['service/httpbin unchanged', 'deployment.apps/httpbin unchanged']);
    const changed = join(t.dir, 'httpbin-3.yaml');
    writeFileSync(changed, readFileSync(file, 'utf8').replace('replicas: 1', 'replicas: 3'));
    const third = await kubectl(['apply', '-f', changed]);
    expect(third.stdout.trim().split('\n')).toEqual(['service/httpbin unchanged', 'deployment.apps/httpbin configured']);
    const d = t.store.get('apps/deployments', 'default', 'httpbin')!;
    expect((d as any).spec.replicas).toBe(3);
    expect(d.metadata.generation).toBe(2);
  });

  it('apply of Istio kinds in v1, v1beta1 and v1alpha3 with -n', async () => {
    const file = join(testdata, 'istio-v1.yaml');
    const first = await kubectl(['apply', '-n', 'lab1', '-f', file]);
    expect(first.stdout.trim().split('\n')).toEqual([
      'gateway.networking.istio.io/httpbin-gateway created',
      'virtualservice.networking.istio.io/httpbin created',
      'destinationrule.networking.istio.io/httpbin created',
      'serviceentry.networking.istio.io/httpbin-ext created',
    ]);
    const second = await kubectl(['apply', '-n', 'lab1', '-f', file]);
    expect(second.stdout).toContain('virtualservice.networking.istio.io/httpbin unchanged');
    const vs = t.store.get('networking.istio.io/virtualservices', 'lab1', 'httpbin')!;
    expect(vs.apiVersion).toBe('networking.istio.io/v1');
    const changed = join(t.dir, 'istio-changed.yaml');
    writeFileSync(changed, readFileSync(file, 'utf8').replace('prefix: /status', 'prefix: /headers'));
    const third = await kubectl(['apply', '-n', 'lab1', '-f', changed]);
    expect(third.stdout).toContain('virtualservice.networking.istio.io/httpbin configured');
  });

  it('Istio tables use the CRD printer columns', async () => {
    const vs = rows((await kubectl(['get', 'vs', '-n', 'lab1'])).stdout);
    expect(vs[0]).toEqual(['NAME', 'GATEWAYS', 'HOSTS', 'AGE']);
    expect(vs[1]!.slice(0, 3)).toEqual(['httpbin', '["httpbin-gateway"]', '["httpbin.example.com"]']);
    const dr = rows((await kubectl(['get', 'dr', '-n', 'lab1'])).stdout);
    expect(dr[0]).toEqual(['NAME', 'HOST', 'AGE']);
    const se = rows((await kubectl(['get', 'se', '-n', 'lab1'])).stdout);
    expect(se[0]).toEqual(['NAME', 'HOSTS', 'LOCATION', 'RESOLUTION', 'AGE']);
    expect(se[1]!.slice(0, 4)).toEqual(['httpbin-ext', '["httpbin.org"]', 'MESH_EXTERNAL', 'DNS']);
    const gw = rows((await kubectl(['get', 'gateway', '-n', 'lab1'])).stdout);
    expect(gw[0]).toEqual(['NAME', 'AGE']);
    const v1alpha3 = await kubectl(['get', 'virtualservices.v1alpha3.networking.istio.io', 'httpbin', '-n', 'lab1', '-o', 'jsonpath={.apiVersion}']);
    expect(v1alpha3.stdout).toBe('networking.istio.io/v1alpha3');
  });

  it('apply --server-side', async () => {
    const file = join(t.dir, 'ssa.yaml');
    writeFileSync(file, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\ndata:\n  a: "1"\n  b: "2"\n');
    const r = await kubectl(['apply', '--server-side', '-f', file]);
    expect(r.stdout.trim()).toBe('configmap/ssa serverside-applied');
    writeFileSync(file, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\ndata:\n  a: "1"\n');
    await kubectl(['apply', '--server-side', '-f', file]);
    expect((t.store.get('configmaps', 'default', 'ssa') as any).data).toEqual({ a: '1' });
  });

  it('unknown fields are rejected like a strict decoder', async () => {
    const file = join(t.dir, 'bad.yaml');
    writeFileSync(file, readFileSync(join(testdata, 'httpbin.yaml'), 'utf8').replace('replicas: 1', 'replica: 1').replace(/^[\s\S]*?---\n/, ''));
    const r = await kubectl(['create', '-f', file]);
    expect(r.stderr.trim()).toBe(`Error from server (BadRequest): error when creating "${file}": Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.replica"`);
  });

  it('a number where a string belongs is a decoding error', async () => {
    const file = join(t.dir, 'cm-number.yaml');
    writeFileSync(file, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: numbers\ndata:\n  port: 8080\n');
    const r = await kubectl(['create', '-f', file]);
    expect(r.stderr.trim()).toBe(`Error from server (BadRequest): error when creating "${file}": ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal number into Go struct field ConfigMap.data of type string`);
  });

  it('quoted numbers: decoder error for built-ins, schema error for Istio kinds', async () => {
    const svc = join(t.dir, 'svc-quoted.yaml');
    writeFileSync(svc, 'apiVersion: v1\nkind: Service\nmetadata:\n  name: quoted\nspec:\n  ports:\n  - port: "80"\n');
    const r = await kubectl(['create', '-f', svc]);
    expect(r.stderr.trim()).toBe(`Error from server (BadRequest): error when creating "${svc}": Service in version "v1" cannot be handled as a Service: json: cannot unmarshal string into Go struct field ServicePort.spec.ports.port of type int32`);
    const vs = join(t.dir, 'vs-quoted.yaml');
    writeFileSync(vs, 'apiVersion: networking.istio.io/v1\nkind: VirtualService\nmetadata:\n  name: quoted\nspec:\n  hosts: [a]\n  http:\n  - route:\n    - destination:\n        host: a\n        port:\n          number: "80"\n');
    const v = await kubectl(['create', '-f', vs]);
    expect(v.stderr.trim()).toBe('The VirtualService "quoted" is invalid: spec.http[0].route[0].destination.port.number: Invalid value: "string": spec.http[0].route[0].destination.port.number in body must be of type integer: "string"');
  });

  it('an invalid object prints The Kind "name" is invalid', async () => {
    const file = join(t.dir, 'invalid.yaml');
    writeFileSync(file, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Not_Valid\n');
    const r = await kubectl(['apply', '-f', file]);
    expect(r.stderr.trim()).toBe(
      `The ConfigMap "Not_Valid" is invalid: metadata.name: Invalid value: "Not_Valid": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    );
  });

  it('an enum outside Istio\'s CRD schema is rejected by the API server, before any webhook', async () => {
    // The seed chapter's mistake: MESH_EXTERNAL is a location, not a resolution.
    const file = join(t.dir, 'se-mesh-external.yaml');
    writeFileSync(file, 'apiVersion: networking.istio.io/v1\nkind: ServiceEntry\nmetadata:\n  name: google\nspec:\n  hosts: [www.google.com]\n  ports:\n  - number: 80\n    name: http\n    protocol: HTTP\n  location: MESH_EXTERNAL\n  resolution: MESH_EXTERNAL\n');
    const r = await kubectl(['apply', '-f', file]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      'The ServiceEntry "google" is invalid: spec.resolution: Unsupported value: "MESH_EXTERNAL": supported values: "NONE", "STATIC", "DNS", "DNS_ROUND_ROBIN", "DYNAMIC_DNS"',
    );
  });

  it('a missing namespace is reported as kubectl does', async () => {
    const r = await kubectl(['apply', '-n', 'nowhere', '-f', join(testdata, 'httpbin.yaml')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('namespaces "nowhere" not found');
  });

  it('delete --cascade=foreground waits for dependents', async () => {
    await kubectl(['create', 'configmap', 'fg-owner']);
    const owner = t.store.get('configmaps', 'default', 'fg-owner')!;
    t.store.create('configmaps', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'fg-dependent', namespace: 'default', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'fg-owner', uid: owner.metadata.uid! }] } });
    const r = await kubectl(['delete', 'configmap', 'fg-owner', '--cascade=foreground']);
    expect(r.stdout.trim()).toBe('configmap "fg-owner" deleted from default namespace');
    expect(t.store.get('configmaps', 'default', 'fg-owner')).toBeUndefined();
    expect(t.store.get('configmaps', 'default', 'fg-dependent')).toBeUndefined();
  });

  it('delete -f prints deleted from <ns> namespace', async () => {
    const file = join(t.dir, 'del.yaml');
    writeFileSync(file, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: gone\n');
    await kubectl(['apply', '-f', file]);
    const r = await kubectl(['delete', '-f', file]);
    expect(r.stdout.trim()).toBe('configmap "gone" deleted from default namespace');
    const again = await kubectl(['delete', '-f', file]);
    expect(again.stderr.trim()).toBe(`Error from server (NotFound): error when deleting "${file}": configmaps "gone" not found`);
  });
});

describe('custom resource definitions', () => {
  it('a new CRD is established and served with its printer columns', async () => {
    const crd = await kubectl(['apply', '-f', join(testdata, 'peerauthentication-crd.yaml')]);
    expect(crd.stdout.trim()).toBe('customresourcedefinition.apiextensions.k8s.io/peerauthentications.security.istio.io created');
    const wait = await kubectl(['wait', '--for', 'condition=established', 'crd/peerauthentications.security.istio.io', '--timeout=10s']);
    expect(wait.stdout.trim()).toBe('customresourcedefinition.apiextensions.k8s.io/peerauthentications.security.istio.io condition met');
    const file = join(t.dir, 'pa.yaml');
    writeFileSync(file, 'apiVersion: security.istio.io/v1\nkind: PeerAuthentication\nmetadata:\n  name: default\n  namespace: istio-system\nspec:\n  mtls:\n    mode: STRICT\n');
    expect((await kubectl(['apply', '-f', file])).stdout.trim()).toBe('peerauthentication.security.istio.io/default created');
    const table = rows((await kubectl(['get', 'pa', '-n', 'istio-system'])).stdout);
    expect(table[0]).toEqual(['NAME', 'MODE', 'AGE']);
    expect(table[1]!.slice(0, 2)).toEqual(['default', 'STRICT']);
    const crds = rows((await kubectl(['get', 'crd'])).stdout);
    expect(crds[0]).toEqual(['NAME', 'CREATED AT']);
    expect(crds[1]![1]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });
});

describe('get output formats', () => {
  beforeAll(() => {
    t.store.create('pods', runningPod('sleep-7d8f'));
  });

  it('services -o wide', async () => {
    const r = rows((await kubectl(['get', 'svc', 'httpbin', '-o', 'wide'])).stdout);
    expect(r[0]).toEqual(['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE', 'SELECTOR']);
    expect(r[1]![1]).toBe('ClusterIP');
    expect(r[1]![2]).toMatch(/^10\.96\.\d+\.\d+$/);
    expect(r[1]![3]).toBe('<none>');
    expect(r[1]![4]).toBe('8000/TCP');
    expect(r[1]![6]).toBe('app=httpbin');
  });

  it('pods -o wide and -A', async () => {
    const wide = rows((await kubectl(['get', 'pods', '-o', 'wide'])).stdout);
    expect(wide[0]).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES']);
    const row = wide.find((x) => x[0] === 'sleep-7d8f')!;
    expect([row[1], row[2], row[3], row[5], row[6], row[7], row[8]]).toEqual(['1/1', 'Running', '0', '10.244.0.7', 'meshlab-control-plane', '<none>', '<none>']);
    const all = rows((await kubectl(['get', 'pods', '-A'])).stdout);
    expect(all[0]).toEqual(['NAMESPACE', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
    expect(all.find((x) => x[1] === 'sleep-7d8f')?.[0]).toBe('default');
  });

  it('-o yaml, -o json and jsonpath', async () => {
    const y = await kubectl(['get', 'svc', 'httpbin', '-o', 'yaml']);
    expect(y.stdout).toMatch(/^apiVersion: v1\nkind: Service\n/);
    expect(y.stdout).toContain('sessionAffinity: None');
    const j = JSON.parse((await kubectl(['get', 'deploy', 'httpbin', '-o', 'json'])).stdout);
    expect(j.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } });
    expect(j.spec.template.spec.containers[0].imagePullPolicy).toBe('IfNotPresent');
    const p = await kubectl(['get', 'pods', '-l', 'app=sleep-7d8f', '-o', 'jsonpath={.items[0].metadata.name}']);
    expect(p.stdout).toBe('sleep-7d8f');
    const none = await kubectl(['get', 'pods', '-l', 'app notin (sleep-7d8f)']);
    expect(none.stderr.trim()).toBe('No resources found in default namespace.');
    const field = await kubectl(['get', 'pods', '--field-selector', 'status.phase=Running', '-o', 'name']);
    expect(field.stdout.trim()).toBe('pod/sleep-7d8f');
  });

  it('get -w shows a row for a new object', async () => {
    const child = spawn(findTool('kubectl'), ['--kubeconfig', t.kubeconfigPath, '--cache-dir', mkdtempSync(join(t.dir, 'w-')), 'get', 'configmaps', '-w'], { env: { HOME: t.dir, PATH: process.env.PATH ?? '' } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    await new Promise((r) => setTimeout(r, 1500));
    await kubectl(['create', 'configmap', 'watched', '--from-literal=k=v']);
    for (let i = 0; i < 40 && !out.includes('watched'); i++) await new Promise((r) => setTimeout(r, 100));
    child.kill();
    const table = rows(out);
    expect(table[0]).toEqual(['NAME', 'DATA', 'AGE']);
    expect(table.find((r) => r[0] === 'watched')?.[1]).toBe('1');
  });

  it('get pod that does not exist', async () => {
    const r = await kubectl(['get', 'pod', 'abc']);
    expect(r.stderr.trim()).toBe('Error from server (NotFound): pods "abc" not found');
  });
});

describe('protobuf creates', () => {
  it('create deployment and secret generic', async () => {
    const d = await kubectl(['create', 'deployment', 'web', '--image=nginx:1.27', '--replicas=2', '--port=80']);
    expect(d.stdout.trim()).toBe('deployment.apps/web created');
    const obj = t.store.get('apps/deployments', 'default', 'web') as any;
    expect(obj.spec.replicas).toBe(2);
    expect(obj.spec.selector).toEqual({ matchLabels: { app: 'web' } });
    expect(obj.spec.template.spec.containers[0]).toMatchObject({ name: 'nginx', image: 'nginx:1.27', ports: [{ containerPort: 80, protocol: 'TCP' }] });
    const s = await kubectl(['create', 'secret', 'generic', 'creds', '--from-literal=user=admin']);
    expect(s.stdout.trim()).toBe('secret/creds created');
    expect((t.store.get('secrets', 'default', 'creds') as any).data).toEqual({ user: Buffer.from('admin').toString('base64') });
    const table = rows((await kubectl(['get', 'secret', 'creds'])).stdout);
    expect(table[1]!.slice(0, 3)).toEqual(['creds', 'Opaque', '1']);
  });
});

describe('protobuf creates of rbac and services', () => {
  it('create role, clusterrolebinding, service and configmap', async () => {
    expect((await kubectl(['create', 'role', 'reader', '--verb=get,list', '--resource=pods,deployments.apps'])).stdout.trim()).toBe('role.rbac.authorization.k8s.io/reader created');
    expect((t.store.get('rbac.authorization.k8s.io/roles', 'default', 'reader') as any).rules).toEqual([
      { apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] },
      { apiGroups: ['apps'], resources: ['deployments'], verbs: ['get', 'list'] },
    ]);
    await kubectl(['create', 'clusterrolebinding', 'cluster-admin-binding', '--clusterrole=cluster-admin', '--user=learner@example.com']);
    expect(t.store.get('rbac.authorization.k8s.io/clusterrolebindings', undefined, 'cluster-admin-binding')).toMatchObject({
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'learner@example.com' }],
    });
    expect((await kubectl(['create', 'service', 'nodeport', 'np', '--tcp=80:8080'])).stdout.trim()).toBe('service/np created');
    const np = t.store.get('services', 'default', 'np') as any;
    expect(np.spec.ports[0]).toMatchObject({ name: '80-8080', port: 80, targetPort: 8080, protocol: 'TCP' });
    expect(np.spec.ports[0].nodePort).toBeGreaterThanOrEqual(30000);
    expect((await kubectl(['create', 'configmap', 'settings', '--from-literal=mode=strict'])).stdout.trim()).toBe('configmap/settings created');
    expect((t.store.get('configmaps', 'default', 'settings') as any).data).toEqual({ mode: 'strict' });
  });
});

describe('describe', () => {
  beforeAll(() => {
    const pod = t.store.get('pods', 'default', 'sleep-7d8f')!;
    t.store.create('events', {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'sleep-7d8f.1', namespace: 'default' },
      involvedObject: { kind: 'Pod', namespace: 'default', name: 'sleep-7d8f', uid: pod.metadata.uid, apiVersion: 'v1' },
      reason: 'Scheduled',
      message: 'Successfully assigned default/sleep-7d8f to meshlab-control-plane',
      source: { component: 'default-scheduler' },
      type: 'Normal',
      count: 1,
      firstTimestamp: new Date().toISOString().replace(/\.\d+Z/, 'Z'),
      lastTimestamp: new Date().toISOString().replace(/\.\d+Z/, 'Z'),
    });
  });

  it('describe pod shows fields and events', async () => {
    const r = await kubectl(['describe', 'pod', 'sleep-7d8f']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Name:\s+sleep-7d8f$/m);
    expect(r.stdout).toMatch(/^Namespace:\s+default$/m);
    expect(r.stdout).toMatch(/^Node:\s+meshlab-control-plane\/172\.18\.0\.2$/m);
    expect(r.stdout).toMatch(/^Status:\s+Running$/m);
    expect(r.stdout).toMatch(/^IP:\s+10\.244\.0\.7$/m);
    expect(r.stdout).toMatch(/Normal\s+Scheduled\s+\S+\s+default-scheduler\s+Successfully assigned default\/sleep-7d8f to meshlab-control-plane/);
  });

  it('describe namespace', async () => {
    const r = await kubectl(['describe', 'namespace', 'kube-system']);
    expect(r.stdout).toBe('Name:         kube-system\nLabels:       kubernetes.io/metadata.name=kube-system\nAnnotations:  <none>\nStatus:       Active\n\nNo resource quota.\n\nNo LimitRange resource.\n');
  });

  it('describe svc and deploy', async () => {
    const s = await kubectl(['describe', 'svc', 'httpbin']);
    expect(s.stdout).toMatch(/^Selector:\s+app=httpbin$/m);
    expect(s.stdout).toMatch(/^Port:\s+http\s+8000\/TCP$/m);
    expect(s.stdout).toMatch(/^TargetPort:\s+8080\/TCP$/m);
    expect(s.stdout).toMatch(/^Session Affinity:\s+None$/m);
    const d = await kubectl(['describe', 'deploy', 'httpbin']);
    expect(d.code).toBe(0);
    expect(d.stdout).toMatch(/^StrategyType:\s+RollingUpdate$/m);
    expect(d.stdout).toMatch(/^RollingUpdateStrategy:\s+25% max unavailable, 25% max surge$/m);
  });
});

describe('logs, exec, wait', () => {
  it('logs with tail and the waiting error', async () => {
    for (const line of ['one', 'two', 'three']) t.logs.append('default', 'sleep-7d8f', 'app', line);
    expect((await kubectl(['logs', 'sleep-7d8f'])).stdout).toBe('one\ntwo\nthree\n');
    expect((await kubectl(['logs', 'sleep-7d8f', '--tail=1'])).stdout).toBe('three\n');
    const pending = runningPod('pending-1');
    (pending.status as any).phase = 'Pending';
    (pending.status as any).containerStatuses[0].state = { waiting: { reason: 'ContainerCreating' } };
    t.store.create('pods', pending);
    const r = await kubectl(['logs', 'pending-1']);
    expect(r.stderr.trim()).toBe('Error from server (BadRequest): container "app" in pod "pending-1" is waiting to start: ContainerCreating');
  });

  it('logs -f streams new lines', async () => {
    const child = spawn(findTool('kubectl'), ['--kubeconfig', t.kubeconfigPath, '--cache-dir', mkdtempSync(join(t.dir, 'f-')), 'logs', '-f', 'sleep-7d8f', '--tail=1'], { env: { HOME: t.dir, PATH: process.env.PATH ?? '' } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    for (let i = 0; i < 50 && !out.includes('three'); i++) await new Promise((r) => setTimeout(r, 100));
    t.logs.append('default', 'sleep-7d8f', 'app', 'four');
    for (let i = 0; i < 50 && !out.includes('four'); i++) await new Promise((r) => setTimeout(r, 100));
    child.kill();
    expect(out).toBe('three\nfour\n');
  });

  it('scale uses the scale subresource', async () => {
    const r = await kubectl(['scale', 'deployment', 'web', '--replicas=5']);
    expect(r.stdout.trim()).toBe('deployment.apps/web scaled');
    expect((t.store.get('apps/deployments', 'default', 'web') as any).spec.replicas).toBe(5);
  });

  it('exec passes output and exit codes through', async () => {
    const ok = await kubectl(['exec', 'sleep-7d8f', '--', 'echo', 'hi']);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toBe('ran echo hi in app\n');
    expect(ok.stderr).toBe('to stderr\n');
    const bad = await kubectl(['exec', 'sleep-7d8f', '--', 'sh', '-c', 'exit 35']);
    expect(bad.code).toBe(35);
    expect(bad.stderr).toContain('command terminated with exit code 35');
    const missing = await kubectl(['exec', 'sleep-7d8f', '--', 'missing-binary']);
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe('error: Internal error occurred: error executing command in container: exec: "missing-binary": executable file not found in $PATH');
    const notRunning = await kubectl(['exec', 'pending-1', '--', 'ls']);
    expect(notRunning.code).toBe(1);
    expect(notRunning.stderr).toContain('container not found ("app")');
    const piped = await kubectl(['exec', '-i', 'sleep-7d8f', '--', 'cat'], { input: 'hello' });
    expect(piped.stdout).toBe('HELLO');
  });

  it('wait --for=condition=available', async () => {
    t.store.mutate('apps/deployments', 'default', 'httpbin', (d: any) => {
      d.status = { observedGeneration: d.metadata.generation, replicas: 3, readyReplicas: 3, availableReplicas: 3, updatedReplicas: 3, conditions: [{ type: 'Available', status: 'True', reason: 'MinimumReplicasAvailable' }] };
    });
    const r = await kubectl(['wait', '--for=condition=available', 'deployment/httpbin', '--timeout=10s']);
    expect(r.stdout.trim()).toBe('deployment.apps/httpbin condition met');
    const rs = await kubectl(['rollout', 'status', 'deployment/httpbin', '--timeout=10s']);
    expect(rs.stdout.trim()).toBe('deployment "httpbin" successfully rolled out');
  });
});

// Table cells compared with kubernetes/pkg/printers/internalversion/printers.go behaviour
// (printers_test.go cases and reference outputs), not with this printer's own output.
import { describe, expect, it } from 'vitest';
import { RESOURCE_TYPES, type ResourceType } from './resources.ts';
import { formatLabelSelector, servicePorts, toTable } from './tables.ts';

const now = new Date('2026-01-01T12:00:00Z');
const type = (key: string): ResourceType => RESOURCE_TYPES.find((t) => (t.group ? `${t.group}/${t.resource}` : t.resource) === key)!;
const ago = (seconds: number) => new Date(now.getTime() - seconds * 1000).toISOString();

function cells(key: string, obj: Record<string, unknown>) {
  const table = toTable(type(key), [{ apiVersion: 'v1', kind: 'X', metadata: { name: 'x', creationTimestamp: ago(13) }, ...obj } as never], now);
  return Object.fromEntries(table.columnDefinitions.map((c, i) => [c.name, table.rows[0]!.cells[i]]));
}

describe('pod cells', () => {
  const cases: { name: string; pod: Record<string, unknown>; want: Record<string, unknown> }[] = [
    {
      name: 'running and ready',
      pod: { spec: { containers: [{ name: 'a' }] }, status: { phase: 'Running', containerStatuses: [{ name: 'a', ready: true, restartCount: 0, state: { running: {} } }] } },
      want: { Ready: '1/1', Status: 'Running', Restarts: '0', Age: '13s' },
    },
    {
      name: 'container creating',
      pod: { spec: { containers: [{ name: 'a' }, { name: 'b' }] }, status: { phase: 'Pending', containerStatuses: [{ name: 'a', ready: false, state: { waiting: { reason: 'ContainerCreating' } } }, { name: 'b', ready: false, state: { waiting: { reason: 'ContainerCreating' } } }] } },
      want: { Ready: '0/2', Status: 'ContainerCreating' },
    },
    {
      name: 'native sidecar counts in total (Init:0/2 before start)',
      pod: { spec: { initContainers: [{ name: 'istio-init' }, { name: 'istio-proxy', restartPolicy: 'Always' }], containers: [{ name: 'app' }] }, status: { phase: 'Pending', initContainerStatuses: [{ name: 'istio-init', state: { waiting: { reason: 'PodInitializing' } } }, { name: 'istio-proxy', state: { waiting: { reason: 'PodInitializing' } } }] } },
      want: { Ready: '0/2', Status: 'Init:0/2' },
    },
    {
      name: 'injected pod running 2/2',
      pod: {
        spec: { initContainers: [{ name: 'istio-init' }, { name: 'istio-proxy', restartPolicy: 'Always' }], containers: [{ name: 'app' }] },
        status: {
          phase: 'Running',
          conditions: [{ type: 'Initialized', status: 'True' }],
          initContainerStatuses: [{ name: 'istio-init', state: { terminated: { exitCode: 0, reason: 'Completed' } } }, { name: 'istio-proxy', started: true, ready: true, state: { running: {} } }],
          containerStatuses: [{ name: 'app', ready: true, state: { running: {} } }],
        },
      },
      want: { Ready: '2/2', Status: 'Running' },
    },
    {
      name: 'crash loop with restarts',
      pod: { spec: { containers: [{ name: 'a' }] }, status: { phase: 'Running', containerStatuses: [{ name: 'a', ready: false, restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { finishedAt: ago(70) } } }] } },
      want: { Ready: '0/1', Status: 'CrashLoopBackOff', Restarts: '4 (70s ago)' },
    },
    {
      name: 'terminated without reason',
      pod: { spec: { containers: [{ name: 'a' }] }, status: { phase: 'Failed', containerStatuses: [{ name: 'a', state: { terminated: { exitCode: 2 } } }] } },
      want: { Status: 'ExitCode:2' },
    },
    {
      name: 'deleting pod is Terminating',
      pod: { metadata: { name: 'x', creationTimestamp: ago(13), deletionTimestamp: ago(1) }, spec: { containers: [{ name: 'a' }] }, status: { phase: 'Running' } },
      want: { Status: 'Terminating' },
    },
    {
      name: 'wide columns',
      pod: { spec: { nodeName: 'n1', containers: [{ name: 'a' }] }, status: { phase: 'Running', podIPs: [{ ip: '10.244.0.5' }] } },
      want: { IP: '10.244.0.5', Node: 'n1', 'Nominated Node': '<none>', 'Readiness Gates': '<none>' },
    },
  ];
  it.each(cases)('$name', ({ pod, want }) => {
    expect(cells('pods', pod)).toMatchObject(want);
  });
});

describe('service cells', () => {
  const cases: { name: string; svc: Record<string, unknown>; want: Record<string, unknown> }[] = [
    { name: 'cluster ip', svc: { spec: { type: 'ClusterIP', clusterIP: '10.0.0.10', clusterIPs: ['10.0.0.10'], ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }] } }, want: { Type: 'ClusterIP', 'Cluster-IP': '10.0.0.10', 'External-IP': '<none>', 'Port(s)': '53/UDP,53/TCP', Selector: '<none>' } },
    { name: 'load balancer pending', svc: { spec: { type: 'LoadBalancer', clusterIPs: ['10.96.1.2'], ports: [{ port: 80, nodePort: 31380, protocol: 'TCP' }], selector: { istio: 'ingressgateway', app: 'istio-ingressgateway' } } }, want: { 'External-IP': '<pending>', 'Port(s)': '80:31380/TCP', Selector: 'app=istio-ingressgateway,istio=ingressgateway' } },
    { name: 'load balancer with ingress', svc: { spec: { type: 'LoadBalancer', clusterIPs: ['10.96.1.2'], ports: [] }, status: { loadBalancer: { ingress: [{ ip: '172.18.255.200' }] } } }, want: { 'External-IP': '172.18.255.200', 'Port(s)': '<none>' } },
    { name: 'external name', svc: { spec: { type: 'ExternalName', externalName: 'httpbin.org' } }, want: { 'External-IP': 'httpbin.org', 'Cluster-IP': '<none>' } },
    { name: 'headless', svc: { spec: { type: 'ClusterIP', clusterIP: 'None', clusterIPs: ['None'], ports: [{ port: 80, protocol: 'TCP' }] } }, want: { 'Cluster-IP': 'None' } },
  ];
  it.each(cases)('$name', ({ svc, want }) => {
    expect(cells('services', svc)).toMatchObject(want);
  });

  it('a port without protocol prints as "80/"', () => {
    expect(servicePorts([{ port: 80 }])).toBe('80/');
  });
});

describe('other kinds', () => {
  it('deployment', () => {
    expect(cells('apps/deployments', { spec: { replicas: 3, selector: { matchLabels: { app: 'nginx' } }, template: { spec: { containers: [{ name: 'nginx', image: 'nginx:1.14.2' }] } } }, status: { readyReplicas: 0 } })).toEqual({
      Name: 'x', Ready: '0/3', 'Up-to-date': 0, Available: 0, Age: '13s', Containers: 'nginx', Images: 'nginx:1.14.2', Selector: 'app=nginx',
    });
  });

  it('replicaset', () => {
    expect(cells('apps/replicasets', { spec: { replicas: 3, selector: { matchLabels: { app: 'nginx' } } }, status: { replicas: 3, readyReplicas: 3 } })).toMatchObject({ Desired: 3, Current: 3, Ready: 3 });
  });

  it('endpoints shows three addresses then "+ N more..."', () => {
    const subsets = [{ addresses: ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4', '10.0.0.5'].map((ip) => ({ ip })), ports: [{ port: 80 }] }];
    expect(cells('endpoints', { subsets }).Endpoints).toBe('10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 2 more...');
    expect(cells('endpoints', {}).Endpoints).toBe('<none>');
  });

  it('event object is lower(kind)/name', () => {
    const c = cells('events', { involvedObject: { kind: 'Pod', name: 'web-1' }, type: 'Normal', reason: 'Pulled', message: ' Pulled image \n', source: { component: 'kubelet', host: 'node-1' }, count: 2, lastTimestamp: ago(5), firstTimestamp: ago(65) });
    expect(c).toMatchObject({ 'Last Seen': '5s', Type: 'Normal', Reason: 'Pulled', Object: 'pod/web-1', Source: 'kubelet, node-1', Message: 'Pulled image', 'First Seen': '65s', Count: 2 });
  });

  it('configmap data counts data and binaryData', () => {
    expect(cells('configmaps', { data: { a: '1' }, binaryData: { b: 'AA==' } }).Data).toBe(2);
  });

  it('namespace', () => {
    expect(cells('namespaces', { status: { phase: 'Terminating' } })).toEqual({ Name: 'x', Status: 'Terminating', Age: '13s' });
  });

  it('istio virtual service arrays print as JSON, missing values as null cells', () => {
    const vs = cells('networking.istio.io/virtualservices', { spec: { hosts: ['*'], gateways: ['bookinfo-gateway'] } });
    expect(vs).toEqual({ Name: 'x', Gateways: '["bookinfo-gateway"]', Hosts: '["*"]', Age: '13s' });
    expect(cells('networking.istio.io/destinationrules', { spec: {} })).toEqual({ Name: 'x', Host: null, Age: '13s' });
  });

  it('horizontal pod autoscaler', () => {
    const hpa = cells('autoscaling/horizontalpodautoscalers', { spec: { scaleTargetRef: { kind: 'Deployment', name: 'istiod' }, minReplicas: 1, maxReplicas: 5, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }] }, status: { currentReplicas: 1 } });
    expect(hpa).toEqual({ Name: 'x', Reference: 'Deployment/istiod', Targets: 'cpu: <unknown>/80%', MinPods: '1', MaxPods: 5, Replicas: 1, Age: '13s' });
  });

  it('pod disruption budget', () => {
    expect(cells('policy/poddisruptionbudgets', { spec: { minAvailable: 1 }, status: { disruptionsAllowed: 0 } })).toEqual({ Name: 'x', 'Min Available': '1', 'Max Unavailable': 'N/A', 'Allowed Disruptions': 0, Age: '13s' });
  });

  it('label selector formatting', () => {
    expect(formatLabelSelector({ matchLabels: { b: '2', a: '1' }, matchExpressions: [{ key: 'env', operator: 'In', values: ['x', 'y'] }, { key: 'gone', operator: 'DoesNotExist' }] })).toBe('a=1,b=2,env in (x,y),!gone');
    expect(formatLabelSelector(undefined)).toBe('<none>');
  });
});

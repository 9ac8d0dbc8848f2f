// Objects → messages: each misconfiguration istioctl analyze reports, on crafted examples built
// from the ingress chapter's objects (codes and templates of istio/istio messages.yaml).
import { describe, expect, it } from 'vitest';
import { analyze, type KObj, type Snapshot } from './analyzer.ts';
import { formatAnalysis, formatMessage, EXIT_FOUND_ISSUES } from './format.ts';

const meta = (name: string, namespace?: string, labels?: Record<string, string>) => ({ name, namespace, labels });
const obj = (kind: string, name: string, namespace: string | undefined, spec: Record<string, unknown>, labels?: Record<string, string>): KObj => ({ kind, metadata: meta(name, namespace, labels), spec });
const pod = (name: string, namespace: string, labels: Record<string, string>, proxy = true): KObj =>
  obj('Pod', name, namespace, { containers: [{ name: 'app' }], initContainers: proxy ? [{ name: 'istio-proxy' }] : [] }, labels);

function chapter(): Snapshot {
  return {
    namespaces: [obj('Namespace', 'bookinfo', undefined, {}, { 'istio-injection': 'enabled' }), obj('Namespace', 'istio-system', undefined, {})],
    services: [
      obj('Service', 'httpbin', 'bookinfo', { selector: { app: 'httpbin' }, ports: [{ name: 'http', port: 8000, targetPort: 80 }] }),
      obj('Service', 'istio-ingressgateway', 'istio-system', { selector: { istio: 'ingressgateway' }, ports: [{ name: 'http2', port: 80, targetPort: 8080, protocol: 'TCP' }, { name: 'https', port: 443, targetPort: 8443, protocol: 'TCP' }] }),
    ],
    pods: [pod('httpbin-abc', 'bookinfo', { app: 'httpbin', version: 'v1' }), pod('istio-ingressgateway-xyz', 'istio-system', { istio: 'ingressgateway', app: 'istio-ingressgateway' }, false)],
    gateways: [obj('Gateway', 'httpbin-gateway', 'bookinfo', { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['httpbin.example.com', '*'] }] })],
    virtualServices: [
      obj('VirtualService', 'httpbin', 'bookinfo', {
        hosts: ['*'],
        gateways: ['httpbin-gateway'],
        http: [{ match: [{ uri: { prefix: '/status' } }, { uri: { prefix: '/delay' } }], route: [{ destination: { host: 'httpbin', port: { number: 8000 }, subset: 'v1' } }] }],
      }),
    ],
    destinationRules: [obj('DestinationRule', 'httpbin', 'bookinfo', { host: 'httpbin', subsets: [{ name: 'v1', labels: { version: 'v1' } }] })],
    serviceEntries: [],
    sidecars: [],
    peerAuthentications: [],
    authorizationPolicies: [],
  };
}

type Case = { name: string; change: (s: Snapshot) => void; lines: string[] };
const vs = (s: Snapshot) => s.virtualServices[0]!.spec as Record<string, any>;

const CASES: Case[] = [
  { name: 'the chapter as written', change: () => {}, lines: [] },
  {
    name: 'a destination host no Service or ServiceEntry defines (IST0101)',
    change: (s) => (vs(s).http[0].route[0].destination.host = 'httpbin2'),
    lines: ['Error [IST0101] (VirtualService bookinfo/httpbin) Referenced host not found: "httpbin2"'],
  },
  {
    name: 'a gateway that does not exist (IST0101)',
    change: (s) => (vs(s).gateways = ['httpbin-gateway-bogus']),
    lines: ['Error [IST0101] (VirtualService bookinfo/httpbin) Referenced gateway not found: "httpbin-gateway-bogus"'],
  },
  {
    name: 'a subset no DestinationRule defines (IST0101)',
    change: (s) => (vs(s).http[0].route[0].destination.subset = 'v2'),
    lines: ['Error [IST0101] (VirtualService bookinfo/httpbin) Referenced host+subset in destinationrule not found: "httpbin+v2"'],
  },
  {
    name: 'a mirror host that does not exist (IST0101)',
    change: (s) => (vs(s).http[0].mirror = { host: 'httpbin-shadow' }),
    lines: ['Error [IST0101] (VirtualService bookinfo/httpbin) Referenced mirror host not found: "httpbin-shadow"'],
  },
  {
    name: 'a Gateway selector no pod carries (IST0101)',
    change: (s) => ((s.gateways[0]!.spec as any).selector = { istio: 'ingress' }),
    lines: ['Error [IST0101] (Gateway bookinfo/httpbin-gateway) Referenced selector not found: "istio=ingress"'],
  },
  {
    name: 'a VirtualService host the Gateway does not carry (IST0132)',
    change: (s) => {
      (s.gateways[0]!.spec as any).servers[0].hosts = ['httpbin.example.com'];
      vs(s).hosts = ['wrong.com'];
    },
    lines: ['Warning [IST0132] (VirtualService bookinfo/httpbin) one or more host [wrong.com] defined in VirtualService bookinfo/httpbin not found in Gateway bookinfo/httpbin-gateway.'],
  },
  {
    name: 'a Gateway port the gateway Service does not expose (IST0162)',
    change: (s) => ((s.gateways[0]!.spec as any).servers[0].port.number = 8081),
    lines: ['Warning [IST0162] (Gateway bookinfo/httpbin-gateway) The gateway is listening on a target port (port 8081) that is not defined in the Service associated with its workload instances (Pod selector istio=ingressgateway). If you need to access the gateway port through the gateway Service, it will not be available.'],
  },
  {
    name: 'a subset whose labels select no pod (IST0173)',
    change: (s) => ((s.destinationRules[0]!.spec as any).subsets[0].labels = { version: 'v9' }),
    lines: ['Error [IST0173] (DestinationRule bookinfo/httpbin) The Subset v1 defined in the DestinationRule does not select any pods. Which may lead to 503 UH (NoHealthyUpstream).'],
  },
  {
    name: 'two mesh VirtualServices for one host (IST0109)',
    change: (s) => {
      const mk = (name: string) => obj('VirtualService', name, 'bookinfo', { hosts: ['httpbin'], http: [{ route: [{ destination: { host: 'httpbin' } }] }] });
      s.virtualServices.push(mk('a'), mk('b'));
    },
    lines: [
      'Error [IST0109] (VirtualService bookinfo/a) The VirtualServices bookinfo/a,bookinfo/b associated with mesh gateway define the same host httpbin.bookinfo.svc.cluster.local which can lead to undefined behavior. This can be fixed by merging the conflicting VirtualServices into a single resource.',
      'Error [IST0109] (VirtualService bookinfo/b) The VirtualServices bookinfo/a,bookinfo/b associated with mesh gateway define the same host httpbin.bookinfo.svc.cluster.local which can lead to undefined behavior. This can be fixed by merging the conflicting VirtualServices into a single resource.',
    ],
  },
  {
    name: 'a match an earlier rule already has (IST0131, IST0130)',
    change: (s) => vs(s).http.push({ match: [{ uri: { prefix: '/delay' } }], route: [{ destination: { host: 'httpbin', port: { number: 8000 } } }] }),
    lines: ['Warning [IST0130] (VirtualService bookinfo/httpbin) VirtualService rule #1 not used (all matches used by prior rules).', 'Info [IST0131] (VirtualService bookinfo/httpbin) VirtualService rule #1 match #0 is not used (duplicate/overlapping match in rule #0).'],
  },
  {
    name: 'two rules without matches (IST0130)',
    change: (s) => {
      const route = [{ destination: { host: 'httpbin', port: { number: 8000 } } }];
      vs(s).http = [{ route }, { route }];
    },
    lines: ['Warning [IST0130] (VirtualService bookinfo/httpbin) VirtualService rule #1 not used (only the last rule can have no matches).'],
  },
  {
    name: 'two Gateways on one workload, port and host (IST0145)',
    change: (s) => s.gateways.push(obj('Gateway', 'other', 'bookinfo', { selector: { istio: 'ingressgateway' }, servers: [{ port: { number: 80, name: 'http', protocol: 'HTTP' }, hosts: ['httpbin.example.com'] }] })),
    lines: [
      'Error [IST0145] (Gateway bookinfo/httpbin-gateway) Conflict with gateways bookinfo/other (workload selector istio=ingressgateway, port 80, hosts [httpbin.example.com]).',
      'Error [IST0145] (Gateway bookinfo/other) Conflict with gateways bookinfo/httpbin-gateway (workload selector istio=ingressgateway, port 80, hosts [httpbin.example.com]).',
    ],
  },
  {
    name: 'a destination without port to a Service with two ports (IST0112)',
    change: (s) => {
      (s.services[0]!.spec as any).ports.push({ name: 'http-alt', port: 8080, targetPort: 8080 });
      delete vs(s).http[0].route[0].destination.port;
    },
    lines: ['Error [IST0112] (VirtualService bookinfo/httpbin) This VirtualService routes to a service "httpbin" that exposes multiple ports [8000 8080]. Specifying a port in the destination is required to disambiguate.'],
  },
  {
    name: 'a namespace without injection label (IST0102)',
    change: (s) => (s.namespaces[0]!.metadata.labels = {}),
    lines: ["Info [IST0102] (Namespace bookinfo) The namespace is not enabled for Istio injection. Run 'kubectl label namespace bookinfo istio-injection=enabled' to enable it, or 'kubectl label namespace bookinfo istio-injection=disabled' to explicitly mark it as not needing injection."],
  },
  {
    name: 'a pod started before injection was turned on (IST0103)',
    change: (s) => s.pods.push(pod('old-1', 'bookinfo', { app: 'old' }, false)),
    lines: ['Warning [IST0103] (Pod bookinfo/old-1) The pod old-1 is missing the Istio proxy. This can often be resolved by restarting or redeploying the workload.'],
  },
  {
    name: 'two selector-less Sidecars in a namespace (IST0111)',
    change: (s) => s.sidecars.push(obj('Sidecar', 'a', 'bookinfo', {}), obj('Sidecar', 'b', 'bookinfo', {})),
    lines: [
      'Error [IST0111] (Sidecar bookinfo/a) The Sidecars [b] in namespace "bookinfo" have no workload selector, which can lead to undefined behavior.',
      'Error [IST0111] (Sidecar bookinfo/b) The Sidecars [a] in namespace "bookinfo" have no workload selector, which can lead to undefined behavior.',
    ],
  },
  {
    name: 'a ServiceEntry host is a known destination',
    change: (s) => {
      s.serviceEntries.push(obj('ServiceEntry', 'ext', 'bookinfo', { hosts: ['*.httpbin.org'] }));
      vs(s).http[0].route[0].destination = { host: 'www.httpbin.org' };
    },
    lines: [],
  },
];

describe('analyze', () => {
  it.each(CASES)('$name', ({ change, lines }) => {
    const s = chapter();
    change(s);
    expect(analyze(s, { namespace: 'bookinfo' }).map(formatMessage)).toEqual(lines);
  });

  it('reports only the namespace asked for', () => {
    const s = chapter();
    s.namespaces.push(obj('Namespace', 'other', undefined, {}));
    expect(analyze(s, { namespace: 'bookinfo' })).toEqual([]);
    expect(analyze(s).map((m) => m.code)).toEqual(['IST0102']);
  });
});

describe('formatAnalysis', () => {
  it('prints the check mark and exits 0 when nothing is found', () => {
    expect(formatAnalysis([], { namespace: 'default' })).toEqual({ stdout: '✔ No validation issues found when analyzing namespace: default.\n', stderr: '', exitCode: 0 });
    expect(formatAnalysis([], {}).stdout).toBe('✔ No validation issues found when analyzing all namespaces.\n');
  });

  it('exits 79 with istioctl’s footer on an error, 0 on warnings only', () => {
    const s = chapter();
    vs(s).http[0].route[0].destination.host = 'httpbin2';
    const r = formatAnalysis(analyze(s, { namespace: 'bookinfo' }), { namespace: 'bookinfo' });
    expect(r.exitCode).toBe(EXIT_FOUND_ISSUES);
    expect(r.stderr).toMatch(/^Error: Analyzers found issues when analyzing namespace: bookinfo\.\nSee https:\/\/istio\.io\/v1\.\d+\/docs\/reference\/config\/analysis for more information/);
    const w = chapter();
    (w.gateways[0]!.spec as any).servers[0].port.number = 8081;
    expect(formatAnalysis(analyze(w, { namespace: 'bookinfo' }), { namespace: 'bookinfo' }).exitCode).toBe(0);
    expect(formatAnalysis(analyze(w, { namespace: 'bookinfo' }), { namespace: 'bookinfo', failureThreshold: 'Warning' }).exitCode).toBe(EXIT_FOUND_ISSUES);
  });
});

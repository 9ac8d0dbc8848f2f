// The `default:` fields of the Gateway API v1.4.0 standard CRDs (config/crd/standard), one case per
// defaulted field, compared with what the schema says a real API server stores.
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../store/object-store.ts';
import { applyGatewayApiDefaults } from './defaults.ts';

const obj = (kind: string, spec: Record<string, unknown>, apiVersion = 'gateway.networking.k8s.io/v1'): KubeObject => ({ apiVersion, kind, metadata: { name: 'x', namespace: 'default' }, spec });

describe('Gateway API schema defaults', () => {
  const cases: { name: string; in: KubeObject; want: Record<string, unknown> }[] = [
    {
      name: 'HTTPRoute without rules gets one rule matching PathPrefix /',
      in: obj('HTTPRoute', { parentRefs: [{ name: 'gw' }] }),
      want: { parentRefs: [{ group: 'gateway.networking.k8s.io', kind: 'Gateway', name: 'gw' }], rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }] }] },
    },
    {
      name: 'rule without matches, backendRef group, kind and weight',
      in: obj('HTTPRoute', { rules: [{ backendRefs: [{ name: 'httpbin', port: 8000 }] }] }),
      want: { rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], backendRefs: [{ group: '', kind: 'Service', name: 'httpbin', port: 8000, weight: 1 }] }] },
    },
    {
      name: 'match without path gets path /, headers and query params Exact; an explicit weight 0 stays',
      in: obj('HTTPRoute', { rules: [{ matches: [{ headers: [{ name: 'end-user', value: 'jason' }], queryParams: [{ name: 'q', value: '1' }] }], backendRefs: [{ name: 'a', weight: 0 }] }] }),
      want: { rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' }, headers: [{ name: 'end-user', type: 'Exact', value: 'jason' }], queryParams: [{ name: 'q', type: 'Exact', value: '1' }] }], backendRefs: [{ group: '', kind: 'Service', name: 'a', weight: 0 }] }] },
    },
    {
      name: 'path with only a value is a prefix; Exact keeps its type',
      in: obj('HTTPRoute', { rules: [{ matches: [{ path: { value: '/status' } }, { path: { type: 'Exact', value: '/get' } }] }] }),
      want: { rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/status' } }, { path: { type: 'Exact', value: '/get' } }] }] },
    },
    {
      name: 'redirect status 302, mirror backend group and kind (no weight), mirror fraction denominator 100',
      in: obj('HTTPRoute', { rules: [{ filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https' } }, { type: 'RequestMirror', requestMirror: { backendRef: { name: 'v2', port: 8000 }, fraction: { numerator: 5 } } }] }] }),
      want: { rules: [{ matches: [{ path: { type: 'PathPrefix', value: '/' } }], filters: [{ type: 'RequestRedirect', requestRedirect: { scheme: 'https', statusCode: 302 } }, { type: 'RequestMirror', requestMirror: { backendRef: { group: '', kind: 'Service', name: 'v2', port: 8000 }, fraction: { numerator: 5, denominator: 100 } } }] }] },
    },
    {
      name: 'parentRef to a Service keeps its group and kind (GAMMA)',
      in: obj('HTTPRoute', { parentRefs: [{ group: '', kind: 'Service', name: 'reviews', port: 9080 }], rules: [] }),
      want: { parentRefs: [{ group: '', kind: 'Service', name: 'reviews', port: 9080 }], rules: [] },
    },
    {
      name: 'Gateway listener allowedRoutes from Same; address type IPAddress; TLS Terminate with a Secret ref',
      in: obj('Gateway', { gatewayClassName: 'istio', addresses: [{ value: '10.0.0.1' }], listeners: [{ name: 'http', port: 80, protocol: 'HTTP' }, { name: 'https', port: 443, protocol: 'HTTPS', tls: { certificateRefs: [{ name: 'cred' }] }, allowedRoutes: { kinds: [{ kind: 'HTTPRoute' }] } }] }),
      want: {
        gatewayClassName: 'istio',
        addresses: [{ type: 'IPAddress', value: '10.0.0.1' }],
        listeners: [
          { name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'Same' } } },
          { name: 'https', port: 443, protocol: 'HTTPS', tls: { mode: 'Terminate', certificateRefs: [{ group: '', kind: 'Secret', name: 'cred' }] }, allowedRoutes: { kinds: [{ group: 'gateway.networking.k8s.io', kind: 'HTTPRoute' }], namespaces: { from: 'Same' } } },
        ],
      },
    },
    {
      name: 'served v1beta1 gets the same defaults',
      in: obj('Gateway', { listeners: [{ name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } } }] }, 'gateway.networking.k8s.io/v1beta1'),
      want: { listeners: [{ name: 'http', port: 80, protocol: 'HTTP', allowedRoutes: { namespaces: { from: 'All' } } }] },
    },
    {
      name: "Istio's Gateway of the same kind name is left alone",
      in: obj('Gateway', { servers: [{ port: { number: 80 } }] }, 'networking.istio.io/v1'),
      want: { servers: [{ port: { number: 80 } }] },
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const o = structuredClone(c.in);
      applyGatewayApiDefaults(o);
      expect(o.spec).toEqual(c.want);
    });
  }
});

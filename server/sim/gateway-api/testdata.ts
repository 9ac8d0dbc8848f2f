// Manifests of istio.io's Gateway API tasks, as written there (apiVersion v1 where the page still says
// v1beta1), shared by the tests that run them.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// https://istio.io/latest/docs/tasks/traffic-management/ingress/ingress-control/, Gateway API tab.
export const INGRESS_CONTROL_GATEWAY = `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: httpbin-gateway
spec:
  gatewayClassName: istio
  listeners:
  - name: http
    hostname: "httpbin.example.com"
    port: 80
    protocol: HTTP
    allowedRoutes:
      namespaces:
        from: Same
`;
export const INGRESS_CONTROL_ROUTE = `apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: httpbin
spec:
  parentRefs:
  - name: httpbin-gateway
  hostnames: ["httpbin.example.com"]
  rules:
  - matches:
    - path:
        type: PathPrefix
        value: /status
    - path:
        type: PathPrefix
        value: /delay
    backendRefs:
    - name: httpbin
      port: 8000
`;


// Istio's samples/httpbin (go-httpbin, service port 8000 to 8080), shared with the API server's tests.
export const HTTPBIN_SAMPLE = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../apiserver/testdata/httpbin.yaml'), 'utf8');

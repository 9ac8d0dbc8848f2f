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
export const HTTPBIN_SAMPLE = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../../apiserver/testdata/httpbin.yaml'), 'utf8');

// Istio's samples/curl/curl.yaml, as the egress chapter applies it.
export const CURL_SAMPLE = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '../../../../labs/egress-gateway/curl.yaml'), 'utf8');

// https://istio.io/latest/docs/tasks/traffic-management/egress/egress-gateway/, "Egress gateway for HTTP
// traffic", Gateway API tab: the ServiceEntry, then the Gateway (step 3) and the two HTTPRoutes (step 4).
export const EGRESS_SERVICE_ENTRY = `apiVersion: networking.istio.io/v1alpha3
kind: ServiceEntry
metadata:
  name: cnn
spec:
  hosts:
  - edition.cnn.com
  ports:
  - number: 80
    name: http-port
    protocol: HTTP
  - number: 443
    name: https
    protocol: HTTPS
  resolution: DNS
`;
export const EGRESS_GATEWAY = `apiVersion: gateway.networking.k8s.io/v1beta1
kind: Gateway
metadata:
  name: cnn-egress-gateway
  annotations:
    networking.istio.io/service-type: ClusterIP
spec:
  gatewayClassName: istio
  listeners:
  - name: http
    hostname: edition.cnn.com
    port: 80
    protocol: HTTP
    allowedRoutes:
      namespaces:
        from: Same
`;
export const EGRESS_ROUTES = `apiVersion: gateway.networking.k8s.io/v1beta1
kind: HTTPRoute
metadata:
  name: direct-cnn-to-egress-gateway
spec:
  parentRefs:
  - kind: ServiceEntry
    group: networking.istio.io
    name: cnn
  rules:
  - backendRefs:
    - name: cnn-egress-gateway-istio
      port: 80
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: HTTPRoute
metadata:
  name: forward-cnn-from-egress-gateway
spec:
  parentRefs:
  - name: cnn-egress-gateway
  hostnames:
  - edition.cnn.com
  rules:
  - backendRefs:
    - kind: Hostname
      group: networking.istio.io
      name: edition.cnn.com
      port: 80
`;

// The same page, "Egress gateway for HTTPS traffic", Gateway API tab: the experimental channel's
// CRDs (the warning above the Gateway API instructions), the ServiceEntry for port 443 (step 1),
// and the Gateway with a Passthrough TLS listener and the two TLSRoutes (step 3).
export const INSTALL_EXPERIMENTAL_CRDS = 'kubectl kustomize "github.com/kubernetes-sigs/gateway-api/config/crd/experimental?ref=v1.4.0" | kubectl apply -f -';
export const EGRESS_TLS_SERVICE_ENTRY = `apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: cnn
spec:
  hosts:
  - edition.cnn.com
  ports:
  - number: 443
    name: tls
    protocol: TLS
  resolution: DNS
`;
export const EGRESS_TLS_GATEWAY_AND_ROUTES = `apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: cnn-egress-gateway
  annotations:
    networking.istio.io/service-type: ClusterIP
spec:
  gatewayClassName: istio
  listeners:
  - name: tls
    hostname: edition.cnn.com
    port: 443
    protocol: TLS
    tls:
      mode: Passthrough
    allowedRoutes:
      namespaces:
        from: Same
---
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TLSRoute
metadata:
  name: direct-cnn-to-egress-gateway
spec:
  parentRefs:
  - kind: ServiceEntry
    group: networking.istio.io
    name: cnn
  rules:
  - backendRefs:
    - name: cnn-egress-gateway-istio
      port: 443
---
apiVersion: gateway.networking.k8s.io/v1alpha2
kind: TLSRoute
metadata:
  name: forward-cnn-from-egress-gateway
spec:
  parentRefs:
  - name: cnn-egress-gateway
  hostnames:
  - edition.cnn.com
  rules:
  - backendRefs:
    - kind: Hostname
      group: networking.istio.io
      name: edition.cnn.com
      port: 443
`;

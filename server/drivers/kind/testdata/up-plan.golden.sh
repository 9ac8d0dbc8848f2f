# 1. Write the kind cluster configuration
mkdir -p /var/lib/meshlab/clusters/kind-meshlab
cat > /var/lib/meshlab/clusters/kind-meshlab/kind-config.yaml <<'EOF'
kind: Cluster
apiVersion: kind.x-k8s.io/v1alpha4
name: meshlab
nodes:
  - role: control-plane
    image: kindest/node:v1.35.8@sha256:07b2536e30b803ed61d1677a79df6115f798ce64c80f9e22f6ed45afd09323c0
    extraPortMappings:
      - containerPort: 30080
        hostPort: 30080
        listenAddress: 127.0.0.1
        protocol: TCP
      - containerPort: 30443
        hostPort: 30443
        listenAddress: 127.0.0.1
        protocol: TCP
EOF

# 2. Create the kind cluster "meshlab" (only when no cluster of that name exists)
kind create cluster --name meshlab --config /var/lib/meshlab/clusters/kind-meshlab/kind-config.yaml --kubeconfig /var/lib/meshlab/clusters/kind-meshlab/kubeconfig --wait 5m

# 3. Reuse the kind cluster "meshlab": write its kubeconfig (only when the cluster already exists)
kind export kubeconfig --name meshlab --kubeconfig /var/lib/meshlab/clusters/kind-meshlab/kubeconfig

# 4. Wait for the nodes to be Ready
kubectl --kubeconfig /var/lib/meshlab/clusters/kind-meshlab/kubeconfig wait --for=condition=Ready nodes --all --timeout=300s

# 5. Pull curlimages/curl:8.16.0 (a failure here is reported, not fatal)
docker pull curlimages/curl:8.16.0

# 6. Load curlimages/curl:8.16.0 into the node (a failure here is reported, not fatal)
kind load docker-image curlimages/curl:8.16.0 --name meshlab

# 7. Pull docker.io/istio/pilot:1.31.0 (a failure here is reported, not fatal)
docker pull docker.io/istio/pilot:1.31.0

# 8. Load docker.io/istio/pilot:1.31.0 into the node (a failure here is reported, not fatal)
kind load docker-image docker.io/istio/pilot:1.31.0 --name meshlab

# 9. Pull docker.io/istio/proxyv2:1.31.0 (a failure here is reported, not fatal)
docker pull docker.io/istio/proxyv2:1.31.0

# 10. Load docker.io/istio/proxyv2:1.31.0 into the node (a failure here is reported, not fatal)
kind load docker-image docker.io/istio/proxyv2:1.31.0 --name meshlab

# 11. Pull docker.io/mccutchen/go-httpbin:v2.15.0 (a failure here is reported, not fatal)
docker pull docker.io/mccutchen/go-httpbin:v2.15.0

# 12. Load docker.io/mccutchen/go-httpbin:v2.15.0 into the node (a failure here is reported, not fatal)
kind load docker-image docker.io/mccutchen/go-httpbin:v2.15.0 --name meshlab

# 13. Write istiod values
cat > /var/lib/meshlab/clusters/kind-meshlab/istiod-values.yaml <<'EOF'
meshConfig:
  accessLogFile: /dev/stdout
  outboundTrafficPolicy:
    mode: ALLOW_ANY
EOF

# 14. Write ingress gateway values
cat > /var/lib/meshlab/clusters/kind-meshlab/ingressgateway-values.yaml <<'EOF'
labels:
  app: istio-ingressgateway
  istio: ingressgateway
autoscaling:
  enabled: false
service:
  type: NodePort
  ports:
    - name: status-port
      port: 15021
      protocol: TCP
      targetPort: 15021
    - name: http2
      port: 80
      protocol: TCP
      targetPort: 80
      nodePort: 30080
    - name: https
      port: 443
      protocol: TCP
      targetPort: 443
      nodePort: 30443
EOF

# 15. Add Istio's chart repository
helm repo add istio https://istio-release.storage.googleapis.com/charts --force-update

# 16. Update Istio's chart repository
helm repo update istio

# 17. Install istio/base 1.31.0 (CRDs)
helm upgrade --install istio-base istio/base --namespace istio-system --version 1.31.0 --create-namespace --set defaultRevision=default --kubeconfig /var/lib/meshlab/clusters/kind-meshlab/kubeconfig --wait --timeout 10m

# 18. Install istio/istiod 1.31.0
helm upgrade --install istiod istio/istiod --namespace istio-system --version 1.31.0 --values /var/lib/meshlab/clusters/kind-meshlab/istiod-values.yaml --kubeconfig /var/lib/meshlab/clusters/kind-meshlab/kubeconfig --wait --timeout 10m

# 19. Install istio/gateway 1.31.0 as istio-ingressgateway
helm upgrade --install istio-ingressgateway istio/gateway --namespace istio-system --version 1.31.0 --values /var/lib/meshlab/clusters/kind-meshlab/ingressgateway-values.yaml --kubeconfig /var/lib/meshlab/clusters/kind-meshlab/kubeconfig --wait --timeout 10m

# 20. Wait for istiod
kubectl --kubeconfig /var/lib/meshlab/clusters/kind-meshlab/kubeconfig -n istio-system rollout status deployment/istiod --timeout=300s

# 21. Wait for the ingress gateway
kubectl --kubeconfig /var/lib/meshlab/clusters/kind-meshlab/kubeconfig -n istio-system rollout status deployment/istio-ingressgateway --timeout=300s

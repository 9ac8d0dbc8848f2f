# 1. Delete the kind cluster "meshlab"
kind delete cluster --name meshlab --kubeconfig /var/lib/meshlab/clusters/kind-meshlab/kubeconfig

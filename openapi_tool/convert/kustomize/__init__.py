"""Kustomize trees: evaluate each kustomization as `kustomize build` does (in Python), then
write the tree as KCL bases and overlays that render the same documents."""

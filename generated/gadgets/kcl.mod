[package]
name = "gadgets"
version = "0.0.1"

[dependencies]
k8s = { path = "vendor/k8s" }

[package]
name = "mini_k8s"
version = "0.0.1"

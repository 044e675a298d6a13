[package]
name = "mini_k8s"
version = "1.35.0"

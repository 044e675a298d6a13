[package]
name = "k8s"
version = "1.35.0"

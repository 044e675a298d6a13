[package]
name = "example_openapi3"
version = "0.0.1"

[package]
name = "gadgets"
version = "0.0.1"

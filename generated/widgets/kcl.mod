[package]
name = "widgets"
version = "0.0.1"

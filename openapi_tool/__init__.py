"""openapi-tool: Kubernetes OpenAPI specs and CRDs to typed KCL modules."""

__version__ = "0.1.0"

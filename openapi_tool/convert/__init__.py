"""`openapi-tool convert`: Kubernetes YAML manifests -> KCL that uses the generated schemas
and renders back to the same documents."""

from openapi_tool.convert.pipeline import LAYOUTS, Conversion, Options, convert
from openapi_tool.convert.verify import verify

__all__ = ["LAYOUTS", "Conversion", "Options", "convert", "verify"]

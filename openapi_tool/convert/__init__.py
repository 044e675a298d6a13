"""`openapi-tool convert`: Kubernetes YAML manifests -> KCL that uses the generated schemas
and renders back to the same documents."""

from openapi_tool.convert.pipeline import LAYOUTS, Conversion, ConvertOptions, convert
from openapi_tool.convert.verify import verify_conversion

__all__ = ["LAYOUTS", "Conversion", "ConvertOptions", "convert", "verify_conversion"]

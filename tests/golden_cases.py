"""The golden cases: each spec in specs/ with the arguments that generate generated/<case>/."""

from __future__ import annotations

CASES: dict[str, list[str]] = {
    "widgets": ["--crd", "specs/crds/widgets.example.com.yaml"],
    "gadgets": ["--crd", "specs/crds/gadgets.v1beta1.yaml"],
    "mini-k8s": ["--spec", "specs/k8s/mini-swagger.json"],
    "example-openapi3": ["--spec", "specs/openapi3/apis__example.com__v1_openapi.json"],
}

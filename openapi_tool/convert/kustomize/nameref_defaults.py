"""Kustomize v5.5's built-in nameReference table: which fields of which kinds hold the name of
another resource (the cluster-scoped types are fieldspec_defaults.CLUSTER_SCOPED).

Entries have the shape of a `configurations` file's `nameReference` item:
{kind, group?, version?, fieldSpecs: [{path, kind?, group?, version?}]}. Order and repeats follow
kustomize (a repeated spec updates its field twice)."""

from __future__ import annotations

from typing import Any

_WORKLOADS = ("Deployment", "ReplicaSet", "DaemonSet", "StatefulSet", "Job")
"""Kinds with a pod template at spec/template, in the order of the ConfigMap and Secret entries."""

_CONFIG_MAP_FIELDS = (
    "volumes/configMap/name",
    "containers/env/valueFrom/configMapKeyRef/name",
    "initContainers/env/valueFrom/configMapKeyRef/name",
    "containers/envFrom/configMapRef/name",
    "initContainers/envFrom/configMapRef/name",
    "volumes/projected/sources/configMap/name",
)
_CRON_JOB_CONFIG_MAP_FIELDS = (
    "volumes/configMap/name",
    "volumes/projected/sources/configMap/name",
    "containers/env/valueFrom/configMapKeyRef/name",
    "initContainers/env/valueFrom/configMapKeyRef/name",
    "containers/envFrom/configMapRef/name",
    "initContainers/envFrom/configMapRef/name",
)
_SECRET_FIELDS = (
    "volumes/secret/secretName",
    "containers/env/valueFrom/secretKeyRef/name",
    "initContainers/env/valueFrom/secretKeyRef/name",
    "containers/envFrom/secretRef/name",
    "initContainers/envFrom/secretRef/name",
    "imagePullSecrets/name",
    "volumes/projected/sources/secret/name",
)
_CRON_JOB_SECRET_FIELDS = (
    "volumes/secret/secretName",
    "volumes/projected/sources/secret/name",
    "containers/env/valueFrom/secretKeyRef/name",
    "initContainers/env/valueFrom/secretKeyRef/name",
    "containers/envFrom/secretRef/name",
    "initContainers/envFrom/secretRef/name",
    "imagePullSecrets/name",
)
_RBAC = "rbac.authorization.k8s.io"
_ADMISSION = "admissionregistration.k8s.io"


def _spec(path: str, kind: str, group: str = "", version: str = "") -> dict[str, str]:
    raw = {"path": path, "kind": kind}
    if group:
        raw["group"] = group
    if version:
        raw["version"] = version
    return raw


def _pod_fields(fields: tuple[str, ...], cron_job_fields: tuple[str, ...]) -> list[dict[str, str]]:
    """`fields` (relative to a pod spec) in a Pod, a PodTemplate, the workloads and a CronJob."""
    specs = [_spec(f"spec/{f}", "Pod", version="v1") for f in fields]
    specs += [_spec(f"template/spec/{f}", "PodTemplate") for f in fields]
    specs += [_spec(f"spec/template/spec/{f}", kind) for kind in _WORKLOADS for f in fields]
    specs += [_spec(f"spec/jobTemplate/spec/template/spec/{f}", "CronJob") for f in cron_job_fields]
    return specs


def _template_field(field: str, kinds: tuple[str, ...]) -> list[dict[str, str]]:
    """`field` of a pod spec in a Pod and in the template of each of `kinds`."""
    specs = [_spec(f"spec/{field}", "Pod")]
    for kind in kinds:
        prefix = "spec/jobTemplate/spec/template/spec" if kind == "CronJob" else "spec/template/spec"
        specs.append(_spec(f"{prefix}/{field}", kind))
    return specs


_TEMPLATE_KINDS = ("StatefulSet", "Deployment", "ReplicationController", "CronJob", "Job", "DaemonSet")
_SCALE_TARGETS = ("Deployment", "ReplicationController", "ReplicaSet", "StatefulSet")
_INGRESS_SECRET_ANNOTATIONS = (
    "ingress.kubernetes.io\\/auth-secret",
    "nginx.ingress.kubernetes.io\\/auth-secret",
    "nginx.ingress.kubernetes.io\\/auth-tls-secret",
)
_STORAGE_CLASS_SECRETS = ("secretName", "adminSecretName", "userSecretName", "secretRef")

NAME_REFERENCES: list[dict[str, Any]] = [
    *(
        {"kind": kind, "fieldSpecs": [_spec("spec/scaleTargetRef/name", "HorizontalPodAutoscaler")]}
        for kind in _SCALE_TARGETS
    ),
    {
        "kind": "ConfigMap",
        "version": "v1",
        "fieldSpecs": [
            *_pod_fields(_CONFIG_MAP_FIELDS, _CRON_JOB_CONFIG_MAP_FIELDS),
            _spec("spec/configSource/configMap", "Node"),
            _spec("rules/resourceNames", "Role"),
            _spec("rules/resourceNames", "ClusterRole"),
            _spec("metadata/annotations/nginx.ingress.kubernetes.io\\/fastcgi-params-configmap", "Ingress"),
        ],
    },
    {
        "kind": "Secret",
        "version": "v1",
        "fieldSpecs": [
            *_pod_fields(_SECRET_FIELDS, _CRON_JOB_SECRET_FIELDS),
            _spec("spec/tls/secretName", "Ingress"),
            *(_spec(f"metadata/annotations/{a}", "Ingress") for a in _INGRESS_SECRET_ANNOTATIONS),
            _spec("spec/tls/secretName", "Ingress"),
            _spec("imagePullSecrets/name", "ServiceAccount"),
            *(_spec(f"parameters/{p}", "StorageClass") for p in _STORAGE_CLASS_SECRETS),
            _spec("rules/resourceNames", "Role"),
            _spec("rules/resourceNames", "ClusterRole"),
            _spec(
                "spec/template/spec/containers/env/valueFrom/secretKeyRef/name", "Service", "serving.knative.dev", "v1"
            ),
            _spec("spec/azureFile/secretName", "PersistentVolume"),
        ],
    },
    {
        "kind": "Service",
        "version": "v1",
        "fieldSpecs": [
            _spec("spec/serviceName", "StatefulSet", "apps"),
            _spec("spec/rules/http/paths/backend/serviceName", "Ingress"),
            _spec("spec/backend/serviceName", "Ingress"),
            _spec("spec/rules/http/paths/backend/service/name", "Ingress"),
            _spec("spec/defaultBackend/service/name", "Ingress"),
            _spec("spec/service/name", "APIService", "apiregistration.k8s.io"),
            _spec("webhooks/clientConfig/service", "ValidatingWebhookConfiguration", _ADMISSION),
            _spec("webhooks/clientConfig/service", "MutatingWebhookConfiguration", _ADMISSION),
        ],
    },
    {"kind": "Role", "group": _RBAC, "fieldSpecs": [_spec("roleRef/name", "RoleBinding", _RBAC)]},
    {
        "kind": "ClusterRole",
        "group": _RBAC,
        "fieldSpecs": [_spec("roleRef/name", "RoleBinding", _RBAC), _spec("roleRef/name", "ClusterRoleBinding", _RBAC)],
    },
    {
        "kind": "ServiceAccount",
        "version": "v1",
        "fieldSpecs": [
            _spec("subjects", "RoleBinding", _RBAC),
            _spec("subjects", "ClusterRoleBinding", _RBAC),
            *_template_field("serviceAccountName", _TEMPLATE_KINDS),
        ],
    },
    {
        "kind": "PersistentVolumeClaim",
        "version": "v1",
        "fieldSpecs": _template_field("volumes/persistentVolumeClaim/claimName", _TEMPLATE_KINDS),
    },
    {
        "kind": "PersistentVolume",
        "version": "v1",
        "fieldSpecs": [
            _spec("spec/volumeName", "PersistentVolumeClaim"),
            _spec("rules/resourceNames", "ClusterRole"),
        ],
    },
    {
        "kind": "StorageClass",
        "version": "v1",
        "group": "storage.k8s.io",
        "fieldSpecs": [
            _spec("spec/storageClassName", "PersistentVolume"),
            _spec("spec/storageClassName", "PersistentVolumeClaim"),
            _spec("spec/volumeClaimTemplates/spec/storageClassName", "StatefulSet"),
        ],
    },
    {
        "kind": "PriorityClass",
        "version": "v1",
        "group": "scheduling.k8s.io",
        "fieldSpecs": _template_field("priorityClassName", _TEMPLATE_KINDS),
    },
    # kustomize writes the group with its version here, so no IngressClass is ever selected.
    {
        "kind": "IngressClass",
        "version": "v1",
        "group": "networking.k8s.io/v1",
        "fieldSpecs": [_spec("spec/ingressClassName", "Ingress")],
    },
    {
        "kind": "ValidatingAdmissionPolicy",
        "group": _ADMISSION,
        "fieldSpecs": [_spec("spec/policyName", "ValidatingAdmissionPolicyBinding", _ADMISSION)],
    },
]

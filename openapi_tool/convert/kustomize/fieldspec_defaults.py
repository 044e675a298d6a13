"""Kustomize's built-in field specs (v5.5): which fields of which kinds the namespace, name prefix and
suffix, label, annotation, image, replica and var transformers touch when no `configurations` file
adds more; and which kinds kustomize knows to be cluster-scoped."""

from __future__ import annotations

from openapi_tool.convert.kustomize.fieldspecs import FieldSpec, sequence_fields, split_path


def _spec(path: str, kind: str = "", group: str = "", version: str = "", create: bool = False) -> FieldSpec:
    return FieldSpec(split_path(path), group, version, kind, create, sequence_fields(path))


_WORKLOADS = ("Deployment", "ReplicaSet", "DaemonSet")
"""Workload kinds whose pod template specs carry no group."""


def _template_specs(leaf: str) -> list[FieldSpec]:
    """`metadata/<leaf>` of every resource and of the pod (and job) templates of the workload kinds."""
    return [
        _spec(f"metadata/{leaf}", create=True),
        _spec(f"spec/template/metadata/{leaf}", "ReplicationController", version="v1", create=True),
        *(_spec(f"spec/template/metadata/{leaf}", kind, create=True) for kind in _WORKLOADS),
    ]


def _job_template_specs(leaf: str) -> list[FieldSpec]:
    return [
        _spec(f"spec/template/metadata/{leaf}", "Job", "batch", create=True),
        _spec(f"spec/jobTemplate/metadata/{leaf}", "CronJob", "batch", create=True),
        _spec(f"spec/jobTemplate/spec/template/metadata/{leaf}", "CronJob", "batch", create=True),
    ]


TEMPLATE_LABELS: list[FieldSpec] = [
    *_template_specs("labels"),
    _spec("spec/template/metadata/labels", "StatefulSet", "apps", create=True),
    _spec("spec/volumeClaimTemplates[]/metadata/labels", "StatefulSet", "apps", create=True),
    *_job_template_specs("labels"),
]
"""Label fields of metadata and templates (`labels` entries with includeTemplates)."""

_AFFINITY_SELECTORS = (
    "spec/template/spec/affinity/podAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm",
    "spec/template/spec/affinity/podAffinity/requiredDuringSchedulingIgnoredDuringExecution",
    "spec/template/spec/affinity/podAntiAffinity/preferredDuringSchedulingIgnoredDuringExecution/podAffinityTerm",
    "spec/template/spec/affinity/podAntiAffinity/requiredDuringSchedulingIgnoredDuringExecution",
    "spec/template/spec/topologySpreadConstraints",
)


def _affinity_specs(kind: str) -> list[FieldSpec]:
    return [_spec(f"{prefix}/labelSelector/matchLabels", kind, "apps") for prefix in _AFFINITY_SELECTORS]


COMMON_LABELS: list[FieldSpec] = [
    _spec("spec/selector", "Service", version="v1", create=True),
    _spec("spec/selector", "ReplicationController", version="v1", create=True),
    _spec("spec/selector/matchLabels", "Deployment", create=True),
    *_affinity_specs("Deployment"),
    _spec("spec/selector/matchLabels", "ReplicaSet", create=True),
    _spec("spec/selector/matchLabels", "DaemonSet", create=True),
    _spec("spec/selector/matchLabels", "StatefulSet", "apps", create=True),
    *_affinity_specs("StatefulSet"),
    _spec("spec/selector/matchLabels", "Job", "batch"),
    _spec("spec/jobTemplate/spec/selector/matchLabels", "CronJob", "batch"),
    _spec("spec/selector/matchLabels", "PodDisruptionBudget", "policy"),
    _spec("spec/podSelector/matchLabels", "NetworkPolicy", "networking.k8s.io"),
    _spec("spec/ingress/from/podSelector/matchLabels", "NetworkPolicy", "networking.k8s.io"),
    _spec("spec/egress/to/podSelector/matchLabels", "NetworkPolicy", "networking.k8s.io"),
    *TEMPLATE_LABELS,
]
"""Label fields including selectors (`commonLabels`, `labels` entries with includeSelectors)."""

COMMON_ANNOTATIONS: list[FieldSpec] = [
    *_template_specs("annotations"),
    _spec("spec/template/metadata/annotations", "StatefulSet", create=True),
    *_job_template_specs("annotations"),
]

NAME_PREFIX: list[FieldSpec] = [_spec("metadata/name")]
NAME_SUFFIX: list[FieldSpec] = [_spec("metadata/name")]

NAMESPACE: list[FieldSpec] = [
    _spec("metadata/name", "Namespace", create=True),
    _spec("spec/service/namespace", "APIService", "apiregistration.k8s.io", create=True),
    _spec("spec/conversion/webhook/clientConfig/service/namespace", "CustomResourceDefinition", "apiextensions.k8s.io"),
]
"""Namespace fields besides metadata/namespace (which the transformer sets on namespaced kinds)."""

IMAGES: list[FieldSpec] = [
    _spec("spec/containers[]/image", create=True),
    _spec("spec/initContainers[]/image", create=True),
    _spec("spec/template/spec/containers[]/image", create=True),
    _spec("spec/template/spec/initContainers[]/image", create=True),
]

REPLICAS: list[FieldSpec] = [
    _spec("spec/replicas", kind, create=True)
    for kind in ("Deployment", "ReplicationController", "ReplicaSet", "StatefulSet")
]

_CONTAINER_VAR_FIELDS = ("args", "command", "env/value", "volumeMounts/mountPath")


def _pod_var_specs(kind: str, pod: str, volumes: str) -> list[FieldSpec]:
    """Var reference fields of the containers of a pod spec at `pod`, and its NFS volume servers."""
    return [
        *(
            _spec(f"{pod}/{containers}/{field}", kind)
            for containers in ("containers", "initContainers")
            for field in _CONTAINER_VAR_FIELDS
        ),
        _spec(f"{volumes}/volumes/nfs/server", kind),
    ]


VAR_REFERENCE: list[FieldSpec] = [
    *_pod_var_specs("CronJob", "spec/jobTemplate/spec/template/spec", "spec/jobTemplate/spec/template"),
    *_pod_var_specs("DaemonSet", "spec/template/spec", "spec/template/spec"),
    *_pod_var_specs("Deployment", "spec/template/spec", "spec/template/spec"),
    _spec("spec/template/metadata/annotations", "Deployment"),
    _spec("spec/rules/host", "Ingress"),
    _spec("spec/tls/hosts", "Ingress"),
    _spec("spec/tls/secretName", "Ingress"),
    *_pod_var_specs("Job", "spec/template/spec", "spec/template/spec"),
    *_pod_var_specs("Pod", "spec", "spec"),
    *_pod_var_specs("ReplicaSet", "spec/template/spec", "spec/template/spec"),
    _spec("spec/ports/port", "Service"),
    _spec("spec/ports/targetPort", "Service"),
    *_pod_var_specs("StatefulSet", "spec/template/spec", "spec/template/spec")[:-1],
    _spec("spec/volumeClaimTemplates/spec/nfs/server", "StatefulSet"),
    _spec("spec/nfs/server", "PersistentVolume"),
    _spec("metadata/labels"),
    _spec("metadata/annotations"),
]
"""Fields where `$(VAR)` references are replaced."""

CLUSTER_SCOPED: frozenset[tuple[str, str]] = frozenset(
    (api_version, kind)
    for api_versions, kinds in (
        (
            ("admissionregistration.k8s.io/v1", "admissionregistration.k8s.io/v1beta1"),
            ("MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"),
        ),
        (("apiextensions.k8s.io/v1", "apiextensions.k8s.io/v1beta1"), ("CustomResourceDefinition",)),
        (("apiregistration.k8s.io/v1", "apiregistration.k8s.io/v1beta1"), ("APIService",)),
        (("certificates.k8s.io/v1", "certificates.k8s.io/v1beta1"), ("CertificateSigningRequest",)),
        (("flowcontrol.apiserver.k8s.io/v1beta1",), ("FlowSchema", "PriorityLevelConfiguration")),
        (("networking.k8s.io/v1", "networking.k8s.io/v1beta1"), ("IngressClass",)),
        (("node.k8s.io/v1", "node.k8s.io/v1beta1"), ("RuntimeClass",)),
        (("policy/v1beta1",), ("PodSecurityPolicy",)),
        (("rbac.authorization.k8s.io/v1", "rbac.authorization.k8s.io/v1beta1"), ("ClusterRole", "ClusterRoleBinding")),
        (("scheduling.k8s.io/v1", "scheduling.k8s.io/v1beta1"), ("PriorityClass",)),
        (("storage.k8s.io/v1", "storage.k8s.io/v1beta1"), ("CSIDriver", "CSINode", "StorageClass", "VolumeAttachment")),
        (("v1",), ("ComponentStatus", "Namespace", "Node", "NodeProxyOptions", "PersistentVolume")),
    )
    for api_version in api_versions
    for kind in kinds
)
"""(apiVersion, kind) pairs kustomize knows to be cluster-scoped; every other type, custom resources
included, counts as namespaced (kustomize does not look at CRDs for this)."""


def is_cluster_scoped(api_version: str, kind: str) -> bool:
    """Whether kustomize knows the type to be cluster-scoped (unknown types are namespaced)."""
    return (api_version, kind) in CLUSTER_SCOPED

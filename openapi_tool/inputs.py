"""What one generation reads: CRD and spec documents, with a digest of every source."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from openapi_tool.errors import InputError
from openapi_tool.loader import Document, parse_text, read_all

if TYPE_CHECKING:
    from openapi_tool.sources.cluster import ClusterSource


@dataclass
class Inputs:
    """Documents by kind; `digests` maps each source (file, URL, cluster path) to its SHA-256."""

    crds: list[Document] | None = None
    specs: list[Document] | None = None
    digests: dict[str, str] = field(default_factory=dict)
    server_version: str | None = None

    def add_crd_documents(self, documents: list[Document]) -> None:
        self.crds = (self.crds or []) + documents

    def add_spec_documents(self, documents: list[Document]) -> None:
        self.specs = (self.specs or []) + documents


def _read(paths: list[str], digests: dict[str, str], exclude: tuple[str, ...]) -> list[Document]:
    """Documents of files, directories, `-` (standard input) and http(s) URLs."""
    urls = [p for p in paths if p.startswith(("https://", "http://"))]
    documents = read_all([p for p in paths if p not in urls], digests, exclude)
    for url in urls:
        raw = _fetch(url)
        digests[url] = hashlib.sha256(raw).hexdigest()
        documents.extend(parse_text(url, raw))
    return documents


def _fetch(url: str) -> bytes:
    import urllib.request

    try:
        with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 - the user names the URL
            return response.read()
    except (OSError, ValueError) as error:
        raise InputError(url, "", f"cannot download: {getattr(error, 'reason', error)}") from None


def read_sources(
    crd_paths: list[str], spec_paths: list[str], cluster: ClusterSource | None = None, exclude: tuple[str, ...] = ()
) -> Inputs:
    """Read the named sources (below directories, leaving out what the `exclude` globs
    match), and the cluster when one is given."""
    inputs = Inputs()
    if crd_paths:
        inputs.add_crd_documents(_read(crd_paths, inputs.digests, exclude))
    if spec_paths:
        inputs.add_spec_documents(_read(spec_paths, inputs.digests, exclude))
    if cluster is not None:
        from openapi_tool.sources.cluster import read_cluster

        found = read_cluster(cluster)
        if found.crds:
            inputs.add_crd_documents(found.crds)
        if found.specs:
            inputs.add_spec_documents(found.specs)
        inputs.digests.update(found.digests)
        inputs.server_version = found.server_version
    return inputs

"""A loopback HTTPS server that answers like a Kubernetes API server, for tests.

It serves `/version`, `/openapi/v2`, `/openapi/v3` with its group documents, and the
CustomResourceDefinition list; it requires a bearer token and presents a certificate from
a throwaway CA (trustme) that the test writes into a temporary kubeconfig.
"""

from __future__ import annotations

import json
import ssl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import trustme
import yaml

TOKEN = "test-token-123"


def _handler(routes: dict[str, bytes]) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                self._send(401, b'{"kind":"Status","message":"Unauthorized","code":401}')
                return
            body = routes.get(self.path.split("?", 1)[0])
            self._send(200, body) if body is not None else self._send(404, b'{"kind":"Status","code":404}')

        def _send(self, status: int, body: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


def routes_for(v3_documents: dict[str, Path], crd_files: list[Path], swagger: Path | None) -> dict[str, bytes]:
    """`/openapi/v3/<group path>` for each `apis__apps__v1_openapi.json`-style file, and the rest."""
    routes = {"/version": json.dumps({"major": "1", "minor": "35", "gitVersion": "v1.35.0-test"}).encode()}
    index = {}
    for group_path, file in v3_documents.items():
        index[group_path] = {"serverRelativeURL": f"/openapi/v3/{group_path}?hash=TEST"}
        routes[f"/openapi/v3/{group_path}"] = file.read_bytes()
    if v3_documents:
        routes["/openapi/v3"] = json.dumps({"paths": index}).encode()
    if swagger is not None:
        routes["/openapi/v2"] = swagger.read_bytes()
    items = [doc for f in crd_files for doc in yaml.safe_load_all(f.read_text()) if doc]
    for item in items:  # list responses omit apiVersion and kind on items
        item.pop("apiVersion", None)
        item.pop("kind", None)
    routes["/apis/apiextensions.k8s.io/v1/customresourcedefinitions"] = json.dumps(
        {"kind": "CustomResourceDefinitionList", "apiVersion": "apiextensions.k8s.io/v1", "items": items}
    ).encode()
    return routes


@contextmanager
def api_server(routes: dict[str, bytes], tmp: Path, token: str = TOKEN, ca_ok: bool = True) -> Iterator[Path]:
    """Serve `routes`; yields a kubeconfig for it (with a wrong CA when not `ca_ok`)."""
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(context)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(routes))
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    ca_file = tmp / "ca.pem"
    (ca if ca_ok else trustme.CA()).cert_pem.write_to_path(str(ca_file))
    kubeconfig = tmp / "kubeconfig"
    kubeconfig.write_text(
        yaml.safe_dump(
            {
                "apiVersion": "v1",
                "kind": "Config",
                "clusters": [
                    {
                        "name": "test",
                        "cluster": {
                            "server": f"https://127.0.0.1:{server.server_address[1]}",
                            "certificate-authority": str(ca_file),
                        },
                    }
                ],
                "users": [{"name": "tester", "user": {"token": token}}],
                "contexts": [{"name": "test", "context": {"cluster": "test", "user": "tester"}}],
                "current-context": "test",
            }
        )
    )
    try:
        yield kubeconfig
    finally:
        server.shutdown()
        server.server_close()

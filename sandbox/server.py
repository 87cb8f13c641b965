"""The HTTP front: Odoo 18's RPC routes on a threaded stdlib server bound to 127.0.0.1.

Why stdlib: no framework start-up cost, nothing of ours imported, and odoorpc/xmlrpc.client only
need plain POSTs. Measured figures are in sandbox/README.md.
"""

from __future__ import annotations

import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from sandbox.rpc import Service, handle_json, handle_xmlrpc

try:  # orjson (present through chromadb) encodes large read_group answers ~5x faster; json is the fallback
    import orjson

    def dump_json(obj: object) -> bytes:
        try:
            return orjson.dumps(obj)
        except (TypeError, orjson.JSONEncodeError):
            return json.dumps(obj).encode()
except ImportError:  # pragma: no cover - depends on the environment
    def dump_json(obj: object) -> bytes:
        return json.dumps(obj, separators=(",", ":")).encode()

MAX_BODY = 32 * 1024 * 1024
XMLRPC_ROUTES = {f"/xmlrpc/{v}{s}": s for s in ("common", "object", "db") for v in ("2/", "")}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "Werkzeug/3.0.1 Python/3.11"
    service: Service

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        return

    def _send(self, status: int, body: bytes, ctype: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _body(self) -> bytes | None:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY:
            self._send(413 if length > MAX_BODY else 400, b"Request body too large or invalid", "text/plain")
            return None
        return self.rfile.read(length) if length else b""

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        if self.path.split("?")[0] == "/web/health":
            self._send(200, json.dumps({"status": "pass"}).encode(), "application/json")
        else:
            self._send(404, b"<h1>404 Not Found</h1>", "text/html; charset=utf-8")

    def do_POST(self) -> None:  # noqa: N802 - stdlib name
        path = self.path.split("?")[0].rstrip("/") or "/"
        body = self._body()
        if body is None:
            return
        if path in ("/jsonrpc", "/web/webclient/version_info"):
            out = handle_json(self.service, body, path)
            self._send(200, dump_json(out), "application/json")
        elif path in XMLRPC_ROUTES:
            self._send(200, handle_xmlrpc(self.service, body, XMLRPC_ROUTES[path]), "text/xml")
        else:
            self._send(404, b"<h1>404 Not Found</h1>", "text/html; charset=utf-8")


def serve(db_path: Path, port: int, host: str = "127.0.0.1", ready_file: Path | None = None) -> None:
    service = Service(db_path)
    handler = type("BoundHandler", (Handler,), {"service": service})
    httpd = ThreadingHTTPServer((host, port), handler)
    httpd.daemon_threads = True
    actual = httpd.server_address[1]
    print(f"sandbox: Odoo 18 sandbox listening on http://{host}:{actual} (db {service.db_name}, file {db_path})",
          file=sys.stderr, flush=True)
    if ready_file:
        tmp = ready_file.with_suffix(".tmp")
        tmp.write_text(str(actual))
        tmp.replace(ready_file)
    try:
        httpd.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        httpd.server_close()

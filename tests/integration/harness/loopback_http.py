"""A small HTTP server on 127.0.0.1 and a free port, in a daemon thread, for the stand-ins of the tests
(the AWS stand-in, the registry token server): one callable per HTTP method."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

Handler = Callable[[BaseHTTPRequestHandler], None]


class LoopbackServer:
    def __init__(self, handlers: dict[str, Handler]):
        methods = {f"do_{method}": (lambda fn: lambda self: fn(self))(fn) for method, fn in handlers.items()}
        methods["log_message"] = lambda self, *args: None
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), type("Handler", (BaseHTTPRequestHandler,), methods))
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def send(h: BaseHTTPRequestHandler, status: int, data: bytes, content_type: str) -> None:
    h.send_response(status)
    h.send_header("Content-Type", content_type)
    h.send_header("Content-Length", str(len(data)))
    h.end_headers()
    h.wfile.write(data)

"""A fault-injecting HTTP proxy on 127.0.0.1, between oci-push and a real registry.

    with FaultProxy(reg.port, [Fault("PATCH", r"/uploads/", nth=[2], action="reset")]) as proxy:
        oci_push(..., f"{proxy.host}/app:1")
        proxy.count("PATCH", r"/uploads/")      # requests that reached the proxy
        proxy.faults_done                        # how many faults were injected

oci-push talks to the proxy as if it were the registry (plain HTTP on loopback). Requests are read
whole and forwarded with their Host header, so the registry's Location URLs point back at the proxy.
A fault applies to the nth requests (1-based) that match its method and path regex:
  reset      read half of the request body, then reset the connection (nothing forwarded)
  status     answer `status` with `headers` (e.g. Retry-After) instead of forwarding
  stall      read the request, then send nothing for `seconds` and close (nothing forwarded)
  truncate   forward, then send the response headers and only half of its body, and close
  lie_range  forward, and report the first Range of each upload session ever after (ECR-like)
  patch_201  forward, and turn a PATCH's 202 into 201 (ECR-like)
"""

from __future__ import annotations

import http.client
import http.server
import re
import socket
import struct
import threading
from dataclasses import dataclass, field


@dataclass
class Fault:
    method: str            # regex, full match
    path: str              # regex, searched in the path (no query)
    action: str
    nth: list[int] | None = None   # which matching requests (1-based); None: all of them
    status: int = 500
    headers: dict = field(default_factory=dict)
    seconds: float = 10.0
    matched: int = 0
    done: int = 0


class FaultProxy:
    def __init__(self, upstream_port: int, faults: list[Fault] | None = None):
        self.upstream_port = upstream_port
        self.faults = list(faults or [])
        self.log: list[tuple[str, str, int | str]] = []  # (method, path, status or fault)
        self.lock = threading.Lock()
        self.closing = threading.Event()
        self.first_range: dict[str, str] = {}
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def __enter__(self) -> "FaultProxy":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.closing.set()
        self.server.shutdown()
        self.server.server_close()

    # ------------------------------------------------------------------ accounting

    def count(self, method: str, path: str) -> int:
        m, p = re.compile(method), re.compile(path)
        with self.lock:
            return sum(1 for meth, pth, _ in self.log if m.fullmatch(meth) and p.search(pth))

    @property
    def faults_done(self) -> int:
        return sum(f.done for f in self.faults)

    def describe(self) -> str:
        with self.lock:
            return "\n".join(f"  {m} {p} -> {s}" for m, p, s in self.log)

    def _pick(self, method: str, path: str) -> Fault | None:
        with self.lock:
            chosen = None
            for f in self.faults:
                if re.fullmatch(f.method, method) and re.search(f.path, path):
                    f.matched += 1
                    if chosen is None and (f.nth is None or f.matched in f.nth):
                        chosen = f
            return chosen

    def _record(self, method, path, outcome):
        with self.lock:
            self.log.append((method, path, outcome))

    # ------------------------------------------------------------------ the handler

    def _handler_class(self):
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def _reset(self):
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.close_connection = True
                self.connection.close()

            def _handle(self):
                method = self.command
                path = self.path.split("?", 1)[0]
                length = int(self.headers.get("Content-Length") or 0)
                fault = proxy._pick(method, path)
                if fault and fault.action == "reset":
                    self.rfile.read(length // 2)
                    fault.done += 1
                    proxy._record(method, path, "reset")
                    self._reset()
                    return
                body = self.rfile.read(length) if length else b""
                if fault and fault.action == "stall":
                    fault.done += 1
                    proxy._record(method, path, "stall")
                    proxy.closing.wait(fault.seconds)
                    self._reset()
                    return
                if fault and fault.action == "status":
                    fault.done += 1
                    proxy._record(method, path, fault.status)
                    payload = b'{"errors":[{"code":"UNAVAILABLE","message":"injected by the fault proxy"}]}'
                    self.send_response(fault.status)
                    for k, v in fault.headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    if method != "HEAD":
                        self.wfile.write(payload)
                    return
                headers = {k: v for k, v in self.headers.items()}
                conn = http.client.HTTPConnection("127.0.0.1", proxy.upstream_port, timeout=60)
                try:
                    conn.request(method, self.path, body=body if length else None, headers=headers)
                    resp = conn.getresponse()
                    data = resp.read()
                    status = resp.status
                    out_headers = [(k, v) for k, v in resp.getheaders()
                                   if k.lower() not in ("connection", "transfer-encoding", "keep-alive")]
                finally:
                    conn.close()
                if fault and fault.action == "patch_201" and method == "PATCH" and status == 202:
                    fault.done += 1
                    status = 201
                if fault and fault.action == "lie_range":
                    session = path.rsplit("/", 1)[-1]
                    for i, (k, v) in enumerate(out_headers):
                        if k.lower() == "range":
                            with proxy.lock:
                                first = proxy.first_range.setdefault(session, v)
                            if first != v:
                                fault.done += 1
                                out_headers[i] = (k, first)
                proxy._record(method, path, status)
                self.send_response_only(status)
                has_length = False
                for k, v in out_headers:
                    has_length = has_length or k.lower() == "content-length"
                    self.send_header(k, v)
                if not has_length:
                    self.send_header("Content-Length", str(len(data)))
                if fault and fault.action == "truncate" and len(data) > 1:
                    fault.done += 1
                    self.end_headers()
                    self.wfile.write(data[: len(data) // 2])
                    self.wfile.flush()
                    self._reset()
                    return
                self.end_headers()
                if method != "HEAD":
                    self.wfile.write(data)

            do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

        return Handler

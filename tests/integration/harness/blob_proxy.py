"""A streaming HTTP proxy on 127.0.0.1 for the pull tests: it sees every request oci-push sends to a
registry (headers included, so a `Range` is visible) and can cut, hold or corrupt a *response* body part
way through, which harness/fault_proxy.py (built for uploads: it faults requests, records no request
headers and buffers whole answers) does not do.

    cut = Cut("GET", r"/blobs/sha256:HEX$", "close", after_bytes=5 * MiB, nth=[1])
    with BlobProxy(reg.port, [cut]) as proxy:
        oci_push("pull", f"{proxy.host}/app:1", dest)
        proxy.seen("GET", r"/blobs/")         # [Seen(method, path, uri, headers, status, sent)]
        range_start(seen.headers)              # the request's Range start (bytes=N-), or None

Requests are forwarded with their headers (Host kept, so the registry's Location URLs point back at the
proxy) over a fresh connection each; a response is streamed to the client in 64 KiB pieces with its
Content-Length. A Cut applies to the nth requests (1-based) matching its method and path regexes:
  close    send the response headers and `after_bytes` of the body, then close (FIN): the client sees a
           body shorter than its Content-Length
  reset    the same, then (0.3 s later, so the client has read those bytes) reset the connection
           (SO_LINGER 0)
  hold     the same, then send nothing more and keep the connection open until release() or the end of
           the proxy; wait_held() says when a hold point was reached
  corrupt  send the whole body with the byte at `after_bytes` changed (a blob that does not match its
           digest)
Subclasses may answer some requests themselves: intercept(handler, entry) returns True when it
has answered (harness/blob_redirect.py).
"""

from __future__ import annotations

import http.client
import http.server
import re
import socket
import struct
import threading
import time
from dataclasses import dataclass, field

PIECE = 1 << 16
HOP_BY_HOP = ("connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding",
              "upgrade")


@dataclass
class Cut:
    method: str                     # regex, full match
    path: str                       # regex, searched in the path (no query)
    action: str                     # close | reset | hold | corrupt
    after_bytes: int = 0
    nth: list[int] | None = None    # which matching requests (1-based); None: all
    matched: int = 0
    done: int = 0


@dataclass
class Seen:
    method: str
    path: str
    uri: str
    headers: dict = field(default_factory=dict)   # lower-case names
    status: int | None = None
    sent: int = 0                                 # body bytes sent to the client
    outcome: str = ""                             # "" (whole answer) or the Cut action applied


def _pieces(resp, data: bytes | None):
    if data is not None:
        for i in range(0, len(data), PIECE):
            yield data[i:i + PIECE]
        return
    while True:
        piece = resp.read(PIECE)
        if not piece:
            return
        yield piece


def range_start(headers: dict) -> int | None:
    """N of a `Range: bytes=N-[M]` request header, None without one."""
    m = re.fullmatch(r"\s*bytes=(\d+)-\d*\s*", headers.get("range", ""))
    return int(m[1]) if m else None


class BlobProxy:
    def __init__(self, upstream_port: int, cuts: list[Cut] | None = None, bind: str = "127.0.0.1",
                 port: int = 0):
        self.upstream_port = upstream_port
        self.cuts = list(cuts or [])
        self.log: list[Seen] = []
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        self.released = threading.Event()
        self.server = http.server.ThreadingHTTPServer((bind, port), self._handler_class())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    @property
    def host(self) -> str:
        return f"{self.server.server_address[0]}:{self.port}"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.release()
        self.server.shutdown()
        self.server.server_close()

    def release(self) -> None:
        """End every held response (its connection is closed)."""
        self.released.set()

    # ------------------------------------------------------------------ accounting

    def seen(self, method: str = ".*", path: str = "", since: int = 0) -> list[Seen]:
        m, p = re.compile(method), re.compile(path)
        with self.lock:
            return [Seen(**vars(s)) for s in self.log[since:] if m.fullmatch(s.method) and p.search(s.path)]

    def mark(self) -> int:
        with self.lock:
            return len(self.log)

    def wait_held(self, timeout: float = 60.0, count: int = 1) -> bool:
        with self.cond:
            return self.cond.wait_for(
                lambda: sum(c.done for c in self.cuts if c.action == "hold") >= count, timeout)

    def describe(self) -> str:
        with self.lock:
            return "\n".join(f"  {s.method} {s.uri} range={s.headers.get('range')} -> {s.status} "
                             f"sent {s.sent}{' ' + s.outcome if s.outcome else ''}" for s in self.log)

    def _pick(self, method: str, path: str) -> Cut | None:
        with self.lock:
            chosen = None
            for c in self.cuts:
                if re.fullmatch(c.method, method) and re.search(c.path, path):
                    c.matched += 1
                    if chosen is None and (c.nth is None or c.matched in c.nth):
                        chosen = c
            return chosen

    def _fired(self, cut: Cut, entry: Seen) -> None:
        with self.cond:
            cut.done += 1
            entry.outcome = cut.action
            self.cond.notify_all()

    def intercept(self, handler, entry: Seen) -> bool:
        """Answer the request here instead of forwarding it (True when answered)."""
        return False

    # ------------------------------------------------------------------ the handler

    def forward(self, h, entry: Seen, body: bytes | None, method: str | None = None):
        """Send the request (or the same with another method) upstream; (connection, response)."""
        headers = {k: v for k, v in h.headers.items() if k.lower() not in HOP_BY_HOP}
        conn = http.client.HTTPConnection("127.0.0.1", self.upstream_port, timeout=60)
        conn.request(method or h.command, h.path, body=body, headers=headers)
        resp = conn.getresponse()
        entry.status = resp.status
        return conn, resp

    def _stream(self, h, entry: Seen, resp, cut: Cut | None) -> None:
        out = [(k, v) for k, v in resp.getheaders() if k.lower() not in HOP_BY_HOP]
        length = resp.getheader("Content-Length")
        data = None
        if length is None:
            data = resp.read()
            out.append(("Content-Length", str(len(data))))
        h.send_response_only(resp.status)
        for k, v in out:
            h.send_header(k, v)
        h.end_headers()
        if h.command == "HEAD":
            return
        limit = cut.after_bytes if cut and cut.action in ("close", "reset", "hold") else None
        for piece in _pieces(resp, data):
            if limit is not None and entry.sent + len(piece) >= limit:
                piece = piece[:limit - entry.sent]
            if cut and cut.action == "corrupt" and entry.sent <= cut.after_bytes < entry.sent + len(piece):
                i = cut.after_bytes - entry.sent
                piece = piece[:i] + bytes([piece[i] ^ 0x55]) + piece[i + 1:]
                self._fired(cut, entry)
            h.wfile.write(piece)
            entry.sent += len(piece)
            if limit is not None and entry.sent >= limit:
                self._cut(h, entry, cut)
                return

    def _cut(self, h, entry: Seen, cut: Cut) -> None:
        h.close_connection = True
        self._fired(cut, entry)
        if cut.action == "hold":
            self.released.wait()
        try:
            if cut.action == "reset":
                time.sleep(0.3)   # let the client read what was sent: a reset may drop unread bytes
                h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            else:
                h.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        h.connection.close()

    def _handle(self, h) -> None:
        path = h.path.split("?", 1)[0]
        entry = Seen(h.command, path, h.path, {k.lower(): v for k, v in h.headers.items()})
        with self.lock:
            self.log.append(entry)
        n = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(n) if n else None
        if self.intercept(h, entry):
            return
        cut = self._pick(h.command, path)
        conn, resp = self.forward(h, entry, body)
        try:
            self._stream(h, entry, resp, cut)
        finally:
            conn.close()

    def _handler_class(self):
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def handle_one_request(self):
                try:
                    super().handle_one_request()
                except (OSError, http.client.HTTPException):
                    self.close_connection = True

            def finish(self):
                try:
                    super().finish()
                except OSError:
                    pass

            def _any(self):
                proxy._handle(self)

            do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = _any

        return Handler


def send_plain(h, status: int, body: bytes, headers: dict | None = None,
               content_type: str = "application/json") -> None:
    """Answer a request on a BaseHTTPRequestHandler (no body for HEAD)."""
    h.send_response_only(status)
    for k, v in (headers or {}).items():
        h.send_header(k, v)
    h.send_header("Content-Type", content_type)
    h.send_header("Content-Length", str(len(body)))
    h.end_headers()
    if h.command != "HEAD":
        h.wfile.write(body)

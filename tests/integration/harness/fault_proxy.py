"""A fault-injecting HTTP proxy on 127.0.0.1, between oci-push and a real registry.

    with FaultProxy(reg.port, [Fault("PATCH", r"/uploads/", nth=[2], action="reset")]) as proxy:
        oci_push(..., f"{proxy.host}/app:1")
        proxy.count("PATCH", r"/uploads/")      # requests that reached the proxy (and ended there)
        proxy.faults_done                        # how many faults were injected
        proxy.body_bytes("PATCH", r"/uploads/")  # body bytes received from oci-push
        proxy.forwarded_body_bytes("PATCH", r"/uploads/")  # of which forwarded to the registry

oci-push talks to the proxy as if it were the registry (plain HTTP on loopback). Requests are read
whole and forwarded with their Host header, so the registry's Location URLs point back at the proxy.
A body sent with `Transfer-Encoding: chunked` is decoded and forwarded with a Content-Length, so the
registry sees an ordinary request. Nothing is forwarded unless the whole request has arrived: a
client that goes away in the middle of a body (kill -9) leaves the registry untouched, which
matters because distribution 2.8 cancels an upload session whose PATCH broke after some bytes.

A fault applies to the nth requests (1-based) that match its method and path regex:
  reset      read half of the request body (a chunked one: exactly `after_bytes`, else half of the
             length its Content-Range announces, else all of it), then reset the connection
             (SO_LINGER 0); nothing forwarded. `after_bytes=N` reads exactly N body bytes (fewer if
             the body is shorter) before the reset, for either framing.
  status     answer `status` with `headers` (e.g. Retry-After) instead of forwarding
  stall      read the request, then send nothing for `seconds` and close (nothing forwarded)
  hold       read the request (headers and as much body as arrives) and never answer nor forward;
             the connection stays open until the client goes or the proxy closes. The fault counts
             as injected (faults_done, wait_for_fault) once the whole request has arrived, or with
             `after_bytes=N` once N body bytes have arrived (or the whole body, if it is shorter).
  blob_unknown  read the request and answer 400 MANIFEST_BLOB_UNKNOWN (detail: `digest`, or the
             first layer's digest in the manifest sent) without forwarding, like a registry that
             lost a blob between the HEAD and the manifest PUT
  truncate   forward, then send the response headers and only half of its body, and close
  lie_range  forward, and report the first Range of each upload session ever after (ECR-like);
             applies to any answer with a Range header: PATCH answers and GET on the session URL
  patch_201  forward, and turn a PATCH's 202 into 201 (ECR-like)
"""

from __future__ import annotations

import http.client
import http.server
import json
import re
import socket
import struct
import threading
from dataclasses import dataclass, field

_PIECE = 1 << 16          # body bytes read at a time (so byte counts move while a body arrives)
_LINE_MAX = 65536


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
    after_bytes: int | None = None  # reset / hold: body bytes to read first (see the module doc)
    digest: str | None = None       # blob_unknown: the "detail" digest
    empty_body: bool = False        # match only requests that declare no body (Content-Length: 0)


@dataclass
class Entry:
    """One request that reached the proxy, appended when its headers have arrived."""
    method: str
    path: str                     # without the query
    uri: str                      # as the client sent it
    chunked: bool                 # Transfer-Encoding: chunked
    outcome: int | str | None = None   # status answered, or the fault / "incomplete"; None: in progress
    body_bytes: int = 0           # body bytes received from the client (decoded, for chunked)
    forwarded_bytes: int = 0      # body bytes forwarded to the registry


class _Broken(Exception):
    """The client went away, or sent a malformed chunked body, before the end of the body."""


class _Body:
    """Reads one request body, by Content-Length or chunked, counting into entry.body_bytes."""

    def __init__(self, rfile, headers, entry: Entry):
        self.rfile = rfile
        self.entry = entry
        codings = [c.strip().lower() for c in (headers.get("Transfer-Encoding") or "").split(",")]
        self.chunked = codings[-1] == "chunked"
        self.length = None if self.chunked else int(headers.get("Content-Length") or 0)
        self.received = 0
        self.done = not self.chunked and self.length == 0
        self._left = 0           # chunked: data bytes left in the current chunk
        self._first = True       # chunked: no chunk read yet
        self.hint = self.length  # the body's length when known in advance
        if self.chunked:
            m = re.fullmatch(r"\s*(?:bytes[ =])?(\d+)-(\d+)(?:/\S*)?\s*", headers.get("Content-Range") or "")
            if m and int(m[2]) >= int(m[1]):
                self.hint = int(m[2]) - int(m[1]) + 1

    def _count(self, data: bytes) -> bytes:
        self.received += len(data)
        self.entry.body_bytes = self.received
        return data

    def _line(self) -> bytes:
        line = self.rfile.readline(_LINE_MAX)
        if not line.endswith(b"\n"):
            raise _Broken("the client went away in the chunk framing" if not line else "chunk line too long")
        return line

    def read_some(self, n: int) -> bytes:
        """Up to n body bytes (at least one unless the body is done); b"" once it is done."""
        if self.done or n <= 0:
            return b""
        if not self.chunked:
            data = self.rfile.read1(min(n, self.length - self.received))
            if not data:
                raise _Broken(f"the client went away after {self.received} of {self.length} body bytes")
            self._count(data)
            self.done = self.received == self.length
            return data
        if self._left == 0:
            if not self._first and self._line().strip():
                raise _Broken("no CRLF after the chunk data")
            self._first = False
            size_text = self._line().split(b";", 1)[0].strip()
            if not re.fullmatch(rb"[0-9a-fA-F]+", size_text):
                raise _Broken(f"bad chunk size {size_text[:20]!r}")
            size = int(size_text, 16)
            if size == 0:
                while self._line().strip():   # trailers, up to the empty line
                    pass
                self.done = True
                return b""
            self._left = size
        data = self.rfile.read1(min(n, self._left))
        if not data:
            raise _Broken(f"the client went away after {self.received} body bytes (chunked)")
        self._left -= len(data)
        return self._count(data)

    def read_upto(self, limit: int | None) -> None:
        """Read (and drop) body bytes until `limit` have arrived or the body is done."""
        while not self.done and (limit is None or self.received < limit):
            self.read_some(_PIECE if limit is None else min(_PIECE, limit - self.received))

    def read_all(self) -> bytes:
        parts = []
        while not self.done:
            parts.append(self.read_some(1 << 20))
        return b"".join(parts)


def _first_blob_digest(manifest: bytes) -> str | None:
    try:
        doc = json.loads(manifest)
        for d in [*(doc.get("layers") or []), doc.get("config") or {}, *(doc.get("manifests") or [])]:
            if isinstance(d, dict) and isinstance(d.get("digest"), str):
                return d["digest"]
    except (ValueError, AttributeError, TypeError):
        pass
    return None


class FaultProxy:
    def __init__(self, upstream_port: int, faults: list[Fault] | None = None):
        self.upstream_port = upstream_port
        self.faults = list(faults or [])
        self.log: list[tuple[str, str, int | str]] = []  # (method, path, status or fault), when done
        self.entries: list[Entry] = []                   # every request, from its headers on
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)       # notified when a fault is injected
        self.closing = threading.Event()
        self.first_range: dict[str, str] = {}
        self._connections: set[socket.socket] = set()
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
        # wake the handlers still reading from a client (held requests, idle keep-alive connections)
        with self.lock:
            conns = list(self._connections)
        for c in conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.server.server_close()

    # ------------------------------------------------------------------ accounting

    def count(self, method: str, path: str) -> int:
        """Requests matching method (regex, full match) and path (regex, searched) that have ended
        at the proxy: answered, reset, stalled, incomplete, or (hold) held."""
        m, p = re.compile(method), re.compile(path)
        with self.lock:
            return sum(1 for meth, pth, _ in self.log if m.fullmatch(meth) and p.search(pth))

    def requests(self, method: str = ".*", path: str = "") -> list[Entry]:
        """Copies of the matching entries (every request that reached the proxy, in order)."""
        m, p = re.compile(method), re.compile(path)
        with self.lock:
            return [Entry(**vars(e)) for e in self.entries if m.fullmatch(e.method) and p.search(e.path)]

    def body_bytes(self, method: str, path: str) -> int:
        """Body bytes received from the client in matching requests, reset and held ones included
        (a request still arriving counts what has arrived so far)."""
        return sum(e.body_bytes for e in self.requests(method, path))

    def forwarded_body_bytes(self, method: str, path: str) -> int:
        """Body bytes of matching requests that were forwarded to the registry."""
        return sum(e.forwarded_bytes for e in self.requests(method, path))

    @property
    def faults_done(self) -> int:
        return sum(f.done for f in self.faults)

    def wait_for_fault(self, timeout: float = 30.0, count: int = 1, fault: Fault | None = None) -> bool:
        """Wait until `fault` (default: all faults together) has been injected `count` times;
        False on timeout. For hold: until the request is held (see the module doc)."""
        def reached():
            return (fault.done if fault is not None else self.faults_done) >= count
        with self.cond:
            return self.cond.wait_for(reached, timeout)

    def describe(self) -> str:
        with self.lock:
            return "\n".join(
                f"  {e.method} {e.path} -> {e.outcome if e.outcome is not None else '(in progress)'}"
                + (f"  [body {e.body_bytes}{' chunked' if e.chunked else ''}, forwarded {e.forwarded_bytes}]"
                   if e.body_bytes or e.chunked else "")
                for e in self.entries)

    def _pick(self, method: str, path: str, empty_body: bool = False) -> Fault | None:
        with self.lock:
            chosen = None
            for f in self.faults:
                if re.fullmatch(f.method, method) and re.search(f.path, path) and (empty_body or not f.empty_body):
                    f.matched += 1
                    if chosen is None and (f.nth is None or f.matched in f.nth):
                        chosen = f
            return chosen

    def _fired(self, fault: Fault) -> None:
        with self.cond:
            fault.done += 1
            self.cond.notify_all()

    def _start(self, entry: Entry) -> None:
        with self.lock:
            self.entries.append(entry)

    def _record(self, entry: Entry, outcome) -> None:
        with self.lock:
            entry.outcome = outcome
            self.log.append((entry.method, entry.path, outcome))

    # ------------------------------------------------------------------ the handler

    def _handler_class(self):
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def setup(self):
                super().setup()
                with proxy.lock:
                    proxy._connections.add(self.connection)

            def finish(self):
                with proxy.lock:
                    proxy._connections.discard(self.connection)
                try:
                    super().finish()
                except OSError:
                    pass

            def _reset(self):
                self.close_connection = True
                try:
                    self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.connection.close()
                except OSError:
                    pass

            def _answer(self, status, headers, payload):
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(payload)

            def _hold(self, fault, body, entry):
                target = fault.after_bytes
                held = False

                def hold_now():
                    nonlocal held
                    held = True
                    proxy._record(entry, "hold")
                    proxy._fired(fault)

                try:
                    while not body.done:
                        if not held and target is not None and body.received >= target:
                            hold_now()
                        want = _PIECE if held or target is None else min(_PIECE, target - body.received)
                        body.read_some(want)
                    if not held:
                        hold_now()
                    proxy.closing.wait()
                except (_Broken, OSError):
                    if not held:  # gone before the hold point: not injected, but it did arrive
                        proxy._record(entry, "hold")
                self._reset()

            def _handle(self):
                method = self.command
                path = self.path.split("?", 1)[0]
                entry = Entry(method, path, self.path, chunked=False)
                body = _Body(self.rfile, self.headers, entry)
                entry.chunked = body.chunked
                proxy._start(entry)
                empty = not body.chunked and self.headers.get("Content-Length", "0").strip() == "0"
                fault = proxy._pick(method, path, empty)
                action = fault.action if fault else None
                if action == "reset":
                    limit = fault.after_bytes if fault.after_bytes is not None else (
                        body.hint // 2 if body.hint is not None else None)
                    try:
                        body.read_upto(limit)
                    except (_Broken, OSError):
                        pass
                    proxy._record(entry, "reset")
                    proxy._fired(fault)
                    self._reset()
                    return
                if action == "hold":
                    self._hold(fault, body, entry)
                    return
                try:
                    data = body.read_all()
                except (_Broken, OSError):
                    proxy._record(entry, "incomplete")  # nothing forwarded
                    self._reset()
                    return
                if action == "stall":
                    proxy._record(entry, "stall")
                    proxy._fired(fault)
                    proxy.closing.wait(fault.seconds)
                    self._reset()
                    return
                if action == "status":
                    proxy._record(entry, fault.status)
                    proxy._fired(fault)
                    payload = b'{"errors":[{"code":"UNAVAILABLE","message":"injected by the fault proxy"}]}'
                    self._answer(fault.status, fault.headers, payload)
                    return
                if action == "blob_unknown":
                    detail = fault.digest or _first_blob_digest(data) or "sha256:" + "0" * 64
                    payload = json.dumps({"errors": [{"code": "MANIFEST_BLOB_UNKNOWN",
                                                      "message": "blob unknown to registry",
                                                      "detail": detail}]}, separators=(",", ":")).encode()
                    proxy._record(entry, 400)
                    proxy._fired(fault)
                    self._answer(400, {"Docker-Distribution-Api-Version": "registry/2.0", **fault.headers},
                                 payload)
                    return
                headers = {k: v for k, v in self.headers.items()}
                if body.chunked:
                    headers = {k: v for k, v in headers.items()
                               if k.lower() not in ("transfer-encoding", "content-length", "trailer")}
                    headers["Content-Length"] = str(len(data))
                conn = http.client.HTTPConnection("127.0.0.1", proxy.upstream_port, timeout=60)
                try:
                    conn.request(method, self.path, body=data if data or body.chunked else None,
                                 headers=headers)
                    entry.forwarded_bytes = len(data)
                    resp = conn.getresponse()
                    data = resp.read()
                    status = resp.status
                    out_headers = [(k, v) for k, v in resp.getheaders()
                                   if k.lower() not in ("connection", "transfer-encoding", "keep-alive")]
                except (OSError, http.client.HTTPException) as e:
                    proxy._record(entry, f"upstream error: {e!r}")
                    raise
                finally:
                    conn.close()
                if fault and fault.action == "patch_201" and method == "PATCH" and status == 202:
                    proxy._fired(fault)
                    status = 201
                if fault and fault.action == "lie_range":
                    session = path.rsplit("/", 1)[-1]
                    for i, (k, v) in enumerate(out_headers):
                        if k.lower() == "range":
                            with proxy.lock:
                                first = proxy.first_range.setdefault(session, v)
                            if first != v:
                                proxy._fired(fault)
                                out_headers[i] = (k, first)
                proxy._record(entry, status)
                self.send_response_only(status)
                has_length = False
                for k, v in out_headers:
                    has_length = has_length or k.lower() == "content-length"
                    self.send_header(k, v)
                if not has_length:
                    self.send_header("Content-Length", str(len(data)))
                if fault and fault.action == "truncate" and len(data) > 1:
                    proxy._fired(fault)
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

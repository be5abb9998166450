#!/usr/bin/python3
"""A user-space "long link" between a client and a TCP server on loopback: a one-way delay on every byte
in each direction and a bandwidth limit per direction shared by all connections, like one network link.
For kernels without netem (sch_netem). Plain TCP: bytes pass through unchanged (no HTTP parsing), so an
HTTP client's Host header, and a registry's Location URLs built from it, name the proxy.

    with LinkProxy(upstream_port, delay_ms=20, rate_mb_s=100) as link:   # rate_mb_s=None: unlimited
        link.host, link.port          # "127.0.0.1:PORT": what the client talks to
        link.stats()                  # {"up": bytes client->server, "down": bytes server->client,
                                      #  "connections": accepted so far, ...}

    bench/link_proxy.py UPSTREAM_PORT [--listen-port P] [--delay-ms 20] [--rate-mb-s 100|0]
    bench/link_proxy.py --measure [--delay-ms 20] [--rate-mb-s 0] [--mb 2000]   # the proxy's own ceiling

The model is one FIFO link per direction ("up": client to server, "down": server to client). Each read
(up to 256 KiB) from a connection is stamped on arrival; the direction's link serializes it at the rate
(a virtual clock shared by every connection in that direction: start = max(arrival, link free), end =
start + bytes / rate) and the bytes are written to the other side at end + delay. One rate applies to
each direction separately (full duplex), MB = 10^6 bytes. A read is only taken while the direction's
queue (bytes waiting for the link, behind the ones being serialized) is under --queue-kb (default 2048,
about 20 ms at 100 MB/s), so a sender faster than the link is held back by TCP flow control on loopback
instead of filling memory, as a bottleneck router's queue does; bytes in propagation (rate x delay) are
not counted in it. With no rate limit, each connection direction holds at most 64 MiB.

--window-kb W also limits each connection direction to W KiB in flight, counted from arrival until one
delay after delivery (the ACK's way back): a TCP receive window over a long link, which caps one
connection at W / RTT. Off by default: the proxy acknowledges bytes on loopback, so one connection can
fill the link whatever the real window would allow.

What a user-space proxy cannot delay: the TCP handshake. The client's connect() completes on loopback at
once and the proxy connects to the server at once; only the first bytes pay the delay. A real link costs
one more RTT per new connection (SYN, SYN-ACK before the first byte); handshake=True (--handshake) adds it
by holding a connection's first client bytes until 2 x delay after it was accepted. EOF (FIN) is delayed
like data; a reset or error on one side closes both sides at once.

Threads, blocking sockets: one reader and one writer thread per connection direction. recv/sendmsg
release the GIL, so the copying runs in parallel; per 256 KiB the Python work is a few tens of us.
Measured with --measure on the 2-core development machine (curl to a loopback server, 20 ms each way, no
rate limit): 1.4-1.7 GB/s up and 2.0-2.7 GB/s down on one connection, 0.85 / 1.3 GB/s on four, at
0.4-0.75 CPU s per GB (mostly the kernel's copies); at 100 MB/s it carries 98-99.5 MB/s (the rate) on
6-13% of one core. An asyncio (Protocol, call_at) version of the same reached 0.5 / 1.05 GB/s at 0.6 s
per GB, so threads it is. Debian's /usr/bin/python3, standard library only.
"""

from __future__ import annotations

import argparse
import collections
import os
import resource
import socket
import subprocess
import sys
import threading
import time

READ_SIZE = 256 * 1024
UNLIMITED_CAP = 64 * 1024 * 1024   # per connection direction, no rate limit
EOF = None


class Link:
    """One direction of the link, shared by all connections: the virtual serialization clock."""

    def __init__(self, name: str, rate: float | None, delay: float, queue_bytes: int):
        self.name = name
        self.rate = rate            # bytes per second, None: unlimited
        self.delay = delay          # seconds
        self.queue_bytes = queue_bytes
        self.lock = threading.Lock()
        self.free_at = 0.0          # monotonic time the link finishes what it was given
        self.bytes = 0
        self.chunks = 0
        self.max_backlog = 0.0      # seconds of queue seen at most

    def admit(self, n: int, now: float) -> float:
        """Stamps n bytes arriving now; returns when they are to be delivered (monotonic)."""
        with self.lock:
            self.bytes += n
            self.chunks += 1
            if self.rate is None:
                return now + self.delay
            start = max(now, self.free_at)
            backlog = start - now
            if backlog > self.max_backlog:
                self.max_backlog = backlog
            self.free_at = start + n / self.rate
            return self.free_at + self.delay

    def wait_for_room(self, closed: threading.Event) -> None:
        """Blocks while the queue ahead of the link is over its limit (a reader then stops reading)."""
        if self.rate is None:
            return
        limit = self.queue_bytes / self.rate
        while not closed.is_set():
            with self.lock:
                backlog = self.free_at - time.monotonic()
            if backlog <= limit:
                return
            time.sleep(backlog - limit)


class Pipe:
    """One direction of one connection: src -> (delay, pace) -> dst."""

    def __init__(self, conn: "Connection", src: socket.socket, dst: socket.socket, link: Link,
                 not_before: float, window: int | None):
        self.conn = conn
        self.src = src
        self.dst = dst
        self.link = link
        self.not_before = not_before     # no release before this (handshake emulation)
        self.window = window
        self.cond = threading.Condition()
        self.queue: collections.deque = collections.deque()   # (release time, bytes or EOF)
        self.held = 0                   # bytes read and not yet delivered (or, with a window, acked)
        self.acks: collections.deque = collections.deque()    # (ack time, n): window credit coming back
        self.cap = window if window else (UNLIMITED_CAP if link.rate is None else None)

    def _room(self, now: float) -> bool:
        while self.acks and self.acks[0][0] <= now:
            self.held -= self.acks.popleft()[1]
        return self.cap is None or self.held < self.cap

    def reader(self) -> None:
        closed = self.conn.closed
        try:
            while not closed.is_set():
                self.link.wait_for_room(closed)
                with self.cond:
                    while not closed.is_set():
                        now = time.monotonic()
                        if self._room(now):
                            break
                        timeout = (self.acks[0][0] - now) if self.acks else None
                        self.cond.wait(timeout)
                data = self.src.recv(READ_SIZE)
                now = time.monotonic()
                if not data:
                    with self.cond:
                        self.queue.append((max(now, self.not_before) + self.link.delay, EOF))
                        self.cond.notify()
                    return
                n = len(data)
                release = self.link.admit(n, max(now, self.not_before))
                with self.cond:
                    self.held += n
                    self.queue.append((release, data))
                    self.cond.notify()
        except OSError:
            self.conn.abort()

    def writer(self) -> None:
        closed = self.conn.closed
        try:
            while True:
                with self.cond:
                    while not self.queue and not closed.is_set():
                        self.cond.wait()
                    if closed.is_set():
                        return
                    release = self.queue[0][0]
                delay = release - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                # everything due by now goes out in one sendmsg
                now = time.monotonic()
                bufs = []
                eof = False
                with self.cond:
                    while self.queue and self.queue[0][0] <= now and len(bufs) < 512:
                        _, data = self.queue.popleft()
                        if data is EOF:
                            eof = True
                            break
                        bufs.append(data)
                n = 0
                if bufs:
                    n = sum(len(b) for b in bufs)
                    self._send_all(bufs)
                with self.cond:
                    if self.window:
                        self.acks.append((time.monotonic() + self.link.delay, n))
                    else:
                        self.held -= n
                    self.cond.notify_all()
                if eof:
                    try:
                        self.dst.shutdown(socket.SHUT_WR)
                    except OSError:
                        pass
                    self.conn.half_closed()
                    return
        except OSError:
            self.conn.abort()

    def _send_all(self, bufs: list) -> None:
        views = [memoryview(b) for b in bufs]
        while views:
            sent = self.dst.sendmsg(views)
            while views and sent >= len(views[0]):
                sent -= len(views[0])
                views.pop(0)
            if sent:
                views[0] = views[0][sent:]

    def wake(self) -> None:
        with self.cond:
            self.cond.notify_all()


class Connection:
    def __init__(self, proxy: "LinkProxy", client: socket.socket):
        self.proxy = proxy
        self.client = client
        self.closed = threading.Event()
        self.lock = threading.Lock()
        self.halves = 0
        self.upstream: socket.socket | None = None
        self.pipes: list[Pipe] = []

    def start(self) -> None:
        accepted = time.monotonic()
        try:
            self.upstream = socket.create_connection((self.proxy.upstream_host, self.proxy.upstream_port))
        except OSError:
            self.client.close()
            return
        for s in (self.client, self.upstream):
            s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        p = self.proxy
        not_before = accepted + 2 * p.delay if p.handshake else 0.0
        self.pipes = [Pipe(self, self.client, self.upstream, p.up, not_before, p.window),
                      Pipe(self, self.upstream, self.client, p.down, 0.0, p.window)]
        for pipe in self.pipes:
            for fn in (pipe.reader, pipe.writer):
                threading.Thread(target=fn, daemon=True).start()

    def half_closed(self) -> None:
        with self.lock:
            self.halves += 1
            done = self.halves == 2
        if done:
            self.close()

    def abort(self) -> None:
        for s in (self.client, self.upstream):
            try:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            except (OSError, AttributeError):
                pass
        self.close()

    def close(self) -> None:
        if self.closed.is_set():
            return
        self.closed.set()
        for s in (self.client, self.upstream):
            if s is None:
                continue
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()
        for pipe in self.pipes:
            pipe.wake()
        self.proxy._forget(self)


class LinkProxy:
    """Context manager: a delay/bandwidth TCP proxy on 127.0.0.1 in front of upstream_port."""

    def __init__(self, upstream_port: int, delay_ms: float = 20, rate_mb_s: float | None = 100,
                 queue_kb: int = 2048, window_kb: int | None = None, handshake: bool = False,
                 listen_port: int = 0, upstream_host: str = "127.0.0.1"):
        self.upstream_host = upstream_host
        self.upstream_port = upstream_port
        self.delay = delay_ms / 1000.0
        rate = rate_mb_s * 1e6 if rate_mb_s else None
        self.rate_mb_s = rate_mb_s if rate_mb_s else None
        self.up = Link("up", rate, self.delay, queue_kb * 1024)
        self.down = Link("down", rate, self.delay, queue_kb * 1024)
        self.window = window_kb * 1024 if window_kb else None
        self.handshake = handshake
        self.connections = 0
        self.live: set[Connection] = set()
        self.lock = threading.Lock()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", listen_port))
        self.sock.listen(128)
        self.stopping = False
        self.thread = threading.Thread(target=self._accept_loop, daemon=True)

    @property
    def port(self) -> int:
        return self.sock.getsockname()[1]

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    def __enter__(self) -> "LinkProxy":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.stopping = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()
        with self.lock:
            live = list(self.live)
        for c in live:
            c.close()

    def _accept_loop(self) -> None:
        while not self.stopping:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            c = Connection(self, client)
            with self.lock:
                self.connections += 1
                self.live.add(c)
            threading.Thread(target=c.start, daemon=True).start()

    def _forget(self, c: Connection) -> None:
        with self.lock:
            self.live.discard(c)

    def stats(self) -> dict:
        """Counters so far; subtract two snapshots for one run's figures."""
        return {"up": self.up.bytes, "down": self.down.bytes, "connections": self.connections,
                "up_chunks": self.up.chunks, "down_chunks": self.down.chunks,
                "max_queue_ms_up": self.up.max_backlog * 1000, "max_queue_ms_down": self.down.max_backlog * 1000}

    def describe(self) -> str:
        rate = f"{self.rate_mb_s:g} MB/s each way" if self.rate_mb_s else "unlimited bandwidth"
        extra = (f", window {self.window // 1024} KiB" if self.window else "") + \
                (", handshake RTT emulated" if self.handshake else "")
        return f"link {self.delay * 1000:g} ms each way ({2 * self.delay * 1000:g} ms RTT), {rate}{extra}"


# ---------------------------------------------------------------------- --measure: the proxy's own ceiling

SERVER = r"""
import socket, sys
# A minimal HTTP/1.1 server on raw sockets: PUT/POST with Content-Length is read into a buffer and
# discarded (answer 201); GET /N answers N zero bytes. Prints its port, serves until killed.
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0)); s.listen(64); print(s.getsockname()[1], flush=True)
buf = bytearray(4 << 20); zeros = memoryview(bytes(4 << 20))
import threading
def serve(c):
    with c:
        pending = b""
        while True:
            while b"\r\n\r\n" not in pending:
                d = c.recv(65536)
                if not d: return
                pending += d
            head, pending = pending.split(b"\r\n\r\n", 1)
            lines = head.decode("latin-1").split("\r\n")
            method, path = lines[0].split()[:2]
            hdrs = {k.strip().lower(): v.strip() for k, _, v in (l.partition(":") for l in lines[1:])}
            n = int(hdrs.get("content-length", "0")) - len(pending)
            pending = b""
            mv = memoryview(buf)
            while n > 0:
                got = c.recv_into(mv, min(n, len(buf)))
                if not got: return
                n -= got
            if method == "GET":
                size = int(path.strip("/") or 0)
                c.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % size)
                while size > 0:
                    k = min(size, len(zeros)); c.sendall(zeros[:k]); size -= k
            else:
                c.sendall(b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n")
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
"""


def measure(delay_ms: float, rate_mb_s: float | None, mb: int, parallel: int, workdir: str) -> int:
    """curl PUTs and GETs of mb MB through the proxy to a loopback server; the proxy's throughput and its
    CPU (this process hosts only the proxy's threads while curl runs)."""
    srv = subprocess.Popen([sys.executable, "-c", SERVER], stdout=subprocess.PIPE, text=True)
    try:
        port = int(srv.stdout.readline())
        src = os.path.join(workdir, f"link_proxy.measure.{os.getpid()}")
        each = mb * 1000 * 1000 // parallel
        with open(src, "wb") as f:
            f.truncate(each)   # sparse: reading it costs curl next to nothing
        try:
            for direct in (True, False):
                for method in ("PUT", "GET"):
                    with LinkProxy(port, delay_ms=delay_ms, rate_mb_s=rate_mb_s) as link:
                        target = port if direct else link.port
                        argv = []
                        for _ in range(parallel):
                            url = f"http://127.0.0.1:{target}/{each}"
                            argv += ["-T", src, url] if method == "PUT" else ["-o", "/dev/null", url]
                        # no "Expect: 100-continue": curl would wait 1 s for a 100 that this server never sends
                        cmd = ["curl", "-sS", "-f", "-H", "Expect:"] + \
                            (["--parallel", "--parallel-max", str(parallel)] if parallel > 1 else [])
                        r0 = resource.getrusage(resource.RUSAGE_SELF)
                        t0 = time.monotonic()
                        p = subprocess.run(cmd + argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                           text=True)
                        if p.returncode != 0:
                            raise RuntimeError(f"curl exited {p.returncode}: {p.stderr[-2000:]}")
                        wall = time.monotonic() - t0
                        r1 = resource.getrusage(resource.RUSAGE_SELF)
                        cpu_u, cpu_s = r1.ru_utime - r0.ru_utime, r1.ru_stime - r0.ru_stime
                        st = link.stats()
                    what = "direct (no proxy)" if direct else link.describe()
                    moved = st["up"] + st["down"] if not direct else mb * 1e6
                    print(f"{method:<4} {mb} MB, {parallel} connection(s), {what}: {wall:6.2f} s, "
                          f"{mb / wall:7.1f} MB/s" + ("" if direct else
                          f"; proxy cpu {cpu_u:.2f} user + {cpu_s:.2f} sys = {(cpu_u + cpu_s) / wall * 100:.0f}% "
                          f"of one core, {(cpu_u + cpu_s) / (moved / 1e9):.2f} s per GB; "
                          f"{moved / max(1, st['up_chunks'] + st['down_chunks']) / 1024:.0f} KiB per read"),
                          flush=True)
        finally:
            os.unlink(src)
    finally:
        srv.kill()
        srv.wait()
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("upstream_port", type=int, nargs="?", help="the server's port on 127.0.0.1")
    ap.add_argument("--listen-port", type=int, default=0, help="the proxy's port (default: a free one)")
    ap.add_argument("--delay-ms", type=float, default=20, help="one-way delay each direction (default 20)")
    ap.add_argument("--rate-mb-s", type=float, default=100,
                    help="bandwidth per direction, MB/s (10^6 bytes), shared by all connections; 0: unlimited")
    ap.add_argument("--queue-kb", type=int, default=2048, help="queue ahead of the link per direction (KiB)")
    ap.add_argument("--window-kb", type=int, default=0, help="per-connection window (KiB); 0: none")
    ap.add_argument("--handshake", action="store_true", help="one more RTT before a connection's first bytes")
    ap.add_argument("--measure", action="store_true",
                    help="measure the proxy's own ceiling with curl and a loopback server, then exit")
    ap.add_argument("--mb", type=int, default=2000, help="--measure: MB per transfer (default 2000)")
    ap.add_argument("--parallel", type=int, default=1, help="--measure: connections at once (default 1)")
    args = ap.parse_args()
    if args.measure:
        return measure(args.delay_ms, args.rate_mb_s or None, args.mb, args.parallel,
                       os.environ.get("TMPDIR", "/tmp"))
    if args.upstream_port is None:
        ap.error("UPSTREAM_PORT is needed (or --measure)")
    link = LinkProxy(args.upstream_port, args.delay_ms, args.rate_mb_s or None, args.queue_kb,
                     args.window_kb or None, args.handshake, args.listen_port)
    with link:
        print(f"127.0.0.1:{link.port} -> 127.0.0.1:{args.upstream_port}: {link.describe()}", flush=True)
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
        st = link.stats()
        print(f"up {st['up']} bytes, down {st['down']} bytes, {st['connections']} connections")
    return 0


if __name__ == "__main__":
    sys.exit(main())

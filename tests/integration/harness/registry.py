"""A real docker-registry (distribution 2.8) on 127.0.0.1 and a free port, for one test.

    with Registry(workdir) as reg:              # or Registry(workdir, auth=("user", "pass"))
        reg.host                                # "127.0.0.1:PORT"
        mark = reg.mark()                       # position in the request logs
        ...                                     # push something
        reg.requests(since=mark)                # requests the registry served since the mark

The registry writes two logs, both captured to files under workdir:
  * stderr: its structured application log. We configure the JSON formatter; each line about
    a request carries "http.request.id", "http.request.method" and "http.request.uri"; a
    request that reaches a route handler ends with a "response completed[ with error]" line
    that has "http.response.status"; one refused by htpasswd auth only gets an
    "error authorizing context" warning (we record status 401 for it).
  * stdout: the Apache "combined" access log, one line per request, including requests that
    the router rejects before any handler runs (those never reach the structured log).
requests() reads the structured log; access_requests() reads the access log;
write_requests() looks at both, for assertions of the kind "nothing was written".
"""

from __future__ import annotations

import base64
import binascii
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field

REGISTRY_BIN = shutil.which("docker-registry") or "/usr/bin/docker-registry"
HTPASSWD_BIN = shutil.which("htpasswd") or "/usr/bin/htpasswd"
REALM = "test-realm"

_ACCESS_RE = re.compile(r'"(?P<method>[A-Z]+) (?P<uri>\S+) HTTP/[0-9.]+" (?P<status>\d{3}) ')
_SYNC_PARAM = "oci-push-it-sync"
WRITE_METHODS = ("PUT", "POST", "PATCH", "DELETE")


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now (bind to port 0, close)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass(frozen=True)
class Request:
    method: str
    uri: str          # path and query as the client sent it
    status: int

    @property
    def path(self) -> str:
        return self.uri.split("?", 1)[0]


@dataclass
class UploadSession:
    """One blob upload (POST .../blobs/uploads/ then PATCH*/PUT on .../uploads/<uuid>).

    offsets[i] is the upload offset the registry had recorded before requests[i], decoded from
    the `_state` query parameter that distribution 2.8 puts in every upload Location (an HMAC
    followed by JSON {"Name","UUID","Offset","StartedAt"}). So the bytes a PATCH carried are
    the difference to the next offset."""
    uuid: str
    requests: list[Request] = field(default_factory=list)
    offsets: list[int | None] = field(default_factory=list)
    digest: str | None = None   # from the final PUT's ?digest=

    def chunk_sizes(self, blob_size: int) -> list[int]:
        """Bytes carried by each data request (PATCHes and the final PUT), given the blob's
        final size; a final PUT without data is left out."""
        offs = list(self.offsets) + [blob_size]
        if any(o is None for o in offs):
            raise ValueError(f"upload {self.uuid}: undecodable _state")
        sizes = [b - a for a, b in zip(offs, offs[1:])]
        if sizes and sizes[-1] == 0 and self.requests[-1].method == "PUT":
            sizes.pop()
        return sizes


def decode_upload_state(uri: str) -> int | None:
    """The Offset recorded in a distribution 2.8 upload URI's _state parameter, or None."""
    q = urllib.parse.parse_qs(urllib.parse.urlsplit(uri).query)
    state = (q.get("_state") or [None])[0]
    if not state:
        return None
    try:
        raw = base64.urlsafe_b64decode(state + "=" * (-len(state) % 4))
        # HMAC-SHA256 (32 bytes, may itself contain "{") then the JSON
        return int(json.loads(raw[raw.index(b'{"Name"'):])["Offset"])
    except (ValueError, KeyError, binascii.Error, TypeError):
        return None


@dataclass(frozen=True)
class Mark:
    app: int
    access: int


class RegistryError(RuntimeError):
    pass


class Registry:
    """Context manager that runs `docker-registry serve CONFIG` until exit."""

    def __init__(self, workdir: str, auth: tuple[str, str] | None = None,
                 start_timeout: float = 20.0, token_auth: dict | None = None,
                 tls: tuple[str, str] | None = None):
        """token_auth: {"realm", "service", "issuer", "rootcertbundle"}: token mode (Bearer JWTs).
        tls: (certificate, key) PEM paths: the registry speaks HTTPS only."""
        self.tls = tls
        self.workdir = os.path.abspath(workdir)
        self.auth = auth
        self.token_auth = token_auth
        self.start_timeout = start_timeout
        self.port: int | None = None
        self.proc: subprocess.Popen | None = None
        os.makedirs(self.workdir, exist_ok=True)
        self.config_path = os.path.join(self.workdir, "config.yml")
        self.storage_dir = os.path.join(self.workdir, "storage")
        self.app_log_path = os.path.join(self.workdir, "registry.stderr.log")
        self.access_log_path = os.path.join(self.workdir, "registry.stdout.log")
        self.htpasswd_path = os.path.join(self.workdir, "htpasswd")

    # ----------------------------------------------------------------- lifecycle

    @property
    def host(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.host}"

    def __enter__(self) -> "Registry":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def _write_config(self) -> None:
        auth_block = ""
        if self.token_auth:
            auth_block = "auth:\n  token:\n" + "".join(
                f"    {k}: {self.token_auth[k]}\n" for k in ("realm", "service", "issuer", "rootcertbundle"))
        elif self.auth:
            user, password = self.auth
            out = subprocess.run([HTPASSWD_BIN, "-Bbn", user, password],
                                 capture_output=True, check=True, timeout=30)
            with open(self.htpasswd_path, "wb") as f:
                f.write(out.stdout.strip() + b"\n")
            auth_block = (
                "auth:\n"
                "  htpasswd:\n"
                f"    realm: {REALM}\n"
                f"    path: {self.htpasswd_path}\n"
            )
        # No http.debug section: the registry then starts no debug server at all.
        config = (
            "version: 0.1\n"
            "log:\n"
            "  level: info\n"
            "  formatter: json\n"
            "  accesslog:\n"
            "    disabled: false\n"
            "storage:\n"
            "  filesystem:\n"
            f"    rootdirectory: {self.storage_dir}\n"
            "  delete:\n"
            "    enabled: true\n"
            "  maintenance:\n"
            "    uploadpurging:\n"
            "      enabled: false\n"
            "http:\n"
            f"  addr: 127.0.0.1:{self.port}\n"
            + (f"  tls:\n    certificate: {self.tls[0]}\n    key: {self.tls[1]}\n" if self.tls else "")
            + f"  secret: {uuid.uuid4().hex}\n"
            "health:\n"
            "  storagedriver:\n"
            "    enabled: false\n"
            + auth_block
        )
        with open(self.config_path, "w") as f:
            f.write(config)

    def start(self) -> None:
        last_error = None
        for _attempt in range(3):  # the free port may be taken between probe and bind
            self.port = free_port()
            self._write_config()
            env = {k: v for k, v in os.environ.items() if not k.startswith("REGISTRY_")}
            for k in ("http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
                env.pop(k, None)
            with open(self.app_log_path, "ab") as err, open(self.access_log_path, "ab") as out:
                self.proc = subprocess.Popen(
                    [REGISTRY_BIN, "serve", self.config_path],
                    stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                    cwd=self.workdir, env=env, start_new_session=True)
            try:
                self._wait_ready()
                return
            except RegistryError as e:
                last_error = e
                self.stop()
        raise RegistryError(f"docker-registry did not start: {last_error}")

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RegistryError(
                    f"exited with {self.proc.returncode}; log:\n{self.log_text()[-4000:]}")
            try:
                status, _, _ = self.http("GET", "/v2/", timeout=2)
                if status in (200, 401):
                    return
            except OSError:
                pass
            time.sleep(0.05)
        raise RegistryError(f"no answer on {self.url}/v2/ within {self.start_timeout}s; "
                            f"log:\n{self.log_text()[-4000:]}")

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            proc.wait(timeout=5)

    # ----------------------------------------------------------------- raw HTTP

    def basic_auth_header(self) -> dict[str, str]:
        if not self.auth:
            return {}
        token = base64.b64encode(f"{self.auth[0]}:{self.auth[1]}".encode()).decode()
        return {"Authorization": f"Basic {token}"}

    def http(self, method: str, path: str, headers: dict | None = None,
             body: bytes | None = None, timeout: float = 10, authenticate: bool = False):
        """One request with http.client; returns (status, headers dict, body bytes)."""
        h = dict(headers or {})
        if authenticate:
            h.update(self.basic_auth_header())
        if self.tls:
            import ssl
            conn = http.client.HTTPSConnection("127.0.0.1", self.port, timeout=timeout,
                                               context=ssl._create_unverified_context())
        else:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body, headers=h)
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, data
        finally:
            conn.close()

    def catalog(self) -> list[str]:
        status, _, body = self.http("GET", "/v2/_catalog", authenticate=True)
        if status != 200:
            raise RegistryError(f"GET /v2/_catalog answered {status}: {body[:200]!r}")
        return json.loads(body).get("repositories") or []

    # ----------------------------------------------------------------- logs

    def log_text(self) -> str:
        """The registry's structured log (its stderr)."""
        try:
            with open(self.app_log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def access_log_text(self) -> str:
        """The registry's access log (its stdout, Apache combined format)."""
        try:
            with open(self.access_log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return ""

    def _all_requests(self) -> list[Request]:
        # One entry per http.request.id, in order of first appearance. A request normally
        # ends with a "response completed[ with error]" line carrying the status; requests
        # refused by the htpasswd auth only get an "error authorizing context" warning, and
        # we record those as 401.
        order: list[str] = []
        info: dict[str, list] = {}
        for line in self.log_text().splitlines():
            line = line.strip()
            if not line.startswith("{"):
                continue
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            rid = entry.get("http.request.id")
            if not rid or "http.request.method" not in entry:
                continue
            if rid not in info:
                order.append(rid)
                info[rid] = [entry["http.request.method"], entry.get("http.request.uri", ""), 0]
            msg = str(entry.get("msg", ""))
            if "http.response.status" in entry:
                info[rid][2] = int(entry["http.response.status"])
            elif msg.startswith("error authorizing context") and not info[rid][2]:
                info[rid][2] = 401
        return [Request(*info[rid]) for rid in order]

    def remote_addresses(self, since: Mark | None = None) -> list[str]:
        """The client address and port (http.request.remoteaddr) of each request since `since`, in the
        order of requests(): one value per TCP connection the client used."""
        self.sync()
        order: list[str] = []
        addr: dict[str, str] = {}
        for line in self.log_text().splitlines():
            try:
                entry = json.loads(line.strip()) if line.strip().startswith("{") else None
            except ValueError:
                entry = None
            rid = entry and entry.get("http.request.id")
            if not rid or "http.request.method" not in entry:
                continue
            if rid not in addr:
                order.append(rid)
                addr[rid] = (entry.get("http.request.uri", ""), entry.get("http.request.remoteaddr", ""))
        return [a for uri, a in (addr[rid] for rid in order[since.app if since else 0:]) if _SYNC_PARAM not in uri]

    def access_protocols(self, since: Mark | None = None) -> list[str]:
        """The protocol of each request line in the access log since `since` ("HTTP/2.0", "HTTP/1.1")."""
        self.sync()
        lines = [m for m in (_ACCESS_RE.search(l) for l in self.access_log_text().splitlines()) if m]
        return [re.search(r'"[A-Z]+ \S+ (HTTP/[0-9.]+)"', m.string).group(1)
                for m in lines[since.access if since else 0:] if _SYNC_PARAM not in m["uri"]]

    def _all_access_requests(self) -> list[Request]:
        reqs = []
        for line in self.access_log_text().splitlines():
            m = _ACCESS_RE.search(line)
            if m:
                reqs.append(Request(m["method"], m["uri"], int(m["status"])))
        return reqs

    def sync(self, timeout: float = 10.0) -> None:
        """Make sure every request answered so far is in both log files.

        The registry writes a log line after it has sent the response, so a client that has
        exited may be ahead of the log. We send one marker request and wait until both logs
        show it; everything answered before it has been logged by then.
        """
        marker = uuid.uuid4().hex
        self.http("GET", f"/v2/?{_SYNC_PARAM}={marker}", authenticate=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if marker in self.log_text() and marker in self.access_log_text():
                time.sleep(0.05)
                return
            time.sleep(0.02)
        raise RegistryError("sync marker never appeared in the registry logs")

    def mark(self) -> Mark:
        """Sync the logs and return the current position, for requests(since=...)."""
        self.sync()
        return Mark(len(self._all_requests()), len(self._all_access_requests()))

    def requests(self, since: Mark | None = None, include_sync: bool = False) -> list[Request]:
        """Requests seen by the route handlers (structured log), oldest first. Syncs first."""
        self.sync()
        reqs = self._all_requests()[since.app if since else 0:]
        return [r for r in reqs if include_sync or _SYNC_PARAM not in r.uri]

    def access_requests(self, since: Mark | None = None, include_sync: bool = False) -> list[Request]:
        """Every request the HTTP server saw (access log), oldest first. Syncs first."""
        self.sync()
        reqs = self._all_access_requests()[since.access if since else 0:]
        return [r for r in reqs if include_sync or _SYNC_PARAM not in r.uri]

    def count_requests(self, method: str, path_regex: str, since: Mark | None = None) -> int:
        """How many requests with this method (regex, full match) and a path matching
        path_regex (re.search against the path without query) the registry logged."""
        mre = re.compile(method)
        pre = re.compile(path_regex)
        return sum(1 for r in self.requests(since)
                   if mre.fullmatch(r.method) and pre.search(r.path))

    def write_requests(self, since: Mark | None = None) -> list[Request]:
        """PUT/POST/PATCH/DELETE requests since the mark: those of the access log (which sees
        every request, routed or not), or if it has none, those of the structured log."""
        found = [r for r in self.access_requests(since) if r.method in WRITE_METHODS]
        return found or [r for r in self.requests(since) if r.method in WRITE_METHODS]

    def upload_sessions(self, repo: str, since: Mark | None = None) -> list[UploadSession]:
        """The blob uploads to repo since the mark, in order, with their decoded offsets."""
        prefix = f"/v2/{repo}/blobs/uploads/"
        sessions: dict[str, UploadSession] = {}
        for r in self.requests(since):
            if not r.path.startswith(prefix) or r.method not in ("PATCH", "PUT"):
                continue
            uid = r.path[len(prefix):]
            sess = sessions.setdefault(uid, UploadSession(uid))
            sess.requests.append(r)
            sess.offsets.append(decode_upload_state(r.uri))
            if r.method == "PUT":
                q = urllib.parse.parse_qs(urllib.parse.urlsplit(r.uri).query)
                sess.digest = (q.get("digest") or [None])[0]
        return list(sessions.values())

    def describe_requests(self, since: Mark | None = None) -> str:
        return "\n".join(f"  {r.method} {r.uri} -> {r.status}" for r in self.requests(since))

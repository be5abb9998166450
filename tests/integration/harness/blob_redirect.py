"""A registry whose blobs live on another host, as on S3-backed registries (Docker Hub, ECR, GHCR):

    with BlobRedirect(reg) as redirect:          # reg: a harness Registry, with auth or not
        oci_push("pull", f"{redirect.host}/app:1", dest, ...)
        redirect.storage.seen()                   # requests the storage host got (headers included)
        redirect.redirected                       # digests the front answered with a redirect

* The front (127.0.0.1, a free port) forwards every request to the registry (harness/blob_proxy.py),
  except a blob GET (`GET /v2/<repo>/blobs/<digest>`): that one it first checks with the registry (a
  HEAD with the client's headers, so its credentials are checked as a real registry would); a refusal
  (any status but 2xx) is passed back as it is, else it answers `307` (or `status`) with
  `Location: http://127.0.0.2:<port>/storage/<digest>?X-Amz-Signature=abc`.
* The storage server (bound to 127.0.0.2: another host for a client) serves the blob's bytes, which
  it reads from the registry itself, with Range support (`206` + `Content-Range`, `416` past the end).
  It answers `400 Only one auth mechanism allowed` to a request that carries an `Authorization` header
  (as S3 does when a client sends its registry credentials along with a presigned URL), `403` to one
  without the signature parameter, `404` to a digest the front never redirected.
"""

from __future__ import annotations

import re
import threading
import urllib.parse

from .blob_proxy import BlobProxy, Seen, send_plain

BLOB_GET = re.compile(r"/v2/(?P<repo>.+)/blobs/(?P<digest>sha256:[0-9a-f]{64})")
STORAGE = re.compile(r"/storage/(?P<digest>sha256:[0-9a-f]{64})")
SIGNATURE = "abc"
S3_AUTH_ERROR = (b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>InvalidArgument</Code>'
                 b'<Message>Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, '
                 b'Signature query string parameter or the Authorization header should be specified'
                 b'</Message></Error>')


class Storage(BlobProxy):
    """The storage host: never forwards; serves blobs the front registered."""

    def __init__(self, reg):
        super().__init__(reg.port, bind="127.0.0.2")
        self.reg = reg
        self.repo_of: dict[str, str] = {}
        self.cache: dict[str, bytes] = {}
        self.blob_lock = threading.Lock()

    def expect(self, digest: str, repo: str) -> None:
        with self.lock:
            self.repo_of.setdefault(digest, repo)

    def _bytes(self, digest: str) -> bytes | None:
        with self.blob_lock:
            if digest not in self.cache:
                repo = self.repo_of.get(digest)
                if repo is None:
                    return None
                status, _, data = self.reg.http("GET", f"/v2/{repo}/blobs/{digest}", authenticate=True,
                                                timeout=60)
                if status != 200:
                    raise RuntimeError(f"the registry answered {status} for {repo}@{digest}")
                self.cache[digest] = data
            return self.cache[digest]

    def intercept(self, h, entry: Seen) -> bool:
        method, path = entry.method, entry.path
        m = STORAGE.fullmatch(path)
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(h.path).query)
        if "authorization" in entry.headers:
            return _answer(h, entry, 400, S3_AUTH_ERROR, {}, "application/xml")
        if query.get("X-Amz-Signature") != [SIGNATURE]:
            return _answer(h, entry, 403, b"<Error><Code>SignatureDoesNotMatch</Code></Error>", {},
                           "application/xml")
        data = self._bytes(m["digest"]) if m and method in ("GET", "HEAD") else None
        if data is None:
            return _answer(h, entry, 404, b"<Error><Code>NoSuchKey</Code></Error>", {}, "application/xml")
        return self._serve(h, entry, data)

    def _serve(self, h, entry: Seen, data: bytes) -> bool:
        rng = re.fullmatch(r"\s*bytes=(\d+)-(\d*)\s*", entry.headers.get("range", ""))
        if not rng:
            return _answer(h, entry, 200, data, {"Accept-Ranges": "bytes"})
        start = int(rng[1])
        end = min(int(rng[2]), len(data) - 1) if rng[2] else len(data) - 1
        if start >= len(data) or end < start:
            return _answer(h, entry, 416, b"", {"Content-Range": f"bytes */{len(data)}"})
        return _answer(h, entry, 206, data[start:end + 1],
                       {"Content-Range": f"bytes {start}-{end}/{len(data)}", "Accept-Ranges": "bytes"})


def _answer(h, entry: Seen, status: int, body: bytes, headers: dict,
            content_type: str = "application/octet-stream") -> bool:
    entry.status = status
    send_plain(h, status, body, headers, content_type)
    entry.sent = 0 if h.command == "HEAD" else len(body)
    return True


class BlobRedirect(BlobProxy):
    """The front: the registry's API, blob GETs redirected to the storage host."""

    def __init__(self, reg, status: int = 307):
        super().__init__(reg.port)
        self.reg = reg
        self.status = status
        self.storage = Storage(reg)
        self.redirected: list[str] = []

    def __enter__(self):
        self.storage.__enter__()
        return super().__enter__()

    def __exit__(self, *exc) -> None:
        super().__exit__(*exc)
        self.storage.__exit__(*exc)

    def intercept(self, h, entry: Seen) -> bool:
        m = BLOB_GET.fullmatch(entry.path)
        if entry.method != "GET" or not m:
            return False
        conn, resp = self.forward(h, Seen("HEAD", entry.path, entry.uri), None, method="HEAD")
        try:
            headers = {k: v for k, v in resp.getheaders()
                       if k.lower() in ("www-authenticate", "docker-distribution-api-version")}
            if not 200 <= resp.status < 300:
                return _answer(h, entry, resp.status, b"", headers, "application/json")
        finally:
            conn.close()
        self.storage.expect(m["digest"], m["repo"])
        with self.lock:
            self.redirected.append(m["digest"])
        location = f"http://{self.storage.host}/storage/{m['digest']}?X-Amz-Signature={SIGNATURE}"
        return _answer(h, entry, self.status, b"", {"Location": location}, "text/plain")

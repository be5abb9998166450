"""Self-tests of harness/fault_proxy.py against a real docker-registry, with plain http.client and
raw sockets standing in for oci-push (no oci-push binary needed): chunked bodies are decoded and
forwarded whole, faults forward nothing (so distribution 2.8 keeps the upload session at its last
offset), the byte accounting, hold and wait_for_fault, blob_unknown and lie_range."""

import hashlib
import http.client
import json
import socket
import threading
import time
import urllib.parse

from harness.base import IntegrationTestCase
from harness.fault_proxy import Fault, FaultProxy

UPLOADS = r"/blobs/uploads/"
KiB = 1 << 10


def _data(n, seed=0):
    """n deterministic, incompressible-looking bytes."""
    out = bytearray()
    i = 0
    while len(out) < n:
        out += hashlib.sha256(f"{seed}:{i}".encode()).digest()
        i += 1
    return bytes(out[:n])


def _pieces(data, sizes):
    """data cut into pieces of the given sizes (cycled), for chunked bodies of uneven chunks."""
    out, i, k = [], 0, 0
    while i < len(data):
        out.append(data[i:i + sizes[k % len(sizes)]])
        i += sizes[k % len(sizes)]
        k += 1
    return out


def _chunked(pieces, trailer=b""):
    return b"".join(b"%x;ext=1\r\n%s\r\n" % (len(p), p) for p in pieces) + b"0\r\n" + trailer + b"\r\n"


def _uri(location):
    u = urllib.parse.urlsplit(location)
    return u.path + ("?" + u.query if u.query else "")


def _raw_response(sock):
    """Read one HTTP response from a raw socket; (status, headers lower-cased, body)."""
    resp = http.client.HTTPResponse(sock)
    resp.begin()
    return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()


class FaultProxySelfTest(IntegrationTestCase):

    def setUp(self):
        super().setUp()
        self.reg = self.start_registry()

    # ------------------------------------------------------------------ helpers

    def http(self, port, method, uri, body=None, headers=None, timeout=30):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        try:
            conn.request(method, uri, body=body, headers=headers or {})
            resp = conn.getresponse()
            return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
        finally:
            conn.close()

    def start_upload(self, port, repo="app"):
        status, h, body = self.http(port, "POST", f"/v2/{repo}/blobs/uploads/")
        self.assertEqual(status, 202, body)
        return _uri(h["location"])

    def session_range(self, uri):
        """GET on the upload session, straight at the registry: (status, Range)."""
        status, h, _ = self.reg.http("GET", uri)
        return status, h.get("range")

    def finish_upload(self, uri, blob, rest=b""):
        sep = "&" if "?" in uri else "?"
        digest = "sha256:" + hashlib.sha256(blob).hexdigest()
        status, _, body = self.reg.http("PUT", f"{uri}{sep}digest={digest}", body=rest,
                                        headers={"Content-Type": "application/octet-stream"})
        self.assertEqual(status, 201, body)
        status, h, _ = self.reg.http("HEAD", f"/v2/app/blobs/{digest}")
        self.assertEqual(status, 200)
        self.assertEqual(int(h["content-length"]), len(blob))
        return digest

    def patch(self, port, uri, data):
        """A PATCH with Content-Length; returns the next session uri."""
        status, h, body = self.http(port, "PATCH", uri, body=data,
                                    headers={"Content-Type": "application/octet-stream"})
        self.assertEqual(status, 202, body)
        self.assertEqual(h["range"], f"0-{len(data) - 1}")
        return _uri(h["location"])

    def wait_count(self, proxy, method, path, n, timeout=10):
        deadline = time.monotonic() + timeout
        while proxy.count(method, path) < n and time.monotonic() < deadline:
            time.sleep(0.02)
        self.assertEqual(proxy.count(method, path), n, proxy.describe())

    def raw(self, port, head, body=b""):
        sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        sock.sendall(head + body)
        return sock

    def chunked_head(self, uri, extra=b""):
        return (b"PATCH %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\n"
                b"Transfer-Encoding: chunked\r\n%s\r\n" % (uri.encode(), extra))

    # ------------------------------------------------------------------ chunked, forwarded whole

    def test_chunked_patch_is_forwarded_whole_and_the_blob_completes(self):
        blob = _data(700 * KiB, seed=1)
        with FaultProxy(self.reg.port) as proxy:
            uri = self.start_upload(proxy.port)
            conn = http.client.HTTPConnection("127.0.0.1", proxy.port, timeout=30)
            try:
                # http.client sends an iterable body chunked (no Content-Length)
                conn.request("PATCH", uri, body=iter(_pieces(blob, [1, 65536, 1000, 300 * KiB])),
                             headers={"Content-Type": "application/octet-stream"})
                resp = conn.getresponse()
                resp.read()
                self.assertEqual(resp.status, 202, proxy.describe())
                self.assertEqual(resp.getheader("Range"), f"0-{len(blob) - 1}")
                uri = _uri(resp.getheader("Location"))
                # the same connection goes on: the chunked body was consumed exactly
                conn.request("GET", uri)
                resp = conn.getresponse()
                resp.read()
                self.assertEqual(resp.status, 204)
                self.assertEqual(resp.getheader("Range"), f"0-{len(blob) - 1}")
            finally:
                conn.close()
            self.assertEqual(proxy.body_bytes("PATCH", UPLOADS), len(blob))
            self.assertEqual(proxy.forwarded_body_bytes("PATCH", UPLOADS), len(blob))
            [entry] = proxy.requests("PATCH", UPLOADS)
            self.assertTrue(entry.chunked)
            self.assertEqual((entry.outcome, entry.body_bytes, entry.forwarded_bytes), (202, len(blob), len(blob)))
            self.assertEqual(proxy.count("GET", UPLOADS), 1)
        self.assertEqual(self.reg.count_requests("PATCH", UPLOADS), 1)
        self.assertEqual(self.session_range(uri), (204, f"0-{len(blob) - 1}"))
        self.finish_upload(uri, blob)

    def test_chunk_extensions_trailers_and_an_empty_chunked_body(self):
        blob = _data(100 * KiB, seed=2)
        with FaultProxy(self.reg.port) as proxy:
            uri = self.start_upload(proxy.port)
            sock = self.raw(proxy.port, self.chunked_head(uri),
                            _chunked(_pieces(blob, [7, 40000]), trailer=b"X-Trailer: yes\r\n"))
            try:
                status, h, body = _raw_response(sock)
                self.assertEqual(status, 202, body)
                self.assertEqual(h["range"], f"0-{len(blob) - 1}")
                uri = _uri(h["location"])
                # an empty chunked body on the same connection
                sock.sendall(self.chunked_head(uri) + b"0\r\n\r\n")
                status, h, body = _raw_response(sock)
                self.assertEqual(status, 202, body)
                self.assertEqual(h["range"], f"0-{len(blob) - 1}")
                uri = _uri(h["location"])
            finally:
                sock.close()
            self.assertEqual(proxy.body_bytes("PATCH", UPLOADS), len(blob))
            self.assertEqual([e.body_bytes for e in proxy.requests("PATCH")], [len(blob), 0])
        self.finish_upload(uri, blob)

    # ------------------------------------------------------------------ reset

    def test_reset_chunked_patch_leaves_the_session_at_its_previous_offset(self):
        first, second = _data(1000, seed=3), _data(600 * KiB, seed=4)
        faults = [Fault("PATCH", UPLOADS, "reset", nth=[2], after_bytes=200 * KiB + 5)]
        with FaultProxy(self.reg.port, faults) as proxy:
            uri = self.start_upload(proxy.port)
            uri = self.patch(proxy.port, uri, first)
            with self.assertRaises((OSError, http.client.HTTPException)):
                self.http(proxy.port, "PATCH", uri, body=iter(_pieces(second, [64 * KiB])),
                          headers={"Content-Type": "application/octet-stream"})
            self.assertEqual(proxy.faults_done, 1)
            self.assertEqual(proxy.log[-1], ("PATCH", uri.split("?")[0], "reset"))
            reset = proxy.requests("PATCH", UPLOADS)[-1]
            self.assertEqual((reset.outcome, reset.body_bytes, reset.forwarded_bytes), ("reset", 200 * KiB + 5, 0))
            self.assertEqual(proxy.body_bytes("PATCH", UPLOADS), len(first) + 200 * KiB + 5)
            self.assertEqual(proxy.forwarded_body_bytes("PATCH", UPLOADS), len(first))
            # through the proxy too: the session is where the first PATCH left it
            status, h, _ = self.http(proxy.port, "GET", uri)
            self.assertEqual((status, h.get("range")), (204, f"0-{len(first) - 1}"))
        self.assertEqual(self.reg.count_requests("PATCH", UPLOADS), 1, self.reg.describe_requests())
        self.assertEqual(self.session_range(uri), (204, f"0-{len(first) - 1}"))
        self.finish_upload(uri, first + second, rest=second)

    def test_reset_defaults_half_of_a_known_length_else_all_of_a_chunked_body(self):
        blob = _data(300 * KiB, seed=5)
        faults = [Fault("PATCH", UPLOADS, "reset", nth=[1, 2, 3])]
        with FaultProxy(self.reg.port, faults) as proxy:
            uri = self.start_upload(proxy.port)
            with self.assertRaises((OSError, http.client.HTTPException)):
                self.http(proxy.port, "PATCH", uri, body=blob)
            with self.assertRaises((OSError, http.client.HTTPException)):
                self.http(proxy.port, "PATCH", uri, body=iter(_pieces(blob, [10 * KiB])))
            # a chunked body whose Content-Range announces its length: half of that
            with self.assertRaises((OSError, http.client.HTTPException)):
                self.http(proxy.port, "PATCH", uri, body=iter(_pieces(blob, [10 * KiB])),
                          headers={"Content-Range": f"0-{len(blob) - 1}"})
            self.assertEqual([(e.outcome, e.chunked, e.body_bytes) for e in proxy.requests("PATCH")],
                             [("reset", False, len(blob) // 2), ("reset", True, len(blob)),
                              ("reset", True, len(blob) // 2)])
            self.assertEqual(proxy.forwarded_body_bytes("PATCH", UPLOADS), 0)
            self.assertEqual(proxy.faults_done, 3)
        self.assertEqual(self.reg.count_requests("PATCH", UPLOADS), 0)
        self.assertEqual(self.session_range(uri), (204, "0-0"))
        self.finish_upload(uri, blob, rest=blob)

    def test_client_gone_in_the_middle_of_a_body_forwards_nothing(self):
        blob = _data(200 * KiB, seed=6)
        with FaultProxy(self.reg.port) as proxy:
            uri = self.start_upload(proxy.port)
            uri = self.patch(proxy.port, uri, blob[:1000])
            head = (b"PATCH %s HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: %d\r\n\r\n"
                    % (uri.encode(), len(blob) - 1000))
            self.raw(proxy.port, head, blob[1000:50 * KiB]).close()
            self.wait_count(proxy, "PATCH", UPLOADS, 2)
            self.raw(proxy.port, self.chunked_head(uri), _chunked([blob[1000:40 * KiB]])[:-5]).close()
            self.wait_count(proxy, "PATCH", UPLOADS, 3)
            outcomes = [(e.outcome, e.body_bytes, e.forwarded_bytes) for e in proxy.requests("PATCH")]
            self.assertEqual(outcomes, [(202, 1000, 1000), ("incomplete", 50 * KiB - 1000, 0),
                                        ("incomplete", 40 * KiB - 1000, 0)], proxy.describe())
        self.assertEqual(self.reg.count_requests("PATCH", UPLOADS), 1)
        self.assertEqual(self.session_range(uri), (204, "0-999"))
        self.finish_upload(uri, blob, rest=blob[1000:])

    # ------------------------------------------------------------------ hold

    def test_hold_after_bytes_waits_for_them_and_never_forwards(self):
        blob = _data(300 * KiB, seed=7)
        fault = Fault("PATCH", UPLOADS, "hold", nth=[1], after_bytes=100 * KiB)
        with FaultProxy(self.reg.port, [fault]) as proxy:
            uri = self.start_upload(proxy.port)
            sock = self.raw(proxy.port, self.chunked_head(uri), _chunked([blob[:60 * KiB]])[:-5])
            try:
                self.assertFalse(proxy.wait_for_fault(0.5), "held before after_bytes arrived")
                self.assertEqual(proxy.count("PATCH", UPLOADS), 0)
                self.assertEqual(proxy.requests("PATCH")[0].outcome, None)
                sock.sendall(_chunked([blob[60 * KiB:]])[:-5])  # the rest, but not the last chunk
                self.assertTrue(proxy.wait_for_fault(10), proxy.describe())
                self.assertEqual(proxy.faults_done, 1)
                self.assertEqual(proxy.count("PATCH", UPLOADS), 1)
                self.assertEqual(proxy.log[-1][2], "hold")
                # the rest of the body goes on being read and counted, and nothing answers
                deadline = time.monotonic() + 10
                while proxy.body_bytes("PATCH", UPLOADS) < len(blob) and time.monotonic() < deadline:
                    time.sleep(0.02)
                self.assertEqual(proxy.body_bytes("PATCH", UPLOADS), len(blob))
                sock.sendall(b"0\r\n\r\n")
                sock.settimeout(0.5)
                with self.assertRaises(socket.timeout):
                    sock.recv(1)
                self.assertEqual(proxy.forwarded_body_bytes("PATCH", UPLOADS), 0)
            finally:
                sock.close()  # the client dies with its request in flight
            status, h, _ = self.http(proxy.port, "GET", uri)
            self.assertEqual((status, h.get("range")), (204, "0-0"))
        self.assertEqual(self.reg.count_requests("PATCH", UPLOADS), 0)
        self.finish_upload(uri, blob, rest=blob)

    def test_hold_of_a_whole_request_until_the_proxy_closes(self):
        blob = _data(50 * KiB, seed=8)
        faults = [Fault("PUT", UPLOADS, "hold", nth=[2])]
        proxy = FaultProxy(self.reg.port, faults)
        with proxy:
            uri = self.start_upload(proxy.port)
            digest = "sha256:" + hashlib.sha256(blob).hexdigest()
            # the first PUT goes through (a whole blob in one PUT)
            status, _, body = self.http(proxy.port, "PUT", f"{uri}&digest={digest}", body=blob)
            self.assertEqual(status, 201, body)
            uri2 = self.start_upload(proxy.port)
            head = b"PUT %s&digest=%s HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n" % (
                uri2.encode(), digest.encode(), len(blob))
            sock = self.raw(proxy.port, head, blob[:KiB])
            self.assertFalse(proxy.wait_for_fault(0.3), "held before the whole request arrived")
            sock.sendall(blob[KiB:])
            self.assertTrue(proxy.wait_for_fault(10, fault=faults[0]))
            self.assertEqual(proxy.body_bytes("PUT", UPLOADS), 2 * len(blob))
            self.assertEqual(proxy.forwarded_body_bytes("PUT", UPLOADS), len(blob))
            self.assertEqual([s for m, p, s in proxy.log if m == "PUT"], [201, "hold"])
            start = time.monotonic()
        self.assertLess(time.monotonic() - start, 5, "closing the proxy waited on the held request")
        try:
            sock.settimeout(5)
            self.assertEqual(sock.recv(1), b"", "the held connection got an answer")
        except ConnectionResetError:
            pass
        finally:
            sock.close()
        self.assertEqual(self.reg.count_requests("PUT", UPLOADS), 1)
        self.assertEqual(self.session_range(uri2), (204, "0-0"))

    def test_wait_for_fault_counts_injections(self):
        faults = [Fault("GET", r"^/v2/$", "status", nth=[2, 3], status=503)]
        with FaultProxy(self.reg.port, faults) as proxy:
            results = []
            t = threading.Thread(target=lambda: results.extend(
                self.http(proxy.port, "GET", "/v2/")[0] for _ in range(3)))
            t.start()
            self.assertTrue(proxy.wait_for_fault(10, count=2))
            t.join(10)
            self.assertFalse(proxy.wait_for_fault(0.1, count=3))
            self.assertEqual(results, [200, 503, 503])

    # ------------------------------------------------------------------ blob_unknown

    def test_blob_unknown_answers_400_and_forwards_nothing(self):
        config = b'{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}'
        cdigest = "sha256:" + hashlib.sha256(config).hexdigest()
        missing = "sha256:" + "ab" * 32
        manifest = json.dumps({
            "schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {"mediaType": "application/vnd.docker.container.image.v1+json",
                       "size": len(config), "digest": cdigest},
            "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
                        "size": 10, "digest": missing}]}).encode()
        mtype = {"Content-Type": "application/vnd.docker.distribution.manifest.v2+json"}
        faults = [Fault("PUT", r"/manifests/", "blob_unknown")]
        with FaultProxy(self.reg.port, faults) as proxy:
            status, h, body = self.http(proxy.port, "PUT", "/v2/app/manifests/1", body=manifest, headers=mtype)
            self.assertEqual(status, 400)
            self.assertEqual(h["content-type"], "application/json")
            self.assertEqual(json.loads(body), {"errors": [{"code": "MANIFEST_BLOB_UNKNOWN",
                                                            "message": "blob unknown to registry",
                                                            "detail": missing}]})
            self.assertEqual(proxy.faults_done, 1)
            self.assertEqual(proxy.log, [("PUT", "/v2/app/manifests/1", 400)])
            self.assertEqual(proxy.body_bytes("PUT", r"/manifests/"), len(manifest))
            self.assertEqual(proxy.forwarded_body_bytes("PUT", r"/manifests/"), 0)
            faults[0].digest = cdigest  # an explicit detail
            status, _, body = self.http(proxy.port, "PUT", "/v2/app/manifests/1", body=manifest, headers=mtype)
            self.assertEqual((status, json.loads(body)["errors"][0]["detail"]), (400, cdigest))
        self.assertEqual(self.reg.count_requests("PUT", r"/manifests/"), 0)
        self.assertEqual(self.reg.http("GET", "/v2/app/manifests/1", headers={"Accept": mtype["Content-Type"]})[0],
                         404)

    # ------------------------------------------------------------------ lie_range

    def test_lie_range_on_patch_answers_and_session_gets(self):
        a, b = _data(1000, seed=9), _data(2000, seed=10)
        faults = [Fault("PATCH|GET", UPLOADS, "lie_range")]
        with FaultProxy(self.reg.port, faults) as proxy:
            uri = self.start_upload(proxy.port)
            uri = self.patch(proxy.port, uri, a)
            status, h, _ = self.http(proxy.port, "PATCH", uri, body=iter([b]))  # chunked
            self.assertEqual((status, h["range"]), (202, "0-999"), "the second PATCH's Range is not the first")
            uri = _uri(h["location"])
            status, h, _ = self.http(proxy.port, "GET", uri)
            self.assertEqual((status, h["range"]), (204, "0-999"))
            self.assertEqual(faults[0].done, 2)
            self.assertEqual(proxy.forwarded_body_bytes("PATCH", UPLOADS), 3000)
        self.assertEqual(self.session_range(uri), (204, "0-2999"))
        self.finish_upload(uri, a + b)


if __name__ == "__main__":
    import unittest
    unittest.main()

"""kill -9 of a push at a few points, then a second run of the same command: it completes, uploads only
the blobs the first run did not finish, continues the big layer's upload session where the first run
left it, and the image verifies.

The kill points are exact with harness/fault_proxy.py: the first run goes through a proxy which holds
one request (`hold`: never forwarded, never answered); `wait_for_fault` says when it is held, then the
test kills the process. Since the held request never reaches the registry, distribution 2.8 keeps the
upload session at the end of the last PATCH it acknowledged (a PATCH broken after part of its body
arrived would make it cancel the session).

The second run is the same command (same HOME, so the same digest cache and its uploads/ directory)
through a fresh proxy on the same port: oci-push remembers a big blob's session under the registry's
host:port, so a run against another address would not find it. Layers are uncompressed docker-save
layers: the second run knows the compressed digests of the finished ones from the local digest cache,
so it HEADs and skips them."""

import http.server
import json
import os
import signal
import subprocess
import threading
import time

from harness import cli, fixtures
from harness.base import IntegrationTestCase
from harness.fault_proxy import Fault, FaultProxy

MiB = 1 << 20
UPLOADS = r"/blobs/uploads/"
CHUNK = 5 * MiB
# a (48 KiB) and c (700 KiB) are small blobs (POST ?digest= + PUT with the body, beside b even with
# -j 1); b (20 MiB of text, ~10.8 MiB of gzip) is 3 streamed PATCHes of at most 5 MiB and an empty
# PUT ?digest=; the config goes last. 4 blobs, 4 upload sessions.
BLOBS = 4


def _image(path):
    return fixtures.write_basic(path, repo_tags=("example/kill:1",), big=20 * MiB)


class ProxyAt(FaultProxy):
    """A FaultProxy listening on a given port (a fresh proxy where an earlier one was)."""

    def __init__(self, upstream_port, port, faults=None):
        super().__init__(upstream_port, faults)
        self.server.server_close()
        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), self._handler_class())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)


def completed_blobs(proxy):
    """Blobs whose PUT ?digest= the registry answered 201 (a held request never reached it)."""
    return sum(1 for e in proxy.requests("PUT", UPLOADS) if e.outcome == 201)


def kill_when_held(test, args, env, cwd, proxy, fault, also=None, timeout=60):
    """Start oci-push with args, wait until `fault` holds its request (and `also()` is true, if given),
    then kill -9 it. The caller's proxy stays open until then, holding the request."""
    p = subprocess.Popen([cli.binary_path(), *args], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL, env=env, cwd=cwd)
    try:
        held = proxy.wait_for_fault(timeout, fault=fault)
        deadline = time.monotonic() + 10
        while held and also is not None and not also() and time.monotonic() < deadline:
            time.sleep(0.02)  # the held request is exact; this only lets other blobs' answers land
        test.assertTrue(held, "the first run never reached the kill point\n" + proxy.describe())
        test.assertIsNone(p.poll(), "the first run ended before the kill point\n" + proxy.describe())
    finally:
        p.send_signal(signal.SIGKILL)
        p.wait(timeout=10)
    test.assertEqual(p.returncode, -signal.SIGKILL)


class KillTest(IntegrationTestCase):

    def setUp(self):
        super().setUp()
        self.path, self.img = self.fixture("kill", _image)

    def args(self, host):
        return [self.path, f"{host}/app:1", "-j", "1", "--chunk-size", "5MiB", "--json"]

    def kill_at(self, reg, method, path, nth, after_bytes=None, completed=None, empty_body=False):
        """First run through a proxy holding the nth `method path` request (of those with no body, if
        empty_body); kill -9 it there (once `completed` blobs are finished, if given). Returns (the
        proxy's port, the first proxy)."""
        fault = Fault(method, path, "hold", nth=[nth], after_bytes=after_bytes, empty_body=empty_body)
        with FaultProxy(reg.port, [fault]) as proxy:
            also = None if completed is None else (lambda: completed_blobs(proxy) >= completed)
            kill_when_held(self, self.args(proxy.host), cli.clean_env(self.home), self.home, proxy, fault, also)
        return proxy.port, proxy

    def second_run(self, reg, port, completed, resumed):
        """The same command through a fresh proxy on the same port; `completed` blobs were finished by
        the first run, `resumed` of them (b) continue the first run's session (no POST)."""
        with ProxyAt(reg.port, port) as proxy:
            res = self.oci_push(*self.args(proxy.host))
            obj = self.parse_json(res)
            posts = proxy.count("POST", UPLOADS)
            self.assertEqual(posts, BLOBS - completed - resumed,
                             f"{completed} blobs were complete, {resumed} resumed\n{proxy.describe()}")
        self.assertEqual(obj["digest"], self.verify(reg, "app", "1", self.img).digest)
        return obj, proxy

    def b_session(self, first):
        patches = first.requests("PATCH", UPLOADS)
        self.assertTrue(patches, first.describe())
        self.assertEqual(len({e.path for e in patches}), 1, first.describe())
        return patches[0].path

    def test_killed_in_the_middle_of_a_layer(self):
        reg = self.start_registry()
        # b's second PATCH (from 5 MiB), held after 1 MiB of its body; a and c are finished by then
        port, first = self.kill_at(reg, "PATCH", UPLOADS, 2, after_bytes=MiB, completed=2)
        completed = completed_blobs(first)
        self.assertEqual(completed, 2, first.describe())
        session = self.b_session(first)
        obj, second = self.second_run(reg, port, completed, resumed=1)
        # b's session goes on: one GET asks what it holds, the first 5 MiB are not sent again
        b = obj["layers"][1]
        self.assertEqual(b["resumedBytes"], CHUNK, json.dumps(obj))
        self.assertEqual([e.path for e in second.requests("GET", UPLOADS)], [session], second.describe())
        self.assertTrue(all(e.path == session for e in second.requests("PATCH", UPLOADS)), second.describe())
        sent = second.body_bytes("PATCH", UPLOADS)
        self.assertLess(sent, b["size"], second.describe())
        self.assertEqual(sent, b["size"] - CHUNK, second.describe())
        self.assertEqual([layer["resumedBytes"] for layer in obj["layers"]], [0, CHUNK, 0])
        self.assertEqual(os.listdir(os.path.join(self.home, ".cache", "oci-push", "uploads")), [],
                         "the finished blob's session is still remembered")

    def test_killed_before_the_big_layer_is_finished(self):
        # Was: killed at c's PUT ?digest= (then the last layer). Now a and c are small blobs that finish
        # beside b, so the layer left unfinished is b, killed at its closing PUT with every byte sent:
        # the one PUT without a body (the small blobs' and the config's carry theirs, and the config may
        # go before or after b's closing PUT).
        reg = self.start_registry()
        # Killed once the config, which waits for no upload, is stored too: a, c and the config.
        port, first = self.kill_at(reg, "PUT", UPLOADS, 1, completed=3, empty_body=True)
        completed = completed_blobs(first)
        self.assertEqual(completed, 3, first.describe())
        held = first.requests("PUT", UPLOADS)[-1]
        self.assertEqual((held.path, held.outcome, held.body_bytes), (self.b_session(first), "hold", 0),
                         "the held PUT is not b's closing PUT\n" + first.describe())
        obj, second = self.second_run(reg, port, completed, resumed=1)
        b = obj["layers"][1]
        self.assertEqual(b["resumedBytes"], b["size"], json.dumps(obj))
        self.assertEqual(second.body_bytes("PATCH", UPLOADS), 0, second.describe())
        self.assertEqual(second.count("GET", UPLOADS), 1, second.describe())

    def test_killed_before_the_manifest(self):
        reg = self.start_registry()
        port, first = self.kill_at(reg, "PUT", r"/manifests/", 1)
        completed = completed_blobs(first)
        self.assertEqual(completed, BLOBS, first.describe())
        self.assertEqual(reg.count_requests("PUT", r"/manifests/"), 0)
        obj, second = self.second_run(reg, port, completed, resumed=0)
        self.assertEqual(second.count("PATCH|PUT", UPLOADS), 0, second.describe())
        self.assertEqual(second.count("PUT", r"/manifests/"), 1, second.describe())
        self.assertTrue(all(layer["skipped"] for layer in obj["layers"]), json.dumps(obj))


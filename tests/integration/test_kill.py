"""kill -9 of a push at a few points, then a second run: it completes, uploads only the blobs the
first run did not finish, and the image verifies.

The kill points are made exact with harness/fault_proxy.py: the first run goes through the proxy,
which holds one request (never forwarded) until the test has killed the process. The second run
talks to the registry directly. Layers are uncompressed docker-save layers: the second run knows
their compressed digests from the local digest cache (same HOME), so it HEADs and skips them."""

import os
import signal
import subprocess
import time

from harness import cli, fixtures
from harness.base import IntegrationTestCase
from harness.fault_proxy import Fault, FaultProxy

MiB = 1 << 20
UPLOADS = r"/blobs/uploads/"
# a (48 KiB), b (20 MiB: 3 chunks of 5 MiB), c (700 KiB), then the config; one blob at a time.
BLOBS = 4


def _image(path):
    return fixtures.write_basic(path, repo_tags=("example/kill:1",), big=20 * MiB)


class KillTest(IntegrationTestCase):

    def setUp(self):
        super().setUp()
        self.path, self.img = self.fixture("kill", _image)

    def kill_at(self, reg, fault, method, path, nth):
        """First run through a proxy holding the nth `method path` request; kill -9 it there."""
        with FaultProxy(reg.port, [Fault(method, path, "stall", nth=[nth], seconds=60)]) as proxy:
            p = subprocess.Popen([cli.binary_path(), self.path, f"{proxy.host}/app:1", "-j", "1",
                                  "--chunk-size", "5MiB", "-q"],
                                 stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL, env=cli.clean_env(self.home), cwd=self.home)
            deadline = time.monotonic() + 60
            while proxy.count(method, path) < nth and p.poll() is None and time.monotonic() < deadline:
                time.sleep(0.02)
            self.assertIsNone(p.poll(), "the first run ended before the kill point\n" + proxy.describe())
            p.send_signal(signal.SIGKILL)
            p.wait(timeout=10)
            self.assertEqual(p.returncode, -signal.SIGKILL)
            # blobs completed: PUT ?digest= answered 201 (the held request never reached the registry)
            return sum(1 for m, pth, status in proxy.log if m == "PUT" and UPLOADS in pth and status == 201)

    def second_run_uploads(self, reg, completed):
        mark = reg.mark()
        res = self.oci_push(self.path, f"{reg.host}/app:1", "-j", "1", "--chunk-size", "5MiB")
        self.assertPushed(res, reg.host, "app")
        posts = reg.count_requests("POST", UPLOADS + "$", since=mark)
        self.assertEqual(posts, BLOBS - completed,
                         f"{completed} blobs were complete\n{reg.describe_requests(mark)}")
        self.verify(reg, "app", "1", self.img)

    def test_killed_in_the_middle_of_a_layer(self):
        reg = self.start_registry()
        completed = self.kill_at(reg, "stall", "PATCH", UPLOADS, 3)  # b's second chunk
        self.assertEqual(completed, 1)
        self.second_run_uploads(reg, completed)

    def test_killed_before_the_last_layer_is_finished(self):
        reg = self.start_registry()
        completed = self.kill_at(reg, "stall", "PUT", UPLOADS, 3)  # c's PUT ?digest=
        self.assertEqual(completed, 2)
        self.second_run_uploads(reg, completed)

    def test_killed_before_the_manifest(self):
        reg = self.start_registry()
        completed = self.kill_at(reg, "stall", "PUT", r"/manifests/", 1)
        self.assertEqual(completed, BLOBS)
        self.assertEqual(reg.count_requests("PUT", r"/manifests/"), 0)
        self.second_run_uploads(reg, completed)

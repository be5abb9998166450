"""30 pushes at once, from separate processes, to one registry: every one succeeds and verifies."""

import os
import subprocess
import time

from harness import cli, fixtures
from harness.base import IntegrationTestCase

PUSHES = 30


class LoadTest(IntegrationTestCase):

    def test_thirty_concurrent_pushes(self):
        # Each image has one layer of its own and one shared by all, so the registry also sees the
        # same blob uploaded by many clients at once.
        images = []
        for n in range(PUSHES):
            path = os.path.join(self.tmp, f"img{n}.tar")
            spec = fixtures.ImageSpec([f"example/load{n}:1"],
                                      [fixtures.LayerSpec("load-shared", 96 * 1024, 2),
                                       fixtures.LayerSpec(f"load-{n}", 32 * 1024, 1)], label=f"load{n}")
            images.append((path, fixtures.write_archive(path, [spec])[0]))
        reg = self.start_registry()
        start = time.monotonic()
        procs = [subprocess.Popen([cli.binary_path(), path, f"{reg.host}/load{n}:1", "-q", "--threads", "1"],
                                  stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  env=cli.clean_env(os.path.join(self.tmp, f"home{n}")), cwd=self.tmp)
                 for n, (path, _) in enumerate(images)]
        results = [(p.wait(timeout=120), p.stdout.read().decode(), p.stderr.read().decode()) for p in procs]
        for p in procs:
            p.stdout.close()
            p.stderr.close()
        elapsed = time.monotonic() - start
        for n, (rc, out, err) in enumerate(results):
            self.assertEqual(rc, 0, f"push {n}: {err}")
            self.assertRegex(out, rf"^{reg.host}/load{n}@sha256:[0-9a-f]{{64}}\n$")
        self.assertLess(elapsed, 90)
        for n, (_, img) in enumerate(images):
            self.verify(reg, f"load{n}", "1", img)

"""The pushed bytes do not depend on parallelism, chunking or --dry-run."""

import json
import re
import unittest

from harness import fixtures, verify
from harness.base import DIGEST_RE, IntegrationTestCase


class DeterminismTest(IntegrationTestCase):

    def test_same_digests_for_any_jobs_and_threads(self):
        path, img = self.fixture("basic", fixtures.write_basic)
        reg = self.start_registry()
        runs = {
            "a": ["-j", "1", "--threads", "1"],
            "b": ["-j", "4", "--threads", "4"],
            "c": ["--threads", "2"],
            "d": ["-j", "2", "--threads", "3", "--chunk-size", "5MiB"],
        }
        digests, manifests = {}, {}
        for repo, opts in runs.items():
            with self.subTest(repo=repo, opts=opts):
                res = self.oci_push(*opts, path, f"{reg.host}/{repo}:1.0")
                digests[repo] = self.assertPushed(res, reg.host, repo)
                manifests[repo] = verify.inspect_raw(self.tmp, reg.host, repo, "1.0")
        self.assertEqual(len(digests), len(runs), "some pushes failed (see subtests)")
        v = self.verify(reg, "a", "1.0", img)
        for repo in runs:
            with self.subTest(repo=repo):
                self.assertEqual(digests[repo], v.digest, f"{repo} {runs[repo]}")
                self.assertEqual(manifests[repo], v.raw_manifest, f"{repo} {runs[repo]}")
        # the other repos hold the same, complete image
        self.verify(reg, "d", "1.0", img)

    def test_same_digests_for_oci_format(self):
        path, img = self.fixture("basic", fixtures.write_basic)
        reg = self.start_registry()
        d1 = self.assertPushed(self.oci_push("--format", "oci", "-j", "1", "--threads", "1",
                                             path, f"{reg.host}/a:oci"), reg.host, "a")
        d2 = self.assertPushed(self.oci_push("--format", "oci", "-j", "4", "--threads", "4",
                                             path, f"{reg.host}/b:oci"), reg.host, "b")
        self.assertEqual(d1, d2)
        self.assertEqual(self.verify(reg, "b", "oci", img, verify.OCI_MANIFEST).digest, d1)

    def test_dry_run_json_matches_real_push_and_writes_nothing(self):
        path, img = self.fixture("basic", fixtures.write_basic)
        reg = self.start_registry()
        mark = reg.mark()
        res = self.oci_push("--dry-run", "--json", path, f"{reg.host}/app:1.0")
        dry = self.parse_json(res)
        writes = reg.write_requests(mark)
        self.assertEqual(writes, [], f"--dry-run wrote to the registry:\n"
                         f"{reg.describe_requests(mark)}")
        self.assertIs(dry.get("dryRun"), True, dry)
        self.assertNoManifest(reg, "app", tags=["1.0"], since=mark)

        real = self.parse_json(self.oci_push("--json", path, f"{reg.host}/app:1.0"))
        self.assertIs(real.get("dryRun"), False, real)
        v = self.verify(reg, "app", "1.0", img)
        self.assertEqual(real["digest"], v.digest)
        # The parts first, so that a difference names the layer or the config, not only the manifest.
        both = f"\ndry run: {json.dumps(dry, indent=1)}\nreal push: {json.dumps(real, indent=1)}"
        self.assertEqual(dry["config"]["digest"], real["config"]["digest"], both)
        self.assertEqual([(x["digest"], x["size"], x["diffId"]) for x in dry["layers"]],
                         [(x["digest"], x["size"], x["diffId"]) for x in real["layers"]], both)
        self.assertEqual([x["digest"] for x in dry["layers"]], v.layer_digests)
        self.assertEqual(dry["digest"], v.digest, "dry-run digest differs from the real push" + both)
        self.assertEqual(dry["reference"], real["reference"])

    def test_dry_run_plan_text(self):
        path, img = self.fixture("basic", fixtures.write_basic)
        reg = self.start_registry()
        mark = reg.mark()
        res = self.oci_push("--dry-run", path, f"{reg.host}/app:1.0")
        self.assertExit(res, 0)
        self.assertEqual(reg.write_requests(mark), [],
                         f"--dry-run wrote to the registry:\n{reg.describe_requests(mark)}")
        self.assertNoManifest(reg, "app", tags=["1.0"], since=mark)
        lines = [line for line in res.stdout.splitlines() if line.strip()]
        self.assertGreaterEqual(len(lines), len(img.layers) + 1, res.describe())

        real = self.assertPushed(self.oci_push(path, f"{reg.host}/app:1.0"), reg.host, "app")
        v = self.verify(reg, "app", "1.0", img)
        self.assertEqual(re.findall(DIGEST_RE, lines[-1]), [real],
                         f"the plan's last line should be the manifest digest\n{res.describe()}")
        plan_text = "\n".join(lines[:-1])
        for d in [v.config_digest, *v.layer_digests]:
            self.assertIn(d, plan_text, f"plan does not list blob {d}\n{res.describe()}")


if __name__ == "__main__":
    unittest.main()

"""Common TestCase for the integration tests.

Each test gets its own temp dir (removed afterwards unless OCI_PUSH_IT_KEEP=1), its own HOME
for oci-push, and registries started through start_registry() are stopped at the end.
Fixture tarballs are built once per test class into a class temp dir and only read by tests.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
import tempfile
import unittest

from . import cli, fixtures, json_schemas, verify
from .registry import Registry

KEEP = os.environ.get("OCI_PUSH_IT_KEEP") == "1"
DIGEST_RE = r"sha256:[0-9a-f]{64}"
ERROR_PREFIX = "oci-push: error: "


def _rmtree(path: str) -> None:
    if KEEP:
        print(f"\n[kept {path}]", file=sys.stderr)
    else:
        shutil.rmtree(path, ignore_errors=True)


class IntegrationTestCase(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.fixture_dir = tempfile.mkdtemp(prefix=f"oci-push-it-{cls.__name__}-fixtures-")
        cls.addClassCleanup(_rmtree, cls.fixture_dir)
        cls._fixtures = {}

    @classmethod
    def fixture(cls, name: str, builder):
        """builder(path) writes the tarball at path and returns its fixture(s); cached."""
        if name not in cls._fixtures:
            path = os.path.join(cls.fixture_dir, name + ".tar")
            cls._fixtures[name] = (path, builder(path))
        return cls._fixtures[name]

    def setUp(self):
        super().setUp()
        self.tmp = tempfile.mkdtemp(prefix=f"oci-push-it-{self._testMethodName}-")
        self.addCleanup(_rmtree, self.tmp)
        self.home = os.path.join(self.tmp, "home")
        os.makedirs(self.home)
        self._n_registries = 0

    # ------------------------------------------------------------------ helpers

    def start_registry(self, auth=None, **kw) -> Registry:
        self._n_registries += 1
        reg = Registry(os.path.join(self.tmp, f"registry{self._n_registries}"), auth=auth, **kw)
        reg.start()
        self.addCleanup(reg.stop)
        return reg

    def oci_push(self, *args: str, **kw) -> cli.Result:
        kw.setdefault("home", self.home)
        return cli.run(list(args), **kw)

    def assertExit(self, res: cli.Result, code: int, msg: str = "") -> None:
        if res.returncode != code:
            self.fail(f"expected exit {code}, got {res.returncode}. {msg}\n{res.describe()}")

    def assertPushed(self, res: cli.Result, host: str, repo: str) -> str:
        """Exit 0 and stdout exactly one line HOST/REPO@sha256:HEX; returns the digest."""
        self.assertExit(res, 0)
        pat = re.escape(f"{host}/{repo}@") + f"({DIGEST_RE})"
        lines = res.stdout.splitlines()
        self.assertEqual(len(lines), 1, f"stdout must be exactly one line\n{res.describe()}")
        self.assertTrue(res.stdout.endswith("\n"), f"stdout line must end in newline\n{res.describe()}")
        m = re.fullmatch(pat, lines[0])
        self.assertIsNotNone(m, f"stdout line does not match {pat}\n{res.describe()}")
        return m.group(1)

    def read_json(self, res: cli.Result) -> dict | list:
        """--json output: exit 0, it parses, and it matches its schema in docs/json/ (picked by the
        subcommand, harness/json_schemas.py). push's shape is a list for several repositories."""
        self.assertExit(res, 0)
        try:
            obj = json.loads(res.stdout)
        except ValueError as e:
            self.fail(f"--json output does not parse: {e}\n{res.describe()}")
        try:
            json_schemas.validate(res.args, obj)
        except AssertionError as e:
            self.fail(f"{e}\n{res.describe()}")
        return obj

    def parse_json(self, res: cli.Result) -> dict:
        """read_json for one object (one repository, or inspect)."""
        obj = self.read_json(res)
        self.assertIsInstance(obj, dict, res.describe())
        return obj

    def error_line(self, res: cli.Result) -> str:
        """The single `oci-push: error: ` line, which must be the last line of stderr."""
        lines = res.stderr_lines
        errs = [line for line in lines if line.startswith(ERROR_PREFIX)]
        self.assertEqual(len(errs), 1,
                         f"expected exactly one '{ERROR_PREFIX}' line\n{res.describe()}")
        self.assertEqual(lines[-1], errs[0],
                         f"the error line must be the last line of stderr\n{res.describe()}")
        return errs[0]

    def verify(self, reg: Registry, repo: str, ref: str, image, media_type=verify.DOCKER_MANIFEST,
               creds=None, **kw) -> verify.Verified:
        return verify.verify_pushed(self.tmp, reg.host, repo, ref, image, media_type, creds, **kw)

    def assertNoManifest(self, reg: Registry, repo: str, tags=(), since=None, creds=None) -> None:
        """The registry holds no manifest for repo: no manifest PUT was served, skopeo cannot
        list tags (unknown repository) or lists none, and skopeo inspect of each tag fails."""
        puts = [r for r in reg.requests(since) if r.method == "PUT" and "/manifests/" in r.path]
        self.assertEqual(puts, [], f"manifest PUTs were served:\n{reg.describe_requests(since)}")
        tags_found = verify.list_tags(self.tmp, reg.host, repo, creds)
        self.assertIn(tags_found, (None, []), f"repository {repo} has tags {tags_found}")
        for tag in tags:
            self.assertFalse(verify.manifest_exists(self.tmp, reg.host, repo, tag, creds),
                             f"{reg.host}/{repo}:{tag} exists")

"""IntegrationTestCase with helpers for OCI sources (layouts, archives, indexes, bundles)."""

from __future__ import annotations

import os
import re

from . import oci_fixtures as of, oci_verify, verify
from .base import DIGEST_RE, IntegrationTestCase
from .registry import Registry


class _UrlsRegistry(Registry):
    def _write_config(self) -> None:
        super()._write_config()
        with open(self.config_path, "a") as f:
            f.write("validation:\n  manifests:\n    urls:\n      allow:\n"
                    f"        - '{OciTestCase.FOREIGN_URL_ALLOW}'\n")


class OciTestCase(IntegrationTestCase):

    @classmethod
    def built(cls, name: str, builder):
        """builder(workdir, path) makes the fixture at path (a dir or a file named `name`
        in the class fixture dir) and returns its description; built once per class."""
        if name not in cls._fixtures:
            workdir = os.path.join(cls.fixture_dir, "work-" + name)
            os.makedirs(workdir, exist_ok=True)
            path = os.path.join(cls.fixture_dir, name)
            cls._fixtures[name] = (path, builder(workdir, path))
        return cls._fixtures[name]

    FOREIGN_URL_ALLOW = r"^https://foreign\.example\.com/"

    def start_registry(self, auth=None, allow_urls: bool = False, **kw) -> Registry:
        """As IntegrationTestCase.start_registry; allow_urls: accept manifests whose
        (non-distributable) layers have urls under https://foreign.example.com/. Without a
        validation.manifests.urls.allow list, distribution 2.8 refuses any manifest with
        urls (skopeo gets the same HTTP 500)."""
        if not allow_urls:
            return super().start_registry(auth, **kw)
        self._n_registries += 1
        reg = _UrlsRegistry(os.path.join(self.tmp, f"registry{self._n_registries}"), auth=auth,
                            **kw)
        reg.start()
        self.addCleanup(reg.stop)
        return reg

    # ----------------------------------------------------------------- output

    def assertPushedMany(self, res, host: str, repos: list[str]) -> dict[str, str]:
        """Exit 0 and stdout exactly one HOST/REPO@sha256:... line per repo (any order);
        returns {repo: digest}."""
        self.assertExit(res, 0)
        lines = res.stdout_lines
        got = {}
        for line in lines:
            m = re.fullmatch(re.escape(host + "/") + r"(.+)@(" + DIGEST_RE + ")", line)
            self.assertIsNotNone(m, f"stdout line {line!r} is not HOST/REPO@DIGEST\n"
                                    f"{res.describe()}")
            self.assertNotIn(m.group(1), got, f"repository printed twice\n{res.describe()}")
            got[m.group(1)] = m.group(2)
        self.assertEqual(sorted(got), sorted(repos), f"repositories printed\n{res.describe()}")
        return got

    # ----------------------------------------------------------------- registry checks

    def verify_image(self, reg, repo, ref, src: of.Image, same_manifest: bool, **kw) -> bytes:
        return oci_verify.verify_image(self.tmp, reg.host, repo, ref, src,
                                       same_manifest=same_manifest, **kw)

    def verify_index(self, reg, repo, ref, src: of.Index, same_bytes: bool, **kw) -> bytes:
        return oci_verify.verify_index(self.tmp, reg.host, repo, ref, src,
                                       same_bytes=same_bytes, **kw)

    def tags(self, reg, repo):
        return verify.list_tags(self.tmp, reg.host, repo)

    def skopeo_ok(self, *args: str):
        p = verify.skopeo(self.tmp, *args)
        self.assertEqual(p.returncode, 0, f"skopeo {' '.join(args)}: "
                                          f"{p.stderr.decode(errors='replace')}")
        return p

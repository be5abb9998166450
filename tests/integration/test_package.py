"""The Debian package: CPack over the build tree that made the binary under test, read back by dpkg-deb
(its control fields: Depends computed by dpkg-shlibdeps, the version of `oci-push --version`), unpacked by
dpkg -x into an empty root, and used from there: --version, man finds the pages, the bash completion
completes a subcommand, and the unpacked binary pushes an image to a docker-registry on loopback.

Not here (said in the issue's note): installing with apt-get into a clean Debian root made by debootstrap,
which needs a Debian mirror, outside the loopback-only network the tests keep to.
"""

import os
import re
import subprocess
import unittest

from harness import cli, fixtures
from harness.cli import run_tool as run
from harness.base import IntegrationTestCase


class PackageTest(IntegrationTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        build = os.path.dirname(os.path.abspath(cli.binary_path()))
        if not os.path.exists(os.path.join(build, "CPackConfig.cmake")):
            raise AssertionError(f"{build} has no CPackConfig.cmake: the package cannot be made from it")
        cls.out = os.path.join(cls.fixture_dir, "package")
        run(["cpack", "-G", "DEB", "--config", os.path.join(build, "CPackConfig.cmake"), "-B", cls.out])
        debs = [f for f in os.listdir(cls.out) if f.endswith(".deb")]
        if len(debs) != 1:
            raise AssertionError(f"expected one .deb in {cls.out}, found {debs}")
        cls.deb = os.path.join(cls.out, debs[0])
        cls.root = os.path.join(cls.fixture_dir, "root")
        run(["dpkg", "-x", cls.deb, cls.root])

    def field(self, name):
        return run(["dpkg-deb", "-f", self.deb, name]).stdout.strip()

    def test_control_fields_come_from_the_build(self):
        version = run([cli.binary_path(), "--version"]).stdout.split()[-1]
        self.assertEqual(self.field("Package"), "oci-push")
        self.assertEqual(self.field("Version"), version)
        arch = run(["dpkg", "--print-architecture"]).stdout.strip()
        self.assertEqual(os.path.basename(self.deb), f"oci-push_{version}_{arch}.deb")
        depends = self.field("Depends")
        # computed by dpkg-shlibdeps from what the binary links
        for lib in ("libcurl4", "libssl3", "libarchive13", "libzstd1", "libc6"):
            self.assertRegex(depends, rf"\b{lib}\b", depends)

    def test_the_unpacked_files(self):
        listing = run(["dpkg-deb", "-c", self.deb]).stdout
        for path in ("./usr/bin/oci-push", "./usr/share/man/man1/oci-push.1", "./usr/share/man/man1/oci-push-build.1",
                     "./usr/share/bash-completion/completions/oci-push", "./usr/share/doc/oci-push/copyright",
                     "./usr/share/doc/oci-push/README.md"):
            self.assertIn(path, listing)
        binary = os.path.join(self.root, "usr/bin/oci-push")
        self.assertRegex(run([binary, "--version"]).stdout, r"^oci-push \d+\.\d+\.\d+")
        man = run(["man", "-w", "-M", os.path.join(self.root, "usr/share/man"), "oci-push"]).stdout.strip()
        self.assertTrue(man.endswith("man1/oci-push.1"), man)
        completion = os.path.join(self.root, "usr/share/bash-completion/completions/oci-push")
        script = (f"source {completion}; COMP_WORDS=(oci-push bui); COMP_CWORD=1; COMP_LINE='oci-push bui'; "
                  "COMP_POINT=${#COMP_LINE}; _oci_push; printf '%s\\n' \"${COMPREPLY[@]}\"")
        self.assertIn("build", run(["bash", "-c", script]).stdout.split())

    def test_the_unpacked_binary_pushes(self):
        reg = self.start_registry()
        tar = os.path.join(self.tmp, "image.tar")
        fixtures.write_basic(tar, repo_tags=("app:1",), big=1 << 20)
        binary = os.path.join(self.root, "usr/bin/oci-push")
        p = subprocess.run([binary, "--plain-http", tar, f"{reg.host}/app:1"], capture_output=True, text=True,
                           timeout=120, env=cli.clean_env(self.home), stdin=subprocess.DEVNULL)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertRegex(p.stdout.strip(), re.escape(f"{reg.host}/app@") + r"sha256:[0-9a-f]{64}$")


if __name__ == "__main__":
    unittest.main()

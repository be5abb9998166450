"""The Debian package: CPack over the build tree that made the binary under test, read back by dpkg-deb
(its control fields: Depends computed by dpkg-shlibdeps, the version of `oci-push --version`), unpacked by
dpkg -x into an empty root, and used from there: --version, man finds the pages, the bash completion
completes a subcommand, and the unpacked binary pushes an image to a docker-registry on loopback.

CleanRootInstallTest installs it the way a user does: `apt-get install ./oci-push_*.deb` inside a clean
Debian 12 root made by debootstrap (harness/clean_root.py: made once, cached under the build directory;
it and the dependencies come from the Debian archive this machine's apt uses), and checks there that
nothing but the package and what it depends on was installed, --version, the man page, the completion,
and a push from inside the root to a docker-registry on loopback outside it, read back by skopeo.
"""

import os
import re
import subprocess
import unittest

from harness import cli, clean_root, fixtures, verify
from harness.cli import run_tool as run
from harness.base import IntegrationTestCase

BUILD_DIR = os.path.dirname(os.path.abspath(cli.binary_path()))
COMPLETE_BUI = ("source /usr/share/bash-completion/completions/oci-push; COMP_WORDS=(oci-push bui); COMP_CWORD=1; "
                "COMP_LINE='oci-push bui'; COMP_POINT=${#COMP_LINE}; _oci_push; printf '%s\\n' \"${COMPREPLY[@]}\"")


class _PackagedTestCase(IntegrationTestCase):
    """Makes the .deb once per class from the build tree of the binary under test."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not os.path.exists(os.path.join(BUILD_DIR, "CPackConfig.cmake")):
            raise AssertionError(f"{BUILD_DIR} has no CPackConfig.cmake: the package cannot be made from it")
        cls.out = os.path.join(cls.fixture_dir, "package")
        run(["cpack", "-G", "DEB", "--config", os.path.join(BUILD_DIR, "CPackConfig.cmake"), "-B", cls.out])
        debs = [f for f in os.listdir(cls.out) if f.endswith(".deb")]
        if len(debs) != 1:
            raise AssertionError(f"expected one .deb in {cls.out}, found {debs}")
        cls.deb = os.path.join(cls.out, debs[0])

    def built_version(self) -> str:
        return run([cli.binary_path(), "--version"]).stdout.split()[-1]


class PackageTest(_PackagedTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.root = os.path.join(cls.fixture_dir, "root")
        run(["dpkg", "-x", cls.deb, cls.root])

    def field(self, name):
        return run(["dpkg-deb", "-f", self.deb, name]).stdout.strip()

    def test_control_fields_come_from_the_build(self):
        version = self.built_version()
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
        script = COMPLETE_BUI.replace("/usr/share", os.path.join(self.root, "usr/share"), 1)
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


class CleanRootInstallTest(_PackagedTestCase):
    """apt-get install ./oci-push_*.deb in a clean Debian 12 root (debootstrap --variant=minbase)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.root = clean_root.working_copy(clean_root.pristine_root(BUILD_DIR),
                                           os.path.join(cls.fixture_dir, "clean-root"))
        cls.before = clean_root.installed_packages(cls.root)
        run(["cp", cls.deb, os.path.join(cls.root, "tmp")])
        clean_root.in_root(cls.root, "apt-get", "install", "-y", "-q", "--no-install-recommends",
                           "/tmp/" + os.path.basename(cls.deb))

    def test_only_the_package_and_what_it_depends_on_were_installed(self):
        added = clean_root.installed_packages(self.root) - self.before
        self.assertIn("oci-push", added)
        closure = clean_root.dependency_closure(self.root, "oci-push")
        self.assertIn("libcurl4", closure)
        self.assertEqual(added - closure, set(), f"installed but not depended on: {sorted(added - closure)}")
        self.assertNotIn("man-db", added)

    def test_version_man_page_and_completion_inside(self):
        out = clean_root.in_root(self.root, "oci-push", "--version").stdout
        self.assertEqual(out.split(), ["oci-push", self.built_version()])
        status = clean_root.in_root(self.root, "dpkg-query", "-W", "-f", "${Status}", "oci-push").stdout
        self.assertEqual(status, "install ok installed")
        # minbase has no man-db (nor does the package need it): the host's man searches the root's pages
        man = run(["man", "-w", "-M", os.path.join(self.root, "usr/share/man"), "oci-push"]).stdout.strip()
        self.assertTrue(man.endswith("man1/oci-push.1"), man)
        self.assertIn("build", clean_root.in_root(self.root, "bash", "-c", COMPLETE_BUI).stdout.split())

    def test_a_push_from_inside_to_a_registry_outside(self):
        reg = self.start_registry()
        fixtures.write_basic(os.path.join(self.root, "tmp/image.tar"), repo_tags=("app:1",), big=1 << 20)
        p = clean_root.in_root(self.root, "oci-push", "--plain-http", "/tmp/image.tar", f"{reg.host}/app:1",
                               env={"HOME": "/tmp/home"})
        pushed = p.stdout.strip()
        self.assertRegex(pushed, re.escape(f"{reg.host}/app@") + r"sha256:[0-9a-f]{64}$")
        raw = verify.inspect_raw(self.tmp, reg.host, "app", "1")
        self.assertEqual(pushed.split("@")[1], fixtures.sha256_digest(raw))


if __name__ == "__main__":
    unittest.main()

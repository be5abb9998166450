"""The command line as a whole: top-level help, each subcommand's help, usage errors (exit 2, one
error line, nothing on stdout, the registry never contacted), and the bare form
`oci-push SOURCE [TARGET]` (short for `oci-push push`), also for a SOURCE without '.', '/' or ':'.
"""

import os
import shutil
import unittest

from harness import fixtures
from harness.base import ERROR_PREFIX, IntegrationTestCase

SUBCOMMAND_LINES = ("push SOURCE [TARGET]", "build [CONTEXT]", "inspect SOURCE", "login REGISTRY",
                    "ecr get-login-password", "ecr-public get-login-password")


class CliTest(IntegrationTestCase):

    def assertUsageError(self, res, *names):
        """Exit 2, stdout empty, stderr exactly the one error line, naming every one of names."""
        self.assertExit(res, 2)
        self.assertEqual(res.stdout, "", res.describe())
        self.assertEqual(len(res.stderr_lines), 1, res.describe())
        line = res.stderr_lines[0]
        self.assertTrue(line.startswith(ERROR_PREFIX), res.describe())
        for name in names:
            self.assertIn(name, line, res.describe())
        return line

    def test_help_lists_the_subcommands(self):
        for flag in ("--help", "help"):
            res = self.oci_push(flag)
            self.assertExit(res, 0)
            self.assertEqual(res.stderr, "")
            for line in SUBCOMMAND_LINES + ("--help", "--version"):
                self.assertIn(line, res.stdout, f"{flag} does not list {line}")
            self.assertIn("short for oci-push push", res.stdout)

    def test_push_help_shows_its_options(self):
        res = self.oci_push("push", "--help")
        self.assertExit(res, 0)
        for opt in ("--tag", "--registry", "--image", "--format", "--username", "--password-stdin",
                    "--chunk-size", "--dry-run", "--json", "--ecr-region", "--retries", "--plain-http"):
            self.assertIn(opt, res.stdout, f"push --help does not mention {opt}")
        self.assertNotIn("ecr-public get-login-password", res.stdout, "push --help is push's own")

    def test_each_subcommand_help(self):
        for args, options in ((["inspect", "--help"], ["--json"]),
                              (["build", "--help"], ["--file", "--tag", "--output", "--build-arg", "--platform",
                                                     "--target", "--from", "--add", "--plain-http"]),
                              (["login", "--help"], ["--username", "--password-stdin", "--ca-file", "--insecure"]),
                              (["ecr", "--help"], ["--region", "get-login-password"]),
                              (["help", "ecr-public"], ["--region", "get-login-password"])):
            with self.subTest(args=args):
                res = self.oci_push(*args)
                self.assertExit(res, 0)
                for opt in options:
                    self.assertIn(opt, res.stdout, res.describe())

    def test_unknown_subcommand_is_a_usage_error(self):
        reg = self.start_registry()
        mark = reg.mark()
        path, _ = self.fixture("good", fixtures.write_toplevel)
        self.assertUsageError(self.oci_push("pussh", path, f"{reg.host}/app:1"),
                              'unknown subcommand "pussh"', "push, pull, copy, build, verify, inspect, login, ecr, ecr-public")
        self.assertEqual(reg.access_requests(mark), [], reg.describe_requests(mark))

    def test_unknown_option_is_a_usage_error(self):
        reg = self.start_registry()
        mark = reg.mark()
        path, _ = self.fixture("good", fixtures.write_toplevel)
        for args in (["--frobnicate", path, f"{reg.host}/app:1"],
                     ["push", path, f"{reg.host}/app:1", "--frobnicate"],
                     ["login", reg.host, "--frobnicate"],
                     ["inspect", path, "--frobnicate"]):
            with self.subTest(args=args):
                self.assertUsageError(self.oci_push(*args), "frobnicate")
        self.assertEqual(reg.access_requests(mark), [], reg.describe_requests(mark))

    def test_bare_form_pushes_a_source_named_like_a_word(self):
        reg = self.start_registry()
        path, img = self.fixture("good", fixtures.write_toplevel)
        shutil.copy(path, os.path.join(self.tmp, "image"))
        res = self.oci_push("-q", "image", f"{reg.host}/word:1", cwd=self.tmp)
        digest = self.assertPushed(res, reg.host, "word")
        self.assertEqual(self.verify(reg, "word", "1", img).digest, digest)


if __name__ == "__main__":
    unittest.main()

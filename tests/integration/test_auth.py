"""Pushing to a registry that requires htpasswd (HTTP Basic) authentication."""

import base64
import json
import os
import re
import unittest

from harness import fixtures, verify
from harness.base import IntegrationTestCase

USER = "pushuser"
PASSWORD = "Tr0ub4dor&3-s3cr3t"  # distinctive, so a leak is unmistakable
CREDS = (USER, PASSWORD)
TOKEN = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()


def _image(path):
    return fixtures.write_archive(path, [fixtures.small_spec(["example/auth:1.0"], label="auth",
                                                             layers=2)])[0]


class AuthTest(IntegrationTestCase):

    def setUp(self):
        super().setUp()
        self.path, self.img = self.fixture("auth", _image)
        self.reg = self.start_registry(auth=CREDS)

    def write_docker_config(self, auths: dict) -> str:
        d = os.path.join(self.tmp, "docker-config")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "config.json"), "w") as f:
            json.dump({"auths": auths}, f)
        return d

    def assertNoSecret(self, res):
        for secret in (PASSWORD, TOKEN):
            self.assertNotIn(secret, res.stdout, f"secret on stdout\n{res.describe()}")
            self.assertNotIn(secret, res.stderr, f"secret on stderr\n{res.describe()}")

    def assertAuthFailure(self, res, mark):
        self.assertExit(res, 1)
        self.assertEqual(res.stdout, "")
        line = self.error_line(res)
        self.assertRegex(line, re.compile(r"401|unauthori[sz]ed|credential|authenticat", re.I))
        self.assertIn(self.reg.host, line, "the error should name the registry")
        self.assertNoSecret(res)
        self.assertNoManifest(self.reg, "app", tags=["1.0"], since=mark, creds=CREDS)

    def test_push_without_credentials_fails(self):
        mark = self.reg.mark()
        res = self.oci_push(self.path, f"{self.reg.host}/app:1.0")
        self.assertAuthFailure(res, mark)
        self.assertIn(401, [r.status for r in self.reg.requests(mark)])

    def test_password_stdin(self):
        res = self.oci_push("--username", USER, "--password-stdin", self.path,
                            f"{self.reg.host}/app:1.0", stdin=PASSWORD + "\n")
        digest = self.assertPushed(res, self.reg.host, "app")
        self.assertNoSecret(res)
        v = self.verify(self.reg, "app", "1.0", self.img, creds=CREDS)
        self.assertEqual(v.digest, digest)
        # and the registry really did require them
        with self.assertRaises(AssertionError):
            verify.inspect_raw(self.tmp, self.reg.host, "app", "1.0")

    def test_docker_config_credentials(self):
        cfg = self.write_docker_config({self.reg.host: {"auth": TOKEN}})
        res = self.oci_push(self.path, f"{self.reg.host}/app:1.0", docker_config=cfg)
        digest = self.assertPushed(res, self.reg.host, "app")
        self.assertNoSecret(res)
        self.assertEqual(self.verify(self.reg, "app", "1.0", self.img, creds=CREDS).digest, digest)

    def test_wrong_password_fails(self):
        mark = self.reg.mark()
        res = self.oci_push("--username", USER, "--password-stdin", self.path,
                            f"{self.reg.host}/app:1.0", stdin="not-the-password\n")
        self.assertAuthFailure(res, mark)
        self.assertNotIn("not-the-password", res.stderr + res.stdout)

        cfg = self.write_docker_config({self.reg.host: {
            "auth": base64.b64encode(f"{USER}:wrong".encode()).decode()}})
        mark = self.reg.mark()
        res = self.oci_push(self.path, f"{self.reg.host}/app:1.0", docker_config=cfg)
        self.assertAuthFailure(res, mark)

    def test_verbose_never_shows_the_password(self):
        res = self.oci_push("-v", "--username", USER, "--password-stdin", self.path,
                            f"{self.reg.host}/app:1.0", stdin=PASSWORD + "\n")
        self.assertPushed(res, self.reg.host, "app")
        self.assertIn("/v2/", res.stderr, f"-v should log HTTP requests\n{res.describe()}")
        self.assertNoSecret(res)

        cfg = self.write_docker_config({self.reg.host: {"auth": TOKEN}})
        res = self.oci_push("-v", "-t", "cfg", self.path, f"{self.reg.host}/app:1.0",
                            docker_config=cfg)
        self.assertPushed(res, self.reg.host, "app")
        self.assertIn("/v2/", res.stderr, res.describe())
        self.assertNoSecret(res)

        res = self.oci_push("-v", "--username", USER, "--password-stdin", self.path,
                            f"{self.reg.host}/app:2.0", stdin="Wr0ng-but-secret\n")
        self.assertExit(res, 1)
        self.assertNotIn("Wr0ng-but-secret", res.stdout + res.stderr)
        wrong_token = base64.b64encode(f"{USER}:Wr0ng-but-secret".encode()).decode()
        self.assertNotIn(wrong_token, res.stdout + res.stderr)


if __name__ == "__main__":
    unittest.main()

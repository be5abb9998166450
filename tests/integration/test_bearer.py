"""Bearer token auth: the real docker-registry in token mode with a token server of the tests (JWTs
signed by a key they generate), credentials from every place a CI job keeps them, and `oci-push login`."""

import base64
import json
import os
import stat
import unittest
import urllib.request

from harness import fixtures
from harness.aws_standin import AwsStandIn
from harness.base import IntegrationTestCase
from harness.token_server import SERVICE, TokenServer

USER = "ci-bot"
PASSWORD = "B3arer-s3cret-p4ssword"
CREDS = (USER, PASSWORD)


def _image(path):
    return fixtures.write_archive(path, [fixtures.small_spec(["example/bearer:1.0"], label="bearer",
                                                             layers=2)])[0]


class BearerBase(IntegrationTestCase):
    allow_anonymous = True

    def setUp(self):
        super().setUp()
        self.path, self.img = self.fixture("bearer", _image)
        self.tokens = TokenServer(os.path.join(self.tmp, "tokens"), {USER: PASSWORD},
                                  allow_anonymous=self.allow_anonymous).start()
        self.addCleanup(self.tokens.stop)
        self.reg = self.start_registry(token_auth=self.tokens.registry_config())
        self.target = f"{self.reg.host}/app:1.0"

    def docker_config(self, config: dict) -> str:
        d = os.path.join(self.tmp, "docker-config")
        os.makedirs(d, exist_ok=True)
        with open(os.path.join(d, "config.json"), "w") as f:
            json.dump(config, f)
        return d

    def assertLanded(self, res):
        self.push_calls = list(self.tokens.calls)  # before skopeo asks for tokens of its own
        digest = self.assertPushed(res, self.reg.host, "app")
        self.assertEqual(self.verify(self.reg, "app", "1.0", self.img, creds=CREDS).digest, digest)
        for secret in (PASSWORD, base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()):
            self.assertNotIn(secret, res.stderr + res.stdout)


class BearerTest(BearerBase):
    def test_password_buys_a_push_token(self):
        res = self.oci_push("-v", "--username", USER, "--password-stdin", self.path, self.target,
                            stdin=PASSWORD + "\n")
        self.assertLanded(res)
        # cached by scope: one token serves the whole push
        self.assertEqual(self.push_calls, [("GET", ["repository:app:pull,push"], "basic")])

    def test_anonymous_token_cannot_push(self):
        mark = self.reg.mark()
        res = self.oci_push(self.path, self.target)
        self.assertExit(res, 1)
        line = self.error_line(res)
        self.assertIn(self.reg.host, line)
        self.assertEqual(self.tokens.calls[0], ("GET", ["repository:app:pull,push"], "anonymous"))
        self.assertNoManifest(self.reg, "app", tags=["1.0"], since=mark, creds=CREDS)

    def test_identity_token_is_an_oauth2_refresh_token(self):
        url = f"{self.tokens.realm}?service={SERVICE}&scope=repository:app:pull"
        req = urllib.request.Request(url, headers={
            "Authorization": "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()})
        with urllib.request.urlopen(req, timeout=10) as r:
            refresh = json.load(r)["refresh_token"]
        self.tokens.calls.clear()
        cfg = self.docker_config({"auths": {self.reg.host: {"identitytoken": refresh}}})
        res = self.oci_push(self.path, self.target, docker_config=cfg)
        self.assertLanded(res)
        self.assertEqual(self.push_calls, [("POST", ["repository:app:pull,push"], "refresh_token")])
        self.assertNotIn(refresh, res.stderr)

    def test_credential_helper_found_on_path(self):
        bindir = os.path.join(self.tmp, "bin")
        os.makedirs(bindir)
        log = os.path.join(self.tmp, "helper.log")
        helper = os.path.join(bindir, "docker-credential-testhelper")
        with open(helper, "w") as f:
            f.write(f"""#!/usr/bin/python3
import json, sys
server = sys.stdin.read().strip()
with open({log!r}, "a") as log:
    log.write(sys.argv[1] + " " + server + "\\n")
if sys.argv[1] != "get" or server != {self.reg.host!r}:
    print("credentials not found in native keychain")
    sys.exit(1)
print(json.dumps({{"ServerURL": server, "Username": {USER!r}, "Secret": {PASSWORD!r}}}))
""")
        os.chmod(helper, 0o755)
        path = bindir + ":/usr/local/bin:/usr/bin:/bin"
        for config in ({"credHelpers": {self.reg.host: "testhelper"}}, {"credsStore": "testhelper"}):
            cfg = self.docker_config(config)
            res = self.oci_push(self.path, self.target, docker_config=cfg, env={"PATH": path})
            self.assertLanded(res)
        with open(log) as f:
            self.assertEqual(f.read().splitlines(), [f"get {self.reg.host}"] * 2)

    def test_missing_credential_helper_is_one_line(self):
        cfg = self.docker_config({"credHelpers": {self.reg.host: "nosuchhelper"}})
        res = self.oci_push(self.path, self.target, docker_config=cfg)
        self.assertExit(res, 1)
        self.assertIn("docker-credential-nosuchhelper", self.error_line(res))

    def test_podman_auth_json(self):
        auth = os.path.join(self.tmp, "auth.json")
        with open(auth, "w") as f:
            json.dump({"auths": {self.reg.host: {"auth": base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()}}}, f)
        res = self.oci_push(self.path, self.target, env={"REGISTRY_AUTH_FILE": auth})
        self.assertLanded(res)

    def test_login_stores_credentials_like_docker(self):
        res = self.oci_push("login", self.reg.host, "--username", USER, "--password-stdin", stdin="wrong\n")
        self.assertExit(res, 1)
        self.assertIn(self.reg.host, self.error_line(res))
        config_path = os.path.join(self.home, ".docker", "config.json")
        self.assertFalse(os.path.exists(config_path))

        res = self.oci_push("login", self.reg.host, "--username", USER, "--password-stdin", stdin=PASSWORD + "\n")
        self.assertExit(res, 0)
        self.assertEqual(res.stdout, "Login Succeeded\n")
        self.assertEqual(stat.S_IMODE(os.stat(config_path).st_mode), 0o600)
        with open(config_path) as f:
            auths = json.load(f)["auths"]
        self.assertEqual(auths, {self.reg.host: {"auth": base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()}})
        self.assertLanded(self.oci_push(self.path, self.target))


class EcrPublicBearerTest(BearerBase):
    """ECR Public's flow: ecr-public GetAuthorizationToken, then its AWS:password buys Bearer tokens."""

    def test_ecr_public_login_buys_bearer_tokens(self):
        aws = AwsStandIn(PASSWORD).start()
        self.addCleanup(aws.stop)
        aws.add_key("AKIDPUBLIC000000001", "public-secret-key-0123456789")
        self.tokens.users["AWS"] = PASSWORD
        env = {"AWS_ACCESS_KEY_ID": "AKIDPUBLIC000000001", "AWS_SECRET_ACCESS_KEY": "public-secret-key-0123456789",
               "AWS_ENDPOINT_URL_ECR_PUBLIC": aws.url, "AWS_EC2_METADATA_DISABLED": "true"}
        res = self.oci_push("--ecr-public", self.path, self.target, env=env)
        self.assertLanded(res)
        self.assertEqual([(c.api, c.region) for c in aws.calls], [("ecr-public:GetAuthorizationToken", "us-east-1")])
        self.assertEqual(self.push_calls, [("GET", ["repository:app:pull,push"], "basic")])


if __name__ == "__main__":
    unittest.main()

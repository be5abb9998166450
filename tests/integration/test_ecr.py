"""Built-in ECR login against the strict AWS stand-in, pushing to a real docker-registry whose
htpasswd user is AWS (as ECR's registry is), verified with skopeo."""

import hashlib
import json
import os
import stat
import time
import unittest

from harness import fixtures
from harness.aws_standin import AwsStandIn
from harness.base import IntegrationTestCase

PASSWORD = "ecr-registry-password-0123456789abcdef"
ACCOUNT = "123456789012"
REGION = "eu-west-1"
AKID = "AKIDSTANDINENV00001"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYSTANDINKEY"


def _image(path):
    return fixtures.write_archive(path, [fixtures.small_spec(["example/ecr:1.0"], label="ecr",
                                                             layers=2)])[0]


class EcrTestBase(IntegrationTestCase):
    def setUp(self):
        super().setUp()
        self.path, self.img = self.fixture("ecr", _image)
        self.aws = AwsStandIn(PASSWORD, account=ACCOUNT).start()
        self.addCleanup(self.aws.stop)
        self.aws.add_key(AKID, SECRET)
        self.cache_home = os.path.join(self.home, ".cache")
        self.env = {
            "AWS_ACCESS_KEY_ID": AKID,
            "AWS_SECRET_ACCESS_KEY": SECRET,
            "AWS_ENDPOINT_URL": self.aws.url,
            "AWS_EC2_METADATA_DISABLED": "true",
            "XDG_CACHE_HOME": self.cache_home,
        }

    def run_cli(self, *args, env=None, **kw):
        merged = dict(self.env)
        merged.update(env or {})
        return self.oci_push(*args, env=merged, **kw)

    def assertNoSecret(self, res):
        for secret in (SECRET, PASSWORD):
            self.assertNotIn(secret, res.stderr, res.describe())

    @property
    def cache_file(self):
        return os.path.join(self.cache_home, "oci-push", "ecr-tokens.json")


class EcrPushTest(EcrTestBase):
    def setUp(self):
        super().setUp()
        self.reg = self.start_registry(auth=("AWS", PASSWORD))
        self.target = f"{self.reg.host}/app:1.0"
        self.ecr_args = ["--ecr-region", REGION, "--ecr-registry-id", ACCOUNT]

    def test_push_with_builtin_login_lands(self):
        res = self.run_cli(self.path, self.target, *self.ecr_args, "--create-repository")
        digest = self.assertPushed(res, self.reg.host, "app")
        self.assertNoSecret(res)
        self.assertEqual(self.verify(self.reg, "app", "1.0", self.img, creds=("AWS", PASSWORD)).digest, digest)
        apis = [c.api for c in self.aws.calls]
        self.assertEqual(apis, ["ecr:GetAuthorizationToken", "ecr:CreateRepository"], apis)
        token_call = self.aws.calls[0]
        self.assertEqual((token_call.access_key_id, token_call.region), (AKID, REGION))
        self.assertEqual(token_call.body, {"registryIds": [ACCOUNT]})
        self.assertEqual(self.aws.refusals, [])
        self.assertIn("app", self.aws.repositories)

    def test_missing_repository_is_one_clear_line(self):
        mark = self.reg.mark()
        res = self.run_cli(self.path, self.target, *self.ecr_args)
        self.assertExit(res, 1)
        line = self.error_line(res)
        for part in ("repository app does not exist", ACCOUNT, REGION, "--create-repository",
                     "aws ecr create-repository --repository-name app"):
            self.assertIn(part, line)
        self.assertEqual(self.reg.write_requests(mark), [])

    def test_existing_repository_needs_no_flag_and_policy_is_applied(self):
        self.aws.repositories.add("app")
        policy = os.path.join(self.tmp, "policy.json")
        text = json.dumps({"Version": "2012-10-17", "Statement": [{"Sid": "pull", "Effect": "Allow",
                                                                   "Principal": "*",
                                                                   "Action": ["ecr:BatchGetImage"]}]})
        with open(policy, "w") as f:
            f.write(text)
        res = self.run_cli(self.path, self.target, *self.ecr_args, "--repository-policy", policy)
        self.assertPushed(res, self.reg.host, "app")
        self.assertEqual(self.aws.policies, {"app": text})
        self.assertEqual(self.aws.count("ecr:DescribeRepositories"), 1)
        self.assertEqual(self.aws.count("ecr:CreateRepository"), 0)

    def test_token_cache_is_reused_and_private(self):
        self.aws.repositories.add("app")
        self.assertPushed(self.run_cli(self.path, self.target, *self.ecr_args), self.reg.host, "app")
        res = self.run_cli(self.path, f"{self.reg.host}/app:2.0", *self.ecr_args)
        self.assertPushed(res, self.reg.host, "app")
        self.assertEqual(self.aws.count("ecr:GetAuthorizationToken"), 1)
        mode = stat.S_IMODE(os.stat(self.cache_file).st_mode)
        self.assertEqual(mode, 0o600, oct(mode))
        with open(self.cache_file) as f:
            cache = json.load(f)
        key = f"{REGION}/{ACCOUNT}/{hashlib.sha256(AKID.encode()).hexdigest()}"
        self.assertEqual(list(cache["tokens"]), [key])
        with open(self.cache_file) as f:
            self.assertNotIn(AKID, f.read())

    def test_token_renewed_after_half_its_lifetime(self):
        self.aws.repositories.add("app")
        self.aws.token_lifetime = 2
        self.assertPushed(self.run_cli(self.path, self.target, *self.ecr_args), self.reg.host, "app")
        time.sleep(1.3)
        self.assertPushed(self.run_cli(self.path, self.target, *self.ecr_args), self.reg.host, "app")
        self.assertEqual(self.aws.count("ecr:GetAuthorizationToken"), 2)

    def test_refused_token_is_refreshed_once_and_the_push_lands(self):
        # A cached token the registry no longer accepts (as after ECR's 12 hours): 401, new token, retry.
        self.aws.repositories.add("app")
        now = int(time.time())
        key = f"{REGION}/{ACCOUNT}/{hashlib.sha256(AKID.encode()).hexdigest()}"
        os.makedirs(os.path.dirname(self.cache_file))
        with open(self.cache_file, "w") as f:
            json.dump({"tokens": {key: {"username": "AWS", "password": "expired-token", "issuedAt": now,
                                        "expiresAt": now + 43200, "proxyEndpoint": ""}}}, f)
        mark = self.reg.mark()
        res = self.run_cli(self.path, self.target, *self.ecr_args)
        digest = self.assertPushed(res, self.reg.host, "app")
        self.assertEqual(self.aws.count("ecr:GetAuthorizationToken"), 1)
        self.assertIn(401, [r.status for r in self.reg.requests(mark)])
        self.assertEqual(self.verify(self.reg, "app", "1.0", self.img, creds=("AWS", PASSWORD)).digest, digest)

    def test_wrong_secret_is_refused_by_the_signature_check(self):
        res = self.run_cli(self.path, self.target, *self.ecr_args,
                           env={"AWS_SECRET_ACCESS_KEY": "not-the-secret-key"})
        self.assertExit(res, 1)
        line = self.error_line(res)
        self.assertIn("InvalidSignatureException", line)
        self.assertIn("GetAuthorizationToken", line)
        self.assertIn(self.reg.host, line)
        self.assertNotIn("not-the-secret-key", res.stderr)
        self.assertEqual(len(self.aws.refusals), 1)


class EcrLoginPasswordTest(EcrTestBase):
    def test_get_login_password_prints_the_password(self):
        res = self.run_cli("ecr", "get-login-password", "--region", "us-west-2")
        self.assertExit(res, 0)
        self.assertEqual(res.stdout, PASSWORD + "\n")
        self.assertEqual([(c.api, c.region, c.body) for c in self.aws.calls],
                         [("ecr:GetAuthorizationToken", "us-west-2", {})])

    def test_region_from_the_environment_and_service_endpoint_override(self):
        res = self.run_cli("ecr", "get-login-password",
                           env={"AWS_REGION": "ap-northeast-1", "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
                                "AWS_ENDPOINT_URL_ECR": self.aws.url})
        self.assertExit(res, 0)
        self.assertEqual(self.aws.calls[0].region, "ap-northeast-1")

    def test_throttling_is_retried_with_backoff(self):
        self.aws.throttle_next = 2
        res = self.run_cli("ecr", "get-login-password", "--region", REGION)
        self.assertExit(res, 0)
        self.assertEqual(res.stdout, PASSWORD + "\n")
        self.assertEqual(self.aws.count("ecr:GetAuthorizationToken"), 3)

    def test_ecr_public_uses_its_own_api_in_us_east_1(self):
        res = self.run_cli("ecr-public", "get-login-password", env={"AWS_REGION": "eu-central-1"})
        self.assertExit(res, 0)
        self.assertEqual(res.stdout, PASSWORD + "\n")
        self.assertEqual([(c.api, c.region) for c in self.aws.calls],
                         [("ecr-public:GetAuthorizationToken", "us-east-1")])

    def test_no_region_is_a_usage_error(self):
        res = self.run_cli("ecr", "get-login-password")
        self.assertExit(res, 2)
        self.assertIn("region", self.error_line(res))


if __name__ == "__main__":
    unittest.main()
